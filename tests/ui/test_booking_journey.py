"""Booking ahead (预约挂号) and cancelling (取消预约/退号) through the real window and the real
reference server on loopback: the day chooser, a free and a paid booking with their printed
confirmations, and cancelling from my appointments with the refund, refusals and the server
going away."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.api.models import IDEMPOTENCY_HEADER, AppointmentStatus, Payment
from kiosk.api.money import format_money
from kiosk.app import Kiosk
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.flows.notices import Notice, NoticeKind
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.registration import BOOKING_DAYS, RegistrationFlow, RegStep
from kiosk.flows.visit import CancelRefusal, Step
from kiosk.server.clock import ManualClock
from kiosk.server.db import connect, insert_appointment, to_db_time, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.messages import notice_text
from kiosk.ui.registration_view import RegistrationView
from kiosk.ui.widgets.basics import CardButton
from tests.helpers.printing import parse_escpos
from tests.helpers.server import ApiClient, pay_page_post
from tests.helpers.ui import Touch, build_kiosk

PATIENT = "no_appointment_today"
DEPARTMENT = "dep-a"  # internal medicine: a free general clinic and paid specialists
translate = QCoreApplication.translate


def wait_for_reg(touch: Touch, step: RegStep) -> None:
    flow = touch.kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=8000)


def wait_for_visit(touch: Touch, step: Step) -> None:
    flow = touch.kiosk.flow
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=8000)


def session_on(api: ApiClient, day: dt.date, *, fee: bool) -> dict[str, Any]:
    schedule = api.get(f"/departments/{DEPARTMENT}/schedule", params={"date": day.isoformat()})
    return next(
        dict(s)
        for d in schedule.json()["doctors"]
        for s in d["sessions"]
        if s["slots_left"] > 0 and (s["fee_cents"] > 0) == fee
    )


def slots_left(server: EmbeddedServer, session_id: str) -> int:
    conn = connect(server.db_path)
    try:
        row = conn.execute("SELECT slots_left FROM sessions WHERE id = ?", (session_id,)).fetchone()
    finally:
        conn.close()
    return int(row[0])


def refunds(server: EmbeddedServer) -> list[tuple[str, int]]:
    conn = connect(server.db_path)
    try:
        rows = conn.execute("SELECT appointment_id, amount_cents FROM refunds").fetchall()
    finally:
        conn.close()
    return [(str(row[0]), int(row[1])) for row in rows]


def appointment_status(server: EmbeddedServer, appointment_id: str) -> str:
    conn = connect(server.db_path)
    try:
        row = conn.execute(
            "SELECT status FROM appointments WHERE id = ?", (appointment_id,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0])


def printed_text(spool: Path) -> list[str]:
    """Each printed job's text lines, joined."""
    return [
        "\n".join(parse_escpos(job.read_bytes()).text_lines) for job in sorted(spool.glob("*.bin"))
    ]


def to_day(touch: Touch, day: dt.date) -> None:
    """Home → Register → the demo card → Internal Medicine → the day on the chooser."""
    touch("home.registration")
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.departments)
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.doctors)
    touch(f"registration.day.{day.isoformat()}")
    flow = touch.kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(
        lambda: flow.schedule is not None and flow.schedule.date == day and not flow.busy,
        timeout=8000,
    )


def book_paid_by_api(api: ApiClient, day: dt.date) -> tuple[dict[str, Any], Payment]:
    """The patient books a paid session of ``day`` and pays it (as at another kiosk visit)."""
    patient = api.identify(PATIENT)["id"]
    session = session_on(api, day, fee=True)
    registration = api.post(
        "/registrations",
        json={"patient_id": patient, "session_id": session["id"]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()["registration"]
    created = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [registration["bill_id"]]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()
    assert pay_page_post(created["qr_payload"], "confirm").status_code == 200
    payment = Payment.model_validate(api.get(f"/payments/{created['id']}").json())
    assert payment.booked_appointments
    return session, payment


def open_my_appointments(touch: Touch) -> None:
    touch("home.appointments")
    touch("identify.demo." + PATIENT)
    wait_for_visit(touch, Step.upcoming)


def card_index(kiosk: Kiosk, appointment_id: str) -> int:
    return next(i for i, a in enumerate(kiosk.flow.appointments) if a.id == appointment_id)


def test_the_day_chooser_offers_a_week_and_a_free_later_session_is_booked_with_a_slip(
    touch: Touch,
    kiosk: Kiosk,
    api: ApiClient,
    spool: Path,
    live_server: EmbeddedServer,
    demo_now: dt.datetime,
) -> None:
    day = demo_now.date() + dt.timedelta(days=3)
    session = session_on(api, day, fee=False)
    to_day(touch, day)
    sessions = kiosk.part(RegistrationView).sessions
    days = [b for b in sessions.day_grid.cards() if isinstance(b, CardButton)]
    assert len(days) == BOOKING_DAYS
    assert days[0].title.text() == translate("Registration", "Today")
    assert [b.isChecked() for b in days] == [b.objectName().endswith(day.isoformat()) for b in days]
    assert translate(
        "SessionsScreen", "You get your queue number when you check in on the day."
    ) in (touch.text("registration.sessions.explanation"))
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    assert touch.text("registration.confirm.session").startswith(f"{day:%m-%d} ")
    touch("registration.confirm")
    wait_for_reg(touch, RegStep.booked)
    flow = kiosk.part(RegistrationFlow)
    booked = flow.booked
    assert booked is not None
    assert kiosk.window.current_screen() is kiosk.part(RegistrationView).booked
    assert f"{booked.check_in_opens_at.astimezone(demo_now.tzinfo):%H:%M}" in touch.text(
        "registration.booked.check_in"
    )
    assert appointment_status(live_server, booked.id) == "booked"  # no ticket before the day
    assert slots_left(live_server, session["id"]) == session["slots_left"] - 1
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)
    (slip,) = printed_text(spool)
    assert "预约挂号凭条" in slip
    assert f"{booked.starts_at:%Y-%m-%d %H:%M}" in slip
    assert booked.location.room in slip
    touch("registration.booked.finish")
    touch.wait_for(Step.home)


def test_a_paid_later_session_prints_the_receipt_and_the_confirmation(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path, demo_now: dt.datetime
) -> None:
    day = demo_now.date() + dt.timedelta(days=2)
    session = session_on(api, day, fee=True)
    to_day(touch, day)
    touch(f"registration.session.{session['id']}")
    wait_for_reg(touch, RegStep.confirm)
    touch("registration.confirm")
    payment = kiosk.part(PaymentFlow)
    touch.qtbot.waitUntil(lambda: payment.step == PayStep.qr, timeout=8000)
    assert payment.payment is not None
    assert pay_page_post(payment.payment.qr_payload, "confirm").status_code == 200
    touch.qtbot.waitUntil(lambda: payment.step == PayStep.paid, timeout=8000)
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 2, timeout=5000)
    (booked,) = payment.payment.booked_appointments
    assert payment.payment.registration_tickets == []
    details = touch.text("payment_result.details")
    assert f"{booked.starts_at.astimezone():%m-%d %H:%M}" in details
    receipt, slip = printed_text(spool)
    assert "预约挂号凭条" in slip
    assert "预约挂号凭条" not in receipt


def test_cancelling_a_paid_booking_refunds_it_and_frees_the_place(
    touch: Touch,
    kiosk: Kiosk,
    api: ApiClient,
    live_server: EmbeddedServer,
    demo_now: dt.datetime,
) -> None:
    session, payment = book_paid_by_api(api, demo_now.date() + dt.timedelta(days=1))
    (booked,) = payment.booked_appointments
    taken = slots_left(live_server, session["id"])
    open_my_appointments(touch)
    index = card_index(kiosk, booked.id)
    touch(f"appointments.cancel.{index}")
    wait_for_visit(touch, Step.cancel)
    assert kiosk.window.current_screen() is kiosk.view.cancel
    assert touch.text("cancel.department") == "内科"
    touch("cancel.confirm")
    wait_for_visit(touch, Step.cancelled)
    assert kiosk.window.current_screen() is kiosk.view.cancelled
    refund = touch.text("cancelled.refund")
    assert format_money(session["fee_cents"]) in refund
    assert translate("CancelledScreen", "the account that paid by scanning the QR code") in refund
    assert payment.receipt is not None
    assert payment.receipt.receipt_number in touch.text("cancelled.refund_note")
    assert refunds(live_server) == [(booked.id, session["fee_cents"])]
    assert slots_left(live_server, session["id"]) == taken + 1
    touch("cancelled.back")
    wait_for_visit(touch, Step.upcoming)
    shown = kiosk.flow.appointments[index]
    assert shown.status == AppointmentStatus.cancelled
    assert kiosk.window.find_button(f"appointments.cancel.{index}") is None


def book_starting_soon(api: ApiClient, server: EmbeddedServer, now: dt.datetime) -> str:
    """A free session of today starting in five minutes, one of whose places the patient
    booked on an earlier day (not checked in yet): the appointment's id."""
    model = session_on(api, now.date(), fee=False)
    starts = now + dt.timedelta(minutes=5)
    patient = api.identify(PATIENT)["id"]
    conn = connect(server.db_path)
    try:
        with write_transaction(conn):
            doctor = conn.execute(
                "SELECT doctor_id FROM sessions WHERE id = ?", (model["id"],)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
                "starts_at, ends_at, slots_total, slots_left, fee_cents) "
                "SELECT 'ses-soon', doctor_id, department_id, service_date, period, ?, ?, "
                "10, 9, 0 FROM sessions WHERE id = ?",
                (to_db_time(starts), to_db_time(starts + dt.timedelta(hours=3)), model["id"]),
            )
            insert_appointment(
                conn,
                appointment_id="apt-soon",
                patient_id=patient,
                doctor_id=doctor,
                starts_at=starts,
                session_id="ses-soon",
            )
    finally:
        conn.close()
    return "apt-soon"


def test_cancelling_after_the_start_is_refused_with_the_reason(
    touch: Touch,
    kiosk: Kiosk,
    api: ApiClient,
    live_server: EmbeddedServer,
    manual_clock: ManualClock,
    demo_now: dt.datetime,
) -> None:
    booked = book_starting_soon(api, live_server, demo_now)
    open_my_appointments(touch)
    touch(f"appointments.cancel.{card_index(kiosk, booked)}")
    wait_for_visit(touch, Step.cancel)
    manual_clock.advance(dt.timedelta(minutes=6))  # it began meanwhile
    touch("cancel.confirm")
    touch.qtbot.waitUntil(lambda: kiosk.flow.cancel_refusal is not None, timeout=8000)
    assert kiosk.flow.cancel_refusal == CancelRefusal.started
    assert touch.text("cancel.problem.text") == kiosk.view.cancel.refusal_text(
        CancelRefusal.started
    )
    confirm = kiosk.window.find_button("cancel.confirm")
    assert confirm is not None
    assert not confirm.isVisible()  # nothing to try again
    assert appointment_status(live_server, booked) == "booked"
    assert slots_left(live_server, "ses-soon") == 9  # still taken
    touch("cancel.back")
    wait_for_visit(touch, Step.upcoming)


def test_the_server_away_during_cancel_changes_nothing_and_says_try_again(
    touch: Touch,
    kiosk: Kiosk,
    api: ApiClient,
    live_server: EmbeddedServer,
    demo_now: dt.datetime,
) -> None:
    session, payment = book_paid_by_api(api, demo_now.date() + dt.timedelta(days=1))
    (booked,) = payment.booked_appointments
    taken = slots_left(live_server, session["id"])
    open_my_appointments(touch)
    touch(f"appointments.cancel.{card_index(kiosk, booked.id)}")
    wait_for_visit(touch, Step.cancel)
    live_server.stop()
    touch("cancel.confirm")
    touch.qtbot.waitUntil(lambda: kiosk.flow.cancel_problem is not None, timeout=8000)
    wait_for_visit(touch, Step.cancel)
    problem = touch.text("cancel.problem.text")
    assert notice_text(Notice(NoticeKind.backend_unreachable), service_window="").body in problem
    retry = kiosk.window.find_button("cancel.confirm")
    assert retry is not None
    assert retry.text() == translate("CancelScreen", "Try again")
    assert appointment_status(live_server, booked.id) == "booked"
    assert refunds(live_server) == []
    assert slots_left(live_server, session["id"]) == taken
    touch("cancel.home")
    touch.wait_for(Step.home)


def test_paper_out_keeps_the_booking_and_offers_print_again(
    qapp: QApplication,
    qtbot: QtBot,
    api: ApiClient,
    live_server: EmbeddedServer,
    spool: Path,
    demo_now: dt.datetime,
) -> None:
    connection = SimulatedConnection(spool)
    connection.set_status(PrinterStatus.paper_out)
    kiosk = build_kiosk(qapp, live_server, spool, printer_connection=connection)
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1920, 1080)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        day = demo_now.date() + dt.timedelta(days=1)
        session = session_on(api, day, fee=False)
        to_day(touch, day)
        touch(f"registration.session.{session['id']}")
        wait_for_reg(touch, RegStep.confirm)
        touch("registration.confirm")
        wait_for_reg(touch, RegStep.booked)
        flow = kiosk.part(RegistrationFlow)
        qtbot.waitUntil(lambda: bool(flow.print_failure), timeout=5000)
        reprint = kiosk.window.find_button("registration.booked.reprint")
        assert reprint is not None
        assert reprint.isVisible()
        assert touch.text("registration.booked.slip") == translate(
            "BookedScreen",
            "The confirmation could not be printed. Your appointment is booked all the same; "
            "touch Print again, or note the time and place.",
        )
        assert flow.booked is not None
        assert appointment_status(live_server, flow.booked.id) == "booked"  # it stands
        assert list(spool.glob("*.bin")) == []
        connection.set_status(PrinterStatus.ok)  # paper refilled
        touch("registration.booked.reprint")
        qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)
        assert not reprint.isVisible()
        assert slots_left(live_server, session["id"]) == session["slots_left"] - 1  # booked once
    finally:
        kiosk.shutdown()
