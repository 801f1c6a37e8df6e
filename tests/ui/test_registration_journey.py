"""Same-day registration through the real window and the real server on loopback."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from kiosk.api.models import IDEMPOTENCY_HEADER
from kiosk.app import Kiosk
from kiosk.flows.notices import Notice, NoticeKind
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.visit import Step
from kiosk.server.clock import ManualClock
from kiosk.server.db import connect, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from kiosk.ui.messages import notice_text
from kiosk.ui.registration_view import RegistrationView
from kiosk.ui.widgets.basics import CardButton
from tests.helpers.server import ApiClient, pay_page_post
from tests.helpers.ui import Touch

PATIENT = "no_appointment_today"
translate = QCoreApplication.translate


def wait_for_reg(touch: Touch, step: RegStep) -> None:
    flow = touch.kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=8000)


def sessions_today(api: ApiClient, department: str = "dep-a") -> list[dict[str, Any]]:
    schedule = api.get(f"/departments/{department}/schedule").json()
    return [s for doctor in schedule["doctors"] for s in doctor["sessions"]]


def pick(api: ApiClient, now: dt.datetime, *, fee: bool, full: bool = False) -> dict[str, Any]:
    for session in sessions_today(api):
        still_open = dt.datetime.fromisoformat(session["ends_at"]) > now
        if (
            still_open
            and (session["fee_cents"] > 0) == fee
            and (session["slots_left"] == 0) == full
        ):
            return session
    raise AssertionError("no such session in the demo hospital")


def to_sessions(touch: Touch) -> None:
    """Home → Register → the demo card → Internal Medicine (its general clinic is free)."""
    touch("home.registration")
    touch("identify.demo." + PATIENT)  # stands in for the card scan
    wait_for_reg(touch, RegStep.departments)
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.doctors)


def test_a_free_general_slot_in_four_taps_with_one_ticket(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path, demo_now: dt.datetime
) -> None:
    session = pick(api, demo_now, fee=False)
    department_tile = kiosk.window.findChild(CardButton, "registration.department.A")
    assert department_tile is None or not department_tile.isVisible()
    touch("home.registration")
    taps_before_card = touch.taps
    touch("identify.demo." + PATIENT)
    card_taps = touch.taps - taps_before_card
    wait_for_reg(touch, RegStep.departments)
    hint = kiosk.part(RegistrationView).departments.findChild(
        CardButton, "registration.department.A"
    )
    assert hint is not None
    assert hint.detail.text()  # what it treats
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.doctors)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    touch("registration.confirm")
    touch.wait_for(Step.ticket)
    assert touch.taps - card_taps <= 5
    assert touch.taps - card_taps == 4
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)
    after = next(s for s in sessions_today(api) if s["id"] == session["id"])
    assert after["slots_left"] == session["slots_left"] - 1
    touch.qtbot.wait(300)
    assert len(list(spool.glob("*.bin"))) == 1


def test_a_full_session_offers_other_times(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path, demo_now: dt.datetime
) -> None:
    full = pick(api, demo_now, fee=False, full=True)
    to_sessions(touch)
    card = kiosk.part(RegistrationView).sessions.findChild(
        CardButton, f"registration.session.{full['id']}"
    )
    assert card is not None
    assert card.property("state") == "full"  # drawn differently (dashed), still touchable
    touch(f"registration.session.{full['id']}")
    wait_for_reg(touch, RegStep.full)
    assert touch.text("registration.sessions.heading") == translate(
        "SessionsScreen", "That session is full"
    )
    suggestions = kiosk.part(RegistrationFlow).suggestions
    assert 1 <= len(suggestions) <= 3
    assert all(s.session.slots_left > 0 for s in suggestions)
    chosen = suggestions[0].session
    assert chosen.fee_cents == 0  # who wanted the free clinic is offered a free place first
    touch(f"registration.session.{chosen.id}")
    wait_for_reg(touch, RegStep.confirm)
    touch("registration.confirm")
    touch.wait_for(Step.ticket)
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)
    after = next(s for s in sessions_today(api) if s["id"] == chosen.id)
    assert after["slots_left"] == chosen.slots_left - 1


def test_a_session_filled_meanwhile_is_refused_with_the_servers_suggestions(
    touch: Touch, kiosk: Kiosk, api: ApiClient, live_server: EmbeddedServer, demo_now: dt.datetime
) -> None:
    session = pick(api, demo_now, fee=False)
    to_sessions(touch)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    conn = connect(live_server.db_path)
    with write_transaction(conn):
        conn.execute("UPDATE sessions SET slots_left = 0 WHERE id = ?", (session["id"],))
    conn.close()
    touch("registration.confirm")
    wait_for_reg(touch, RegStep.full)
    assert kiosk.part(RegistrationFlow).suggestions
    assert session["id"] not in {s.session.id for s in kiosk.part(RegistrationFlow).suggestions}


def test_registered_already_shows_the_same_ticket_without_printing(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path, demo_now: dt.datetime
) -> None:
    session = pick(api, demo_now, fee=False)
    patient_id = api.identify(PATIENT)["id"]
    first = api.post(
        "/registrations",
        json={"patient_id": patient_id, "session_id": session["id"]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()["registration"]
    to_sessions(touch)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    touch("registration.confirm")
    touch.wait_for(Step.ticket)
    assert kiosk.flow.ticket is not None
    assert kiosk.flow.ticket.number == first["ticket"]["number"]
    assert kiosk.flow.ticket_was_existing
    touch.qtbot.wait(300)
    assert list(spool.glob("*.bin")) == []


def test_a_session_that_ended_meanwhile(
    touch: Touch, kiosk: Kiosk, api: ApiClient, manual_clock: ManualClock, demo_now: dt.datetime
) -> None:
    session = pick(api, demo_now, fee=False)
    slots = session["slots_left"]
    to_sessions(touch)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    ends_at = dt.datetime.fromisoformat(session["ends_at"])
    manual_clock.advance(ends_at - demo_now + dt.timedelta(minutes=1))
    # Hours pass in an instant: the visit token from the card would have lapsed long ago, so
    # the kiosk identifies the patient again (as a patient arriving at that time would be).
    identity = DEMO_IDENTITIES[PATIENT]
    kiosk.client.identify(identity.kind, identity.value)
    touch("registration.confirm")
    wait_for_reg(touch, RegStep.doctors)  # back to today's list, with the reason on top
    assert kiosk.window.current_screen() is kiosk.part(RegistrationView).sessions
    said = notice_text(Notice(NoticeKind.session_over), service_window="")
    assert touch.text("registration.sessions.problem.text").startswith(said.title)
    ended = kiosk.window.find_button(f"registration.session.{session['id']}")
    assert ended is not None
    assert not ended.isEnabled()
    after = next(s for s in sessions_today(api) if s["id"] == session["id"])
    assert after["slots_left"] == slots


def test_hospital_system_down_at_confirm_takes_nothing(
    touch: Touch,
    kiosk: Kiosk,
    api: ApiClient,
    spool: Path,
    live_server: EmbeddedServer,
    demo_now: dt.datetime,
) -> None:
    session = pick(api, demo_now, fee=False)
    to_sessions(touch)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    live_server.stop()
    touch("registration.confirm")
    touch.qtbot.waitUntil(lambda: kiosk.part(RegistrationFlow).problem is not None, timeout=8000)
    wait_for_reg(touch, RegStep.confirm)
    assert kiosk.window.current_screen() is kiosk.part(RegistrationView).confirm
    problem = touch.text("registration.confirm.problem.text")
    assert notice_text(Notice(NoticeKind.backend_unreachable), service_window="").body in problem
    retry = kiosk.window.find_button("registration.confirm")
    assert retry is not None
    assert retry.text() == translate("ConfirmScreen", "Try again")
    conn = connect(live_server.db_path)
    try:
        row = conn.execute(
            "SELECT slots_left FROM sessions WHERE id = ?", (session["id"],)
        ).fetchone()
        assert row[0] == session["slots_left"]
        assert conn.execute("SELECT COUNT(*) FROM registrations").fetchone()[0] == 0
    finally:
        conn.close()
    assert list(spool.glob("*.bin")) == []
    touch("registration.finish")
    touch.wait_for(Step.home)


def test_hospital_system_down_takes_nothing(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    touch("home.registration")
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.departments)
    live_server.stop()
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.error)
    assert kiosk.window.current_screen() is kiosk.view.notice
    touch("notice.home")
    touch.wait_for(Step.home)


def test_a_session_with_a_fee_is_paid_by_qr_and_prints_receipt_and_ticket(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path, demo_now: dt.datetime
) -> None:
    session = pick(api, demo_now, fee=True)
    to_sessions(touch)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    touch("registration.confirm")
    payment = kiosk.part(PaymentFlow)
    touch.qtbot.waitUntil(lambda: payment.step == PayStep.qr, timeout=8000)
    assert payment.payment is not None
    assert payment.payment.amount_cents == session["fee_cents"]
    phone = pay_page_post(payment.payment.qr_payload, "confirm")
    assert phone.status_code == 200
    touch.qtbot.waitUntil(lambda: payment.step == PayStep.paid, timeout=8000)
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 2, timeout=5000)
    assert payment.payment.registration_tickets
    number = payment.payment.registration_tickets[0].number
    assert number in touch.text("payment_result.details")
    after = next(s for s in sessions_today(api) if s["id"] == session["id"])
    assert after["slots_left"] == session["slots_left"] - 1
