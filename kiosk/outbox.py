"""Delivers what may wait (patient feedback, usage events) from the journal's outbox.

A message is in the journal before the patient is thanked; this sender delivers it on start,
right after it is queued, and every minute, each time with the Idempotency-Key it was queued
with, so a resend after a lost answer is not a duplicate. A message the server rejects as
malformed is dropped (and logged) so it never blocks the ones behind it.

Kinds registered with :meth:`OutboxSender.register_batch` (usage events) go in batches, the
oldest first; such a kind's message carries its own id, which the server stores once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.backend.errors import BackendError, BackendRejectedError
from kiosk.journal import Journal, OutboxMessage
from kiosk.runner import Runner

log = logging.getLogger(__name__)

RETRY_INTERVAL_MS = 60_000
# Rejections that will never succeed however often they are sent.
_PERMANENT = {400, 404, 413, 415, 422}

Deliver = Callable[[Mapping[str, Any], str], object]  # (body, idempotency key)
DeliverBatch = Callable[[list[Mapping[str, Any]]], object]  # (bodies, oldest first)


@dataclass(frozen=True)
class _Batches:
    deliver: DeliverBatch
    size: int


class OutboxSender(QObject):
    """Signals:
    delivered: how many messages one round delivered (or dropped as malformed).
    """

    delivered = Signal(int)

    def __init__(
        self,
        journal: Journal,
        runner: Runner,
        *,
        interval_ms: int = RETRY_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._journal = journal
        self._runner = runner
        self._deliverers: dict[str, Deliver] = {}
        self._batches: dict[str, _Batches] = {}
        self._sending = False
        self._again = False
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.send_now)

    def register(self, kind: str, deliver: Deliver) -> None:
        """How messages of ``kind`` are delivered (the service that queues them says)."""
        self._deliverers[kind] = deliver

    def register_batch(self, kind: str, deliver: DeliverBatch, size: int) -> None:
        """Messages of ``kind`` go ``size`` at a time (their bodies must be safe to resend)."""
        self._batches[kind] = _Batches(deliver, size)

    def start(self) -> None:
        self._timer.start()
        self.send_now()

    def stop(self) -> None:
        self._timer.stop()

    def send_now(self) -> None:
        if self._sending:
            self._again = True  # something was queued while a round was running
            return
        self._sending = True
        self._runner.run(
            self._deliver_all,
            self._on_round_done,
            self._on_round_failed,
            description="outbox",
            per_visit=False,
        )

    def _deliver_all(self) -> int:
        """Blocking: the single messages, then the batches."""
        return self._deliver_singles() + sum(
            self._deliver_batches(kind, batches) for kind, batches in self._batches.items()
        )

    def _deliver_batches(self, kind: str, batches: _Batches) -> int:
        """Blocking: full batches until the kind's queue is empty or a transient failure."""
        done = 0
        while messages := self._journal.outbox(batches.size, kind=kind):
            ids = [message.id for message in messages]
            try:
                batches.deliver([message.body for message in messages])
            except BackendRejectedError as error:
                if error.status not in _PERMANENT:
                    self._failed(messages, error)
                    break
                log.error("outbox: %d %s rejected (%s); dropped", len(ids), kind, error)
            except BackendError as error:
                self._failed(messages, error)
                log.info("outbox: %d %s not sent now (%s); will retry", len(ids), kind, error)
                break
            except ValueError as error:  # not even a valid request (pydantic's ValidationError)
                log.error("outbox: %d %s malformed (%s); dropped", len(ids), kind, error)
            self._journal.delivered(*ids)
            done += len(ids)
            if len(ids) < batches.size:
                break
        return done

    def _failed(self, messages: list[OutboxMessage], error: Exception) -> None:
        for message in messages:
            self._journal.delivery_failed(message.id, str(error))

    def _deliver_singles(self) -> int:
        """Blocking: oldest first; stops at the first transient failure (try again later)."""
        done = 0
        for message in self._journal.outbox(excluding=self._batches.keys()):
            deliver = self._deliverers.get(message.kind)
            if deliver is None:
                log.error(
                    "outbox: no deliverer for %r; message %d dropped", message.kind, message.id
                )
                self._journal.delivered(message.id)
                continue
            try:
                deliver(message.body, message.idempotency_key)
            except BackendRejectedError as error:
                if error.status not in _PERMANENT:
                    self._journal.delivery_failed(message.id, str(error))
                    break
                log.error("outbox: %s rejected (%s); dropped", message.kind, error)
            except BackendError as error:
                self._journal.delivery_failed(message.id, str(error))
                log.info("outbox: %s not sent now (%s); will retry", message.kind, error)
                break
            except ValueError as error:  # not even a valid request (pydantic's ValidationError)
                log.error("outbox: %s is malformed (%s); dropped", message.kind, error)
            self._journal.delivered(message.id)
            done += 1
        return done

    def _on_round_done(self, count: int) -> None:
        self._sending = False
        if count:
            self.delivered.emit(count)
        if self._again:
            self._again = False
            self.send_now()

    def _on_round_failed(self, error: Exception) -> None:
        self._sending = False
        log.error("outbox round failed: %s", error, exc_info=error)
