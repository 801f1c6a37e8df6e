"""A session booked ahead and paid for through the API, as the booking journey leaves it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from kiosk.api.models import IDEMPOTENCY_HEADER
from tests.helpers.server import ApiClient, pay_page_post


@dataclass(frozen=True)
class PaidBooking:
    appointment_id: str
    fee_cents: int
    session_id: str
    day: dt.date


def paid_booking(api: ApiClient, scenario: str, day: dt.date) -> PaidBooking:
    """The first paid session of ``day`` in dep-a with a place left, booked and paid for the
    patient of ``scenario`` (``api`` is left identified as that patient)."""
    patient = api.identify(scenario)["id"]
    schedule = api.get("/departments/dep-a/schedule", params={"date": day.isoformat()}).json()
    session = next(
        s for d in schedule["doctors"] for s in d["sessions"] if s["slots_left"] and s["fee_cents"]
    )
    registration = api.post(
        "/registrations",
        json={"patient_id": patient, "session_id": session["id"]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()["registration"]
    payment = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [registration["bill_id"]]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()
    assert pay_page_post(payment["qr_payload"], "confirm").status_code == 200
    booked = api.get(f"/payments/{payment['id']}").json()["booked_appointments"]
    return PaidBooking(str(booked[0]["id"]), int(session["fee_cents"]), str(session["id"]), day)


def slots_left(api: ApiClient, booking: PaidBooking) -> int:
    """The places its session has left now."""
    schedule = api.get(
        "/departments/dep-a/schedule", params={"date": booking.day.isoformat()}
    ).json()
    return int(
        next(
            s["slots_left"]
            for d in schedule["doctors"]
            for s in d["sessions"]
            if s["id"] == booking.session_id
        )
    )
