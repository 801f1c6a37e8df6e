"""Raw reader input → ``(kind, value)``, by rules from the configuration.

Every reader (scanner, serial, helper command, simulated) sends what it read through
:func:`parse_identifier`. Anything that is not clearly an identifier is rejected with a reason
code; the raw text never appears in a rejection's repr, because reader input is patient data
and must stay out of logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from kiosk.api.models import IdentifierKind
from kiosk.config import IdentifiersSection
from kiosk.identity import CardHolder, is_mobile_phone, is_valid_resident_id

_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_CARD_UID = re.compile(r"^[0-9A-F]{8,20}$")


class RejectionReason(StrEnum):
    unreadable = "unreadable"
    too_long = "too_long"
    bad_checksum = "bad_checksum"
    unknown_format = "unknown_format"


MAX_HOLDER_NAME = 64
MAX_HOLDER_ADDRESS = 200


@dataclass(frozen=True)
class Identifier:
    """``holder``: what an ID card's chip says about its holder, when the reader sent it."""

    kind: IdentifierKind
    value: str = field(repr=False)
    holder: CardHolder | None = field(default=None, repr=False)


def card_holder(identifier: Identifier, name: object, address: object) -> Identifier:
    """The ID card's identifier with its holder's name and address, when both are plausible
    text (a name 1 to 64 printable characters, an address up to 200); else as it was."""
    if identifier.kind is not IdentifierKind.id_card or not isinstance(name, str):
        return identifier
    name = name.strip()
    address = address.strip() if isinstance(address, str) else ""
    if not (0 < len(name) <= MAX_HOLDER_NAME and name.isprintable()):
        return identifier
    if len(address) > MAX_HOLDER_ADDRESS or not address.isprintable():
        address = ""
    return replace(identifier, holder=CardHolder(identifier.value, name, address))


@dataclass(frozen=True)
class Rejection:
    """Why input was refused; deliberately without the input itself."""

    reason: RejectionReason


@dataclass(frozen=True)
class ParsingRules:
    health_qr_prefix: str
    patient_card: re.Pattern[str]
    insurance_card: re.Pattern[str]
    max_length: int
    insurance_qr: re.Pattern[str] = re.compile(IdentifiersSection().insurance_qr_pattern)

    @classmethod
    def default(cls) -> ParsingRules:
        return cls.from_section(IdentifiersSection())

    @classmethod
    def from_section(cls, section: IdentifiersSection) -> ParsingRules:
        return cls(
            health_qr_prefix=section.health_qr_prefix,
            patient_card=re.compile(section.patient_card_pattern),
            insurance_card=re.compile(section.insurance_card_pattern),
            max_length=section.max_length,
            insurance_qr=re.compile(section.insurance_qr_pattern),
        )


DEFAULT_RULES = ParsingRules.from_section(IdentifiersSection())


def _clean(raw: str, rules: ParsingRules) -> str | Rejection:
    """Without surrounding whitespace and CR/LF terminators, or why it cannot be used at all."""
    text = raw.strip()
    if len(text) > rules.max_length:
        return Rejection(RejectionReason.too_long)
    if not text or not text.isprintable():
        return Rejection(RejectionReason.unreadable)
    return text


def parse_identifier(raw: str, rules: ParsingRules = DEFAULT_RULES) -> Identifier | Rejection:
    """Recognise what a scanner, card or keypad produced.

    Tried in order: e-health QR (by prefix), medical insurance e-voucher QR (by the configured
    pattern, as read: it is an opaque token), resident ID (shape, then GB 11643 checksum),
    patient card and insurance card (by the configured patterns), mainland mobile number.
    """
    text = _clean(raw, rules)
    if isinstance(text, Rejection):
        return text
    if text.startswith(rules.health_qr_prefix) and len(text) > len(rules.health_qr_prefix):
        return Identifier(IdentifierKind.health_qr, text)
    if rules.insurance_qr.match(text):
        return Identifier(IdentifierKind.insurance_qr, text)
    upper = text.upper()
    if _RESIDENT_ID_SHAPE.match(upper):
        if not is_valid_resident_id(upper):
            return Rejection(RejectionReason.bad_checksum)
        return Identifier(IdentifierKind.id_card, upper)
    if rules.patient_card.match(upper):
        return Identifier(IdentifierKind.patient_card, upper)
    if rules.insurance_card.match(upper):
        return Identifier(IdentifierKind.insurance_card, upper)
    if is_mobile_phone(text):
        return Identifier(IdentifierKind.phone, text)
    return Rejection(RejectionReason.unknown_format)


def parse_typed_identifier(
    kind: str, value: str, rules: ParsingRules = DEFAULT_RULES
) -> Identifier | Rejection:
    """An identifier whose kind the source already knows (a vendor ID-card SDK, say).

    The kind must be one of the API's; resident IDs and phone numbers are still checked, other
    kinds are trusted to the source because a card chip need not follow the printed pattern.
    """
    try:
        identifier_kind = IdentifierKind(kind)
    except ValueError:
        return Rejection(RejectionReason.unknown_format)
    text = _clean(value, rules)
    if isinstance(text, Rejection):
        return text
    if identifier_kind is IdentifierKind.id_card:
        upper = text.upper()
        if not _RESIDENT_ID_SHAPE.match(upper):
            return Rejection(RejectionReason.unknown_format)
        if not is_valid_resident_id(upper):
            return Rejection(RejectionReason.bad_checksum)
        return Identifier(identifier_kind, upper)
    if identifier_kind is IdentifierKind.phone and not is_mobile_phone(text):
        return Rejection(RejectionReason.unknown_format)
    return Identifier(identifier_kind, text)


def parse_card_uid(uid: bytes, rules: ParsingRules = DEFAULT_RULES) -> Identifier | Rejection:
    """A contactless card's UID (4, 7 or 10 bytes) as upper-case hex → patient card.

    Hospitals that issue plain MIFARE cards register the UID as the card number, so the UID is a
    patient card when it fits the configured patient-card pattern (e.g. ``^[0-9A-F]{8,20}$``).
    """
    if not 4 <= len(uid) <= 10:
        return Rejection(RejectionReason.unreadable)
    text = uid.hex().upper()
    if _CARD_UID.match(text) and rules.patient_card.match(text):
        return Identifier(IdentifierKind.patient_card, text)
    return Rejection(RejectionReason.unknown_format)
