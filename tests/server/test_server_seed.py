"""The demo hospital: deterministic, realistic, every identifier valid and unique."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from kiosk.identity import is_valid_resident_id
from kiosk.server.db import Target, kiosk_for_token, open_database
from kiosk.server.seed import DEMO_IDENTITIES, seed_demo
from tests.helpers.postgres import INTEGRITY_ERRORS

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def seeded(demo_db: Target):
    conn = open_database(demo_db)
    yield conn
    conn.close()


def _dump(path: Path, now: dt.datetime) -> list[str]:
    conn = open_database(path)
    try:
        seed_demo(conn, now)
        assert isinstance(conn, sqlite3.Connection)
        # The seed, not when the schema was made: that is the day's time.
        return [line for line in conn.iterdump() if '"schema_version"' not in line]
    finally:
        conn.close()


def test_seed_is_deterministic(tmp_path, demo_now):
    assert _dump(tmp_path / "a.sqlite3", demo_now) == _dump(tmp_path / "b.sqlite3", demo_now)


def test_counts(seeded):
    def count(table: str) -> int:
        return int(seeded.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    assert count("departments") >= 10
    assert count("doctors") == 32  # 30 + 2 of the free general clinic
    assert count("patients") == 200
    assert count("appointments") > 100
    days = seeded.execute("SELECT count(DISTINCT service_date) FROM sessions").fetchone()[0]
    assert days == 7


def test_every_patient_has_valid_unique_identifiers(seeded):
    rows = seeded.execute(
        "SELECT name, id_number, phone, insurance_card, patient_card, health_qr FROM patients"
    ).fetchall()
    for name, id_number, phone, insurance, card, qr in rows:
        assert is_valid_resident_id(id_number), (name, id_number)
        assert re.fullmatch(r"1[3-9]\d{9}", phone)
        assert re.fullmatch(r"SI\d{14}", insurance)
        assert re.fullmatch(r"HC\d{8}", card)
        assert qr.startswith("EHC:")
    for column in range(1, 6):
        values = [row[column] for row in rows]
        assert len(set(values)) == len(values)
    names = {row[0] for row in rows}
    assert {"𠮷祥", "龘龙", "买买提·艾力"} <= names


def test_doctor_titles(seeded):
    titles = {row[0] for row in seeded.execute("SELECT DISTINCT title FROM doctors")}
    assert "主任医师" in titles
    assert titles <= {"主任医师", "副主任医师", "主治医师", "住院医师"}


def test_demo_kiosk_token(seeded):
    assert kiosk_for_token(seeded, "demo-token") == "demo-kiosk"
    assert kiosk_for_token(seeded, "wrong") is None
    stored = seeded.execute("SELECT token_sha256 FROM kiosks").fetchone()[0]
    assert stored != "demo-token"
    assert len(stored) == 64


def test_ticket_numbers_are_unique_per_department_and_day(seeded):
    with pytest.raises(INTEGRITY_ERRORS):
        seeded.execute(
            "INSERT INTO tickets (department_id, service_date, seq, number, status, issued_at) "
            "SELECT department_id, service_date, seq + 100, number, status, issued_at "
            "FROM tickets LIMIT 1"
        )


@pytest.mark.parametrize("hour", [0, 7, 12, 18, 23])
def test_scenarios_hold_at_any_hour(tmp_path, hour):
    now = dt.datetime(2025, 3, 10, hour, 40, tzinfo=TZ)
    conn = open_database(tmp_path / "demo.sqlite3")
    try:
        seed_demo(conn, now)

        def today(scenario: str) -> int:
            ident = DEMO_IDENTITIES[scenario]
            column = {
                "id_card": "id_number",
                "insurance_card": "insurance_card",
                "patient_card": "patient_card",
                "health_qr": "health_qr",
                "phone": "phone",
            }[ident.kind]
            return int(
                conn.execute(
                    "SELECT count(*) FROM appointments a JOIN patients p ON p.id = a.patient_id "
                    f"WHERE p.{column} = ? AND a.service_date = ?",
                    (ident.value, now.date().isoformat()),
                ).fetchone()[0]
            )

        assert today("one_in_window") == 1
        assert today("two_today") == 2
        assert today("no_appointment_today") == 0
        for scenario in ("too_early", "too_late", "cancelled", "already_checked_in"):
            assert today(scenario) == 1, scenario
        assert today("unpaid_bills") == 0
        # The free general clinic of Internal Medicine has one full session today.
        full = conn.execute(
            "SELECT count(*) FROM sessions WHERE department_id = 'dep-a' AND service_date = ? "
            "AND slots_left = 0 AND fee_cents = 0",
            (now.date().isoformat(),),
        ).fetchone()[0]
        assert full == 1
    finally:
        conn.close()


def test_seed_needs_no_more_than_a_moment(tmp_path, demo_now):
    # Not a benchmark: just guards against an accidental O(n²) that would slow every test.
    import time

    start = time.perf_counter()
    _dump(tmp_path / "t.sqlite3", demo_now)
    assert time.perf_counter() - start < 5


def test_the_unpaid_bills_scenario(seeded):
    ident = DEMO_IDENTITIES["unpaid_bills"]
    assert ident.kind == "insurance_card"
    (patient_id,) = seeded.execute(
        "SELECT id FROM patients WHERE insurance_card = ?", (ident.value,)
    ).fetchone()
    bills = seeded.execute(
        "SELECT id, status, insurance_cents FROM bills WHERE patient_id = ?", (patient_id,)
    ).fetchall()
    assert len(bills) == 2
    assert {row["status"] for row in bills} == {"unpaid"}
    assert all(row["insurance_cents"] > 0 for row in bills)
    categories = {
        row[0]
        for row in seeded.execute(
            "SELECT category FROM bill_items WHERE bill_id IN (?, ?)", [b["id"] for b in bills]
        )
    }
    assert {"drug", "lab"} <= categories
    others = seeded.execute(
        "SELECT count(DISTINCT patient_id) FROM bills WHERE patient_id != ?", (patient_id,)
    ).fetchone()[0]
    assert others >= 5


def test_prices_and_hints(seeded):
    assert seeded.execute("SELECT count(*) FROM prices").fetchone()[0] >= 40
    assert seeded.execute("SELECT count(*) FROM departments WHERE hint = ''").fetchone()[0] == 0


def test_an_older_database_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE departments (id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL)"
    )
    old.execute("INSERT INTO departments VALUES ('dep-a', 'A', '内科')")
    old.commit()
    old.close()
    conn = open_database(path)
    try:
        row = conn.execute("SELECT hint, hint_en FROM departments").fetchone()
        assert tuple(row) == ("", "")
    finally:
        conn.close()
