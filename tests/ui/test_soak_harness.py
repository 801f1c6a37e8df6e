"""The soak benchmark measures the kiosk alone: its hospital is another process, and a few
journeys through the real UI leave no widget, QObject or thread behind."""

from __future__ import annotations

import gc
import os
import tempfile
import tracemalloc
from pathlib import Path

import requests
from pytestqt.qtbot import QtBot

from benchmarks.soak import figures, hospital, soak
from kiosk.walkthrough import settle


def test_the_hospital_serves_from_its_own_process_and_stops_with_the_block() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        with hospital(Path(scratch) / "demo.sqlite3") as (url, pid):
            assert pid != os.getpid()
            assert url.startswith("http://127.0.0.1:")
            assert requests.get(f"{url}/api/v1/health", timeout=10).ok
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )


def test_a_few_journeys_leave_nothing_behind(qtbot: QtBot) -> None:
    samples = soak(10, report=False, every=5)
    assert [s.journeys for s in samples] == [5, 10]
    first, last = samples
    assert last.widgets == first.widgets
    assert last.qobjects == first.qobjects
    assert last.threads == first.threads
    assert last.server_rss_mb > 0
    assert last.server_db_mb >= first.server_db_mb > 0
    assert len(figures(samples)) == 12


def test_settling_keeps_nothing(qtbot: QtBot) -> None:
    """Every tap of the walkthrough and the soak settles; a few bytes kept each time add up."""
    for _ in range(200):  # PySide's own first allocations
        settle(1)
    tracemalloc.start()
    try:
        before, _peak = tracemalloc.get_traced_memory()
        for _ in range(1000):
            settle(1)
        gc.collect()
        after, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 10_000, f"{after - before} bytes kept by 1000 settles"
