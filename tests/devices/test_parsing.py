"""Reader input → identifiers, and polite rejections for everything else."""

from __future__ import annotations

import pytest

from kiosk.api.models import IdentifierKind
from kiosk.config import IdentifiersSection
from kiosk.devices.parsing import (
    Identifier,
    ParsingRules,
    Rejection,
    RejectionReason,
    parse_card_uid,
    parse_identifier,
    parse_typed_identifier,
)

# A medical insurance e-voucher QR as the simulated platform issues it (6-digit area, EC, hex).
VOUCHER = "110100EC" + "0123456789ABCDEF" * 2


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("11010519491231002X", IdentifierKind.id_card, "11010519491231002X"),
        ("11010519491231002x\r\n", IdentifierKind.id_card, "11010519491231002X"),
        ("HC10000001", IdentifierKind.patient_card, "HC10000001"),
        ("hc10000001", IdentifierKind.patient_card, "HC10000001"),
        ("SI11010500000001", IdentifierKind.insurance_card, "SI11010500000001"),
        ("EHC:demo-0001-7f3a9c", IdentifierKind.health_qr, "EHC:demo-0001-7f3a9c"),
        (VOUCHER + "\r\n", IdentifierKind.insurance_qr, VOUCHER),
        ("13800138000\n", IdentifierKind.phone, "13800138000"),
        (" \t11010519491231002X\r", IdentifierKind.id_card, "11010519491231002X"),
    ],
)
def test_identifiers(raw: str, kind: IdentifierKind, value: str) -> None:
    assert parse_identifier(raw) == Identifier(kind, value)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", RejectionReason.bad_checksum),
        ("", RejectionReason.unreadable),
        ("\r\n", RejectionReason.unreadable),
        ("1101\x0005194912", RejectionReason.unreadable),
        ("\x1b[A\x1b[B", RejectionReason.unreadable),
        ("9" * 500, RejectionReason.too_long),
        ("hello world", RejectionReason.unknown_format),
        ("12345678901", RejectionReason.unknown_format),
        ("EHC:", RejectionReason.unknown_format),
        ("EHC:abc\x07", RejectionReason.unreadable),
        ("\ufffd\ufffd\x7f", RejectionReason.unreadable),
        ("110105194913310024", RejectionReason.bad_checksum),
        ("1101051949123100", RejectionReason.unknown_format),
        (VOUCHER[:-1], RejectionReason.unknown_format),  # cut short
        (VOUCHER.lower(), RejectionReason.unknown_format),  # an opaque token is not recased
    ],
)
def test_rejections(raw: str, reason: RejectionReason) -> None:
    assert parse_identifier(raw) == Rejection(reason)


def test_rules_come_from_the_config() -> None:
    rules = ParsingRules.from_section(
        IdentifiersSection(health_qr_prefix="HQR|", patient_card_pattern=r"^P\d{6}$")
    )
    assert parse_identifier("HQR|abc", rules) == Identifier(IdentifierKind.health_qr, "HQR|abc")
    assert parse_identifier("P123456", rules) == Identifier(IdentifierKind.patient_card, "P123456")
    assert parse_identifier("EHC:abc", rules) == Rejection(RejectionReason.unknown_format)
    vouchers = ParsingRules.from_section(IdentifiersSection(insurance_qr_pattern=r"^YB\d{20}$"))
    code = "YB" + "1" * 20
    assert parse_identifier(code, vouchers) == Identifier(IdentifierKind.insurance_qr, code)
    assert parse_identifier(VOUCHER, vouchers) == Rejection(RejectionReason.unknown_format)


def test_default_rules_match_the_config_defaults() -> None:
    assert ParsingRules.default() == ParsingRules.from_section(IdentifiersSection())


def test_max_length_comes_from_the_rules() -> None:
    rules = ParsingRules.from_section(IdentifiersSection(max_length=16))
    assert parse_identifier("EHC:" + "a" * 12, rules) == Identifier(
        IdentifierKind.health_qr, "EHC:" + "a" * 12
    )
    assert parse_identifier("EHC:" + "a" * 13, rules) == Rejection(RejectionReason.too_long)


@pytest.mark.parametrize(
    "raw", ["11010519491231002X", "110105194912310021", "13800138000", "secret\x00value"]
)
def test_input_stays_out_of_reprs(raw: str) -> None:
    result = parse_identifier(raw)
    assert raw not in repr(result)
    assert raw not in str(result)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("id_card", "11010519491231002x", Identifier(IdentifierKind.id_card, "11010519491231002X")),
        ("id_card", "110105194912310021", Rejection(RejectionReason.bad_checksum)),
        ("id_card", "HC10000001", Rejection(RejectionReason.unknown_format)),
        ("insurance_card", "A1234567", Identifier(IdentifierKind.insurance_card, "A1234567")),
        ("phone", "13800138000", Identifier(IdentifierKind.phone, "13800138000")),
        ("phone", "12345", Rejection(RejectionReason.unknown_format)),
        ("passport", "E12345678", Rejection(RejectionReason.unknown_format)),
        ("patient_card", "\x1b\x00", Rejection(RejectionReason.unreadable)),
        ("patient_card", "9" * 200, Rejection(RejectionReason.too_long)),
    ],
)
def test_typed_identifiers(kind: str, value: str, expected: Identifier | Rejection) -> None:
    assert parse_typed_identifier(kind, value) == expected


def test_card_uid_is_a_patient_card_when_the_pattern_allows_it() -> None:
    rules = ParsingRules.from_section(IdentifiersSection(patient_card_pattern=r"^[0-9A-F]{8,14}$"))
    assert parse_card_uid(bytes.fromhex("04a1b2c3"), rules) == Identifier(
        IdentifierKind.patient_card, "04A1B2C3"
    )
    assert parse_card_uid(bytes.fromhex("04a1b2c3"), ParsingRules.default()) == Rejection(
        RejectionReason.unknown_format
    )
    assert parse_card_uid(b"\x01", rules) == Rejection(RejectionReason.unreadable)
