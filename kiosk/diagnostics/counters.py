"""Device counters a technician reads like a printer vendor's utility: today and in total.

Kept as one small JSON file in the kiosk's data directory so they survive a restart. The
counts change on the GUI thread (cheap, in memory); each change hands a snapshot to a
one-thread executor that writes it (temporary file, fsync, rename), so the GUI thread never
waits for the disk and a crash leaves the last whole file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from enum import StrEnum
from pathlib import Path

from kiosk.private_files import PRIVATE_FILE_MODE, private_dir

log = logging.getLogger(__name__)


class Counter(StrEnum):
    printed = "printed"
    cut = "cut"
    paper_near_end = "paper_near_end"
    failed = "failed"
    reads = "reads"
    rejected = "rejected"
    dispensed = "dispensed"  # patient cards pushed to the gate
    dispense_failed = "dispense_failed"  # a card that did not come out (empty, jam, offline)


class CounterBook:
    """Counts per device and :class:`Counter`, today (local date) and since the first start."""

    def __init__(
        self,
        path: Path | None,
        executor: Executor | None,
        *,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._path = path
        self._executor = executor
        self._today = today
        self._day = today().isoformat()
        self._totals: dict[str, dict[str, int]] = {}
        self._todays: dict[str, dict[str, int]] = {}
        self._write_lock = threading.Lock()
        if path is not None:
            self._load(path)

    def add(self, device: str, counter: Counter, amount: int = 1) -> None:
        self._roll_day()
        for book in (self._totals, self._todays):
            counts = book.setdefault(device, {})
            counts[counter] = counts.get(counter, 0) + amount
        self._save_later()

    def counts(self, device: str, counter: Counter) -> tuple[int, int]:
        """(today, total)."""
        self._roll_day()
        return (
            self._todays.get(device, {}).get(counter, 0),
            self._totals.get(device, {}).get(counter, 0),
        )

    def _roll_day(self) -> None:
        day = self._today().isoformat()
        if day != self._day:
            self._day = day
            self._todays = {}

    def _snapshot(self) -> str:
        return json.dumps({"day": self._day, "today": self._todays, "total": self._totals})

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            totals = _counts(data["total"])
            todays = _counts(data["today"]) if data["day"] == self._day else {}
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("device counters %s unreadable (%s); counting from zero", path, error)
            return
        self._totals, self._todays = totals, todays

    def _save_later(self) -> None:
        if self._path is None or self._executor is None:
            return
        path, snapshot = self._path, self._snapshot()
        try:
            self._executor.submit(self._write, path, snapshot)
        except RuntimeError:  # shut down: a job that ends while the kiosk stops
            log.info("device counters after shutdown not saved: %s", snapshot)

    def _write(self, path: Path, snapshot: str) -> None:
        # Runs on the executor; the lock keeps two writes from sharing the temporary file.
        with self._write_lock:
            try:
                private_dir(path.parent)
                temporary = path.with_name(path.name + ".tmp")
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                fd = os.open(temporary, flags, PRIVATE_FILE_MODE)
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    file.write(snapshot)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except OSError as error:
                log.error("device counters not saved to %s: %s", path, error)


def _counts(node: object) -> dict[str, dict[str, int]]:
    if not isinstance(node, dict):
        raise TypeError("counts must be an object")
    return {
        str(device): {str(name): int(value) for name, value in counters.items()}
        for device, counters in node.items()
    }
