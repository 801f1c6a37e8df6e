"""The Kiosk API served from the hospital's FHIR server (sekmet-fhir on loopback): what a kiosk
sees through the server, what the FHIR server holds afterwards, and what the server's own
database keeps (the queue's tickets, one per check-in, nothing when the FHIR server is away)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER, CheckInResult, ErrorBody
from kiosk.server import insurance_platform, registrations
from kiosk.server.clinical import NewRecord
from kiosk.server.clock import ManualClock
from kiosk.server.db import (
    PoolExhaustedError,
    Target,
    connect,
    open_database,
    write_transaction,
)
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.fhir.config import FhirConfig
from kiosk.server.fhir.source import FhirClinicalSource
from kiosk.server.idempotency import REPLAY_HEADER
from kiosk.server.seed import DEMO_TOKEN
from tests.fhir.conftest import validate_r4
from tests.helpers.enrolment import sent_code
from tests.helpers.fhir_server import BEIJING, FhirTestServer, Hospital, free_port
from tests.helpers.server import ApiClient

ZHANG_ID_CARD = "110101199003071234"


def fhir_copy(fhir_server: FhirTestServer, path: str) -> dict[str, Any]:
    response = requests.get(f"{fhir_server.base_url}/{path}", timeout=10)
    assert response.status_code == 200, response.text
    resource: dict[str, Any] = response.json()
    validate_r4(resource)
    return resource


def local_count(db_path: Target, sql: str, *params: object) -> int:
    conn = connect(db_path)
    try:
        return int(conn.execute(sql, params).fetchone()[0])
    finally:
        conn.close()


# The server's own database on each engine: the copies and tickets are its SQL.
pytestmark = pytest.mark.engines("sqlite", "postgresql")


@pytest.fixture
def db_path(empty_db: Target) -> Target:
    """The server's own database: the demo hospital's queues and its kiosk, no FHIR data."""
    open_database(empty_db).close()
    return empty_db


def serve(db_path: Target, config: FhirConfig, clock: ManualClock) -> EmbeddedServer:
    return EmbeddedServer.start(
        db_path, seed_demo=True, clock=clock, clinical=FhirClinicalSource(config, clock=clock)
    )


@pytest.fixture
def server(db_path: Target, config: FhirConfig, clock: ManualClock) -> Iterator[EmbeddedServer]:
    with serve(db_path, config, clock) as running:
        yield running


@pytest.fixture
def api(server: EmbeddedServer) -> Iterator[ApiClient]:
    client = ApiClient(server.url)
    yield client
    client.close()


def identify_zhang(api: ApiClient) -> dict[str, Any]:
    response = api.post("/patients/identify", json={"kind": "id_card", "value": ZHANG_ID_CARD})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    api.session.headers[VISIT_TOKEN_HEADER] = result["visit_token"]
    return result


def check_in(api: ApiClient, appointment_id: str, key: str | None = None) -> requests.Response:
    return api.post(
        f"/appointments/{appointment_id}/check-in",
        headers={IDEMPOTENCY_HEADER: key or str(uuid.uuid4())},
    )


def tickets_of(db_path: Target, appointment_id: str) -> int:
    return local_count(
        db_path, "SELECT count(*) FROM tickets WHERE appointment_id = ?", appointment_id
    )


def test_identify_finds_the_patient_at_the_fhir_server_masked(api: ApiClient) -> None:
    patient = identify_zhang(api)
    assert patient["id"] == "pat-zhang"
    assert patient["display_name"] == "张*"
    assert patient["masked_id_number"].startswith("1101")
    assert "*" in patient["masked_id_number"]
    by_phone = api.post("/patients/identify", json={"kind": "phone", "value": "13900139000"})
    assert by_phone.status_code == 200, by_phone.text
    assert by_phone.json()["display_name"] == "欧**娜"
    unknown = api.post(
        "/patients/identify", json={"kind": "id_card", "value": "110101199901010000"}
    )
    assert unknown.status_code == 404
    assert ErrorBody.model_validate(unknown.json()).error.code == "patient_not_found"
    # An insurance card has no identifier system configured: not found, not a fault.
    other = api.post("/patients/identify", json={"kind": "insurance_card", "value": "X1"})
    assert other.status_code == 404


def test_appointments_come_from_the_fhir_server(api: ApiClient, hospital: Hospital) -> None:
    identify_zhang(api)
    response = api.get("/patients/pat-zhang/appointments")
    assert response.status_code == 200, response.text
    found = {a["id"]: a for a in response.json()["appointments"]}
    assert {"apt-soon", "apt-cancelled"} <= set(found)
    soon = found["apt-soon"]
    assert soon["status"] == "booked"
    assert soon["department"]["id"] == "dep-a"
    assert soon["doctor"]["name"] == "李明"
    assert soon["location"]["room"] == "201诊室"
    assert found["apt-cancelled"]["status"] == "cancelled"


def test_check_in_marks_the_appointment_arrived_and_issues_one_local_ticket(
    api: ApiClient, server: EmbeddedServer, fhir_server: FhirTestServer
) -> None:
    identify_zhang(api)
    key = str(uuid.uuid4())
    first = check_in(api, "apt-soon", key)
    assert first.status_code == 200, first.text
    ticket = CheckInResult.model_validate(first.json()).ticket
    assert ticket.number.startswith("A")
    assert ticket.department.id == "dep-a"
    assert ticket.patient_display_name == "张*"
    assert fhir_copy(fhir_server, "Appointment/apt-soon")["status"] == "arrived"
    # The same key again: the same ticket, replayed; another key: already checked in.
    again = check_in(api, "apt-soon", key)
    assert again.status_code == 200
    assert again.headers.get(REPLAY_HEADER) == "true"
    assert again.json() == first.json()
    other = check_in(api, "apt-soon")
    assert other.status_code == 409
    body = ErrorBody.model_validate(other.json())
    assert body.error.code == "already_checked_in"
    assert body.ticket is not None
    assert body.ticket.number == ticket.number
    assert tickets_of(server.db_path, "apt-soon") == 1
    # The appointment list shows the local ticket with the FHIR status.
    (listed,) = [
        a
        for a in api.get("/patients/pat-zhang/appointments").json()["appointments"]
        if a["id"] == "apt-soon"
    ]
    assert listed["status"] == "checked_in"
    assert listed["ticket"]["number"] == ticket.number


def test_an_arrival_written_at_the_fhir_server_without_a_local_ticket_gets_one_ticket(
    api: ApiClient, server: EmbeddedServer, fhir_server: FhirTestServer
) -> None:
    """The first try's FHIR write succeeded, its ticket did not (the server's database
    failed): the retry with the same key issues the ticket, once."""
    identify_zhang(api)
    current = fhir_copy(fhir_server, "Appointment/apt-soon")
    arrived = requests.put(
        f"{fhir_server.base_url}/Appointment/apt-soon",
        json={**current, "status": "arrived"},
        headers={"Content-Type": "application/fhir+json"},
        timeout=10,
    )
    assert arrived.status_code == 200, arrived.text
    key = str(uuid.uuid4())
    retried = check_in(api, "apt-soon", key)
    assert retried.status_code == 200, retried.text
    again = check_in(api, "apt-soon", key)
    assert again.json() == retried.json()
    assert tickets_of(server.db_path, "apt-soon") == 1


def test_a_check_in_without_a_key_is_refused_before_the_fhir_server_is_asked(
    api: ApiClient, server: EmbeddedServer, fhir_server: FhirTestServer
) -> None:
    identify_zhang(api)
    refused = api.post("/appointments/apt-soon/check-in")
    assert refused.status_code == 400
    assert ErrorBody.model_validate(refused.json()).error.code == "bad_request"
    assert fhir_copy(fhir_server, "Appointment/apt-soon")["status"] == "booked"
    assert tickets_of(server.db_path, "apt-soon") == 0


def test_check_in_rules_read_the_fhir_appointment(api: ApiClient, server: EmbeddedServer) -> None:
    identify_zhang(api)
    early = check_in(api, "apt-later")
    assert early.status_code == 409
    assert ErrorBody.model_validate(early.json()).error.code == "too_early"
    cancelled = check_in(api, "apt-cancelled")
    assert cancelled.status_code == 409
    assert ErrorBody.model_validate(cancelled.json()).error.code == "cancelled"
    missing = check_in(api, "apt-nowhere")
    assert missing.status_code == 404
    for refused in ("apt-later", "apt-cancelled", "apt-nowhere"):
        assert tickets_of(server.db_path, refused) == 0


def test_another_patients_appointment_is_refused(api: ApiClient) -> None:
    response = api.post("/patients/identify", json={"kind": "phone", "value": "13900139000"})
    api.session.headers[VISIT_TOKEN_HEADER] = response.json()["visit_token"]
    refused = check_in(api, "apt-soon")
    assert refused.status_code == 403
    assert ErrorBody.model_validate(refused.json()).error.code == "wrong_patient"


def test_fhir_server_down_is_a_503_and_nothing_is_written(
    db_path: Target, config: FhirConfig, clock: ManualClock, fhir_server: FhirTestServer
) -> None:
    with serve(db_path, config, clock) as up:
        client = ApiClient(up.url)
        identify_zhang(client)
        visit = client.session.headers[VISIT_TOKEN_HEADER]
        client.close()
    away = FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", connect_timeout_s=1)
    before = local_count(db_path, "SELECT count(*) FROM tickets")
    with serve(db_path, away, clock) as down:
        client = ApiClient(down.url)
        client.session.headers[VISIT_TOKEN_HEADER] = visit
        refused = check_in(client, "apt-soon")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"]
        assert ErrorBody.model_validate(refused.json()).error.code == "database_unavailable"
        listed = client.get("/patients/pat-zhang/appointments")
        assert listed.status_code == 503
        identify = client.post(
            "/patients/identify", json={"kind": "id_card", "value": ZHANG_ID_CARD}
        )
        assert identify.status_code == 503
        client.close()
    assert local_count(db_path, "SELECT count(*) FROM tickets") == before
    assert local_count(db_path, "SELECT count(*) FROM appointments WHERE id = 'apt-soon'") == 0
    assert fhir_copy(fhir_server, "Appointment/apt-soon")["status"] == "booked"


def test_departments_and_schedule_come_from_the_fhir_server(
    api: ApiClient, hospital: Hospital
) -> None:
    departments = api.get("/departments")
    assert departments.status_code == 200, departments.text
    ids = [d["id"] for d in departments.json()["departments"]]
    assert ids[0] == "dep-a"
    assert "hs-pediatrics" in ids
    schedule = api.get("/departments/dep-a/schedule", params={"date": hospital.today.isoformat()})
    assert schedule.status_code == 200, schedule.text
    (doctor,) = schedule.json()["doctors"]
    assert doctor["doctor"]["name"] == "李明"
    assert [s["slots_left"] for s in doctor["sessions"]] == [3, 3]
    assert api.get("/departments/dep-nowhere/schedule").status_code == 404


# --- kiosk-server --fhir-base-url --------------------------------------------------------------


def run_server_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.server.cli", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unreachable_fhir_server_at_start_is_one_line_and_exit_2(db_path: Target) -> None:
    done = run_server_cli(
        "--db",
        str(db_path),
        "--port",
        str(free_port()),
        "--fhir-base-url",
        f"http://127.0.0.1:{free_port()}/fhir",
    )
    assert done.returncode == 2
    assert done.stderr.startswith("kiosk-server: FHIR: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_bad_fhir_config_at_start_is_one_line_and_exit_2(db_path: Target, tmp_path: Path) -> None:
    bad = tmp_path / "fhir.toml"
    bad.write_text('base_url = "http://127.0.0.1:1/fhir"\nno_such_key = 1\n', encoding="utf-8")
    done = run_server_cli("--db", str(db_path), "--fhir-config", str(bad))
    assert done.returncode == 2
    assert "no_such_key" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_kiosk_server_serves_identify_from_the_fhir_server(
    db_path: Target, fhir_server: FhirTestServer, hospital: Hospital
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.server.cli",
            "--db",
            str(db_path),
            "--seed-demo",
            "--port",
            str(port),
            "--fhir-base-url",
            fhir_server.base_url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        client = ApiClient(f"http://127.0.0.1:{port}", DEMO_TOKEN)
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while True:
            try:
                client.get("/health", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert dt.datetime.now() < deadline
        patient = identify_zhang(client)
        assert patient["id"] == "pat-zhang"
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr is not None:
            process.stderr.close()


def test_the_local_copy_keeps_no_identifier(api: ApiClient, server: EmbeddedServer) -> None:
    identify_zhang(api)
    assert check_in(api, "apt-soon").status_code == 200
    conn = connect(server.db_path)
    try:
        with write_transaction(conn):
            row = conn.execute("SELECT * FROM patients WHERE id = 'pat-zhang'").fetchone()
    finally:
        conn.close()
    assert row["name"] == "张*"
    assert row["id_number"] is None
    assert row["phone"] is None


# --- bills ------------------------------------------------------------------------------------

WECHAT_CHARGED = "134567890123456789"


def open_bills(api: ApiClient) -> dict[str, dict[str, Any]]:
    response = api.get("/patients/pat-zhang/bills")
    assert response.status_code == 200, response.text
    return {bill["id"]: bill for bill in response.json()["bills"]}


def pay(api: ApiClient, bill_ids: list[str]) -> requests.Response:
    created = api.post(
        "/payments",
        json={"patient_id": "pat-zhang", "bill_ids": bill_ids},
        headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    return api.post(
        f"/payments/{created.json()['id']}/payment-code",
        json={"code": WECHAT_CHARGED},
        headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
    )


def test_bills_are_the_fhir_invoices_and_a_paid_one_is_balanced_there(
    api: ApiClient, fhir_server: FhirTestServer
) -> None:
    identify_zhang(api)
    bills = open_bills(api)
    assert set(bills) == {"inv-lab", "inv-drug"}
    lab = bills["inv-lab"]
    assert lab["status"] == "unpaid"
    assert lab["total_cents"] == 7500
    assert lab["insurance_cents"] == 1500
    assert lab["self_pay_cents"] == 6000
    paid = pay(api, ["inv-lab"])
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert fhir_copy(fhir_server, "Invoice/inv-lab")["status"] == "balanced"
    assert fhir_copy(fhir_server, "Invoice/inv-drug")["status"] == "issued"
    assert set(open_bills(api)) == {"inv-drug"}


def test_a_payment_made_while_fhir_is_away_is_balanced_there_later(
    db_path: Target, config: FhirConfig, clock: ManualClock, fhir_server: FhirTestServer
) -> None:
    """Paid here while the FHIR server is away: the invoice stays open there until the next
    read of the payment or the bills, which balances it (reconciliation), once."""
    with serve(db_path, config, clock) as up:
        client = ApiClient(up.url)
        identify_zhang(client)
        open_bills(client)  # kept locally for the payment
        visit = client.session.headers[VISIT_TOKEN_HEADER]
        client.close()
    away = FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", connect_timeout_s=1)
    with serve(db_path, away, clock) as down:
        client = ApiClient(down.url)
        client.session.headers[VISIT_TOKEN_HEADER] = visit
        paid = pay(client, ["inv-lab"])
        assert paid.status_code == 200, paid.text  # the patient's payment stands
        assert paid.json()["status"] == "paid"
        client.close()
    still_open = fhir_copy(fhir_server, "Invoice/inv-lab")
    assert still_open["status"] == "issued"
    with serve(db_path, config, clock) as back:
        client = ApiClient(back.url)
        client.session.headers[VISIT_TOKEN_HEADER] = visit
        assert set(open_bills(client)) == {"inv-drug"}
        client.close()
    balanced = fhir_copy(fhir_server, "Invoice/inv-lab")
    assert balanced["status"] == "balanced"
    assert int(balanced["meta"]["versionId"]) == int(still_open["meta"]["versionId"]) + 1


def test_a_receipt_paid_for_a_fhir_invoice_is_listed_and_reprinted_even_with_fhir_away(
    db_path: Target, config: FhirConfig, clock: ManualClock
) -> None:
    """Payments are the server's own: their receipts list and reprint from its database,
    whichever clinical source, and while the FHIR server is away."""
    with serve(db_path, config, clock) as up:
        client = ApiClient(up.url)
        identify_zhang(client)
        open_bills(client)
        paid = pay(client, ["inv-lab"])
        assert paid.status_code == 200, paid.text
        visit = client.session.headers[VISIT_TOKEN_HEADER]
        listed = client.get("/patients/pat-zhang/receipts")
        client.close()
    assert listed.status_code == 200, listed.text
    (record,) = listed.json()["receipts"]
    number = paid.json()["receipt"]["receipt_number"]
    assert record["receipt"]["receipt_number"] == number
    assert record["receipt"]["self_pay_cents"] == 6000
    away = FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", connect_timeout_s=1)
    with serve(db_path, away, clock) as down:
        client = ApiClient(down.url)
        client.session.headers[VISIT_TOKEN_HEADER] = visit
        again = client.get("/patients/pat-zhang/receipts")
        copy = client.post(
            f"/receipts/{number}/reprint", headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())}
        )
        client.close()
    assert again.status_code == 200, again.text
    assert [r["receipt"]["receipt_number"] for r in again.json()["receipts"]] == [number]
    assert copy.status_code == 200, copy.text
    assert (copy.json()["reprint_number"], copy.json()["reprints_left"]) == (1, 1)


# --- registrations ----------------------------------------------------------------------------


@pytest.fixture
def add_slots(fhir_server: FhirTestServer) -> Iterator[Callable[[dt.date], None]]:
    """Puts two free slots of Dr Li each half-day of a day (the hospital's own are today's);
    taken away again after the test, as the FHIR server is the whole session's."""
    made: list[str] = []

    def add(day: dt.date) -> None:
        for hour in (8, 14):
            for index in range(2):
                start = dt.datetime.combine(day, dt.time(hour), BEIJING) + dt.timedelta(
                    minutes=15 * index
                )
                slot_id = f"slot-li-{day:%m%d}-{hour}-{index}"
                slot = {
                    "resourceType": "Slot",
                    "id": slot_id,
                    "schedule": {"reference": "Schedule/sch-li"},
                    "status": "free",
                    "start": start.isoformat(),
                    "end": (start + dt.timedelta(minutes=15)).isoformat(),
                }
                put = requests.put(
                    f"{fhir_server.base_url}/Slot/{slot_id}",
                    json=slot,
                    headers={"Content-Type": "application/fhir+json"},
                    timeout=10,
                )
                assert put.status_code in (200, 201), put.text
                made.append(slot_id)

    yield add
    for slot_id in made:
        requests.delete(f"{fhir_server.base_url}/Slot/{slot_id}", timeout=10)


def session_on(api: ApiClient, day: dt.date, period: str) -> dict[str, Any]:
    schedule = api.get("/departments/dep-a/schedule", params={"date": day.isoformat()})
    (doctor,) = schedule.json()["doctors"]
    session: dict[str, Any] = next(s for s in doctor["sessions"] if s["period"] == period)
    return session


def register(api: ApiClient, session_id: str, key: str | None = None) -> requests.Response:
    return api.post(
        "/registrations",
        json={"patient_id": "pat-zhang", "session_id": session_id},
        headers={IDEMPOTENCY_HEADER: key or str(uuid.uuid4())},
    )


def booked_at_fhir(fhir_server: FhirTestServer) -> list[dict[str, Any]]:
    found = requests.get(
        f"{fhir_server.base_url}/Appointment",
        params={"patient": "Patient/pat-zhang", "status": "booked", "_count": "100"},
        timeout=10,
    ).json()
    return [e["resource"] for e in found.get("entry", []) if e["resource"].get("slot")]


def test_a_registration_books_a_fhir_slot_and_its_paid_fee_gives_the_ticket(
    api: ApiClient,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    add_slots: Callable[[dt.date], None],
) -> None:
    identify_zhang(api)
    tomorrow = hospital.today + dt.timedelta(days=1)
    add_slots(tomorrow)
    session = session_on(api, tomorrow, "morning")
    assert session["fee_cents"] == 5000
    before = {a["id"] for a in booked_at_fhir(fhir_server)}
    key = str(uuid.uuid4())
    first = register(api, session["id"], key)
    assert first.status_code == 200, first.text
    registration = first.json()["registration"]
    assert registration["status"] == "pending_payment"
    assert registration["fee_cents"] == 5000
    assert registration["doctor"]["name"] == "李明"
    (booked,) = [a for a in booked_at_fhir(fhir_server) if a["id"] not in before]
    validate_r4(booked)
    slot = fhir_copy(fhir_server, booked["slot"][0]["reference"])
    assert slot["status"] == "busy"
    # The same key: the same registration, nothing booked twice; again with another key:
    # already registered, nothing booked either.
    assert register(api, session["id"], key).json() == first.json()
    again = register(api, session["id"])
    assert again.status_code == 409
    assert ErrorBody.model_validate(again.json()).error.code == "already_registered"
    assert len(booked_at_fhir(fhir_server)) == len(before) + 1
    assert session_on(api, tomorrow, "morning")["slots_left"] == session["slots_left"] - 1
    # Paying the fee confirms the registration with a queue ticket.
    paid = api.post(
        "/payments",
        json={"patient_id": "pat-zhang", "bill_ids": [registration["bill_id"]]},
        headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
    )
    assert paid.status_code == 201, paid.text
    charged = api.post(
        f"/payments/{paid.json()['id']}/payment-code",
        json={"code": WECHAT_CHARGED},
        headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
    )
    assert charged.json()["status"] == "paid", charged.text


def test_a_full_fhir_session_is_session_full_and_books_nothing(
    api: ApiClient,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    add_slots: Callable[[dt.date], None],
) -> None:
    identify_zhang(api)
    tomorrow = hospital.today + dt.timedelta(days=1)
    add_slots(tomorrow)
    session = session_on(api, tomorrow, "morning")
    before = booked_at_fhir(fhir_server)
    for index in range(2):
        slot_id = f"slot-li-{tomorrow:%m%d}-8-{index}"
        current = fhir_copy(fhir_server, f"Slot/{slot_id}")
        taken = requests.put(
            f"{fhir_server.base_url}/Slot/{slot_id}",
            json={**current, "status": "busy"},
            headers={"Content-Type": "application/fhir+json"},
            timeout=10,
        )
        assert taken.status_code == 200, taken.text
    full = register(api, session["id"])
    assert full.status_code == 409
    body = ErrorBody.model_validate(full.json())
    assert body.error.code == "session_full"
    # The department's next sessions with places, from the FHIR server's slots (this
    # morning's too while it has not ended), never the full one.
    offered = body.error.details["suggestions"]
    assert all(o["session"]["id"] != session["id"] for o in offered)
    assert all(o["session"]["slots_left"] > 0 for o in offered)
    (suggestion,) = [
        o for o in offered if o["session"]["starts_at"].startswith(tomorrow.isoformat())
    ]
    assert suggestion["doctor"]["name"] == "李明"
    assert suggestion["session"]["period"] == "afternoon"
    assert suggestion["session"]["slots_left"] == 2
    assert booked_at_fhir(fhir_server) == before


def test_an_ended_fhir_session_is_session_over_and_books_nothing(
    api: ApiClient,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    add_slots: Callable[[dt.date], None],
) -> None:
    identify_zhang(api)
    yesterday = hospital.today - dt.timedelta(days=1)
    add_slots(yesterday)
    session = session_on(api, yesterday, "afternoon")
    before = booked_at_fhir(fhir_server)
    over = register(api, session["id"])
    assert over.status_code == 409
    body = ErrorBody.model_validate(over.json())
    assert body.error.code == "session_over"
    assert body.error.details["ends_at"]
    assert booked_at_fhir(fhir_server) == before


# --- the fleet page ---------------------------------------------------------------------------


def test_the_fleet_page_shows_the_fhir_link_and_its_latency(
    server: EmbeddedServer, db_path: Target, config: FhirConfig, clock: ManualClock
) -> None:
    page = requests.get(f"{server.url}/admin/kiosks", timeout=10)
    assert page.status_code == 200
    line = re.search(
        r'<p id="fhir-link">[^<]*<span class="en">FHIR link up</span>: (\d+) ms', page.text
    )
    assert line is not None, page.text
    away = FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", connect_timeout_s=1)
    with serve(db_path, away, clock) as down:
        page = requests.get(f"{down.url}/admin/kiosks", timeout=10)
    assert page.status_code == 200
    assert '<p id="fhir-link" class="error">' in page.text
    assert "FHIR link down</span>: unreachable" in page.text


# --- what the FHIR server is owed (hospital_writes) -------------------------------------------


def hospital_writes_of(db_path: Target, kind: str) -> list[tuple[Any, ...]]:
    conn = connect(db_path)
    try:
        rows = conn.execute(
            "SELECT ref, registration_id, due_at IS NOT NULL, attempts, done_at IS NOT NULL "
            "FROM hospital_writes WHERE kind = ? ORDER BY id",
            (kind,),
        ).fetchall()
        return [tuple(row) for row in rows]
    finally:
        conn.close()


def test_a_payment_made_while_fhir_is_away_is_balanced_there_without_anyone_coming_back(
    db_path: Target, config: FhirConfig, clock: ManualClock, fhir_server: FhirTestServer
) -> None:
    """Nobody reads the payment or the bills again: the server's own round balances the
    invoice once the FHIR server is back, after its pause between tries, and only once."""
    with serve(db_path, config, clock) as up:
        client = ApiClient(up.url)
        identify_zhang(client)
        open_bills(client)
        visit = client.session.headers[VISIT_TOKEN_HEADER]
        client.close()
    away = FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", connect_timeout_s=1)
    with serve(db_path, away, clock) as down:
        client = ApiClient(down.url)
        client.session.headers[VISIT_TOKEN_HEADER] = visit
        assert pay(client, ["inv-lab"]).json()["status"] == "paid"
        client.close()
        assert down.hospital_writer is not None
        assert down.hospital_writer.run_once() == 0  # still away: tried again later
        fleet = requests.get(f"{down.url}/admin/kiosks", timeout=10).text
        owed = "Writes waiting for the hospital's system: 1 (oldest 2026-03-02T10:00+08:00)"
        assert owed in fleet, fleet
    [(_, _, due, attempts, done)] = [
        w for w in hospital_writes_of(db_path, "settle_bill") if w[0] == "inv-lab"
    ]
    assert (due, done) == (True, False)
    assert attempts >= 1
    assert fhir_copy(fhir_server, "Invoice/inv-lab")["status"] == "issued"
    with serve(db_path, config, clock) as back:
        assert back.hospital_writer is not None
        assert back.hospital_writer.run_once() == 0  # back, but its next try is not due yet
        clock.advance(dt.timedelta(minutes=16))
        assert back.hospital_writer.run_once() == 1
        assert back.hospital_writer.run_once() == 0
        assert 'id="hospital-writes"' not in requests.get(f"{back.url}/admin/kiosks").text
    balanced = fhir_copy(fhir_server, "Invoice/inv-lab")
    assert balanced["status"] == "balanced"
    assert next(w for w in hospital_writes_of(db_path, "settle_bill") if w[0] == "inv-lab")[4]


def test_an_unpaid_registration_gives_its_fhir_slot_back_when_its_hold_lapses(
    api: ApiClient,
    server: EmbeddedServer,
    clock: ManualClock,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    add_slots: Callable[[dt.date], None],
) -> None:
    identify_zhang(api)
    tomorrow = hospital.today + dt.timedelta(days=1)
    add_slots(tomorrow)
    session = session_on(api, tomorrow, "morning")
    before = {a["id"] for a in booked_at_fhir(fhir_server)}
    answer = register(api, session["id"])
    assert answer.status_code == 200, answer.text
    registration = answer.json()["registration"]
    (booked,) = [a for a in booked_at_fhir(fhir_server) if a["id"] not in before]
    assert server.hospital_writer is not None
    assert server.hospital_writer.run_once() == 0  # the fee can still be paid: kept
    assert fhir_copy(fhir_server, f"Appointment/{booked['id']}")["status"] == "booked"

    clock.advance(dt.timedelta(minutes=6))  # never paid: the hold lapses
    assert server.hospital_writer.run_once() == 1
    assert fhir_copy(fhir_server, f"Appointment/{booked['id']}")["status"] == "cancelled"
    assert fhir_copy(fhir_server, booked["slot"][0]["reference"])["status"] == "free"
    assert local_count(
        server.db_path,
        "SELECT count(*) FROM registrations WHERE id = ? AND status = 'cancelled'",
        registration["id"],
    )
    assert server.hospital_writer.run_once() == 0
    assert session_on(api, tomorrow, "morning")["slots_left"] == session["slots_left"]


def test_a_booking_the_server_never_recorded_is_cancelled_at_fhir_and_a_retry_books_once(
    api: ApiClient,
    server: EmbeddedServer,
    clock: ManualClock,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    add_slots: Callable[[dt.date], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server's database fails between the booking at the FHIR server and its own commit
    (503 to the kiosk): the
    kiosk's retry with the same key finds that booking (one slot, one registration); a
    booking nobody retries is cancelled there after the grace period, its slot free again."""
    identify_zhang(api)
    tomorrow = hospital.today + dt.timedelta(days=1)
    add_slots(tomorrow)
    morning = session_on(api, tomorrow, "morning")
    afternoon = session_on(api, tomorrow, "afternoon")
    before = {a["id"] for a in booked_at_fhir(fhir_server)}

    def server_dies(*args: object, **kwargs: object) -> None:
        raise PoolExhaustedError("the database went away before the commit")

    recorded = registrations.record_booking
    monkeypatch.setattr(registrations, "record_booking", server_dies)
    key = str(uuid.uuid4())
    assert register(api, morning["id"], key).status_code == 503
    assert register(api, afternoon["id"]).status_code == 503  # never retried
    orphans = [a for a in booked_at_fhir(fhir_server) if a["id"] not in before]
    assert len(orphans) == 2
    monkeypatch.setattr(registrations, "record_booking", recorded)

    retried = register(api, morning["id"], key)
    assert retried.status_code == 200, retried.text
    now_booked = [a for a in booked_at_fhir(fhir_server) if a["id"] not in before]
    assert {a["id"] for a in now_booked} == {a["id"] for a in orphans}  # nothing new
    assert (
        local_count(
            server.db_path, "SELECT count(*) FROM registrations WHERE session_id = ?", morning["id"]
        )
        == 1
    )

    assert server.hospital_writer is not None
    assert server.hospital_writer.run_once() == 0  # within the grace period
    bill_id = retried.json()["registration"]["bill_id"]
    assert pay(api, [bill_id]).json()["status"] == "paid"  # kept for good
    clock.advance(dt.timedelta(minutes=11))
    server.hospital_writer.run_once()
    (kept,) = [a for a in orphans if a["start"].startswith(f"{tomorrow}T08")]
    (dropped,) = [a for a in orphans if a["id"] != kept["id"]]
    assert fhir_copy(fhir_server, f"Appointment/{kept['id']}")["status"] == "booked"
    assert fhir_copy(fhir_server, f"Appointment/{dropped['id']}")["status"] == "cancelled"
    assert fhir_copy(fhir_server, dropped["slot"][0]["reference"])["status"] == "free"


def test_the_same_registration_sent_twice_at_once_books_one_fhir_slot(
    api: ApiClient,
    server: EmbeddedServer,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    add_slots: Callable[[dt.date], None],
) -> None:
    identify_zhang(api)
    tomorrow = hospital.today + dt.timedelta(days=1)
    add_slots(tomorrow)
    session = session_on(api, tomorrow, "morning")
    before = {a["id"] for a in booked_at_fhir(fhir_server)}
    key = str(uuid.uuid4())
    visit = api.session.headers[VISIT_TOKEN_HEADER]

    def send() -> requests.Response:
        twin = ApiClient(server.url)
        twin.session.headers[VISIT_TOKEN_HEADER] = visit
        try:
            return register(twin, session["id"], key)
        finally:
            twin.close()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: send(), range(2)))
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    assert any(a.status_code == 200 for a in answers)
    assert len([a for a in booked_at_fhir(fhir_server) if a["id"] not in before]) == 1
    assert (
        local_count(
            server.db_path,
            "SELECT count(*) FROM registrations WHERE session_id = ? AND status != 'cancelled'",
            session["id"],
        )
        == 1
    )


def test_an_insurance_e_voucher_is_resolved_through_the_fhir_server(
    api: ApiClient, server: EmbeddedServer, db_path: Target, clock: ManualClock
) -> None:
    """The (simulated) insurance platform answers the ID number; the FHIR server finds the
    patient by it, or says clearly that it has nobody: never a 5xx."""
    token = insurance_platform.demo_voucher("pat-zhang")
    conn = connect(db_path)
    try:
        with write_transaction(conn):
            insurance_platform.add_voucher(
                conn, token, ZHANG_ID_CARD, clock.now + dt.timedelta(minutes=5)
            )
    finally:
        conn.close()
    found = api.post("/patients/identify", json={"kind": "insurance_qr", "value": token})
    assert found.status_code == 200, found.text
    assert found.json()["id"] == "pat-zhang"
    api.session.headers[VISIT_TOKEN_HEADER] = found.json()["visit_token"]
    # Zhang has no insurance data at the simulated platform: the Invoice's share is the fund.
    bills = api.get("/patients/pat-zhang/bills").json()["bills"]
    lab = next(bill for bill in bills if bill["insurance_cents"])
    assert (lab["insurance_fund_cents"], lab["personal_account_cents"]) == (1500, 0)
    # A demo patient's voucher: the platform knows the person, the hospital's FHIR server not.
    stranger = api.post(
        "/patients/identify",
        json={"kind": "insurance_qr", "value": insurance_platform.demo_voucher("pat-0200")},
    )
    assert stranger.status_code == 404
    assert ErrorBody.model_validate(stranger.json()).error.code == "patient_not_found"
    malformed = api.post("/patients/identify", json={"kind": "insurance_qr", "value": "EC1"})
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "insurance_voucher_invalid"


def test_cancelling_is_refused_clearly_when_the_hospitals_system_holds_appointments(
    api: ApiClient, db_path: Target
) -> None:
    """The FHIR source cannot cancel (nor refund) here: a 409 the kiosk words as "at a
    service window", never a 5xx; nothing changes locally."""
    identify_zhang(api)
    (appointment, *_) = api.get("/patients/pat-zhang/appointments").json()["appointments"]
    response = api.post(
        f"/appointments/{appointment['id']}/cancel",
        headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
    )
    assert response.status_code == 409, response.text
    assert ErrorBody.model_validate(response.json()).error.code == "cancellation_unavailable"
    assert local_count(db_path, "SELECT count(*) FROM refunds") == 0


NEW_ID_NUMBER = "110101199208150023"
NEW_PHONE = "13900001111"


def new_record(api: ApiClient, db_path: Target, key: str) -> requests.Response:
    """A first visit's two calls: the phone code, then the record under ``key``."""
    sent = api.post("/enrolment/phone-codes", json={"phone": NEW_PHONE})
    assert sent.status_code == 200, sent.text
    return api.post(
        "/patients",
        json={
            "id_number": NEW_ID_NUMBER,
            "name": "林晓雨",
            "address": "北京市东城区东华门街道",
            "phone": NEW_PHONE,
            "phone_code": sent_code(db_path, NEW_PHONE),
        },
        headers={IDEMPOTENCY_HEADER: key},
    )


@pytest.fixture
def new_patients(fhir_server: FhirTestServer) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The FHIR server's records of the new ID number; deleted afterwards, so the shared
    FHIR server's hospital stays as loaded."""
    url = f"{fhir_server.base_url}/Patient"
    search = {"identifier": f"urn:oid:2.16.156.10011.1.3|{NEW_ID_NUMBER}"}

    def found() -> list[dict[str, Any]]:
        bundle = requests.get(url, params=search, timeout=10).json()
        return [entry["resource"] for entry in bundle.get("entry", [])]

    yield found
    for patient in found():
        requests.delete(f"{url}/{patient['id']}", timeout=10)


def test_a_first_visit_makes_one_record_in_the_hospitals_system(
    api: ApiClient,
    db_path: Target,
    clock: ManualClock,
    new_patients: Callable[[], list[dict[str, Any]]],
) -> None:
    """The record is made at the FHIR server (R4-valid: both identifiers, name, sex and birth
    date from the ID number, mobile phone, address); a resend replays it, the patient
    identifies by ID card and by the new card number, and a second try is patient_exists."""
    key = str(uuid.uuid4())
    made = new_record(api, db_path, key)
    assert made.status_code == 200, made.text
    created = made.json()
    card = created["patient_card"]
    assert card.startswith("HC3")
    assert created["display_name"] == "林*雨"
    (record,) = new_patients()
    validate_r4(record)
    assert record["id"] == created["id"]
    assert {(i["system"], i["value"]) for i in record["identifier"]} == {
        ("urn:oid:2.16.156.10011.1.3", NEW_ID_NUMBER),
        ("urn:oid:2.16.156.10011.1.11", card),
    }
    assert (record["gender"], record["birthDate"]) == ("female", "1992-08-15")
    assert record["telecom"] == [{"system": "phone", "value": NEW_PHONE, "use": "mobile"}]
    assert record["address"][0]["text"] == "北京市东城区东华门街道"

    resent = api.post(
        "/patients",
        json={
            "id_number": NEW_ID_NUMBER,
            "name": "林晓雨",
            "address": "北京市东城区东华门街道",
            "phone": NEW_PHONE,
            "phone_code": sent_code(db_path, NEW_PHONE),
        },
        headers={IDEMPOTENCY_HEADER: key},
    )
    assert resent.status_code == 200
    assert resent.headers[REPLAY_HEADER] == "true"
    assert resent.json()["patient_card"] == card
    for kind, value in (("id_card", NEW_ID_NUMBER), ("patient_card", card)):
        found = api.post("/patients/identify", json={"kind": kind, "value": value})
        assert found.status_code == 200, found.text
        assert found.json()["id"] == created["id"]

    api.session.headers.pop(VISIT_TOKEN_HEADER, None)
    again = api.post("/patients", json={}, headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())})
    assert again.status_code == 422  # not the schema: refused before anything is asked
    clock.advance(dt.timedelta(minutes=1))  # a new code may be sent
    twice = new_record(api, db_path, str(uuid.uuid4()))
    assert twice.status_code == 409
    assert ErrorBody.model_validate(twice.json()).error.code == "patient_exists"
    assert len(new_patients()) == 1
    # The code of that refused try was not spent: the patient identifies with the card.
    assert local_count(db_path, "SELECT attempts_left FROM phone_codes") == 5


def test_a_record_made_at_the_hospital_whose_answer_was_lost_is_patient_exists(
    api: ApiClient,
    db_path: Target,
    config: FhirConfig,
    new_patients: Callable[[], list[dict[str, Any]]],
) -> None:
    """The first try made the record at the FHIR server, then the server stopped before it
    stored its answer (or the hospital made it meanwhile): the resend finds the record
    (patient_exists, before the code is tried: the kiosk identifies the patient with the
    card) and makes no second one."""
    source = FhirClinicalSource(config)
    source.create_patient(
        NewRecord(
            id_number=NEW_ID_NUMBER,
            name="林晓雨",
            sex="female",
            birth_date=dt.date(1992, 8, 15),
            address="",
            phone=NEW_PHONE,
            card_number="HC39999999",
        ),
        dt.date(2026, 12, 4),
    )
    resent = new_record(api, db_path, str(uuid.uuid4()))
    assert resent.status_code == 409
    assert ErrorBody.model_validate(resent.json()).error.code == "patient_exists"
    assert [p["identifier"][1]["value"] for p in new_patients()] == ["HC39999999"]
    assert local_count(db_path, "SELECT attempts_left FROM phone_codes") == 5


def test_a_first_visit_while_the_fhir_server_is_away_is_a_503_and_makes_nothing(
    db_path: Target, clock: ManualClock, new_patients: Callable[[], list[dict[str, Any]]]
) -> None:
    away = FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", connect_timeout_s=1)
    with serve(db_path, away, clock) as down:
        client = ApiClient(down.url)
        refused = new_record(client, db_path, str(uuid.uuid4()))
        client.close()
    assert refused.status_code == 503
    assert ErrorBody.model_validate(refused.json()).error.code == "database_unavailable"
    assert local_count(db_path, "SELECT count(*) FROM phone_codes WHERE used_at IS NULL") == 1
    assert local_count(db_path, "SELECT attempts_left FROM phone_codes") == 5
    assert new_patients() == []


class _NoNewPatients(BaseHTTPRequestHandler):
    """A FHIR server that takes no new records: POST Patient is 405 with an OperationOutcome;
    everything else goes on to sekmet-fhir."""

    upstream = ""

    def do_POST(self) -> None:
        if self.path.rstrip("/").endswith("/Patient"):
            body = json.dumps(
                {
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": "error", "code": "not-supported", "diagnostics": "no"}],
                }
            ).encode()
            self.send_response(405)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self._forward("POST")

    def do_GET(self) -> None:
        self._forward("GET")

    def _forward(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        answer = requests.request(
            method,
            self.upstream + self.path,
            data=self.rfile.read(length) if length else None,
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
            timeout=10,
        )
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_fhir_server_that_takes_no_new_records_is_enrolment_unavailable(
    db_path: Target,
    clock: ManualClock,
    fhir_server: FhirTestServer,
    new_patients: Callable[[], list[dict[str, Any]]],
) -> None:
    """The create refused (405 OperationOutcome): 409 enrolment_unavailable, which the kiosk
    words as "at the registration window"; nothing made there, no visit here."""
    upstream = urlsplit(fhir_server.base_url)
    handler = type("Handler", (_NoNewPatients,), {"upstream": f"http://{upstream.netloc}"})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        front = FhirConfig(base_url=f"http://127.0.0.1:{proxy.server_port}{upstream.path}")
        with serve(db_path, front, clock) as running:
            client = ApiClient(running.url)
            refused = new_record(client, db_path, str(uuid.uuid4()))
            client.close()
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert refused.status_code == 409, refused.text
    assert ErrorBody.model_validate(refused.json()).error.code == "enrolment_unavailable"
    assert new_patients() == []
    assert local_count(db_path, "SELECT count(*) FROM visits") == 0
