"""The visit flow against the real reference server: every path a patient can take."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind, Patient
from kiosk.flows.notices import NoticeKind
from kiosk.flows.visit import PAY_BILLS_SERVICE, Step, VisitJourney
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.executors import ImmediateExecutor, ManualExecutor

if TYPE_CHECKING:
    from tests.helpers.flows import Rig, RigFactory


def identify(rig: Rig, scenario: str) -> None:
    identity = DEMO_IDENTITIES[scenario]
    rig.flow.identifier_read(identity.kind, identity.value)


def wait_for_print(qtbot: QtBot, rig: Rig, count: int = 1) -> None:
    qtbot.waitUntil(lambda: len(rig.printed_jobs()) == count, timeout=5000)


def test_one_appointment_in_window_gives_a_ticket(rig: Rig, qtbot: QtBot) -> None:
    identify(rig, "one_in_window")
    assert rig.flow.step == Step.appointments
    assert rig.flow.patient is not None
    assert rig.flow.patient.display_name == "王*英"
    [appointment] = rig.flow.appointments
    rig.flow.check_in(appointment.id)
    assert rig.flow.step == Step.ticket
    assert rig.flow.ticket is not None
    assert rig.flow.ticket.number[0].isalpha()
    assert not rig.flow.ticket_was_existing
    wait_for_print(qtbot, rig)
    assert b"\x1d(k" in rig.printed_jobs()[0].read_bytes()


def test_phone_finds_the_same_patient(rig: Rig) -> None:
    rig.flow.submit_typed("13800138000")
    assert rig.flow.step == Step.appointments
    assert rig.flow.patient is not None
    assert rig.flow.patient.display_name == "王*英"


def test_typed_resident_id_with_lower_case_x(rig: Rig) -> None:
    rig.flow.submit_typed("11010519491231002x")
    assert rig.flow.step == Step.appointments


def test_bad_checksum_never_reaches_the_backend(manual_rig: Rig) -> None:
    manual_rig.flow.choose(VisitJourney.checkin)
    manual_rig.flow.submit_typed("110105194912310021")
    assert manual_rig.flow.step == Step.notice
    assert manual_rig.flow.notice is not None
    assert manual_rig.flow.notice.kind == NoticeKind.invalid_resident_id
    assert isinstance(manual_rig.executor, ManualExecutor)
    assert manual_rig.executor.waiting == 0


def test_two_appointments_today(rig: Rig) -> None:
    identify(rig, "two_today")
    assert rig.flow.step == Step.appointments
    assert len(rig.flow.appointments) == 2


def test_not_found(rig: Rig) -> None:
    rig.flow.identifier_read(IdentifierKind.patient_card, "HC99999999")
    assert rig.flow.step == Step.notice
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.patient_not_found
    rig.flow.retry_identify()
    assert rig.flow.step == Step.identify


@pytest.mark.parametrize(
    ("scenario", "kind"),
    [
        ("too_early", NoticeKind.too_early),
        ("too_late", NoticeKind.too_late),
    ],
)
def test_nothing_to_check_in_now_is_said_at_once(rig: Rig, scenario: str, kind: NoticeKind) -> None:
    """No card would have a button: the patient is told why without a tap."""
    identify(rig, scenario)
    [appointment] = rig.flow.appointments
    assert rig.flow.step == Step.notice
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == kind
    if kind == NoticeKind.too_early:
        assert rig.flow.notice.at == appointment.check_in_opens_at
        assert rig.flow.notice.appointment == appointment
    assert rig.printed_jobs() == []
    rig.flow.back_to_appointments()
    assert rig.flow.step == Step.appointments


class RecordedService:
    """A service flow that only records whom it was handed (the payment service's place)."""

    def __init__(self) -> None:
        self.begun: list[Patient | None] = []

    def begin(self, patient: Patient | None) -> None:
        self.begun.append(patient)


def test_too_early_offers_to_pay_the_unpaid_bills_meanwhile(rig: Rig) -> None:
    payment = RecordedService()
    rig.flow.offer(PAY_BILLS_SERVICE, payment, needs_identification=True)
    identify(rig, "too_early")
    notice = rig.flow.notice
    assert notice is not None
    assert notice.kind == NoticeKind.too_early
    assert notice.has_unpaid_bills  # the demo patient's X-ray bill
    rig.flow.continue_with(PAY_BILLS_SERVICE)
    assert rig.flow.step == Step.service
    assert payment.begun == [rig.flow.patient]


def test_paying_is_offered_only_from_a_too_early_notice(rig: Rig) -> None:
    payment = RecordedService()
    rig.flow.offer(PAY_BILLS_SERVICE, payment, needs_identification=True)
    identify(rig, "too_late")
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.too_late
    assert not rig.flow.notice.has_unpaid_bills  # nothing to wait for: no bills asked for
    rig.flow.go_home()
    identify(rig, "one_in_window")
    assert rig.flow.step == Step.appointments
    rig.flow.continue_with(PAY_BILLS_SERVICE)  # not from a list
    assert rig.flow.step == Step.appointments
    assert payment.begun == []


def test_too_early_notice_stands_when_the_bills_cannot_be_read(
    manual_rig: Rig, live_server: EmbeddedServer
) -> None:
    """The offer to pay is a convenience: without it the patient still learns when to come."""
    executor = manual_rig.executor
    assert isinstance(executor, ManualExecutor)
    manual_rig.flow.offer(PAY_BILLS_SERVICE, RecordedService(), needs_identification=True)
    identify(manual_rig, "too_early")
    executor.run_next()  # identify
    executor.run_next()  # today's appointments
    assert executor.waiting == 1  # the bills
    live_server.stop()
    executor.run_all()
    notice = manual_rig.flow.notice
    assert manual_rig.flow.step == Step.notice
    assert notice is not None
    assert notice.kind == NoticeKind.too_early
    assert notice.appointment is not None
    assert not notice.has_unpaid_bills
    assert not manual_rig.flow.busy


def test_server_refuses_when_the_kiosk_clock_runs_ahead(
    live_server: EmbeddedServer, tmp_path: Path, rig_factory: RigFactory
) -> None:
    """The card looked open to the kiosk; the server's word counts, and nothing is printed."""
    ahead = live_server.clock() + dt.timedelta(hours=2)
    for rig in rig_factory(
        live_server.url,
        tmp_path / "spool",
        ImmediateExecutor(),
        lambda: ahead.date(),
        clock=lambda: ahead,
    ):
        identify(rig, "too_early")
        assert rig.flow.step == Step.appointments
        [appointment] = rig.flow.appointments
        rig.flow.check_in(appointment.id)
        assert rig.flow.step == Step.notice
        assert rig.flow.notice is not None
        assert rig.flow.notice.kind == NoticeKind.too_early
        assert rig.flow.notice.at == appointment.check_in_opens_at
        assert rig.printed_jobs() == []
        rig.flow.back_to_appointments()
        assert rig.flow.step == Step.appointments


def test_check_in_from_my_appointments(rig: Rig, qtbot: QtBot) -> None:
    rig.flow.choose(VisitJourney.appointments)
    identify(rig, "two_today")
    assert rig.flow.step == Step.upcoming
    first = rig.flow.appointments[0]
    rig.flow.check_in(first.id)
    assert rig.flow.step == Step.ticket
    ticket = rig.flow.ticket
    assert ticket is not None
    assert ticket.appointment_at == first.starts_at
    assert ticket.doctor is not None
    assert ticket.doctor.id == first.doctor.id
    wait_for_print(qtbot, rig)


def test_refusal_from_my_appointments_leads_back_there(rig: Rig) -> None:
    rig.flow.choose(VisitJourney.appointments)
    identify(rig, "two_today")
    cancelled = next(a for a in rig.flow.appointments if a.status == "cancelled")
    rig.flow.check_in(cancelled.id)
    assert rig.flow.step == Step.notice
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.cancelled
    assert rig.printed_jobs() == []
    rig.flow.back_to_appointments()
    assert rig.flow.step == Step.upcoming


def test_only_a_cancelled_appointment_says_so_at_once(rig: Rig) -> None:
    identify(rig, "cancelled")
    assert rig.flow.step == Step.notice
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.cancelled


def test_already_checked_in_shows_the_existing_ticket_without_printing(rig: Rig) -> None:
    identify(rig, "already_checked_in")
    [appointment] = rig.flow.appointments
    assert appointment.ticket is not None
    rig.flow.check_in(appointment.id)
    assert rig.flow.step == Step.ticket
    assert rig.flow.ticket == appointment.ticket
    assert rig.flow.ticket_was_existing
    assert rig.printed_jobs() == []


def test_server_refusal_with_existing_ticket(rig: Rig, qtbot: QtBot) -> None:
    """A second kiosk visit for the same appointment gets the first visit's ticket back."""
    identify(rig, "one_in_window")
    appointment = rig.flow.appointments[0]
    rig.flow.check_in(appointment.id)
    first = rig.flow.ticket
    wait_for_print(qtbot, rig)
    rig.flow.go_home()
    identify(rig, "one_in_window")
    rig.flow.check_in(appointment.id)
    assert rig.flow.ticket == first
    assert rig.flow.ticket_was_existing
    rig.flow.reprint()
    wait_for_print(qtbot, rig, count=2)


def test_repeated_tap_uses_the_same_idempotency_key(manual_rig: Rig, qtbot: QtBot) -> None:
    flow = manual_rig.flow
    executor = manual_rig.executor
    assert isinstance(executor, ManualExecutor)
    identify(manual_rig, "two_today")
    executor.run_all()
    executor.run_all()
    first, _ = flow.appointments
    flow.check_in(first.id)
    flow.check_in(first.id)  # ignored while busy
    assert executor.waiting == 1
    executor.run_all()
    assert flow.step == Step.ticket
    wait_for_print(qtbot, manual_rig)
    assert len(manual_rig.printed_jobs()) == 1


def test_late_answer_after_a_wipe_is_dropped(manual_rig: Rig) -> None:
    flow = manual_rig.flow
    executor = manual_rig.executor
    assert isinstance(executor, ManualExecutor)
    wiped: list[bool] = []
    flow.visit_wiped.connect(lambda: wiped.append(True))
    identify(manual_rig, "one_in_window")
    assert flow.step == Step.looking_up
    flow.go_home()
    executor.run_all()
    assert flow.step == Step.home
    assert flow.patient is None
    assert flow.appointments == []
    assert wiped == [True]


def test_my_appointments_lists_the_next_30_days(rig: Rig) -> None:
    rig.flow.choose(VisitJourney.appointments)
    identify(rig, "no_appointment_today")
    assert rig.flow.step == Step.upcoming
    assert len(rig.flow.appointments) >= 1


def test_no_appointment_today(rig: Rig) -> None:
    identify(rig, "no_appointment_today")
    assert rig.flow.step == Step.notice
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.no_appointment_today


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_backend_slower_than_timeout(
    silent_server: str, tmp_path: Path, rig_factory: RigFactory
) -> None:
    for rig in rig_factory(
        silent_server, tmp_path / "spool", ImmediateExecutor(), dt.date.today, read_timeout_s=0.3
    ):
        identify(rig, "one_in_window")
        assert rig.flow.step == Step.notice
        assert rig.flow.notice is not None
        assert rig.flow.notice.kind == NoticeKind.backend_slow


def test_backend_down(tmp_path: Path, rig_factory: RigFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for rig in rig_factory(
        f"http://127.0.0.1:{port}", tmp_path / "spool", ImmediateExecutor(), dt.date.today
    ):
        identify(rig, "one_in_window")
        assert rig.flow.step == Step.notice
        assert rig.flow.notice is not None
        assert rig.flow.notice.kind == NoticeKind.backend_unreachable


def test_unreadable_card_on_home_says_so(rig: Rig) -> None:
    rig.flow.identifier_rejected()
    assert rig.flow.step == Step.notice
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.unreadable_card


def test_nothing_starts_while_paused(rig: Rig) -> None:
    rig.flow.pause()
    rig.flow.identifier_rejected()
    identify(rig, "one_in_window")
    assert rig.flow.step == Step.home


def test_a_slow_server_gets_one_position_question_at_a_time(
    live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot, rig_factory: RigFactory
) -> None:
    """Each checked-in appointment's position is asked every refresh while my appointments
    is shown; a round still unanswered holds the next one back, and the answer lands in
    ``positions``."""
    executor = ManualExecutor()
    for rig in rig_factory(
        live_server.url,
        tmp_path / "spool",
        executor,
        lambda: live_server.clock().date(),
        clock=live_server.clock,
        position_refresh_s=0.05,
    ):
        check_positions(rig, executor, qtbot)


def check_positions(rig: Rig, executor: ManualExecutor, qtbot: QtBot) -> None:
    flow = rig.flow
    flow.choose(VisitJourney.appointments)
    identify(rig, "already_checked_in")
    executor.run_next()  # identify
    executor.run_next()  # the appointments
    assert flow.step == Step.upcoming
    checked_in = [a for a in flow.appointments if a.status == "checked_in"]
    assert len(checked_in) == 1
    assert executor.waiting == 1  # asked at once
    qtbot.wait(300)  # six refreshes' time while the server does not answer
    assert executor.waiting == 1
    changed: list[bool] = []
    flow.positions_changed.connect(lambda: changed.append(True))
    executor.run_next()
    position = flow.positions[checked_in[0].id]
    assert position is not None
    assert changed == [True]
    assert checked_in[0].ticket is not None
    assert position.number == checked_in[0].ticket.number
    qtbot.waitUntil(lambda: executor.waiting == 1, timeout=2000)  # the next round
    flow.go_home()
    executor.run_all()  # that round's answer (dropped: the visit is over) and the visit's end
    assert flow.positions == {}
    qtbot.wait(300)
    assert executor.waiting == 0  # no more questions once the list is gone
