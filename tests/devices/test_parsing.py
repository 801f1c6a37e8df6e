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
    parse_identifier,
)


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("11010519491231002X", IdentifierKind.id_card, "11010519491231002X"),
        ("11010519491231002x\r\n", IdentifierKind.id_card, "11010519491231002X"),
        ("HC10000001", IdentifierKind.patient_card, "HC10000001"),
        ("hc10000001", IdentifierKind.patient_card, "HC10000001"),
        ("SI11010500000001", IdentifierKind.insurance_card, "SI11010500000001"),
        ("EHC:demo-0001-7f3a9c", IdentifierKind.health_qr, "EHC:demo-0001-7f3a9c"),
        ("13800138000\n", IdentifierKind.phone, "13800138000"),
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


def test_identifier_values_stay_out_of_reprs() -> None:
    assert "11010519491231002X" not in repr(parse_identifier("11010519491231002X"))
