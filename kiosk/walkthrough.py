"""``kiosk walkthrough``: drive the real UI through a patient's journey and save each screen.

Runs against the embedded demo hospital with the simulated printer, clicking the same buttons a
patient would (by their objectNames), and writes one PNG per screen plus the printed ticket's
preview. Used for the README's screenshots and for looking at every screen in each language,
size and text mode.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import requests
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea

from kiosk.api.models import IDEMPOTENCY_HEADER, AppointmentStatus, EntryState
from kiosk.api.payment_codes import EXAMPLE_CODES, ChargeOutcome
from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.devices.dispenser import DispenserStatus
from kiosk.devices.dispenser.simulated import SimulatedDispenser
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.devices.readers.simulated import SimulatedReader
from kiosk.flows.feedback import FeedbackFlow, FeedbackStep
from kiosk.flows.first_visit import FirstVisitStep, Output
from kiosk.flows.info import InfoFlow, InfoStep
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.receipts import ReceiptProblem, ReceiptsFlow, ReceiptStep
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.reports import ReportsFlow, ReportStep
from kiosk.flows.staff_call import CallStep
from kiosk.flows.visit import Step
from kiosk.server.seed import DEMO_STATION_PASSWORD, EXPIRED_VOUCHER_SALT, demo_station_id
from kiosk.server.seed_data import (
    FIXED_PATIENTS,
    GENERAL_CLINIC,
    VOUCHER_SCENARIOS,
    demo_voucher,
)

STEP_TIMEOUT_S = 10.0
WALKTHROUGH_IDENTIFICATIONS = 60  # per minute (see run)
DEMO_PHONE = "13912345678"  # the first visit's mobile number
POSITION_REFRESH_S = 0.5  # the shots need not wait 15 s for the card to catch up with a call


@dataclass(frozen=True)
class Shot:
    name: str
    path: Path


class Walkthrough:
    """Clicks through a :class:`Kiosk` and grabs its window after each step."""

    def __init__(self, kiosk: Kiosk, out_dir: Path, prefix: str, *, large_text: bool) -> None:
        self.kiosk = kiosk
        self.large_text = large_text
        self.out_dir = out_dir
        self.prefix = prefix
        self.shots: list[Shot] = []
        self.taps = 0
        self.database: Path | None = None  # the demo server's, where its simulated SMS is

    def start(self, service: str) -> None:
        """From home: large text if asked (it resets with every visit), then a service tile."""
        if self.large_text and not self.kiosk.view.large_text:
            self.click("home.large_text")
        self.click(f"home.{service}")

    def click(self, name: str) -> None:
        target = self.kiosk.window.find_button(name)
        if target is None or not target.isVisible():
            raise RuntimeError(f"no visible button {name!r} on the current screen")
        QTest.mouseClick(
            target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint()
        )
        self.taps += 1
        settle(10)  # what the tap set off; the screens it leads to are waited for by name

    def wait_for(self, step: Step) -> None:
        wait_until(lambda: self.kiosk.flow.step == step and not self.kiosk.flow.busy)

    def scroll_to_end(self) -> None:
        """Scroll the current screen's list to its end, as a patient's swipe would."""
        screen = self.kiosk.window.current_screen()
        for area in screen.findChildren(QScrollArea) if screen is not None else []:
            bar = area.verticalScrollBar()
            bar.setValue(bar.maximum())

    def shoot(self, name: str) -> None:
        settle()
        path = self.out_dir / f"{self.prefix}{len(self.shots) + 1:02d}-{name}.png"
        if not self.kiosk.window.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        self.shots.append(Shot(name, path))

    def journey(self) -> None:
        """Home, identify, appointments, ticket; then a notice; then my appointments."""
        if self.large_text:
            self.click("home.large_text")
        self.shoot("home")
        self.click("home.checkin")
        self.wait_for(Step.identify)
        for key in "11010519491231002X":
            self.click("keypad.x" if key == "X" else f"keypad.digit{key}")
        self.shoot("identify")
        self.click("identify.submit")
        self.wait_for(Step.appointments)
        self.shoot("appointments")
        self.click("appointments.checkin.0")
        self.wait_for(Step.ticket)
        self.shoot("ticket")
        self.click("ticket.done")
        self.wait_for(Step.home)
        self.start("checkin")
        self.click("identify.demo.too_early")  # nothing open yet: told at once
        self.wait_for(Step.notice)
        self.shoot("notice-too-early")
        self.kiosk.idle.warn_now()
        wait_until(self.kiosk.view.countdown.isVisible)
        self.shoot("idle-countdown")
        self.click("idle.finish")
        self.wait_for(Step.home)
        wait_until(self.kiosk.view.take_card.isVisible)  # that visit read a (demo) card
        self.shoot("take-your-card")
        self.start("appointments")
        self.click("identify.demo.two_today")
        self.wait_for(Step.upcoming)
        self.shoot("my-appointments")
        self.scroll_to_end()
        self.shoot("my-appointments-end")  # the later and the cancelled appointments
        self.click("upcoming.home")
        self.wait_for(Step.home)
        self.queue_position()
        self.start("info")
        wait_until(lambda: self.kiosk.part(InfoFlow).step == InfoStep.directory)
        self.shoot("directory")
        self.click("directory.department.0")
        wait_until(lambda: self.kiosk.part(InfoFlow).step == InfoStep.department)
        self.shoot("department")
        self.schedule_to_registration()
        self.prices_and_floors()
        self.registration()
        self.booking()
        self.payment()
        self.reports()
        self.receipts()
        self.first_visit()
        self.call_staff()
        self.feedback()
        self.diagnostics()

    def first_visit(self) -> None:
        """建档/办卡: the ID card without a record, the form, the code (a wrong one first),
        the new card number; then the same screen when the dispenser ran out of cards."""
        flow = self.kiosk.first_visit
        self.start("checkin")
        self.click("identify.demo.first_visit")
        self.wait_for(Step.notice)
        self.shoot("first-visit-no-record")
        self.click("notice.enrol")
        wait_until(lambda: flow.step == FirstVisitStep.form and not flow.busy)
        for key in DEMO_PHONE:
            self.click(f"keypad.digit{key}")
        self.shoot("first-visit-form")
        self.click("first_visit.form.send")
        wait_until(lambda: flow.step == FirstVisitStep.code and not flow.busy)
        code = _sent_code(self.database, DEMO_PHONE)
        wrong = "000000" if code != "000000" else "111111"
        for key in wrong:
            self.click(f"keypad.digit{key}")
        self.click("first_visit.code.confirm")
        wait_until(lambda: flow.problem is not None and not flow.busy)
        self.shoot("first-visit-code-wrong")
        for key in code:
            self.click(f"keypad.digit{key}")
        self.click("first_visit.code.confirm")
        wait_until(lambda: flow.step == FirstVisitStep.done and not flow.busy)
        wait_until(lambda: flow.slip != Output.working and flow.card != Output.working)
        self.shoot("first-visit-done")
        flow.dispense_failed(flow.card_number, "empty")  # as the dispenser reports it
        self.shoot("first-visit-no-card")
        self.click("first_visit.done.register")
        registration = self.kiosk.part(RegistrationFlow)
        wait_until(lambda: registration.step == RegStep.departments and not registration.busy)
        self.click("registration.finish")
        self.wait_for(Step.home)

    def diagnostics(self) -> None:
        """Every technician page, with the printer's paper nearly used up and the simulated
        reader unplugged (a warning and a fault with their advice); both put right after.

        Not in the large-text walks: opening diagnostics ends the visit, and with it the
        patient's large text, so a technician always meets these pages in standard text."""
        if self.large_text:
            return
        connection = self.kiosk.printer.connection
        scanner = next(r for r in self.kiosk.devices.readers if isinstance(r, SimulatedReader))
        self.kiosk.technician.open_diagnostics()
        if isinstance(connection, SimulatedConnection):
            connection.set_status(PrinterStatus.near_end)
        self.click("device.printer.status")
        wait_until(lambda: self.kiosk.printer.status == PrinterStatus.near_end)
        scanner.unplug()
        dispenser = self.kiosk.devices.dispenser
        if dispenser is not None and isinstance(dispenser.dispenser, SimulatedDispenser):
            dispenser.dispenser.set_fault(DispenserStatus.jammed)
            dispenser.refresh_status()
            wait_until(lambda: dispenser.status == DispenserStatus.jammed)
        try:
            self.shoot("diagnostics-devices")
            self.scroll_to_end()
            self.shoot("diagnostics-devices-end")
            card = self.kiosk.technician.diagnostics.device_cards.get("card_dispenser")
            screen = self.kiosk.window.current_screen()
            if card is not None and screen is not None:
                for area in screen.findChildren(QScrollArea):
                    area.ensureWidgetVisible(card)
                self.shoot("diagnostics-card-dispenser")  # jammed: light, words, advice
            for page in ("backend", "system", "config", "touch", "logs", "actions"):
                self.click(f"diagnostics.page.{page}")
                self.shoot(f"diagnostics-{page}")
        finally:
            scanner.plug_back()
            if dispenser is not None and isinstance(dispenser.dispenser, SimulatedDispenser):
                dispenser.dispenser.set_fault(None)
                dispenser.refresh_status()
            if isinstance(connection, SimulatedConnection):
                connection.set_status(PrinterStatus.ok)
            self.kiosk.technician.resume()

    def queue_position(self) -> None:
        """My appointments of a checked-in patient: the live place in the queue; then a
        station calls them (as a doctor's workstation would, over the REST API) and the card
        says where to go."""
        flow = self.kiosk.flow
        self.start("appointments")
        self.click("identify.demo.already_checked_in")
        self.wait_for(Step.upcoming)
        checked_in = next(a for a in flow.appointments if a.status == AppointmentStatus.checked_in)
        wait_until(lambda: flow.positions.get(checked_in.id) is not None)
        self.shoot("my-appointments-position")
        position = flow.positions[checked_in.id]
        assert position is not None
        _call_as_station(self.kiosk.client.base_url, position.queue_id, position.number)

        def called() -> bool:
            now = flow.positions.get(checked_in.id)
            return now is not None and now.state == EntryState.called

        wait_until(called)
        self.shoot("my-appointments-called")
        self.click("upcoming.home")
        self.wait_for(Step.home)

    def schedule_to_registration(self) -> None:
        """A session touched on the department's schedule: identify, then confirm (not taken:
        Home); back on the directory afterwards."""
        info, registration = self.kiosk.part(InfoFlow), self.kiosk.part(RegistrationFlow)
        now = self.kiosk.clock()
        session = next(
            session
            for schedule in info.schedules
            for doctor in schedule.doctors
            for session in doctor.sessions
            if session.slots_left > 0 and session.ends_at > now
        )
        self.click(f"department.session.{session.id}")
        self.wait_for(Step.identify)
        self.click("identify.demo.no_appointment_today")
        wait_until(lambda: registration.step == RegStep.confirm and not registration.busy)
        self.shoot("schedule-registration-confirm")
        self.click("registration.finish")
        self.wait_for(Step.home)
        self.start("info")
        wait_until(lambda: info.step == InfoStep.directory and not info.busy)

    def prices_and_floors(self) -> None:
        """From the directory: the price list searched by pinyin initials, then the floors."""
        info = self.kiosk.part(InfoFlow)
        self.click("directory.prices")
        wait_until(lambda: info.step == InfoStep.prices and not info.busy)
        self.shoot("prices-all")
        for letter in "amxl":
            self.click(f"letters.{letter}")
        settle(500)  # the search starts once typing pauses for 300 ms
        wait_until(lambda: info.query == "amxl" and not info.searching and not info.busy)
        self.shoot("prices")
        self.click("prices.back")
        wait_until(lambda: info.step == InfoStep.directory)
        self.click("directory.floors")
        wait_until(lambda: info.step == InfoStep.floors and not info.busy)
        self.shoot("floors")
        self.click("floors.home")
        self.wait_for(Step.home)

    def registration(self) -> None:
        """Register for the first free general-clinic session with places."""
        flow = self.kiosk.part(RegistrationFlow)
        self.start("registration")
        self.click("identify.demo.no_appointment_today")
        wait_until(lambda: flow.step == RegStep.departments and not flow.busy)
        self.shoot("registration-departments")
        self.click(f"registration.department.{GENERAL_CLINIC}")
        wait_until(lambda: flow.step == RegStep.doctors and not flow.busy)
        self.shoot("registration-sessions")
        now = self.kiosk.clock()
        free = next(
            session
            for doctor in (flow.schedule.doctors if flow.schedule else [])
            for session in doctor.sessions
            if session.fee_cents == 0 and session.slots_left > 0 and session.ends_at > now
        )
        self.click(f"registration.session.{free.id}")
        wait_until(lambda: flow.step == RegStep.confirm)
        self.shoot("registration-confirm")
        self.click("registration.confirm")
        self.wait_for(Step.ticket)
        self.click("ticket.done")
        self.wait_for(Step.home)

    def booking(self) -> None:
        """Book ahead: the day chooser on a later day, a free session booked (its
        confirmation printed), then a paid one paid on the phone; that one is cancelled from
        my appointments, with its refund."""
        flow = self.kiosk.part(RegistrationFlow)
        payment = self.kiosk.part(PaymentFlow)
        booked_ids = []
        for offset, fee in ((1, False), (2, True)):
            self.start("registration")
            self.click("identify.demo.no_appointment_today")
            wait_until(lambda: flow.step == RegStep.departments and not flow.busy)
            self.click(f"registration.department.{GENERAL_CLINIC}")
            wait_until(lambda: flow.step == RegStep.doctors and not flow.busy)
            day = self.kiosk.clock().date() + dt.timedelta(days=offset)
            self.click(f"registration.day.{day.isoformat()}")
            wait_until(partial(_showing_day, flow, day))
            chosen = next(
                session
                for doctor in (flow.schedule.doctors if flow.schedule else [])
                for session in doctor.sessions
                if (session.fee_cents > 0) == fee and session.slots_left > 0
            )
            if not fee:
                self.shoot("booking-day")
            self.click(f"registration.session.{chosen.id}")
            wait_until(lambda: flow.step == RegStep.confirm)
            self.shoot("booking-confirm-paid" if fee else "booking-confirm")
            self.click("registration.confirm")
            if fee:
                wait_until(lambda: payment.step == PayStep.qr and not payment.busy)
                assert payment.payment is not None
                _pay_on_the_phone(payment.payment.qr_payload)
                wait_until(lambda: payment.step == PayStep.paid)
                self.shoot("booking-paid")
                booked_ids += [a.id for a in payment.payment.booked_appointments]
                self.click("payment_result.finish")
            else:
                wait_until(lambda: flow.step == RegStep.booked and not flow.busy)
                self.shoot("booking-booked")
                self.click("registration.booked.finish")
            self.wait_for(Step.home)
        self.start("appointments")
        self.click("identify.demo.no_appointment_today")
        self.wait_for(Step.upcoming)
        index = next(i for i, a in enumerate(self.kiosk.flow.appointments) if a.id in booked_ids)
        self.shoot("my-appointments-cancellable")
        self.click(f"appointments.cancel.{index}")
        self.wait_for(Step.cancel)
        self.shoot("cancel-confirm")
        self.click("cancel.confirm")
        self.wait_for(Step.cancelled)
        self.shoot("cancelled-refund")
        self.click("cancelled.back")
        self.wait_for(Step.upcoming)
        self.click("upcoming.home")
        self.wait_for(Step.home)

    def feedback(self) -> None:
        """Four faces and a tag; then thanks."""
        flow = self.kiosk.part(FeedbackFlow)
        self.start("feedback")
        self.click("feedback.rating.4")
        self.click("feedback.tag.this_kiosk")
        self.shoot("feedback")
        self.click("feedback.submit")
        wait_until(lambda: flow.step == FeedbackStep.thanks)
        self.shoot("feedback-thanks")
        self.click("feedback_thanks.finish")
        self.wait_for(Step.home)

    def call_staff(self) -> None:
        """呼叫工作人员 from my appointments: staff are on their way, the wait counting up."""
        self.start("appointments")
        self.click("identify.demo.two_today")
        self.wait_for(Step.upcoming)
        self.click("header.call_staff")
        wait_until(lambda: self.kiosk.staff_call.step == CallStep.waiting)
        settle(1500)  # one tick of the waiting time
        self.shoot("call-staff")
        self.click("staff_call.cancel")
        self.click("upcoming.home")
        self.wait_for(Step.home)

    def payment(self) -> None:
        """An expired insurance e-voucher QR, then the fresh one; pay two bills by payment code:
        the simulated scanner reads a code that the wallet holds for confirmation, and a second
        HTTP client plays the phone confirming it."""
        flow = self.kiosk.part(PaymentFlow)
        scanner = next(r for r in self.kiosk.devices.readers if isinstance(r, SimulatedReader))
        self.start("payment")
        patient = next(p for p in FIXED_PATIENTS if p.scenario == VOUCHER_SCENARIOS[0])
        scanner.present(demo_voucher(patient.patient_id, salt=EXPIRED_VOUCHER_SALT))
        self.wait_for(Step.notice)
        self.shoot("notice-insurance-code-expired")
        self.click("notice.retry")
        self.wait_for(Step.identify)
        self.click("identify.demo.insurance_qr")
        wait_until(lambda: flow.step == PayStep.bills and not flow.busy)
        self.shoot("bills")
        self.click("bills.pay")
        wait_until(lambda: flow.step == PayStep.qr and not flow.busy)
        self.shoot("payment-qr")
        self.click("payment_qr.payment_code")
        wait_until(lambda: flow.step == PayStep.code)
        self.shoot("payment-code")
        scanner.present(EXAMPLE_CODES[ChargeOutcome.held])
        wait_until(lambda: flow.step == PayStep.confirming and not flow.busy)
        self.shoot("payment-code-confirm")
        assert flow.payment is not None
        _pay_on_the_phone(flow.payment.qr_payload)
        wait_until(lambda: flow.step == PayStep.paid)
        self.shoot("payment-paid")
        self.click("payment_result.finish")
        self.wait_for(Step.home)

    def reports(self) -> None:
        """The reports list (ready and pending), one report's pages, printed on the A4 printer."""
        flow = self.kiosk.part(ReportsFlow)
        self.start("reports")
        self.click("identify.demo.unpaid_bills")
        wait_until(lambda: flow.step == ReportStep.reports and not flow.busy)
        self.shoot("reports")
        self.click("reports.open.1")  # the first is pending: it has no button
        wait_until(lambda: flow.step == ReportStep.preview and not flow.busy)
        self.shoot("report-preview")
        self.click("report.print")
        wait_until(lambda: flow.step == ReportStep.printed and not flow.busy)
        self.shoot("report-printed")
        self.click("report.finish")
        self.wait_for(Step.home)

    def receipts(self) -> None:
        """Receipts printed again (票据补打): the receipt paid in :meth:`payment`, a copy
        printed, a second, then none left (the cashier window); a patient with no payments."""
        flow = self.kiosk.part(ReceiptsFlow)
        self.start("receipts")
        self.click("identify.demo.unpaid_bills")  # the patient who paid in ``payment``
        wait_until(lambda: flow.step == ReceiptStep.receipts and not flow.busy)
        self.shoot("receipts")
        self.click("receipts.choose.0")
        wait_until(lambda: flow.step == ReceiptStep.confirm)
        self.shoot("receipt-confirm")
        connection = self.kiosk.printer.connection
        if isinstance(connection, SimulatedConnection):  # out of paper: the retry offered
            connection.set_status(PrinterStatus.paper_out)
            self.click("receipt.print")
            wait_until(lambda: flow.problem is ReceiptProblem.printer_failed and not flow.busy)
            self.shoot("receipt-printer-fault")
            connection.set_status(PrinterStatus.ok)
        self.click("receipt.print")
        wait_until(lambda: flow.step == ReceiptStep.printed and not flow.busy)
        self.shoot("receipt-printed")
        self.click("receipt.back")
        wait_until(lambda: flow.step == ReceiptStep.receipts)
        self.click("receipts.choose.0")
        self.click("receipt.print")
        wait_until(lambda: flow.step == ReceiptStep.printed and not flow.busy)
        self.click("receipt.back")
        wait_until(lambda: flow.step == ReceiptStep.receipts)
        self.click("receipts.choose.0")
        wait_until(lambda: flow.step == ReceiptStep.confirm)
        self.shoot("receipt-none-left")
        self.click("receipt.finish")
        self.wait_for(Step.home)
        self.start("receipts")
        self.click("identify.demo.one_in_window")
        wait_until(lambda: flow.step == ReceiptStep.receipts and not flow.busy)
        self.shoot("receipts-empty")
        self.click("receipts.finish")
        self.wait_for(Step.home)


def _showing_day(flow: RegistrationFlow, day: dt.date) -> bool:
    return flow.schedule is not None and flow.schedule.date == day and not flow.busy


def demo_morning() -> Callable[[], dt.datetime]:
    """Today at 10:15, running: every service is open whenever the walkthrough is made."""
    now = dt.datetime.now().astimezone()
    offset = now.replace(hour=10, minute=15, second=0, microsecond=0) - now
    return lambda: dt.datetime.now().astimezone() + offset


def settle(ms: int = 50) -> None:
    """Let queued events (layouts, paints, signals from workers) run for a moment."""
    loop = QEventLoop()
    # A lambda, not loop.quit: PySide6 6.11 keeps ~60 bytes for every connection made to a
    # C++ slot, and a soak settles thousands of times (benchmarks/soak.py).
    QTimer.singleShot(ms, lambda: loop.quit())
    loop.exec()


def wait_until(condition: Callable[[], bool], timeout_s: float = STEP_TIMEOUT_S) -> None:
    """Run the event loop (never sleep: the GUI thread keeps serving events) until ``condition``."""
    loop = QEventLoop()
    poll = QTimer(interval=5)
    deadline = time.monotonic() + timeout_s
    # Out of the loop at the deadline too, or a condition never met would wait forever.
    poll.timeout.connect(
        lambda: loop.quit() if condition() or time.monotonic() > deadline else None
    )
    poll.start()
    try:
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the kiosk did not reach the expected screen in time")
            loop.exec()
    finally:
        poll.stop()


def run(
    out_dir: Path,
    *,
    size: tuple[int, int],
    language: str,
    large_text: bool,
    theme: str = "standard",
    walker: type[Walkthrough] = Walkthrough,
) -> Walkthrough:
    """The whole walkthrough on a fresh demo hospital; the walker holds the screenshots."""
    from kiosk.server.embedded import EmbeddedServer
    from kiosk.server.visits import Limits

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-walkthrough-") as scratch:
        spool = Path(scratch) / "spool"
        clock = demo_morning()
        database = Path(scratch) / "demo.sqlite3"
        # The walkthrough identifies a patient for each journey, faster than any kiosk in a
        # lobby: more than the default rate limit of a minute allows.
        limits = Limits(identify_per_window=WALKTHROUGH_IDENTIFICATIONS)
        with EmbeddedServer.start(database, seed_demo=True, clock=clock, limits=limits) as server:
            config = demo_config(server.url, spool)
            config = config.model_copy(
                update={
                    "kiosk": config.kiosk.model_copy(update={"language": language, "theme": theme})
                }
            )
            kiosk = Kiosk(config, app, clock=clock, position_refresh_s=POSITION_REFRESH_S)
            try:
                kiosk.start()
                kiosk.window.resize(*size)
                kiosk.window.show()
                tag = f"{language}-{size[0]}x{size[1]}{'-large' if large_text else ''}-"
                if theme != "standard":
                    tag = f"{theme}-{tag}"
                walk = walker(kiosk, out_dir, tag, large_text=large_text)
                walk.database = database
                walk.journey()
                wait_until(lambda: any(spool.glob("*.png")))
                previews = sorted(spool.glob("*.png"))
                if previews and walker is Walkthrough:
                    target = out_dir / f"{tag}ticket-print-preview.png"
                    shutil.copyfile(previews[0], target)
                    walk.shots.append(Shot("ticket-print-preview", target))
                return walk
            finally:
                kiosk.shutdown()
                kiosk.window.close()
                # Delete the window now: every later stylesheet change (a theme, large text)
                # would repolish a leftover window's widgets too, run after run.
                kiosk.window.deleteLater()
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _sent_code(database: Path | None, phone: str) -> str:
    """The demo server's simulated SMS: the code it keeps for ``phone``."""
    from kiosk.server.db import connect

    if database is None:
        raise RuntimeError("the walkthrough needs the demo server's database")
    conn = connect(database)
    try:
        row = conn.execute("SELECT code FROM phone_codes WHERE phone = ?", (phone,)).fetchone()
    finally:
        conn.close()
    if row is None:
        raise RuntimeError("no code was sent")
    return str(row["code"])


def _call_as_station(server_url: str, queue_id: str, number: str) -> None:
    """The room's demo station calls (finishing whoever is in the room first) until
    ``number`` is called."""
    api = f"{server_url}/api/v1"
    with requests.Session() as station:
        signed_in = station.post(
            f"{api}/stations/session",
            json={"station": demo_station_id(queue_id), "password": DEMO_STATION_PASSWORD},
            timeout=10,
        )
        signed_in.raise_for_status()
        station.headers["Authorization"] = f"Bearer {signed_in.json()['token']}"
        for _ in range(50):
            room = station.get(f"{api}/queues/{queue_id}", timeout=10)
            room.raise_for_status()
            for entry in room.json()["current"]:
                station.post(
                    f"{api}/queue-entries/{entry['id']}/finish",
                    headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
                    timeout=10,
                ).raise_for_status()
            called = station.post(
                f"{api}/queues/{queue_id}/call-next",
                headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
                timeout=10,
            )
            called.raise_for_status()
            if called.json()["number"] == number:
                return
    raise RuntimeError(f"the station never called {number}")


def _pay_on_the_phone(pay_url: str) -> None:
    """What the patient's phone does: open the payment page and press Pay, sending the
    form's CSRF token from the page's own origin."""
    page = requests.get(pay_url, timeout=10)
    page.raise_for_status()
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if found is None:
        raise RuntimeError("the payment page shows no payment form")
    parts = urlsplit(pay_url)
    requests.post(
        f"{pay_url}/confirm",
        data={"csrf_token": html.unescape(found.group(1))},
        headers={"Origin": f"{parts.scheme}://{parts.netloc}"},
        timeout=10,
    ).raise_for_status()
