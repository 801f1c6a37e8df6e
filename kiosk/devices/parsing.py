"""Raw reader input → ``(kind, value)``, by rules from the configuration.

Every reader (scanner, serial, helper command, simulated) sends what it read through
:func:`parse_identifier`. Anything that is not clearly an identifier is rejected with a reason
code; the raw text never appears in a rejection's repr, because reader input is patient data
and must stay out of logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.api.models import IdentifierKind
from kiosk.config import IdentifiersSection
from kiosk.identity import is_mobile_phone, is_valid_resident_id

_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_TERMINATORS = "\r\n\t "


class RejectionReason(StrEnum):
    unreadable = "unreadable"
    too_long = "too_long"
    bad_checksum = "bad_checksum"
    unknown_format = "unknown_format"


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str = field(repr=False)


@dataclass(frozen=True)
class Rejection:
    reason: RejectionReason


@dataclass(frozen=True)
class ParsingRules:
    health_qr_prefix: str
    patient_card: re.Pattern[str]
    insurance_card: re.Pattern[str]
    max_length: int

    @classmethod
    def from_section(cls, section: IdentifiersSection) -> ParsingRules:
        return cls(
            health_qr_prefix=section.health_qr_prefix,
            patient_card=re.compile(section.patient_card_pattern),
            insurance_card=re.compile(section.insurance_card_pattern),
            max_length=section.max_length,
        )


DEFAULT_RULES = ParsingRules.from_section(IdentifiersSection())


def parse_identifier(raw: str, rules: ParsingRules = DEFAULT_RULES) -> Identifier | Rejection:
    text = raw.strip(_TERMINATORS)
    if len(text) > rules.max_length:
        return Rejection(RejectionReason.too_long)
    if not text or not text.isprintable():
        return Rejection(RejectionReason.unreadable)
    if text.startswith(rules.health_qr_prefix) and len(text) > len(rules.health_qr_prefix):
        return Identifier(IdentifierKind.health_qr, text)
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
