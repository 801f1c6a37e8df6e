"""POST /api/v1/registrations: free and paid sessions, full and ended ones, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import requests

from kiosk.api.models import (
    IDEMPOTENCY_HEADER,
    VISIT_TOKEN_HEADER,
    ErrorBody,
    Payment,
    RegistrationResult,
    Schedule,
    SessionSuggestion,
)
from kiosk.server.db import connect, to_db_time, write_transaction
from kiosk.server.idempotency import REPLAY_HEADER
from tests.helpers.server import pay_page_post, visit_token


def register(api, patient_id: str, session_id: str, *, key: str | None = None):
    return api.post(
        "/registrations",
        json={"patient_id": patient_id, "session_id": session_id},
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )


def patient_id(api, scenario: str) -> str:
    return str(api.identify(scenario)["id"])


def sessions_today(api, department_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(doctor id, session JSON) of the department's sessions today."""
    response = api.get(f"/departments/{department_id}/schedule")
    assert response.status_code == 200, response.text
    Schedule.model_validate(response.json())
    return [
        (doctor["doctor"]["id"], session)
        for doctor in response.json()["doctors"]
        for session in doctor["sessions"]
    ]


def open_session(api, department_id: str, now: dt.datetime, *, fee: bool) -> dict[str, Any]:
    for _, session in sessions_today(api, department_id):
        ends_at = dt.datetime.fromisoformat(session["ends_at"])
        if session["slots_left"] > 0 and ends_at > now and (session["fee_cents"] > 0) == fee:
            return session
    raise AssertionError(f"no open session in {department_id}")


def test_internal_medicine_has_a_free_general_clinic_with_a_full_session_today(api):
    sessions = [session for _, session in sessions_today(api, "dep-a")]
    free = [session for session in sessions if session["fee_cents"] == 0]
    assert free
    assert any(session["fee_cents"] > 0 for session in sessions)
    assert any(session["slots_left"] == 0 for session in free)
    departments = api.get("/departments").json()["departments"]
    assert all(d["hint"] and d["hint_en"] for d in departments)


def test_a_free_session_is_confirmed_with_a_ticket_at_once(api, live_server, demo_now):
    patient = patient_id(api, "no_appointment_today")
    session = open_session(api, "dep-a", demo_now, fee=False)
    response = register(api, patient, session["id"])
    assert response.status_code == 200, response.text
    registration = RegistrationResult.model_validate(response.json()).registration
    assert registration.status == "confirmed"
    assert registration.fee_cents == 0
    assert registration.bill_id is None
    assert registration.department.code == "A"
    assert registration.department.hint
    assert registration.session.id == session["id"]
    assert registration.session.slots_left == session["slots_left"] - 1
    ticket = registration.ticket
    assert ticket is not None
    # The department's counter of the day, shared with check-in: four demo tickets so far.
    assert ticket.number == "A005"
    assert ticket.people_ahead == 3  # three waiting (one called), the patient is not elderly
    assert ticket.service_date == demo_now.date()
    assert ticket.status_url.startswith(f"{live_server.url}/q/")
    assert ticket.doctor is not None
    assert ticket.doctor.id == registration.doctor.id
    # The visit shows among the patient's appointments, checked in with the same ticket.
    (appointment,) = api.get(f"/patients/{patient}/appointments").json()["appointments"]
    assert appointment["status"] == "checked_in"
    assert appointment["ticket"]["number"] == "A005"
    # The next registration takes the next number of the same counter.
    other = register(api, patient_id(api, "too_early"), session["id"]).json()
    assert other["registration"]["ticket"]["number"] == "A006"


def test_a_paid_session_waits_for_its_bill_and_paying_issues_the_ticket(api, live_server, demo_now):
    patient = patient_id(api, "no_appointment_today")
    session = open_session(api, "dep-a", demo_now, fee=True)
    response = register(api, patient, session["id"])
    assert response.status_code == 200, response.text
    registration = RegistrationResult.model_validate(response.json()).registration
    assert registration.status == "pending_payment"
    assert registration.fee_cents == session["fee_cents"] > 0
    assert registration.ticket is None
    assert registration.bill_id is not None

    (bill,) = api.get(f"/patients/{patient}/bills").json()["bills"]
    assert bill["id"] == registration.bill_id
    assert bill["status"] == "unpaid"
    assert bill["department"]["code"] == "A"
    (item,) = bill["items"]
    assert item["category"] == "registration"
    assert item["amount_cents"] == item["unit_price_cents"] == session["fee_cents"]
    assert bill["self_pay_cents"] == bill["total_cents"] == session["fee_cents"]

    created = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [bill["id"]]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    payment = Payment.model_validate(created.json())
    assert payment.amount_cents == session["fee_cents"]
    paid = pay_page_post(payment.qr_payload, "confirm")
    assert paid.status_code == 200
    payment = Payment.model_validate(api.get(f"/payments/{payment.id}").json())
    assert payment.status == "paid"
    assert payment.pharmacy_tickets == []
    (ticket,) = payment.registration_tickets
    assert ticket.department.code == "A"
    assert ticket.service_date == demo_now.date()
    (appointment,) = api.get(f"/patients/{patient}/appointments").json()["appointments"]
    assert appointment["ticket"]["number"] == ticket.number


def test_a_full_session_suggests_later_ones_of_the_department(api, demo_now):
    full = next(
        s for _, s in sessions_today(api, "dep-a") if s["slots_left"] == 0 and not s["fee_cents"]
    )
    response = register(api, patient_id(api, "no_appointment_today"), full["id"])
    assert response.status_code == 409
    body = ErrorBody.model_validate(response.json())
    assert body.error.code == "session_full"
    suggestions = [SessionSuggestion.model_validate(s) for s in body.error.details["suggestions"]]
    assert 1 <= len(suggestions) <= 3
    department_doctors = {doctor for doctor, _ in sessions_today(api, "dep-a")}
    for suggestion in suggestions:
        assert suggestion.session.id != full["id"]
        assert suggestion.session.slots_left > 0
        assert suggestion.session.ends_at > demo_now
        assert suggestion.doctor.id in department_doctors
    starts = [s.session.starts_at for s in suggestions]
    assert starts == sorted(starts)


def test_registering_twice_for_the_same_session_is_refused(api, demo_now):
    patient = patient_id(api, "no_appointment_today")
    session = open_session(api, "dep-a", demo_now, fee=False)
    first = register(api, patient, session["id"]).json()["registration"]
    again = register(api, patient, session["id"])
    assert again.status_code == 409
    body = ErrorBody.model_validate(again.json())
    assert body.error.code == "already_registered"
    assert body.error.details["registration"]["id"] == first["id"]
    assert body.ticket is not None
    assert body.ticket.number == first["ticket"]["number"]


def test_an_ended_session_is_refused(api, manual_clock, demo_now):
    session = open_session(api, "dep-a", demo_now, fee=False)
    manual_clock.set(dt.datetime.fromisoformat(session["ends_at"]) + dt.timedelta(minutes=1))
    response = register(api, patient_id(api, "no_appointment_today"), session["id"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "session_over"


def test_the_same_key_replays_and_takes_one_slot(api, demo_now):
    patient = patient_id(api, "no_appointment_today")
    session = open_session(api, "dep-a", demo_now, fee=False)
    first = register(api, patient, session["id"], key="reg-1")
    second = register(api, patient, session["id"], key="reg-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get(REPLAY_HEADER) == "true"
    left = {s["id"]: s["slots_left"] for _, s in sessions_today(api, "dep-a")}
    assert left[session["id"]] == session["slots_left"] - 1
    # The same key for another request is a conflict.
    other = register(api, patient_id(api, "too_early"), session["id"], key="reg-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_conflict"


def test_bad_registrations(api, anonymous_api, demo_now):
    patient = patient_id(api, "no_appointment_today")
    session = open_session(api, "dep-a", demo_now, fee=False)
    assert register(api, "pat-9999", session["id"]).status_code == 403  # not this visit
    missing = register(api, patient, "ses-nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    no_key = api.post("/registrations", json={"patient_id": patient, "session_id": session["id"]})
    assert no_key.status_code == 400
    assert no_key.json()["error"]["code"] == "bad_request"
    body: object
    for body in (
        {"patient_id": patient},
        {"patient_id": "", "session_id": session["id"]},
        {"patient_id": patient, "session_id": session["id"], "extra": 1},
        {"patient_id": patient, "session_id": "x" * 65},
        [],
    ):
        response = api.post(
            "/registrations", json=body, headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex}
        )
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "validation_failed"
    assert anonymous_api.post("/registrations", json={}).status_code == 401
    # None of it took a slot.
    left = {s["id"]: s["slots_left"] for _, s in sessions_today(api, "dep-a")}
    assert left[session["id"]] == session["slots_left"]


def test_thirty_kiosks_registering_for_twenty_slots(live_server, demo_now):
    """30 threads, 30 patients, one session of 20 slots: exactly 20 tickets, none shared."""
    count, slots = 30, 20
    conn = connect(live_server.db_path)
    try:
        with write_transaction(conn):
            conn.execute(
                "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
                "starts_at, ends_at, slots_total, slots_left, fee_cents) "
                "VALUES ('ses-load', 'doc-007', 'dep-c', ?, 'morning', ?, ?, ?, ?, 0)",
                (
                    demo_now.date().isoformat(),
                    to_db_time(demo_now),
                    to_db_time(demo_now + dt.timedelta(hours=2)),
                    slots,
                    slots,
                ),
            )
    finally:
        conn.close()

    tokens = [
        visit_token(live_server.db_path, patient_id=f"pat-{n + 20:04d}") for n in range(count)
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
                barrier.wait(timeout=10)
                response = session.post(
                    f"{live_server.url}/api/v1/registrations",
                    json={"patient_id": f"pat-{n + 20:04d}", "session_id": "ses-load"},
                    headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
                    timeout=30,
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
    succeeded = [body for status, body in results if status == 200]
    refused = [body for status, body in results if status == 409]
    assert len(succeeded) == slots
    assert len(refused) == count - slots
    assert {body["error"]["code"] for body in refused} == {"session_full"}
    numbers = [body["registration"]["ticket"]["number"] for body in succeeded]
    assert sorted(numbers) == [f"C{n:03d}" for n in range(1, slots + 1)]
    conn = connect(live_server.db_path)
    try:
        left = conn.execute("SELECT slots_left FROM sessions WHERE id = 'ses-load'").fetchone()[0]
    finally:
        conn.close()
    assert left == 0
