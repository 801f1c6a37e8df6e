"""Runs a kiosk from a config file and drives one patient journey, saying on stdout how far it
got; the kill tests SIGKILL it at the worst moment and run it again on the same data dir.

It builds the kiosk exactly as ``kiosk --config`` does and drives it through the flows' public
methods, as a patient would with taps. One line per thing the patient sees:

- ``first-visit PHONE``: the demo ID card without a record (``kiosk.app.DEMO_NEW_PATIENT``),
  建档, the phone number; prints ``code-sent`` and reads the SMS code from stdin (the test
  reads it where the patient would, off the server), then ``done CARD_NUMBER`` and
  ``card OUTPUT`` (dispensed, failed) as they come.
- ``identify KIND VALUE``: the patient comes back and identifies for registration (the demo
  ID card carries its holder's data, as the reader's helper sends it); ``identified
  PATIENT_ID`` or ``notice KIND``.
- ``cancel KIND VALUE APPOINTMENT_ID``: my appointments; ``listed STATUS``, then the
  cancellation: ``cancelled REFUND_CENTS``, ``refused REASON`` or ``problem``.
- ``report KIND VALUE REPORT_ID [list]``: once the journal holds no report job nor "printed"
  message (the start's reconciliation settled them), the reports; ``listed PRINTS
  PRINTS_LEFT``, then (unless ``list``) opened and printed: ``printed`` or ``problem WHAT``.

Every line ends the moment it is printed (flushed); the script waits after its last one.
With ``KIOSK_TEST_NOW`` (ISO 8601) in its environment the kiosk's clock starts there and
ticks, as the test server's manual clock is set to the demo hospital's day.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.api.models import IdentifierKind
from kiosk.app import DEMO_NEW_PATIENT, Kiosk, local_now
from kiosk.config import load_config
from kiosk.flows.first_visit import FirstVisitFlow, FirstVisitStep, Output
from kiosk.flows.reports import OUTBOX_KIND, ReportsFlow, ReportStep
from kiosk.flows.visit import Step, VisitJourney

POLL_MS = 50


def say(*words: object) -> None:
    print(*words, flush=True)


def when(condition: Callable[[], bool], then: Callable[[], None]) -> None:
    """Call ``then`` once ``condition`` holds, asked every ``POLL_MS`` on the GUI thread."""
    timer = QTimer()
    timer.setInterval(POLL_MS)

    def check() -> None:
        if condition():
            timer.stop()
            timer.deleteLater()
            then()

    timer.timeout.connect(check)
    timer.start()


def identify(kiosk: Kiosk, kind: str, value: str) -> None:
    holder = DEMO_NEW_PATIENT if value == DEMO_NEW_PATIENT.id_number else None
    kiosk.flow.identifier_read(IdentifierKind(kind), value, holder)


def first_visit(kiosk: Kiosk, phone: str) -> None:
    flow: FirstVisitFlow = kiosk.first_visit
    visit = kiosk.flow

    def on_step(step: FirstVisitStep) -> None:
        if step == FirstVisitStep.form:
            flow.submit_phone(phone)
        elif step == FirstVisitStep.code:
            say("code-sent")
            flow.submit_code(sys.stdin.readline().strip())
        elif step == FirstVisitStep.done:
            say("done", flow.card_number)
        elif step in (FirstVisitStep.existing, FirstVisitStep.notice):
            say(step.value)

    flow.step_changed.connect(on_step)
    when(
        lambda: flow.step == FirstVisitStep.done and flow.card in (Output.done, Output.failed),
        lambda: say("card", flow.card.value),
    )
    when(
        lambda: visit.step == Step.notice and not visit.busy,
        visit.enrol,
    )
    visit.choose("registration")
    identify(kiosk, IdentifierKind.id_card.value, DEMO_NEW_PATIENT.id_number)


def come_back(kiosk: Kiosk, kind: str, value: str) -> None:
    visit = kiosk.flow

    def seen() -> bool:
        return not visit.busy and (visit.step == Step.notice or visit.patient is not None)

    def tell() -> None:
        if visit.patient is not None:
            say("identified", visit.patient.id)
        else:
            notice = visit.notice
            say("notice", notice.kind.value if notice is not None else "")

    when(seen, tell)
    visit.choose("registration")
    identify(kiosk, kind, value)


def cancel(kiosk: Kiosk, kind: str, value: str, appointment_id: str) -> None:
    visit = kiosk.flow

    def listed() -> None:
        appointment = next((a for a in visit.appointments if a.id == appointment_id), None)
        say("listed", appointment.status.value if appointment is not None else "missing")
        visit.ask_cancel(appointment_id)
        visit.confirm_cancel()

    def answered() -> bool:
        return not visit.busy and (
            visit.step == Step.cancelled
            or visit.cancel_refusal is not None
            or visit.cancel_problem is not None
        )

    def tell() -> None:
        if visit.step == Step.cancelled and visit.cancellation is not None:
            refund = visit.cancellation.refund
            say("cancelled", refund.amount_cents if refund is not None else 0)
        elif visit.cancel_refusal is not None:
            say("refused", visit.cancel_refusal.value)
        else:
            say("problem")

    def on_list() -> None:
        listed()
        when(answered, tell)

    when(lambda: visit.step == Step.upcoming and not visit.busy, on_list)
    visit.choose(VisitJourney.appointments)
    identify(kiosk, kind, value)


def report(kiosk: Kiosk, kind: str, value: str, report_id: str, only_list: bool) -> None:
    flow = kiosk.part(ReportsFlow)
    journal = kiosk.journal

    def settled() -> bool:
        return not journal.report_jobs() and not journal.outbox(kind=OUTBOX_KIND)

    def on_step(step: ReportStep) -> None:
        if step == ReportStep.reports and flow.problem is None:
            found = next((r for r in flow.reports if r.id == report_id), None)
            if found is None:
                say("listed", "missing")
                return
            say("listed", found.prints, found.prints_left)
            if not only_list:
                flow.open_report(report_id)
        elif step == ReportStep.preview:
            if flow.problem is not None:
                say("problem", flow.problem.value)
            else:
                flow.print_report()
        elif step == ReportStep.printed:
            say("printed")
        elif step == ReportStep.error:
            say("problem", "error")

    flow.step_changed.connect(on_step)

    def begin() -> None:
        kiosk.flow.choose("reports")
        identify(kiosk, kind, value)

    when(settled, begin)


def test_clock() -> Callable[[], dt.datetime]:
    """The kiosk's clock: from ``KIOSK_TEST_NOW`` on, or the wall clock."""
    start = os.environ.get("KIOSK_TEST_NOW")
    if not start:
        return local_now
    origin, began = dt.datetime.fromisoformat(start), time.monotonic()
    return lambda: origin + dt.timedelta(seconds=time.monotonic() - began)


def main(config_path: str, journey: str, *args: str) -> int:
    app = QApplication(sys.argv[:1])
    kiosk = Kiosk(load_config(config_path), app, clock=test_clock())
    kiosk.start()
    kiosk.window.resize(1080, 1920)
    kiosk.window.show()
    say("started")
    if journey == "first-visit":
        QTimer.singleShot(0, lambda: first_visit(kiosk, args[0]))
    elif journey == "identify":
        QTimer.singleShot(0, lambda: come_back(kiosk, args[0], args[1]))
    elif journey == "cancel":
        QTimer.singleShot(0, lambda: cancel(kiosk, *args[:3]))
    elif journey == "report":
        only_list = args[3:4] == ("list",)
        QTimer.singleShot(0, lambda: report(kiosk, args[0], args[1], args[2], only_list))
    else:
        raise SystemExit(f"unknown journey {journey}")
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
