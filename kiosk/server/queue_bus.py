"""Pushing queue changes to the open displays and phone pages (server-sent events).

Every subscriber (one per open event stream, on the server's event loop) wakes up with the set
of queues changed since it last looked, coalesced, so a slow reader never builds a backlog.
Changes reach the bus two ways: a station's call publishes its queue right after the commit
(the fast path), and a watcher publishes the queues of any new event, whoever wrote it (a
kiosk's check-in, a payment, the simulated clinic, another process on the same database). On
SQLite the watcher reads the event log's newest id every ``WATCH_INTERVAL_S``; on PostgreSQL it
listens, on a connection of its own, for the NOTIFY each committed event sends (a trigger, see
``schema``), so every worker's streams hear every worker's writes.

What a stream sends is computed once per change, not once per reader: ``SharedReads`` keeps
the latest answer per key (an area's board, a queue's snapshot) with the queue version it was
made at, and lets concurrent readers of the same key wait for one computation.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

import anyio

from kiosk.server.db import Database

T = TypeVar("T")
WATCH_INTERVAL_S = 0.25
LISTEN_TIMEOUT_S = 1.0  # how often the listener looks whether anyone still listens
WATCHING_WAIT_S = 5.0  # a new subscriber waits this long at most for the watcher to start


class Subscription:
    """One stream's view of the bus: ``wait`` returns the queues changed since the last call."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._changed: set[str] = set()
        self._event = asyncio.Event()
        self.closed = False

    def _notify(self, queue_ids: frozenset[str]) -> None:
        self._changed |= queue_ids
        self._event.set()

    def _close(self) -> None:
        self.closed = True
        self._event.set()

    async def wait(self, timeout_s: float) -> set[str]:
        """The changed queue ids (empty after ``timeout_s`` without a change or on close)."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            return set()
        self._event.clear()
        changed, self._changed = self._changed, set()
        return changed


class QueueBus:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._watcher: asyncio.Task[None] | None = None
        self._listener: threading.Thread | None = None
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()
        self._watching = threading.Event()
        self.closed = False
        self.generation = 0  # grows with every publish: the version ``SharedReads`` compares

    def publish(self, queue_ids: Iterable[str]) -> None:
        """Tell every open stream that these queues changed (after the commit)."""
        ids = frozenset(queue_ids)
        if not ids:
            return
        with self._lock:
            self.generation += 1
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription._notify, ids)
            except RuntimeError:  # its loop has closed: the stream is gone
                pass

    def close(self) -> None:
        """End every stream (server shutdown): the browsers reconnect to the next server."""
        with self._lock:
            self.closed = True
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription._close)
            except RuntimeError:
                pass

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """A subscription, once the watcher watches: every change committed from then on
        reaches it, so a stream that reads its value after subscribing misses none (up to
        ``WATCHING_WAIT_S``: a database that is away must not hold the stream)."""
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            subscription.closed = self.closed
            self._subscriptions.add(subscription)
        self._start_watching()
        deadline = time.monotonic() + WATCHING_WAIT_S
        while not self._watching.is_set() and not self.closed and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        try:
            yield subscription
        finally:
            with self._lock:
                self._subscriptions.discard(subscription)

    def _started_watching(self) -> None:
        """Changes made while nobody watched were published to no one: values cached before
        are no longer known to be current."""
        with self._lock:
            self.generation += 1
        self._watching.set()

    def _start_watching(self) -> None:
        if self._database.dialect == "postgresql":
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(
                    target=self._listen, name="kiosk-queue-listener", daemon=True
                )
                self._listener.start()
        elif self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())

    def _listen(self) -> None:
        """PostgreSQL: publish each committed event's queue, while someone is listening."""
        from kiosk.server import pg

        while not self.closed and self.subscribers:
            try:
                conn = pg.connect(str(self._database.target))
            except pg.DatabaseError:
                time.sleep(LISTEN_TIMEOUT_S)  # the database is away: try again
                continue
            try:
                conn.execute(f"LISTEN {pg.NOTIFY_CHANNEL}")
                self._started_watching()
                while not self.closed and self.subscribers:
                    for notice in conn.raw.notifies(timeout=LISTEN_TIMEOUT_S):
                        self.publish({notice.payload})
            except pg.DatabaseError:
                time.sleep(LISTEN_TIMEOUT_S)
            finally:
                self._watching.clear()
                conn.close()

    async def _watch(self) -> None:
        """Publish the queues of events written by anyone, while someone is listening."""
        last = await anyio.to_thread.run_sync(self._newest_event)
        self._started_watching()
        try:
            while not self.closed and self.subscribers:
                await asyncio.sleep(WATCH_INTERVAL_S)
                with contextlib.suppress(sqlite3.Error):  # a busy or moved file: try again
                    newest, queue_ids = await anyio.to_thread.run_sync(self._events_after, last)
                    if newest > last:
                        last = newest
                        self.publish(queue_ids)
        finally:
            self._watching.clear()

    def _newest_event(self) -> int:
        with self._database.connection() as conn:
            return int(conn.execute("SELECT coalesce(max(id), 0) FROM queue_events").fetchone()[0])

    def _events_after(self, last: int) -> tuple[int, set[str]]:
        with self._database.connection() as conn:
            rows = conn.execute(
                "SELECT id, queue_id FROM queue_events WHERE id > ? ORDER BY id", (last,)
            ).fetchall()
        return (int(rows[-1]["id"]) if rows else last), {row["queue_id"] for row in rows}


class SharedReads(Generic[T]):
    """The latest value per key, recomputed only when its version moved; concurrent readers
    of a key share one computation. Used on the event loop only."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, T]] = {}
        self._pending: dict[str, asyncio.Future[tuple[int, T]]] = {}

    async def get(
        self, key: str, version: int, compute: Callable[[], Awaitable[tuple[int, T]]]
    ) -> T:
        """The value of ``key`` at ``version`` or newer; ``compute`` returns (version, value)."""
        cached = self._values.get(key)
        if cached is not None and cached[0] >= version:
            return cached[1]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._pending[key] = pending
            try:
                result = await compute()
            except BaseException as exc:
                pending.set_exception(exc)
                pending.exception()  # retrieved: no "never retrieved" warning when unawaited
                raise
            finally:
                del self._pending[key]
            current = self._values.get(key)
            if current is None or current[0] <= result[0]:
                self._values[key] = result
            pending.set_result(result)
            return result[1]
        return (await pending)[1]
