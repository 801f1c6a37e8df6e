"""Usage-event ingest: 50 kiosks sending their batches at once to ``kiosk-server`` in its own
process, on SQLite and on PostgreSQL, next to the server's ``/health`` floor of the same run.

Each kiosk is a thread with its own token and keep-alive ``requests.Session``; all start each
phase together (a barrier):

1. ``health``: ``GET /api/v1/health``, ``BATCHES`` times per kiosk (the framework floor);
2. ``usage``: ``BATCHES`` batches of ``BATCH_SIZE`` events per kiosk (the kiosk's own batch
   size), as ``POST /api/v1/kiosks/{id}/usage-events``;
3. ``resend``: every kiosk sends its first batch again, as after a lost answer (not timed).

Figures: events per second, a batch's p50 and p99, and batches per second over ``/health``
requests per second (the ratio is the figure that counts on a shared machine). Nothing lost,
nothing doubled: the answers' ``stored`` add up to every event once, the resent batches store
nothing, and the table holds exactly one row per event.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks.reliability.server import ServerProcess, add_kiosks, seeded_database
from kiosk.api.models import API_PREFIX
from kiosk.server import db
from kiosk.server.db import Target
from kiosk.usage import BATCH_SIZE
from tests.helpers.postgres import TempCluster

KIOSKS = 50
BATCHES = 20  # per kiosk: 50 kiosks x 20 x 50 = 50,000 events per engine
SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
Figure = tuple[str, float, str]


@dataclass
class Phase:
    latencies: list[float]
    started: float
    finished: float
    stored: int
    failures: int

    @property
    def per_s(self) -> float:
        return len(self.latencies) / (self.finished - self.started)

    def quantile_ms(self, percent: int) -> float:
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[percent - 1] * 1000


def _batch(kiosk: int, number: int, now: dt.datetime) -> dict[str, Any]:
    visit = uuid.uuid4().hex
    kinds = ("visit_started", "service_chosen", "step_reached", "step_reached", "visit_finished")
    return {
        "events": [
            {
                "event_id": f"{kiosk:02d}-{number:03d}-{index:02d}",
                "visit_id": visit,
                "at": (now + dt.timedelta(seconds=index)).isoformat(),
                "kind": kinds[index % len(kinds)],
                "detail": {"service": "checkin", "step": "appointments"},
            }
            for index in range(BATCH_SIZE)
        ]
    }


def _run_phase(
    url: str, kiosks: list[tuple[str, str]], send: str, batches: int, now: dt.datetime
) -> Phase:
    """Every kiosk in its own thread, started together; ``send`` is health, usage or resend."""
    barrier = threading.Barrier(len(kiosks) + 1)
    latencies: list[list[float]] = [[] for _ in kiosks]
    stored = [0] * len(kiosks)
    failures = [0] * len(kiosks)

    def kiosk_thread(index: int, kiosk_id: str, token: str) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            session.get(f"{url}{API_PREFIX}/health", timeout=30)  # connected before the start
            barrier.wait()
            for number in range(batches):
                started = time.perf_counter()
                if send == "health":
                    response = session.get(f"{url}{API_PREFIX}/health", timeout=60)
                else:
                    response = session.post(
                        f"{url}{API_PREFIX}/kiosks/{kiosk_id}/usage-events",
                        json=_batch(index, number, now),
                        timeout=60,
                    )
                latencies[index].append(time.perf_counter() - started)
                if response.status_code != 200:
                    failures[index] += 1
                elif send != "health":
                    stored[index] += int(response.json()["stored"])

    threads = [
        threading.Thread(target=kiosk_thread, args=(index, kiosk_id, token))
        for index, (kiosk_id, token) in enumerate(kiosks)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    return Phase(
        [latency for one in latencies for latency in one],
        started,
        finished,
        sum(stored),
        sum(failures),
    )


@contextmanager
def _database(engine: str, scratch: Path) -> Iterator[Target]:
    if engine == SQLITE:
        yield scratch / "usage.sqlite3"
        return
    cluster = TempCluster.start(durable=True)
    try:
        yield cluster.create_database()
    finally:
        cluster.stop()


def _rows(target: Target) -> tuple[int, int]:
    """Rows in the usage table, and distinct (kiosk, event) pairs among them."""
    conn = db.connect(target)
    try:
        total = conn.execute("SELECT count(*) FROM kiosk_usage_events").fetchone()[0]
        distinct = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT kiosk_id, event_id FROM kiosk_usage_events) d"
        ).fetchone()[0]
    finally:
        conn.close()
    return int(total), int(distinct)


def measure(engine: str) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-usage-") as scratch_dir:
        scratch = Path(scratch_dir)
        with _database(engine, scratch) as target:
            conn = seeded_database(target)
            try:
                kiosks = add_kiosks(conn, "usage", KIOSKS)
            finally:
                conn.close()
            now = db.system_clock()
            with ServerProcess(target, scratch / "server.log") as server:
                health = _run_phase(server.url, kiosks, "health", BATCHES, now)
                usage = _run_phase(server.url, kiosks, "usage", BATCHES, now)
                resend = _run_phase(server.url, kiosks, "resend", 1, now)
            rows, distinct = _rows(target)
    events = KIOSKS * BATCHES * BATCH_SIZE
    label = f"{engine}, {KIOSKS} kiosks"
    return [
        (f"{label}: health floor", health.per_s, "requests/s"),
        (f"{label}: usage events", usage.per_s * BATCH_SIZE, "events/s"),
        (f"{label}: usage batches / health floor", usage.per_s / health.per_s, "ratio"),
        (f"{label}: batch of {BATCH_SIZE} p50", usage.quantile_ms(50), "ms"),
        (f"{label}: batch of {BATCH_SIZE} p99", usage.quantile_ms(99), "ms"),
        (f"{label}: health p50", health.quantile_ms(50), "ms"),
        (f"{label}: events sent", events, "events"),
        (f"{label}: events acknowledged as new", usage.stored, "events"),
        (f"{label}: resent events stored again", resend.stored, "events"),
        (f"{label}: rows stored", rows, "rows"),
        (f"{label}: rows doubled", rows - distinct, "rows"),
        (f"{label}: failed requests", health.failures + usage.failures + resend.failures, ""),
    ]


def collect() -> list[Figure]:
    return measure(SQLITE) + measure(POSTGRESQL)


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table([("usage_ingest", figure) for figure in collect()]))
