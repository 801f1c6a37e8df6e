"""A clock tests and demos can move: ``ManualClock()`` is a drop-in ``clock=`` for the server."""

from __future__ import annotations

import datetime as dt
import threading


class ManualClock:
    """Returns ``.now`` when called; ``set`` and ``advance`` move it (thread-safe)."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        start = now or dt.datetime.now().astimezone()
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._lock = threading.Lock()
        self._now = start

    @property
    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    @now.setter
    def now(self, value: dt.datetime) -> None:
        self.set(value)

    def set(self, value: dt.datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        with self._lock:
            self._now = value

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        with self._lock:
            self._now += delta
            return self._now

    def __call__(self) -> dt.datetime:
        return self.now
