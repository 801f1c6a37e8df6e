"""A day at the kiosk: hundreds of whole visits through the real UI; does anything grow?

The journeys take turns against the embedded demo hospital, tapped by objectName like a
patient: check in by typed ID number and take the ticket (a reprint once checked in),
register up to the confirmation, pay bills up to the QR code and walk away (the idle warning
runs out and wipes the visit), the hospital guide, feedback with thanks. Every
``SAMPLE_EVERY`` journeys it samples the process's resident memory, the Python heap
(tracemalloc) and the live widgets and QObjects. The figures: growth from the first sample
to the last.

``python -m benchmarks.soak [--journeys N]`` runs it alone; ``--only soak`` from the table.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.flows.feedback import FeedbackFlow, FeedbackStep
from kiosk.flows.info import InfoFlow, InfoStep
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed_data import GENERAL_CLINIC
from kiosk.server.visits import Limits
from kiosk.ui.voice import RecordingSpeech
from kiosk.walkthrough import Walkthrough, demo_morning, settle, wait_until

Figure = tuple[str, float, str]

JOURNEYS = 500
SAMPLE_EVERY = 50
RESIDENT_ID = "11010519491231002X"  # the demo patient with one appointment in its window
# A day's patients come here in minutes: more identifications a minute than the server lets
# one kiosk make (10, against a stolen token).
DAY_IN_MINUTES = Limits(identify_per_window=1_000)


@dataclass(frozen=True)
class Sample:
    journeys: int
    rss_mb: float
    heap_mb: float
    widgets: int
    qobjects: int


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class Visits(Walkthrough):
    """The journeys a patient takes, one after another; no screenshots."""

    def shoot(self, name: str) -> None:
        pass

    def journeys(self) -> list[Callable[[], None]]:
        return [self.check_in, self.register, self.pay_then_walk_away, self.guide, self.feedback]

    def check_in(self) -> None:
        self.start("checkin")
        self.wait_for(Step.identify)
        for key in RESIDENT_ID:
            self.click("keypad.x" if key == "X" else f"keypad.digit{key}")
        self.click("identify.submit")
        self.wait_for(Step.appointments)
        first = self.kiosk.window.find_button("appointments.checkin.0")
        self.click(
            "appointments.checkin.0"
            if first is not None and first.isVisible()
            else "appointments.ticket.0"
        )
        self.wait_for(Step.ticket)
        self.click("ticket.done")
        self.wait_for(Step.home)

    def register(self) -> None:
        flow = self.kiosk.part(RegistrationFlow)
        self.start("registration")
        self.click("identify.demo.no_appointment_today")
        wait_until(lambda: flow.step == RegStep.departments and not flow.busy)
        self.click(f"registration.department.{GENERAL_CLINIC}")
        wait_until(lambda: flow.step == RegStep.doctors and not flow.busy)
        now = self.kiosk.clock()
        free = next(
            session
            for doctor in (flow.schedule.doctors if flow.schedule else [])
            for session in doctor.sessions
            if session.slots_left > 0 and session.ends_at > now
        )
        self.click(f"registration.session.{free.id}")
        wait_until(lambda: flow.step == RegStep.confirm)
        self.click("registration.finish")
        self.wait_for(Step.home)

    def pay_then_walk_away(self) -> None:
        flow = self.kiosk.part(PaymentFlow)
        self.start("payment")
        self.click("identify.demo.unpaid_bills")
        wait_until(lambda: flow.step == PayStep.bills and not flow.busy)
        self.click("bills.pay")
        wait_until(lambda: flow.step == PayStep.qr and not flow.busy)
        self.kiosk.idle.warn_now()
        wait_until(self.kiosk.view.countdown.isVisible)
        self.click("idle.finish")
        self.wait_for(Step.home)

    def guide(self) -> None:
        info = self.kiosk.part(InfoFlow)
        self.start("info")
        wait_until(lambda: info.step == InfoStep.directory and not info.busy)
        self.click("directory.department.0")
        wait_until(lambda: info.step == InfoStep.department and not info.busy)
        self.click("department.home")
        self.wait_for(Step.home)

    def feedback(self) -> None:
        flow = self.kiosk.part(FeedbackFlow)
        self.start("feedback")
        self.click("feedback.rating.4")
        self.click("feedback.submit")
        wait_until(lambda: flow.step == FeedbackStep.thanks)
        self.click("feedback_thanks.finish")
        self.wait_for(Step.home)


def sample(journeys: int, kiosk: Kiosk) -> Sample:
    settle(200)  # deleteLater'd widgets go, the usage events reach the journal
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    heap, _peak = tracemalloc.get_traced_memory()
    return Sample(
        journeys=journeys,
        rss_mb=rss_mb(),
        heap_mb=heap / 1e6,
        widgets=len(QApplication.allWidgets()),
        qobjects=len(kiosk.findChildren(QObject)) + len(kiosk.window.findChildren(QObject)),
    )


def soak(journeys: int, *, report: bool = True) -> list[Sample]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as scratch:
        spool = Path(scratch) / "spool"
        clock = demo_morning()
        with EmbeddedServer.start(
            Path(scratch) / "demo.sqlite3", seed_demo=True, clock=clock, limits=DAY_IN_MINUTES
        ) as server:
            kiosk = Kiosk(
                demo_config(server.url, spool), app, clock=clock, speech=RecordingSpeech()
            )
            try:
                kiosk.start()
                kiosk.window.resize(1920, 1080)
                kiosk.window.show()
                visits = Visits(kiosk, Path(scratch), "", large_text=False)
                turns = visits.journeys()
                for journey in turns:  # the first of each fills caches that are not growth
                    journey()
                tracemalloc.start()
                started = time.perf_counter()
                for done in range(1, journeys + 1):
                    turns[(done - 1) % len(turns)]()
                    if done % SAMPLE_EVERY == 0 or done == journeys:
                        samples.append(sample(done, kiosk))
                        if report:
                            print(samples[-1], f"{time.perf_counter() - started:.0f} s", flush=True)
            finally:
                tracemalloc.stop()
                kiosk.shutdown()
                kiosk.window.close()
                kiosk.window.deleteLater()
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return samples


def figures(samples: list[Sample]) -> list[Figure]:
    first, last = samples[0], samples[-1]
    span = f"journeys {first.journeys}→{last.journeys}"
    return [
        (f"resident memory growth, {span}", round(last.rss_mb - first.rss_mb, 1), "MB"),
        (f"Python heap growth, {span}", round(last.heap_mb - first.heap_mb, 2), "MB"),
        (
            f"live widgets, journey {last.journeys} less {first.journeys}",
            last.widgets - first.widgets,
            "objects",
        ),
        (
            f"live QObjects, journey {last.journeys} less {first.journeys}",
            last.qobjects - first.qobjects,
            "objects",
        ),
        ("resident memory at the end", round(last.rss_mb, 1), "MB"),
    ]


def collect() -> list[Figure]:
    return figures(soak(JOURNEYS, report=False))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--journeys", type=int, default=JOURNEYS)
    args = parser.parse_args()
    for name, value, unit in figures(soak(args.journeys)):
        print(f"{name}: {value} {unit}")


if __name__ == "__main__":
    main()
