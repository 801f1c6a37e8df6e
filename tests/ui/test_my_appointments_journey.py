"""My appointments is no dead end: an open card checks in with one tap, the others say why not.

Real clicks on the real window, the real reference server on loopback, real ESC/POS bytes in
the simulated printer's spool.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QWidget

from kiosk.app import Kiosk
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.widgets.appointment_card import CHECK_IN_ACTION, PROMISES_ACTION
from tests.helpers.printing import parse_escpos
from tests.helpers.ui import Touch


def open_my_appointments(touch: Touch, scenario: str) -> None:
    touch("home.appointments")
    touch(f"identify.demo.{scenario}")  # stands in for the card scan
    touch.wait_for(Step.upcoming)


def card(kiosk: Kiosk, index: int) -> QFrame:
    found = kiosk.view.upcoming.findChild(QFrame, f"appointment.{index}")
    assert found is not None, index
    return found


def label_text(root: QWidget, name: str) -> str:
    found = root.findChild(QLabel, name)
    assert found is not None, name
    return found.text()


def visible_buttons(root: QWidget) -> list[str]:
    return [b.objectName() for b in root.findChildren(QPushButton) if b.isVisible()]


def printed(spool: Path) -> list[Path]:
    return sorted(spool.glob("*.bin"))


def appointment_row(server: EmbeddedServer, appointment_id: str) -> tuple[str, int | None]:
    with sqlite3.connect(server.db_path) as conn:
        status, ticket_id = conn.execute(
            "SELECT status, ticket_id FROM appointments WHERE id = ?", (appointment_id,)
        ).fetchone()
    return str(status), ticket_id


def tickets_issued(server: EmbeddedServer) -> int:
    with sqlite3.connect(server.db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])


def test_an_open_card_checks_in_with_one_tap_and_prints_once(
    kiosk: Kiosk, touch: Touch, spool: Path, live_server: EmbeddedServer
) -> None:
    open_my_appointments(touch, "two_today")
    assert kiosk.view.upcoming.instruction().endswith("请选择“签到”取号。")  # read aloud
    first = card(kiosk, 0)
    assert first.property(PROMISES_ACTION) == CHECK_IN_ACTION
    # Not begun yet: it may also be cancelled (below the check-in button).
    assert visible_buttons(first) == ["appointments.checkin.0", "appointments.cancel.0"]
    button = first.findChild(QPushButton, "appointments.checkin.0")
    assert button is not None  # inside the card itself
    assert button.text() == "签到"
    touch.taps = 0
    touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)
    assert touch.taps == 1, "one tap from the list to the ticket"
    ticket = kiosk.flow.ticket
    assert ticket is not None
    appointment = kiosk.flow.appointments[0]
    assert touch.text("ticket.number") == ticket.number
    assert touch.text("ticket.where") == "门诊楼 3楼 330室"
    assert appointment.doctor.name in touch.text("ticket.visit")
    assert f"预约 {appointment.starts_at.astimezone():%H:%M}" in touch.text("ticket.visit")
    screen = kiosk.view.ticket
    assert screen.where.font().pixelSize() > screen.department.font().pixelSize()
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 1, timeout=5000)
    lines = parse_escpos(printed(spool)[0].read_bytes()).text_lines
    assert "门诊楼 3楼 330室" in lines  # the double-size line
    assert any(line.startswith("  预约时间：") for line in lines)
    assert appointment_row(live_server, appointment.id)[0] == "checked_in"
    touch("ticket.done")
    touch.wait_for(Step.home)
    touch.qtbot.wait(200)
    assert len(printed(spool)) == 1


def test_cards_not_open_say_from_when_and_past_ones_say_so(kiosk: Kiosk, touch: Touch) -> None:
    open_my_appointments(touch, "two_today")
    appointments = kiosk.flow.appointments
    assert len(appointments) == 4
    later = next(i for i, a in enumerate(appointments) if i > 1 and a.status == "booked")
    cancelled = next(i for i, a in enumerate(appointments) if a.status == "cancelled")
    opens = appointments[later].check_in_opens_at.astimezone()
    later_card = card(kiosk, later)
    assert label_text(later_card, f"appointment.{later}.status").endswith(f"{opens:%H:%M} 起可签到")
    assert f"{opens.month}月{opens.day}日" in label_text(later_card, f"appointment.{later}.status")
    assert visible_buttons(later_card) == [f"appointments.cancel.{later}"]  # no check-in yet
    assert later_card.property(PROMISES_ACTION) == ""
    cancelled_card = card(kiosk, cancelled)
    assert label_text(cancelled_card, f"appointment.{cancelled}.status") == "已取消"
    assert visible_buttons(cancelled_card) == []
    assert cancelled_card.property("state") == "inactive"
    touch("upcoming.home")
    touch.wait_for(Step.home)
    open_my_appointments(touch, "too_late")
    expired = card(kiosk, 0)
    assert label_text(expired, "appointment.0.status") == "已过期"
    assert visible_buttons(expired) == []
    assert expired.property(PROMISES_ACTION) == ""


def test_a_card_opening_later_today_says_its_time(kiosk: Kiosk, touch: Touch) -> None:
    open_my_appointments(touch, "too_early")
    [appointment] = kiosk.flow.appointments
    opens = appointment.check_in_opens_at.astimezone()
    assert label_text(card(kiosk, 0), "appointment.0.status") == f"{opens:%H:%M} 起可签到"
    assert visible_buttons(card(kiosk, 0)) == ["appointments.cancel.0"]  # no check-in yet
    assert "签到" not in kiosk.view.upcoming.instruction()  # no button to choose yet


def test_check_in_refused_by_the_server_says_why_and_issues_nothing(
    kiosk: Kiosk, touch: Touch, spool: Path, live_server: EmbeddedServer
) -> None:
    """The hospital cancelled the visit while the list was on screen."""
    open_my_appointments(touch, "two_today")
    appointment = kiosk.flow.appointments[0]
    before = tickets_issued(live_server)
    with sqlite3.connect(live_server.db_path) as conn:
        conn.execute("UPDATE appointments SET status = 'cancelled' WHERE id = ?", (appointment.id,))
    touch("appointments.checkin.0")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "预约已取消"
    assert "服务窗口" in touch.text("notice.next_step")
    touch("notice.back")
    touch.wait_for(Step.upcoming)
    assert kiosk.window.current_screen() is kiosk.view.upcoming
    touch.qtbot.wait(200)
    assert printed(spool) == []
    assert tickets_issued(live_server) == before
    assert appointment_row(live_server, appointment.id) == ("cancelled", None)


def test_check_in_with_the_server_unreachable_says_so_and_issues_nothing(
    kiosk: Kiosk, touch: Touch, spool: Path, live_server: EmbeddedServer
) -> None:
    open_my_appointments(touch, "two_today")
    appointment = kiosk.flow.appointments[0]
    before = tickets_issued(live_server)
    live_server.stop()  # the network to the hospital system is gone
    touch("appointments.checkin.0")
    touch.qtbot.waitUntil(
        lambda: kiosk.flow.step == Step.notice and not kiosk.flow.busy, timeout=20000
    )
    assert touch.text("notice.body") == "自助机暂时无法连接医院系统。"
    assert "服务窗口" in touch.text("notice.next_step")
    assert visible_buttons(kiosk.view.notice) == ["notice.home", "notice.back"]
    touch.qtbot.wait(200)
    assert printed(spool) == []
    assert tickets_issued(live_server) == before
    assert appointment_row(live_server, appointment.id) == ("booked", None)
    touch("notice.home")
    touch.wait_for(Step.home)


def test_too_early_says_when_which_and_where_and_offers_to_pay_meanwhile(
    kiosk: Kiosk, touch: Touch
) -> None:
    touch("home.checkin")
    touch("identify.demo.too_early")
    touch.wait_for(Step.notice)
    notice = kiosk.view.notice
    assert kiosk.flow.notice is not None
    appointment = kiosk.flow.notice.appointment
    assert appointment is not None
    opens = appointment.check_in_opens_at.astimezone()
    assert touch.text("notice.title") == f"此预约 {opens:%H:%M} 起可签到。"
    labels = (notice.title, notice.body, notice.appointment, notice.location)
    sizes = {label.objectName(): label.font().pixelSize() for label in labels}
    assert sizes["notice.title"] == max(sizes.values()), sizes
    which = touch.text("notice.appointment")
    assert appointment.department.name in which
    assert appointment.doctor.name in which
    assert f"{appointment.starts_at.astimezone():%H:%M}" in which
    assert touch.text("notice.location") == "就诊地点：门诊楼 1楼 120室"
    assert "缴费" in touch.text("notice.next_step")
    touch("notice.pay_bills")
    payment = kiosk.part(PaymentFlow)
    touch.qtbot.waitUntil(lambda: payment.step == PayStep.bills and not payment.busy, timeout=5000)
    assert kiosk.flow.step == Step.service
