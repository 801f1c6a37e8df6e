"""POST /api/v1/appointments/{id}/check-in: rules, idempotency, ticket numbers, concurrency."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from typing import Any

import requests

from kiosk.api.models import (
    IDEMPOTENCY_HEADER,
    VISIT_TOKEN_HEADER,
    CheckInResult,
    ErrorBody,
    TicketPublicStatus,
)
from kiosk.server.db import add_kiosk, connect, insert_appointment, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.idempotency import REPLAY_HEADER
from tests.helpers.server import ApiClient, visit_token

TICKET_NUMBER = re.compile(r"^[A-Z]{1,2}\d{3,}$")


def _only_appointment(api: ApiClient, scenario: str) -> dict[str, Any]:
    (appointment,) = api.appointments_today(scenario)
    return appointment


def test_check_in_issues_a_ticket(api, live_server, demo_now):
    appointment = _only_appointment(api, "one_in_window")
    response = api.check_in(appointment["id"])
    assert response.status_code == 200, response.text
    ticket = CheckInResult.model_validate(response.json()).ticket
    assert TICKET_NUMBER.match(ticket.number)
    assert ticket.number.startswith("A")
    assert ticket.service_date == demo_now.date()
    assert ticket.department.code == "A"
    assert ticket.location.room == "201"
    assert ticket.status == "waiting"
    # The demo queue of Internal Medicine: one called, three waiting. The patient is 75
    # (elderly priority), so one more normal call comes first, then this one.
    assert ticket.people_ahead == 1
    assert ticket.estimated_wait_minutes == 1 * 6
    assert ticket.patient_display_name == "王*英"
    assert ticket.doctor is not None
    assert ticket.issued_at == demo_now
    # The QR opens the phone page, keyed by an unguessable token (not the ticket number).
    assert re.fullmatch(rf"{live_server.url}/q/[A-Za-z0-9_-]{{24}}", ticket.status_url)
    # The appointment now shows the ticket.
    (listed,) = api.appointments_today("one_in_window")
    assert listed["status"] == "checked_in"
    assert listed["ticket"]["number"] == ticket.number


def test_the_public_json_status_works_without_a_token_and_has_no_patient_data(api, anonymous_api):
    """The JSON status by ticket number stays for API clients (the QR opens the phone page)."""
    appointment = _only_appointment(api, "one_in_window")
    ticket = api.check_in(appointment["id"]).json()["ticket"]
    with requests.Session() as phone:
        response = phone.get(
            api.url(f"/tickets/{ticket['number']}/status"),
            params={"date": ticket["service_date"]},
            timeout=10,
        )
    assert response.status_code == 200
    status = TicketPublicStatus.model_validate(response.json())
    assert status.number == ticket["number"]
    assert status.people_ahead == 1
    text = response.text
    assert not any("patient" in key for key in response.json())
    assert "王" not in text
    assert "*" not in text
    assert "1101" not in text
    missing = anonymous_api.get("/tickets/Z999/status", params={"date": "2025-03-10"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_public_url_is_used_for_the_status_url(demo_db, demo_now):
    from kiosk.server.clock import ManualClock

    with EmbeddedServer.start(
        demo_db, seed_demo=False, clock=ManualClock(demo_now), public_url="https://q.example/"
    ) as server:
        with requests.Session() as session:
            session.headers["Authorization"] = "Bearer demo-token"
            token = visit_token(demo_db, appointment_id="apt-00007")
            response = session.post(
                f"{server.url}/api/v1/appointments/apt-00007/check-in",
                json={},
                headers={IDEMPOTENCY_HEADER: "k1", VISIT_TOKEN_HEADER: token},
                timeout=10,
            )
    assert response.status_code == 200, response.text
    assert response.json()["ticket"]["status_url"].startswith("https://q.example/q/")


def test_retry_with_the_same_key_replays_the_same_ticket(api):
    appointment = _only_appointment(api, "one_in_window")
    first = api.check_in(appointment["id"], key="retry-1")
    second = api.check_in(appointment["id"], key="retry-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get(REPLAY_HEADER) == "true"
    assert REPLAY_HEADER not in first.headers
    # An empty body fingerprints like {}.
    third = api.post(
        f"/appointments/{appointment['id']}/check-in", headers={IDEMPOTENCY_HEADER: "retry-1"}
    )
    assert third.status_code == 200
    assert third.json() == first.json()


def test_a_new_key_after_success_gets_409_with_the_same_ticket(api):
    appointment = _only_appointment(api, "one_in_window")
    first = api.check_in(appointment["id"]).json()["ticket"]
    again = api.check_in(appointment["id"])
    assert again.status_code == 409
    body = ErrorBody.model_validate(again.json())
    assert body.error.code == "already_checked_in"
    assert body.ticket is not None
    assert body.ticket.number == first["number"]


def test_same_key_for_a_different_request_is_an_idempotency_conflict(api):
    first, second = api.appointments_today("two_today")
    assert api.check_in(first["id"], key="shared").status_code == 200
    response = api.check_in(second["id"], key="shared")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_conflict"
    # Nothing happened to the second appointment.
    assert api.check_in(second["id"]).status_code == 200


def test_same_key_with_a_different_body_is_refused(api):
    appointment = _only_appointment(api, "one_in_window")
    response = api.check_in(appointment["id"], key="k", json={"unexpected": True})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_keys_are_scoped_per_kiosk(api, live_server):
    conn = connect(live_server.db_path)
    try:
        add_kiosk(conn, "lobby-west-1", "west-token")
    finally:
        conn.close()
    first, second = api.appointments_today("two_today")
    assert api.check_in(first["id"], key="same").status_code == 200
    with requests.Session() as other:
        response = other.post(
            api.url(f"/appointments/{second['id']}/check-in"),
            json={},
            headers={
                "Authorization": "Bearer west-token",
                IDEMPOTENCY_HEADER: "same",
                VISIT_TOKEN_HEADER: visit_token(
                    live_server.db_path, appointment_id=second["id"], kiosk_id="lobby-west-1"
                ),
            },
            timeout=10,
        )
    assert response.status_code == 200, response.text


def test_missing_idempotency_key_is_400(api):
    appointment = _only_appointment(api, "one_in_window")
    for headers in ({}, {IDEMPOTENCY_HEADER: ""}, {IDEMPOTENCY_HEADER: "x" * 201}):
        response = api.post(f"/appointments/{appointment['id']}/check-in", json={}, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
    # and nothing was checked in
    assert api.check_in(appointment["id"]).status_code == 200


def test_refusals_with_their_reason_codes(api):
    for scenario, code in (
        ("too_early", "too_early"),
        ("too_late", "too_late"),
        ("cancelled", "cancelled"),
    ):
        appointment = _only_appointment(api, scenario)
        response = api.check_in(appointment["id"])
        assert response.status_code == 409, scenario
        body = ErrorBody.model_validate(response.json())
        assert body.error.code == code
        assert body.ticket is None


def test_already_checked_in_returns_the_existing_ticket(api):
    appointment = _only_appointment(api, "already_checked_in")
    response = api.check_in(appointment["id"])
    assert response.status_code == 409
    body = ErrorBody.model_validate(response.json())
    assert body.error.code == "already_checked_in"
    assert body.ticket is not None
    assert body.ticket.number == appointment["ticket"]["number"]


def test_a_refusal_is_not_stored_so_the_same_key_works_once_the_window_opens(api, manual_clock):
    appointment = _only_appointment(api, "too_early")
    assert api.check_in(appointment["id"], key="early").status_code == 409
    manual_clock.advance(dt.timedelta(hours=2, minutes=1))
    api.identify("too_early")  # the patient comes back: a new visit
    response = api.check_in(appointment["id"], key="early")
    assert response.status_code == 200, response.text
    manual_clock.advance(dt.timedelta(hours=1))
    late = _only_appointment(api, "rare_name")
    assert api.check_in(late["id"]).json()["error"]["code"] == "too_late"


def test_unknown_appointment_is_404(api):
    api.identify("one_in_window")
    response = api.check_in("apt-99999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_check_in_needs_a_token(anonymous_api, api):
    appointment = _only_appointment(api, "one_in_window")
    response = anonymous_api.check_in(appointment["id"])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_fifty_kiosks_checking_in_at_once_get_fifty_distinct_numbers(live_server, demo_now):
    """50 threads, 50 appointments of Pediatrics (no tickets yet today), all at the same time."""
    count = 50
    conn = connect(live_server.db_path)
    try:
        with write_transaction(conn):
            for n in range(count):
                insert_appointment(
                    conn,
                    appointment_id=f"apt-load-{n:02d}",
                    patient_id=f"pat-{n + 10:04d}",
                    doctor_id="doc-007",  # a Pediatrics doctor
                    starts_at=demo_now + dt.timedelta(minutes=n % 30),
                )
        department = conn.execute("SELECT department_id FROM doctors WHERE id = 'doc-007'")
        assert department.fetchone()[0] == "dep-c"
    finally:
        conn.close()

    tokens = [
        visit_token(live_server.db_path, appointment_id=f"apt-load-{n:02d}") for n in range(count)
    ]
    barrier = threading.Barrier(count)
    results: list[tuple[int, dict[str, Any]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            with requests.Session() as session:
                session.headers["Authorization"] = "Bearer demo-token"
                session.headers[VISIT_TOKEN_HEADER] = tokens[n]
                url = f"{live_server.url}/api/v1/appointments/apt-load-{n:02d}/check-in"
                barrier.wait(timeout=10)
                response = session.post(
                    url, json={}, headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex}, timeout=30
                )
                with lock:
                    results.append((response.status_code, response.json()))
        except BaseException as exc:
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert [status for status, _ in results] == [200] * count, results
    numbers = [body["ticket"]["number"] for _, body in results]
    assert len(set(numbers)) == count
    assert sorted(numbers) == [f"C{n:03d}" for n in range(1, count + 1)]
    # People ahead counts who will be called first: a later ticket of an elderly patient
    # (priority) may pass earlier ones, never the other way round.
    by_number = sorted(
        (body["ticket"]["number"], body["ticket"]["people_ahead"]) for _, body in results
    )
    assert all(ahead <= position for position, (_, ahead) in enumerate(by_number))
