"""Booking ahead (预约挂号) and cancelling (取消预约/退号): a later day's session is an appointment
to check in on the day; cancelling frees the place and refunds a paid fee once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from kiosk.api.models import (
    IDEMPOTENCY_HEADER,
    VISIT_TOKEN_HEADER,
    CancellationResult,
    ErrorBody,
    Payment,
    RegistrationResult,
)
from kiosk.server.clock import ManualClock
from kiosk.server.db import Target, connect
from kiosk.server.idempotency import REPLAY_HEADER
from tests.helpers.server import ApiClient, pay_page_post

DEPARTMENT = "dep-a"  # internal medicine: a free general clinic and paid specialists


def session_on(api: ApiClient, day: dt.date, *, fee: bool) -> dict[str, Any]:
    response = api.get(f"/departments/{DEPARTMENT}/schedule", params={"date": day.isoformat()})
    assert response.status_code == 200, response.text
    return next(
        s
        for d in response.json()["doctors"]
        for s in d["sessions"]
        if s["slots_left"] > 0 and (s["fee_cents"] > 0) == fee
    )


def slots_left(api: ApiClient, session: dict[str, Any]) -> int:
    day = dt.datetime.fromisoformat(session["starts_at"]).date()
    response = api.get(f"/departments/{DEPARTMENT}/schedule", params={"date": day.isoformat()})
    return next(
        int(s["slots_left"])
        for d in response.json()["doctors"]
        for s in d["sessions"]
        if s["id"] == session["id"]
    )


def book(api: ApiClient, patient_id: str, session_id: str) -> RegistrationResult:
    response = api.post(
        "/registrations",
        json={"patient_id": patient_id, "session_id": session_id},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert response.status_code == 200, response.text
    return RegistrationResult.model_validate(response.json())


def pay(api: ApiClient, patient_id: str, bill_id: str, *, code: str = "") -> Payment:
    created = api.post(
        "/payments",
        json={"patient_id": patient_id, "bill_ids": [bill_id]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    payment = Payment.model_validate(created.json())
    if code:
        charged = api.post(
            f"/payments/{payment.id}/payment-code",
            json={"code": code},
            headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
        )
        assert charged.status_code == 200, charged.text
    else:
        assert pay_page_post(payment.qr_payload, "confirm").status_code == 200
    return Payment.model_validate(api.get(f"/payments/{payment.id}").json())


def cancel(api: ApiClient, appointment_id: str, *, key: str | None = None):
    return api.post(
        f"/appointments/{appointment_id}/cancel",
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )


def refunds(db: Target) -> list[tuple[str, int]]:
    conn = connect(db)
    try:
        rows = conn.execute("SELECT registration_id, amount_cents FROM refunds").fetchall()
    finally:
        conn.close()
    return [(row[0], int(row[1])) for row in rows]


def test_a_free_session_of_a_later_day_is_an_appointment_to_check_in_on_the_day(
    api: ApiClient, demo_now: dt.datetime
) -> None:
    patient = api.identify("too_early")["id"]
    day = demo_now.date() + dt.timedelta(days=3)
    session = session_on(api, day, fee=False)
    registration = book(api, patient, session["id"]).registration
    assert registration.status == "confirmed"
    assert registration.ticket is None  # no queue number before the day
    booked = registration.appointment
    assert booked is not None
    assert booked.status == "booked"
    assert booked.starts_at.date() == day
    assert booked.location.room
    assert slots_left(api, session) == session["slots_left"] - 1
    listed = api.get(
        f"/patients/{patient}/appointments",
        params={"from": demo_now.date().isoformat(), "to": day.isoformat()},
    ).json()["appointments"]
    assert [a["id"] for a in listed if a["id"] == booked.id] == [booked.id]
    # Checking in before the day is refused as too early, like any appointment.
    early = api.check_in(booked.id)
    assert early.status_code == 409
    assert ErrorBody.model_validate(early.json()).error.code == "too_early"


def test_a_paid_booking_is_confirmed_by_its_payment_and_cancelling_refunds_it_once(
    api: ApiClient, demo_db: Target, demo_now: dt.datetime
) -> None:
    patient = api.identify("no_appointment_today")["id"]
    session = session_on(api, demo_now.date() + dt.timedelta(days=1), fee=True)
    registration = book(api, patient, session["id"]).registration
    assert registration.status == "pending_payment"
    assert registration.bill_id is not None
    payment = pay(api, patient, registration.bill_id)
    assert payment.status == "paid"
    assert payment.registration_tickets == []
    (booked,) = payment.booked_appointments
    assert booked.status == "booked"
    assert slots_left(api, session) == session["slots_left"] - 1

    key = uuid.uuid4().hex
    response = cancel(api, booked.id, key=key)
    assert response.status_code == 200, response.text
    result = CancellationResult.model_validate(response.json())
    assert result.appointment.status == "cancelled"
    refund = result.refund
    assert refund is not None
    assert refund.amount_cents == session["fee_cents"]
    assert refund.payment_id == payment.id
    assert payment.receipt is not None
    assert refund.receipt_number == payment.receipt.receipt_number
    assert refund.wallet is None  # paid on the QR code's page: back to the account there
    assert slots_left(api, session) == session["slots_left"]  # the place is free again

    # The resend of a lost answer replays it: one refund, one place.
    again = cancel(api, booked.id, key=key)
    assert again.status_code == 200
    assert again.headers.get(REPLAY_HEADER) == "true"
    assert CancellationResult.model_validate(again.json()).refund == refund
    assert refunds(demo_db) == [(registration.id, session["fee_cents"])]
    assert slots_left(api, session) == session["slots_left"]
    # Another key finds it cancelled; nothing more is refunded.
    other = cancel(api, booked.id)
    assert other.status_code == 409
    assert ErrorBody.model_validate(other.json()).error.code == "cancelled"
    assert len(refunds(demo_db)) == 1
    # The place can be booked again by the same patient.
    assert book(api, patient, session["id"]).registration.status == "pending_payment"


def test_a_fee_paid_by_payment_code_goes_back_to_that_wallet(
    api: ApiClient, demo_now: dt.datetime
) -> None:
    patient = api.identify("rare_name")["id"]
    session = session_on(api, demo_now.date() + dt.timedelta(days=2), fee=True)
    registration = book(api, patient, session["id"]).registration
    assert registration.bill_id is not None
    payment = pay(api, patient, registration.bill_id, code="134567890123456789")
    (booked,) = payment.booked_appointments
    response = cancel(api, booked.id)
    assert response.status_code == 200, response.text
    refund = CancellationResult.model_validate(response.json()).refund
    assert refund is not None
    assert refund.wallet == "wechat"


def test_cancelling_after_the_start_or_once_checked_in_is_refused(
    api: ApiClient, manual_clock: ManualClock, demo_db: Target, demo_now: dt.datetime
) -> None:
    patient = api.identify("too_early")["id"]
    session = session_on(api, demo_now.date() + dt.timedelta(days=1), fee=False)
    booked = book(api, patient, session["id"]).registration.appointment
    assert booked is not None
    manual_clock.set(booked.starts_at)
    api.identify("too_early")  # a new visit at the new time
    late = cancel(api, booked.id)
    assert late.status_code == 409
    error = ErrorBody.model_validate(late.json()).error
    assert error.code == "too_late"
    assert error.details == {"starts_at": booked.starts_at.isoformat()}
    assert slots_left(api, session) == session["slots_left"] - 1  # still taken

    manual_clock.set(demo_now)
    checked_in = api.appointments_today("already_checked_in")[0]
    refused = cancel(api, checked_in["id"])
    assert refused.status_code == 409
    assert ErrorBody.model_validate(refused.json()).error.code == "already_checked_in"
    assert refunds(demo_db) == []


def test_only_the_visit_patient_may_cancel(api: ApiClient, demo_now: dt.datetime) -> None:
    owner = api.identify("too_early")["id"]
    session = session_on(api, demo_now.date() + dt.timedelta(days=1), fee=False)
    booked = book(api, owner, session["id"]).registration.appointment
    assert booked is not None
    api.identify("rare_name")
    other = cancel(api, booked.id)
    assert other.status_code == 403
    assert ErrorBody.model_validate(other.json()).error.code == "wrong_patient"
    missing = cancel(api, "apt-nothing")
    assert missing.status_code == 404
    del api.session.headers[VISIT_TOKEN_HEADER]
    anonymous = cancel(api, booked.id)
    assert anonymous.status_code == 403
    assert ErrorBody.model_validate(anonymous.json()).error.code == "visit_token_required"
    no_key = api.post(f"/appointments/{booked.id}/cancel")
    assert no_key.status_code in (400, 403, 422)
    bad_body = api.post(
        f"/appointments/{booked.id}/cancel",
        json={"reason": "x"},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert bad_body.status_code in (403, 422)


def test_a_full_later_session_is_refused_with_other_times(
    api: ApiClient, demo_db: Target, demo_now: dt.datetime
) -> None:
    session = session_on(api, demo_now.date() + dt.timedelta(days=4), fee=True)
    conn = connect(demo_db)
    try:
        conn.execute("UPDATE sessions SET slots_left = 0 WHERE id = ?", (session["id"],))
    finally:
        conn.close()
    patient = api.identify("too_early")["id"]
    response = api.post(
        "/registrations",
        json={"patient_id": patient, "session_id": session["id"]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert response.status_code == 409
    error = ErrorBody.model_validate(response.json()).error
    assert error.code == "session_full"
    assert error.details["suggestions"]
