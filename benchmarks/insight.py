"""The insight pages' render time on a big hospital's history, on SQLite and PostgreSQL.

The database holds about 1,000,000 queue events and 200,000 kiosk usage events: the demo
hospital's 60 days of history (``kiosk.server.insight.history``) at ``SCALE`` times its
patients and callers, the kiosk events cut to ``KIOSK_EVENTS``. The server runs as its own
process (``kiosk-server``, one worker, no admin token: loopback is admitted). Each page is
asked for ``REPEATS`` times with its default filters (the last 28 days, every department) and
with the whole 60 days; the figure is the median, next to the ``/health`` floor measured the
same way in the same run. The goal is ≤ 1 s per page.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from benchmarks.reliability.server import ServerProcess
from kiosk.api.models import API_PREFIX
from kiosk.server import db
from kiosk.server.db import Target, open_database, write_transaction
from kiosk.server.insight.history import HISTORY_DAYS, seed_history
from kiosk.server.seed import seed_demo
from tests.helpers.postgres import TempCluster

Figure = tuple[str, float, str]

SCALE = 19  # × the demo's patients: some 1,000,000 queue events in 60 days
KIOSK_SHARE = 0.2  # of the patients' kiosk visits recorded: over 200,000 usage events, cut to that
KIOSK_EVENTS = 200_000
REPEATS = 5
PAGES = ("waiting", "satisfaction", "kiosks", "compare")


@contextmanager
def _database(engine: str, scratch: Path) -> Iterator[Target]:
    if engine == "sqlite":
        yield scratch / "insight.sqlite3"
        return
    cluster = TempCluster.start()
    try:
        yield cluster.create_database()
    finally:
        cluster.stop()


def _fill(target: Target) -> tuple[int, int, float]:
    """The demo hospital and its scaled history; returns the event counts and the seconds."""
    now = db.system_clock()
    conn = open_database(target, migrate=True)
    try:
        started = time.perf_counter()
        seed_demo(conn, now)
        with write_transaction(conn):
            seed_history(conn, now, scale=SCALE, kiosk_share=KIOSK_SHARE)
            conn.execute(
                "DELETE FROM kiosk_usage_events WHERE id > "
                "(SELECT min(id) FROM kiosk_usage_events) + ?",
                (KIOSK_EVENTS - 1,),
            )
        if conn.dialect == "postgresql":
            conn.execute("ANALYZE")
        seconds = time.perf_counter() - started
        queue_events = int(conn.execute("SELECT count(*) FROM queue_events").fetchone()[0])
        usage = int(conn.execute("SELECT count(*) FROM kiosk_usage_events").fetchone()[0])
    finally:
        conn.close()
    return queue_events, usage, seconds


def _median_s(session: requests.Session, url: str) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: {answer.status_code}")
    return statistics.median(times)


def _engine_figures(engine: str) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-insight-") as scratch_dir:
        scratch = Path(scratch_dir)
        with _database(engine, scratch) as target:
            queue_events, usage, fill_s = _fill(target)
            figures: list[Figure] = [
                (f"{engine}: queue events", queue_events, "events"),
                (f"{engine}: kiosk usage events", usage, "events"),
                (f"{engine}: writing them", fill_s, "s"),
            ]
            with (
                ServerProcess(target, scratch / "server.log") as server,
                requests.Session() as session,
            ):
                _median_s(session, f"{server.url}/insight/waiting")  # warm up
                health = _median_s(session, f"{server.url}{API_PREFIX}/health")
                figures.append((f"{engine}: /health floor", health * 1000, "ms"))
                whole = f"from={_days_ago(HISTORY_DAYS)}&to={_days_ago(1)}"
                for page in PAGES:
                    for label, query in (("28 days", ""), ("60 days", whole)):
                        if page == "compare" and query:
                            query = whole.replace("from", "a_from").replace("to", "b_to")
                        seconds = _median_s(session, f"{server.url}/insight/{page}?{query}")
                        figures.append(
                            (f"{engine}: /insight/{page}, {label}", seconds * 1000, "ms")
                        )
    return figures


def _days_ago(days: int) -> str:
    return (db.system_clock().date() - dt.timedelta(days=days)).isoformat()


def collect() -> list[Figure]:
    return _engine_figures("sqlite") + _engine_figures("postgresql")
