"""Finding 1: an unpaid (fee) registration must not hold its place forever.

A registration pending payment holds its place only while its payment can still be paid: a
cancelled, declined or expired payment gives the place back (and so does a registration whose
payment is never created), and one kiosk may hold only a few pending registrations at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER, Payment
from kiosk.app import Kiosk
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.payments import PAYMENT_LIFETIME
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.server import ApiClient
from tests.helpers.ui import Touch, build_kiosk

PATIENT = "no_appointment_today"


def fee_sessions(api: ApiClient, now: dt.datetime) -> list[dict[str, Any]]:
    """Every open session with a fee and a free place today, across departments."""
    found = []
    for department in api.get("/departments").json()["departments"]:
        schedule = api.get(f"/departments/{department['id']}/schedule").json()
        for doctor in schedule["doctors"]:
            for session in doctor["sessions"]:
                if (
                    session["fee_cents"] > 0
                    and session["slots_left"] > 0
                    and dt.datetime.fromisoformat(session["ends_at"]) > now
                ):
                    found.append(session)
    return found


def places_left(api: ApiClient, session: dict[str, Any]) -> int:
    schedule = api.get(f"/departments/{session['department_id']}/schedule")
    for doctor in schedule.json()["doctors"]:
        for candidate in doctor["sessions"]:
            if candidate["id"] == session["id"]:
                return int(candidate["slots_left"])
    raise AssertionError(session["id"])


def register(api: ApiClient, patient_id: str, session_id: str) -> Any:
    return api.post(
        "/registrations",
        json={"patient_id": patient_id, "session_id": session_id},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )


def pay_fee(api: ApiClient, patient_id: str, bill_id: str) -> Payment:
    response = api.post(
        "/payments",
        json={"patient_id": patient_id, "bill_ids": [bill_id]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return Payment.model_validate(response.json())


@pytest.fixture
def session(api: ApiClient, demo_now: dt.datetime) -> dict[str, Any]:
    found = fee_sessions(api, demo_now)
    assert found
    chosen = dict(found[0])
    schedule_owner = next(
        d["id"]
        for d in api.get("/departments").json()["departments"]
        if any(
            s["id"] == chosen["id"]
            for doc in api.get(f"/departments/{d['id']}/schedule").json()["doctors"]
            for s in doc["sessions"]
        )
    )
    chosen["department_id"] = schedule_owner
    return chosen


def test_a_cancelled_fee_payment_gives_the_place_back(
    api: ApiClient, session: dict[str, Any]
) -> None:
    patient = api.identify(PATIENT)["id"]
    before = places_left(api, session)
    response = register(api, patient, session["id"])
    assert response.status_code == 200, response.text
    registration = response.json()["registration"]
    assert registration["status"] == "pending_payment"
    assert places_left(api, session) == before - 1
    payment = pay_fee(api, patient, registration["bill_id"])
    cancelled = api.post(
        f"/payments/{payment.id}/cancel", json={}, headers={IDEMPOTENCY_HEADER: "c1"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert places_left(api, session) == before
    # the fee of a released registration can no longer be paid
    assert api.get(f"/patients/{patient}/bills").json()["bills"] == []


def test_an_expired_fee_payment_gives_the_place_back(
    api: ApiClient, session: dict[str, Any], manual_clock: ManualClock
) -> None:
    patient = api.identify(PATIENT)["id"]
    before = places_left(api, session)
    registration = register(api, patient, session["id"]).json()["registration"]
    pay_fee(api, patient, registration["bill_id"])
    assert places_left(api, session) == before - 1
    manual_clock.advance(PAYMENT_LIFETIME + dt.timedelta(seconds=1))
    assert places_left(api, session) == before
    # and the same patient may take it again
    again = register(api, patient, session["id"])
    assert again.status_code == 200, again.text
    assert places_left(api, session) == before - 1


def test_a_registration_whose_payment_never_comes_lapses(
    api: ApiClient, session: dict[str, Any], manual_clock: ManualClock
) -> None:
    patient = api.identify(PATIENT)["id"]
    before = places_left(api, session)
    assert register(api, patient, session["id"]).status_code == 200
    manual_clock.advance(PAYMENT_LIFETIME + dt.timedelta(seconds=1))
    assert places_left(api, session) == before


def test_one_kiosk_may_hold_only_a_few_unpaid_registrations(
    api: ApiClient, demo_now: dt.datetime, manual_clock: ManualClock
) -> None:
    sessions = fee_sessions(api, demo_now)
    assert len(sessions) >= 4
    patient = api.identify(PATIENT)["id"]
    for held in sessions[:3]:
        assert register(api, patient, held["id"]).status_code == 200
    refused = register(api, patient, sessions[3]["id"])
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "too_many_pending_registrations"
    assert int(refused.headers["Retry-After"]) >= 1
    # the holds lapse, and the kiosk may register again
    manual_clock.advance(PAYMENT_LIFETIME + dt.timedelta(seconds=1))
    assert register(api, patient, sessions[3]["id"]).status_code == 200


def test_thirty_requests_with_one_token_no_longer_empty_a_session(
    live_server: EmbeddedServer, api: ApiClient, session: dict[str, Any]
) -> None:
    """The review's attack: one kiosk token registers patient after patient for one session
    and never pays. Now at most ``max_pending_registrations`` places are held at once."""
    before = places_left(api, session)
    attacker = ApiClient(live_server.url)
    try:
        scenarios = (list(DEMO_IDENTITIES) * 3)[:30]
        for scenario in scenarios:
            ident = DEMO_IDENTITIES[scenario]
            found = attacker.post(
                "/patients/identify", json={"kind": ident.kind, "value": ident.value}
            )
            if found.status_code != 200:
                continue
            attacker.post(
                "/registrations",
                json={"patient_id": found.json()["id"], "session_id": session["id"]},
                headers={
                    IDEMPOTENCY_HEADER: uuid.uuid4().hex,
                    VISIT_TOKEN_HEADER: found.json().get("visit_token", ""),
                },
            )
    finally:
        attacker.close()
    assert places_left(api, session) >= before - 3


def test_the_kiosk_going_home_from_the_qr_code_gives_the_place_back(
    qapp: QApplication,
    qtbot: QtBot,
    live_server: EmbeddedServer,
    tmp_path: Path,
    api: ApiClient,
    demo_now: dt.datetime,
) -> None:
    """End to end: register for a fee, the QR code shows, the patient walks away."""
    spool = tmp_path / "spool"
    spool.mkdir()
    kiosk: Kiosk = build_kiosk(qapp, live_server, spool)
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1920, 1080)
    kiosk.window.show()
    qtbot.waitExposed(kiosk.window)
    try:
        touch = Touch(kiosk, qtbot)
        registration = kiosk.part(RegistrationFlow)
        schedule = api.get("/departments/dep-a/schedule").json()
        chosen = next(
            s
            for doctor in schedule["doctors"]
            for s in doctor["sessions"]
            if s["fee_cents"] > 0
            and s["slots_left"] > 0
            and dt.datetime.fromisoformat(s["ends_at"]) > demo_now
        )
        chosen = dict(chosen, department_id="dep-a")
        before = places_left(api, chosen)
        touch("home.registration")
        touch("identify.demo." + PATIENT)
        qtbot.waitUntil(
            lambda: registration.step == RegStep.departments and not registration.busy,
            timeout=8000,
        )
        touch("registration.department.A")
        qtbot.waitUntil(lambda: registration.step == RegStep.doctors, timeout=8000)
        touch(f"registration.session.{chosen['id']}")
        qtbot.waitUntil(lambda: registration.step == RegStep.confirm, timeout=8000)
        touch("registration.confirm")
        payment = kiosk.part(PaymentFlow)
        qtbot.waitUntil(lambda: payment.step == PayStep.qr, timeout=8000)
        assert places_left(api, chosen) == before - 1
        kiosk.flow.go_home()  # the idle wipe or 返回首页
        qtbot.waitUntil(lambda: places_left(api, chosen) == before, timeout=8000)
    finally:
        kiosk.shutdown()
        kiosk.translations.switch_to("en")
