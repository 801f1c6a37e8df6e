"""A day at the kiosk: hundreds of whole visits through the real UI; does anything grow?

The journeys take turns against the demo hospital, tapped by objectName like a patient:
check in by typed ID number and take the ticket (a reprint once checked in), register up to
the confirmation, pay bills up to the QR code and walk away (the idle warning runs out and
wipes the visit), the hospital guide, feedback with thanks. The hospital (the embedded
reference server) runs in its own process (benchmarks.soak_server), so the kiosk's memory is
the kiosk's alone; the server's is sampled beside it.

Every ``SAMPLE_EVERY`` journeys it samples the kiosk's resident memory (and how much of it is
anonymous, not mapped files), the same after glibc's ``malloc_trim(0)`` gave back the free
heap pages (the difference is fragmentation, not live data; the untrimmed figure is read
first), the Python heap (tracemalloc) and tracemalloc's own bookkeeping, the live widgets and
QObjects, the threads, and the server's resident memory. The figures: growth from the first
sample to the last. ``--growers N`` prints the N Python allocation sites (by traceback) that
grew most from the first sample to the last.

``python -m benchmarks.soak [--journeys N]`` runs it alone; ``--only soak`` from the table.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from kiosk.server.seed_data import GENERAL_CLINIC
from kiosk.ui.voice import RecordingSpeech
from kiosk.walkthrough import Walkthrough, demo_morning, settle, wait_until

Figure = tuple[str, float, str]

JOURNEYS = 500
SAMPLE_EVERY = 50
RESIDENT_ID = "11010519491231002X"  # the demo patient with one appointment in its window
SERVER_STOP_TIMEOUT_S = 30.0
GROWER_FRAMES = 12  # tracemalloc's traceback depth when --growers asks where the heap grows


@dataclass(frozen=True)
class Sample:
    journeys: int
    rss_mb: float
    anon_mb: float  # resident and not a mapped file (heaps, stacks): where a leak would show
    trimmed_mb: float  # resident after malloc_trim(0)
    heap_mb: float
    tracemalloc_mb: float
    widgets: int
    qobjects: int
    threads: int
    server_rss_mb: float
    server_db_mb: float  # its SQLite database and write-ahead log: what its page caches read


def resident(pid: int | str = "self") -> tuple[float, float]:
    """(resident, resident less file-backed) in MB, from /proc/PID/statm."""
    fields = Path(f"/proc/{pid}/statm").read_text().split()
    page = os.sysconf("SC_PAGE_SIZE")
    return int(fields[1]) * page / 1e6, (int(fields[1]) - int(fields[2])) * page / 1e6


def rss_mb(pid: int | str = "self") -> float:
    return resident(pid)[0]


def malloc_trim() -> None:
    """glibc gives free heap memory back to the system (no-op on another libc)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


@contextmanager
def hospital(database: Path) -> Iterator[tuple[str, int]]:
    """The demo hospital in a child process: (its URL, its pid) while the block runs."""
    with subprocess.Popen(
        [sys.executable, "-m", "benchmarks.soak_server", str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],  # where ``benchmarks`` imports from
    ) as child:
        assert child.stdin is not None
        assert child.stdout is not None
        try:
            url = child.stdout.readline().strip()
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"the soak's hospital did not start (said {url!r})")
            yield url, child.pid
        finally:
            child.stdin.close()  # its signal to stop
            try:
                child.wait(SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                child.kill()


class Silence(RecordingSpeech):
    """The voice of a kiosk without a speech engine: says nothing and keeps nothing (the
    tests' recorder would keep every sentence of the day, which is the benchmark's memory,
    not the kiosk's)."""

    def say(self, text: str, language: str) -> None:
        pass


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


def sample(journeys: int, kiosk: Kiosk, server_pid: int, database: Path) -> Sample:
    settle(200)  # deleteLater'd widgets go, the usage events reach the journal
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    heap, _peak = tracemalloc.get_traced_memory()
    rss, anon = resident()
    malloc_trim()
    return Sample(
        journeys=journeys,
        rss_mb=rss,
        anon_mb=anon,
        trimmed_mb=rss_mb(),
        heap_mb=heap / 1e6,
        tracemalloc_mb=tracemalloc.get_tracemalloc_memory() / 1e6,
        widgets=len(QApplication.allWidgets()),
        qobjects=len(kiosk.findChildren(QObject)) + len(kiosk.window.findChildren(QObject)),
        threads=threading.active_count(),
        server_rss_mb=rss_mb(server_pid),
        server_db_mb=sum(part.stat().st_size for part in database.parent.glob(database.name + "*"))
        / 1e6,
    )


def soak(
    journeys: int, *, report: bool = True, growers: int = 0, every: int = SAMPLE_EVERY
) -> list[Sample]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    samples: list[Sample] = []
    snapshots: list[tracemalloc.Snapshot] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as scratch:
        spool = Path(scratch) / "spool"
        clock = demo_morning()
        database = Path(scratch) / "demo.sqlite3"
        with hospital(database) as (url, server_pid):
            kiosk = Kiosk(demo_config(url, spool), app, clock=clock, speech=Silence())
            try:
                kiosk.start()
                kiosk.window.resize(1920, 1080)
                kiosk.window.show()
                visits = Visits(kiosk, Path(scratch), "", large_text=False)
                turns = visits.journeys()
                for journey in turns:  # the first of each fills caches that are not growth
                    journey()
                tracemalloc.start(GROWER_FRAMES if growers else 1)
                started = time.perf_counter()
                for done in range(1, journeys + 1):
                    turns[(done - 1) % len(turns)]()
                    if done % every == 0 or done == journeys:
                        samples.append(sample(done, kiosk, server_pid, database))
                        if growers and len(snapshots) < 2:
                            snapshots.append(tracemalloc.take_snapshot())
                        elif growers:
                            snapshots[1] = tracemalloc.take_snapshot()
                        if report:
                            print(samples[-1], f"{time.perf_counter() - started:.0f} s", flush=True)
            finally:
                tracemalloc.stop()
                kiosk.shutdown()
                kiosk.window.close()
                kiosk.window.deleteLater()
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if growers and len(snapshots) == 2:
        print_growers(snapshots[0], snapshots[1], growers)
    return samples


def print_growers(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, top: int) -> None:
    """The allocation sites whose live memory grew most between two snapshots."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = last.filter_traces(ignore).compare_to(first.filter_traces(ignore), "traceback")
    for stat in diff[:top]:
        print(f"{stat.size_diff / 1e3:+.1f} kB, {stat.count_diff:+d} blocks")
        for line in stat.traceback.format(limit=GROWER_FRAMES, most_recent_first=True):
            print("   ", line)


def figures(samples: list[Sample]) -> list[Figure]:
    first, last = samples[0], samples[-1]
    span = f"journeys {first.journeys}→{last.journeys}"

    def grew(field: str, digits: int = 1) -> float:
        change: float = getattr(last, field) - getattr(first, field)
        return round(change, digits)

    return [
        (f"kiosk resident memory growth, {span}", grew("rss_mb"), "MB"),
        (f"kiosk anonymous resident memory growth, {span}", grew("anon_mb"), "MB"),
        (f"kiosk resident memory after malloc_trim growth, {span}", grew("trimmed_mb"), "MB"),
        (f"Python heap growth, {span}", grew("heap_mb", 2), "MB"),
        (f"tracemalloc's own memory growth, {span}", grew("tracemalloc_mb", 2), "MB"),
        (
            f"live widgets, journey {last.journeys} less {first.journeys}",
            grew("widgets"),
            "objects",
        ),
        (
            f"live QObjects, journey {last.journeys} less {first.journeys}",
            grew("qobjects"),
            "objects",
        ),
        (f"threads, journey {last.journeys} less {first.journeys}", grew("threads"), "threads"),
        (f"server process resident memory growth, {span}", grew("server_rss_mb"), "MB"),
        (f"server database growth, {span}", grew("server_db_mb"), "MB"),
        ("kiosk resident memory at the end", round(last.rss_mb, 1), "MB"),
        ("server process resident memory at the end", round(last.server_rss_mb, 1), "MB"),
    ]


def collect() -> list[Figure]:
    return figures(soak(JOURNEYS, report=False))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--journeys", type=int, default=JOURNEYS)
    parser.add_argument(
        "--growers", type=int, default=0, metavar="N", help="print the N top Python growers"
    )
    parser.add_argument("--every", type=int, default=SAMPLE_EVERY, help="journeys a sample")
    args = parser.parse_args()
    for name, value, unit in figures(soak(args.journeys, growers=args.growers, every=args.every)):
        print(f"{name}: {value} {unit}")


if __name__ == "__main__":
    main()
