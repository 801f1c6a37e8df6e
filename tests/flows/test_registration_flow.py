"""The registration flow against the real reference server: every way a registration can go.

The flow runs with the real client on loopback, the real visit flow and a simulated printer;
only the fee payment is recorded here (its own flow is tested with the payment journeys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from kiosk.api.models import (
    Department,
    Patient,
    RegistrationResult,
    Schedule,
    ScheduleSession,
    SessionSuggestion,
)
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import (
    BackendRejectedError,
    BackendTimeoutError,
    BackendUnreachableError,
)
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import paper_for
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.printing.tickets import TicketPrinting
from kiosk.flows.notices import NoticeKind
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.visit import Step, VisitFlow
from kiosk.runner import Runner
from kiosk.server.clock import ManualClock
from kiosk.server.db import connect, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_KIOSK_ID, DEMO_TOKEN
from kiosk.services import REGISTRATION
from tests.helpers.executors import ImmediateExecutor, ManualExecutor

PATIENT = "no_appointment_today"
GENERAL = "dep-a"  # Internal Medicine, with the free general clinic


@dataclass
class RecordedPayment:
    """Stands in for the payment flow: records what it was asked to pay."""

    calls: list[tuple[Patient, list[str]]] = field(default_factory=list)

    def pay_bills(self, patient: Patient, bill_ids: Sequence[str]) -> None:
        self.calls.append((patient, list(bill_ids)))


class FlakyApi:
    """The real client, with registration answers that can be lost or never sent."""

    def __init__(self, client: KioskApiClient) -> None:
        self.client = client
        self.keys: list[str] = []
        self.lose_next_answer = False  # the server registers, the answer never arrives
        self.unreachable = False  # nothing reaches the server
        self.reject_with: BackendRejectedError | None = None

    def departments(self) -> list[Department]:
        self._check_reachable()
        return self.client.departments()

    def schedule(self, department_id: str, date: dt.date | None = None) -> Schedule:
        self._check_reachable()
        return self.client.schedule(department_id, date)

    def _check_reachable(self) -> None:
        if self.unreachable:
            raise BackendUnreachableError("connection refused (test)")

    def register(
        self, patient_id: str, session_id: str, *, idempotency_key: str
    ) -> RegistrationResult:
        self.keys.append(idempotency_key)
        self._check_reachable()
        if self.reject_with is not None:
            raise self.reject_with
        result = self.client.register(patient_id, session_id, idempotency_key=idempotency_key)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise BackendTimeoutError("read timed out (test)")
        return result


@dataclass
class RegRig:
    flow: RegistrationFlow
    visit: VisitFlow
    api: FlakyApi
    payment: RecordedPayment
    executor: Executor
    spool: Path
    server: EmbeddedServer

    def printed(self) -> list[Path]:
        return sorted(self.spool.glob("*.bin"))

    def slots_left(self, session_id: str) -> int:
        conn = connect(self.server.db_path)
        try:
            row = conn.execute(
                "SELECT slots_left FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        finally:
            conn.close()
        assert row is not None
        return int(row["slots_left"])

    def registrations(self) -> int:
        conn = connect(self.server.db_path)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM registrations").fetchone()[0])
        finally:
            conn.close()

    def identify(self) -> None:
        self.visit.choose("registration")
        identity = DEMO_IDENTITIES[PATIENT]
        self.visit.identifier_read(identity.kind, identity.value)

    def run(self) -> None:
        if isinstance(self.executor, ManualExecutor):
            self.executor.run_all()


def build(server: EmbeddedServer, tmp_path: Path, executor: Executor) -> Iterator[RegRig]:
    client = KioskApiClient(server.url, DEMO_TOKEN, DEMO_KIOSK_ID, read_timeout_s=5, retries=0)
    spool = tmp_path / "spool"
    spool.mkdir()
    owner = QObject()
    service = PrinterService(
        SimulatedConnection(spool),
        RenderOptions(paper=paper_for(80)),
        poll_interval_s=600,
        parent=owner,
    )
    printing = TicketPrinting(service, lambda: "zh_CN", parent=owner)
    runner = Runner(executor, parent=owner)
    visit = VisitFlow(
        client,
        runner,
        printing,
        hospital_name="示例市第一人民医院",
        today=lambda: server.clock().date(),
        parent=owner,
    )
    api = FlakyApi(client)
    payment = RecordedPayment()
    flow = RegistrationFlow(
        api,
        runner,
        visit,
        payment,
        printing,
        clock=server.clock,
        service_name=REGISTRATION,
        hospital_name="示例市第一人民医院",
        parent=owner,
    )
    visit.offer(REGISTRATION, flow, needs_identification=True)
    yield RegRig(flow, visit, api, payment, executor, spool, server)
    service.shutdown()
    client.close()
    shiboken6.delete(owner)


@pytest.fixture
def rig(live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot) -> Iterator[RegRig]:
    yield from build(live_server, tmp_path, ImmediateExecutor())


@pytest.fixture
def manual(live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot) -> Iterator[RegRig]:
    yield from build(live_server, tmp_path, ManualExecutor())


def to_doctors(rig: RegRig) -> None:
    rig.identify()
    rig.run()
    assert rig.flow.step == RegStep.departments
    rig.flow.choose_department(GENERAL)
    rig.run()
    assert rig.flow.step == RegStep.doctors


def first_open(rig: RegRig, *, fee: bool = False) -> ScheduleSession:
    return next(
        c.session
        for c in rig.flow.choices()
        if c.session.slots_left > 0
        and c.session.ends_at > rig.server.clock()
        and (c.session.fee_cents > 0) == fee
    )


def to_confirm(rig: RegRig, *, fee: bool = False) -> ScheduleSession:
    to_doctors(rig)
    session = first_open(rig, fee=fee)
    rig.flow.choose_session(session.id)
    assert rig.flow.step == RegStep.confirm
    return session


def wait_for_print(qtbot: QtBot, rig: RegRig, count: int = 1) -> None:
    qtbot.waitUntil(lambda: len(rig.printed()) == count, timeout=5000)


def test_departments_come_with_what_they_treat(rig: RegRig) -> None:
    rig.identify()
    assert rig.visit.step == Step.service
    assert rig.flow.step == RegStep.departments
    assert rig.flow.patient is not None
    assert rig.flow.patient.display_name != rig.flow.patient.id
    assert rig.flow.departments
    assert all(d.hint for d in rig.flow.departments)


def test_todays_list_puts_the_free_open_sessions_first(rig: RegRig) -> None:
    to_doctors(rig)
    now = rig.server.clock()
    choices = rig.flow.choices()
    first = choices[0].session
    assert first.fee_cents == 0
    assert first.slots_left > 0
    assert first.ends_at > now
    states = [(c.session.ends_at <= now, c.session.slots_left <= 0) for c in choices]
    assert states == sorted(states)  # open, then full, then ended
    assert any(c.session.slots_left == 0 for c in choices)  # the full one is listed


def test_a_free_session_gives_one_ticket_and_takes_one_place(rig: RegRig, qtbot: QtBot) -> None:
    session = to_confirm(rig)
    before = rig.slots_left(session.id)
    rig.flow.confirm()
    assert rig.visit.step == Step.ticket
    assert rig.visit.ticket is not None
    assert not rig.visit.ticket_was_existing
    wait_for_print(qtbot, rig)
    assert rig.slots_left(session.id) == before - 1
    assert rig.payment.calls == []


def test_a_repeated_tap_sends_one_registration(manual: RegRig, qtbot: QtBot) -> None:
    session = to_confirm(manual)
    before = manual.slots_left(session.id)
    manual.flow.confirm()
    manual.flow.confirm()  # the second tap while the first is on its way
    assert isinstance(manual.executor, ManualExecutor)
    assert manual.executor.waiting == 1
    manual.run()
    assert manual.visit.step == Step.ticket
    assert manual.slots_left(session.id) == before - 1


def test_a_lost_answer_is_retried_with_the_same_key_and_takes_one_place(
    rig: RegRig, qtbot: QtBot
) -> None:
    session = to_confirm(rig)
    before = rig.slots_left(session.id)
    rig.api.lose_next_answer = True
    rig.flow.confirm()
    # The place was taken, but the kiosk does not know: it says so on the same screen.
    assert rig.flow.step == RegStep.confirm
    assert rig.flow.problem is not None
    assert rig.flow.problem.kind == NoticeKind.backend_slow
    assert rig.printed() == []
    rig.flow.confirm()  # "Try again"
    assert rig.visit.step == Step.ticket
    assert not rig.visit.ticket_was_existing  # the server replayed the first answer: print it
    assert len(set(rig.api.keys)) == 1
    assert len(rig.api.keys) == 2
    wait_for_print(qtbot, rig)
    assert rig.slots_left(session.id) == before - 1
    assert rig.registrations() == 1


def test_hospital_system_unreachable_at_confirm_takes_nothing(rig: RegRig) -> None:
    session = to_confirm(rig)
    before = rig.slots_left(session.id)
    rig.api.unreachable = True
    rig.flow.confirm()
    assert rig.flow.step == RegStep.confirm
    assert rig.flow.problem is not None
    assert rig.flow.problem.kind == NoticeKind.backend_unreachable
    assert rig.slots_left(session.id) == before
    assert rig.registrations() == 0
    rig.flow.finish()
    assert rig.visit.step == Step.home
    assert rig.flow.step == RegStep.idle
    assert rig.flow.patient is None


def test_another_session_gets_its_own_key(rig: RegRig) -> None:
    session = to_confirm(rig)
    rig.api.unreachable = True
    rig.flow.confirm()
    rig.flow.back()
    assert rig.flow.step == RegStep.doctors
    assert rig.flow.problem is None
    other = next(
        c.session
        for c in rig.flow.choices()
        if c.session.id != session.id and c.session.slots_left > 0
    )
    rig.flow.choose_session(other.id)
    rig.flow.confirm()
    assert len(set(rig.api.keys)) == 2


def test_a_full_session_offers_the_next_with_places_free_first(rig: RegRig) -> None:
    to_doctors(rig)
    now = rig.server.clock()
    full = next(
        c.session
        for c in rig.flow.choices()
        if c.session.slots_left == 0 and c.session.ends_at > now
    )
    rig.flow.choose_session(full.id)
    assert rig.flow.step == RegStep.full
    suggestions = rig.flow.suggestions
    assert 1 <= len(suggestions) <= 3
    assert full.id not in {s.session.id for s in suggestions}
    assert all(s.session.slots_left > 0 and s.session.ends_at > now for s in suggestions)
    assert suggestions[0].session.fee_cents == full.fee_cents  # the free one for a free choice
    rig.flow.choose_session(suggestions[0].session.id)
    assert rig.flow.step == RegStep.confirm
    rig.flow.confirm()
    assert rig.visit.step == Step.ticket


def test_a_session_filled_meanwhile_shows_the_servers_suggestions(rig: RegRig) -> None:
    session = to_confirm(rig)
    conn = connect(rig.server.db_path)
    with write_transaction(conn):
        conn.execute("UPDATE sessions SET slots_left = 0 WHERE id = ?", (session.id,))
    conn.close()
    rig.flow.confirm()
    assert rig.flow.step == RegStep.full
    assert rig.flow.suggestions
    assert session.id not in {s.session.id for s in rig.flow.suggestions}
    assert rig.registrations() == 0


def test_malformed_suggestions_are_dropped_and_said_plainly(rig: RegRig) -> None:
    to_confirm(rig)
    rig.api.reject_with = BackendRejectedError(
        409, "session_full", "full", details={"suggestions": [{"session": "nonsense"}]}
    )
    rig.flow.confirm()
    assert rig.flow.step == RegStep.error
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.session_full


def test_registered_already_shows_the_same_ticket_unprinted(rig: RegRig, qtbot: QtBot) -> None:
    session = to_confirm(rig)
    rig.flow.confirm()
    first = rig.visit.ticket
    assert first is not None
    wait_for_print(qtbot, rig)
    rig.visit.go_home()
    to_doctors(rig)  # the same patient comes back and chooses the same session
    rig.flow.choose_session(session.id)
    before = rig.slots_left(session.id)
    rig.flow.confirm()  # a new visit: a new key, so the server recognises the patient
    assert rig.visit.step == Step.ticket
    assert rig.visit.ticket is not None
    assert rig.visit.ticket.number == first.number
    assert rig.visit.ticket_was_existing
    assert rig.slots_left(session.id) == before
    assert rig.registrations() == 1
    qtbot.wait(200)
    assert len(rig.printed()) == 1


def test_a_session_with_a_fee_goes_to_payment_of_its_bill(rig: RegRig) -> None:
    session = to_confirm(rig, fee=True)
    before = rig.slots_left(session.id)
    rig.flow.confirm()
    [(patient, bills)] = rig.payment.calls
    assert rig.flow.patient is patient
    [bill_id] = bills
    assert bill_id.startswith("bill")
    assert rig.visit.step == Step.service  # the payment flow shows the QR from here
    assert rig.slots_left(session.id) == before - 1


def test_registered_already_but_unpaid_pays_the_same_bill(rig: RegRig) -> None:
    session = to_confirm(rig, fee=True)
    rig.flow.confirm()
    [(_, first_bills)] = rig.payment.calls
    rig.visit.go_home()
    to_doctors(rig)
    rig.flow.choose_session(session.id)
    rig.flow.confirm()
    assert len(rig.payment.calls) == 2
    assert rig.payment.calls[1][1] == first_bills
    assert rig.registrations() == 1


def test_a_session_that_ended_meanwhile_goes_back_to_the_list(
    rig: RegRig, manual_clock: ManualClock
) -> None:
    session = to_confirm(rig)
    before = rig.slots_left(session.id)
    manual_clock.set(session.ends_at + dt.timedelta(minutes=1))
    # Hours pass in an instant: the visit token would have lapsed long ago; a new visit.
    identity = DEMO_IDENTITIES[PATIENT]
    rig.api.client.identify(identity.kind, identity.value)
    rig.flow.confirm()
    assert rig.flow.step == RegStep.doctors
    assert rig.flow.problem is not None
    assert rig.flow.problem.kind == NoticeKind.session_over
    assert rig.flow.session is None
    ended = next(c.session for c in rig.flow.choices() if c.session.id == session.id)
    assert ended.ends_at <= manual_clock()
    rig.flow.choose_session(session.id)  # an ended session cannot be chosen again
    assert rig.flow.step == RegStep.doctors
    assert rig.slots_left(session.id) == before
    assert rig.registrations() == 0


def test_departments_unavailable_is_a_notice(rig: RegRig) -> None:
    rig.api.unreachable = True
    rig.identify()
    assert rig.flow.step == RegStep.error
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.backend_unreachable


def test_schedule_unavailable_is_a_notice(rig: RegRig) -> None:
    rig.identify()
    rig.api.unreachable = True
    rig.flow.choose_department(GENERAL)
    assert rig.flow.step == RegStep.error
    assert rig.flow.notice is not None
    assert rig.flow.notice.kind == NoticeKind.backend_unreachable
    assert rig.registrations() == 0


def test_an_answer_after_the_visit_ended_is_dropped(manual: RegRig) -> None:
    to_confirm(manual)
    manual.flow.confirm()
    manual.visit.go_home()  # the patient walked away (or the idle timer wiped the visit)
    manual.run()
    assert manual.visit.step == Step.home
    assert manual.flow.step == RegStep.idle
    assert manual.printed() == []
    assert manual.payment.calls == []


def test_back_and_forth(rig: RegRig) -> None:
    session = to_confirm(rig)
    rig.flow.back()
    assert rig.flow.step == RegStep.doctors
    assert rig.flow.session is None
    rig.flow.back()
    assert rig.flow.step == RegStep.departments
    rig.flow.choose_department(GENERAL)
    rig.flow.choose_session(session.id)
    assert rig.flow.step == RegStep.confirm


def a_session_tomorrow(rig: RegRig) -> tuple[Department, SessionSuggestion]:
    client = rig.api.client
    department = next(d for d in client.departments() if d.id == GENERAL)
    tomorrow = rig.server.clock().date() + dt.timedelta(days=1)
    day = client.schedule(GENERAL, tomorrow)
    doctor, session = next(
        (d.doctor, s) for d in day.doctors for s in d.sessions if s.slots_left > 0
    )
    return department, SessionSuggestion(session=session, doctor=doctor)


def test_a_session_chosen_elsewhere_is_confirmed_after_identification(rig: RegRig) -> None:
    department, choice = a_session_tomorrow(rig)
    rig.flow.begin_for(department, choice)
    assert rig.visit.step == Step.identify  # nobody known yet: identify first
    assert rig.flow.step == RegStep.idle
    identity = DEMO_IDENTITIES[PATIENT]
    rig.visit.identifier_read(identity.kind, identity.value)
    assert rig.flow.step == RegStep.confirm
    assert rig.flow.session is not None
    assert rig.flow.session.id == choice.session.id
    assert rig.flow.schedule is not None
    assert rig.flow.schedule.date == choice.session.starts_at.date()
    assert rig.registrations() == 0
    rig.flow.confirm()
    assert rig.registrations() == 1


def test_a_session_chosen_elsewhere_that_ended_meanwhile_shows_its_day_with_why(
    rig: RegRig, manual_clock: ManualClock
) -> None:
    department, choice = a_session_tomorrow(rig)
    rig.flow.begin_for(department, choice)
    manual_clock.advance(choice.session.ends_at - manual_clock() + dt.timedelta(minutes=1))
    identity = DEMO_IDENTITIES[PATIENT]
    rig.visit.identifier_read(identity.kind, identity.value)
    assert rig.flow.step == RegStep.doctors
    assert rig.flow.problem is not None
    assert rig.flow.problem.kind == NoticeKind.session_over
    assert rig.registrations() == 0


def test_the_visit_wiped_forgets_a_session_chosen_elsewhere(rig: RegRig) -> None:
    department, choice = a_session_tomorrow(rig)
    rig.flow.begin_for(department, choice)
    rig.visit.go_home()
    rig.identify()  # the next patient, from the tile: the departments, not that session
    assert rig.flow.step == RegStep.departments
    assert rig.flow.session is None
