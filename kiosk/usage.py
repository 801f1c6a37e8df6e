"""Usage events for the insight pages: what patients did at the kiosk, never who they are.

:class:`UsageRecorder` follows the flows' signals (wired in ``app.py``) and turns them into
the events of the Kiosk API's ``sendUsageEvents``: a visit started (and how the patient said
who they are), the service chosen, each step reached, the visit finished or abandoned (where,
and whether by the idle timeout or 返回首页), tickets printed or failed, payment outcomes and
calls for staff. Each event is written to the journal's outbox off the GUI thread, with its
own event id, and the outbox sends them in batches: every ``send_every_ms`` and whenever
``batch_size`` are waiting. The server stores an event id once, so a batch resent after a
lost answer doubles nothing, and an event waits in the journal while the server is away.

A visit begins at its first touch (leaving the home screen). Its ``visit_started`` names the
identification method, which is known only once the patient identifies; the visit's first
events wait in memory until then (or until a service open to anyone opens, or the visit ends
without identification: ``how`` is ``none``), so ``visit_started`` always comes first.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer

from kiosk.api.models import UsageEvent, UsageEventKind
from kiosk.journal import Journal
from kiosk.outbox import OutboxSender
from kiosk.runner import Runner

log = logging.getLogger(__name__)

OUTBOX_KIND = "usage_event"
SEND_EVERY_MS = 30_000
BATCH_SIZE = 50
NOT_IDENTIFIED = "none"  # ``how`` of a visit that never identified anyone
VISIT = "visit"  # whose steps: the visit's own flow (identify, appointments, ticket...)
FIRST_VISIT = "first_visit"  # 建档/办卡: no home tile, offered on the "no record" notice

# (flow, step) pairs that count a visit as finished: the patient got what they came for.
# The visit's own ``ticket`` step covers check-in, my appointments and a registration's ticket.
FINISHING_STEPS = frozenset(
    {
        (VISIT, "ticket"),
        ("payment", "paid"),
        (FIRST_VISIT, "done"),
        ("receipts", "printed"),
        ("feedback", "thanks"),
        ("info", "department"),
        ("info", "prices"),
        ("info", "floors"),
    }
)
# A payment's steps that tell its outcome (the detail of a ``payment`` event).
PAYMENT_OUTCOMES: Mapping[str, str] = {
    "paid": "paid",
    "failed": "declined",
    "cancelled": "cancelled",
    "expired": "timeout",
    "unconfirmed": "failed",
}
# A payment that ends in an error notice after it was created failed; one before (the bills
# could not be loaded) is no payment outcome.
_PAYMENT_UNDER_WAY = frozenset({"creating", "qr", "code", "confirming"})
_REST_STEPS = frozenset({"home", "idle", "service"})


def send_valid(
    send: Callable[[list[UsageEvent]], object], bodies: Sequence[Mapping[str, Any]]
) -> None:
    """Blocking: the outbox's batch as events; one the models refuse (a journal written by
    another version) is dropped and logged rather than take the batch down with it."""
    events: list[UsageEvent] = []
    for body in bodies:
        try:
            events.append(UsageEvent.model_validate(body))
        except ValidationError as error:
            log.error("usage event dropped as malformed: %s", error)
    if events:
        send(events)


class UsageRecorder(QObject):
    """Turns what the flows announce into usage events in the outbox.

    The slots are the hooks ``app.py`` connects: :meth:`visit_step`, :meth:`service_chosen`,
    :meth:`identification_started`, :meth:`service_step`, :meth:`idle_timed_out`,
    :meth:`visit_wiped`, :meth:`ticket_printed`, :meth:`ticket_failed`,
    :meth:`staff_called`.
    """

    def __init__(
        self,
        journal: Journal,
        runner: Runner,
        outbox: OutboxSender,
        *,
        clock: Callable[[], dt.datetime],
        monotonic: Callable[[], float] = time.monotonic,
        send_every_ms: int = SEND_EVERY_MS,
        batch_size: int = BATCH_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._journal = journal
        self._runner = runner
        self._outbox = outbox
        self._clock = clock
        self._monotonic = monotonic
        self._batch_size = batch_size
        self._queued = 0  # kept since the last send
        self._unsaved: list[UsageEvent] = []  # waiting for the journal write under way
        self._saving = False
        self._stopped = False
        self._timer = QTimer(self, interval=send_every_ms)
        self._timer.timeout.connect(self._send_if_any)
        self._last_visit_id = ""
        self._end_visit()

    def _end_visit(self) -> None:
        self._visit_id = ""
        self._started_at = dt.datetime.min
        self._started_s = 0.0
        self._how: str | None = None
        self._held: list[UsageEvent] = []
        self._service = ""
        self._steps: dict[str, str] = {}  # the last step recorded, per flow
        self._last_step = ""  # of any flow
        self._finished_s: float | None = None
        self._ticket_printed = False
        self._timed_out = False

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        """The kiosk is stopping: what happens from now on (a late printout) is not kept."""
        self._timer.stop()
        self._stopped = True

    @property
    def saved(self) -> bool:
        """Every event recorded so far is in the journal."""
        return not self._saving and not self._unsaved

    # -- hooks -------------------------------------------------------------------------------

    def service_chosen(self, service: str) -> None:
        self._begin()
        self._service = service
        self._record(UsageEventKind.service_chosen, {"service": service})

    def identification_started(self, how: str) -> None:
        self._begin()
        if self._how is None:
            self._release(how)

    def visit_step(self, step: str) -> None:
        """The visit's own steps (identify, appointments, ticket...)."""
        if step == "home":
            return
        self._begin()
        if step == "service":  # the service's own steps follow
            if self._how is None:
                self._release(NOT_IDENTIFIED)  # a service open to anyone opened
            return
        self._step_reached(VISIT, step, service=self._service)

    def service_step(self, service: str, step: str) -> None:
        """A service flow's step; its rest step between visits is no step reached."""
        if not self._visit_id or step in _REST_STEPS:
            return
        previous = self._steps.get(service, "")
        if not self._step_reached(service, step, service=service):
            return
        if service == "payment":
            outcome = PAYMENT_OUTCOMES.get(step)
            if outcome is None and step == "error" and previous in _PAYMENT_UNDER_WAY:
                outcome = "failed"
            if outcome is not None:
                self._record(UsageEventKind.payment, {"outcome": outcome})

    def idle_timed_out(self) -> None:
        """Connected before the wipe it causes, so the wipe knows why it came."""
        self._timed_out = True

    def visit_wiped(self) -> None:
        if not self._visit_id:
            self._timed_out = False
            return
        if self._how is None:
            self._release(NOT_IDENTIFIED)
        if self._finished_s is not None:
            seconds = round(self._finished_s - self._started_s, 3)
            self._record(
                UsageEventKind.visit_finished, {"service": self._service, "seconds": seconds}
            )
        else:
            self._record(
                UsageEventKind.visit_abandoned,
                {
                    "service": self._service,
                    "step": self._last_step,
                    "reason": "idle_timeout" if self._timed_out else "home",
                },
            )
        self._last_visit_id = self._visit_id
        self._end_visit()

    def ticket_printed(self) -> None:
        """The first ticket of a visit (a reprint or a receipt after it is not timed again).
        One that comes out after the visit ended is not timed: that visit is recorded."""
        if not self._visit_id or self._ticket_printed:
            return
        self._ticket_printed = True
        seconds = round(self._monotonic() - self._started_s, 3)
        self._record(
            UsageEventKind.ticket_printed,
            {"service": self._service, "seconds_to_ticket": seconds},
        )

    def ticket_failed(self, fault: str) -> None:
        self._record(
            UsageEventKind.ticket_failed,
            {"service": self._service, "fault": fault},
            visit_id=self._visit_id or self._last_visit_id,
        )

    def staff_called(self) -> None:
        self._record(UsageEventKind.staff_called, {"step": self._last_step or "home"})

    # -- internals ---------------------------------------------------------------------------

    def _begin(self) -> None:
        """The first touch of a visit starts it (once)."""
        if self._visit_id:
            return
        self._visit_id = uuid.uuid4().hex
        self._started_at = self._clock()
        self._started_s = self._monotonic()

    def _release(self, how: str) -> None:
        """``visit_started`` (dated at the first touch), then what waited for it."""
        self._how = how
        held, self._held = self._held, []
        started = self._event(UsageEventKind.visit_started, {"how": how}, self._visit_id)
        self._keep(started.model_copy(update={"at": self._started_at}))
        for event in held:
            self._keep(event)

    def _step_reached(self, flow: str, step: str, *, service: str) -> bool:
        """Record the flow's step unless it is the one recorded last (a re-announcement)."""
        if self._steps.get(flow) == step:
            return False
        self._steps[flow] = step
        self._last_step = step
        self._record(UsageEventKind.step_reached, {"service": service, "step": step})
        if (flow, step) in FINISHING_STEPS and self._finished_s is None:
            self._finished_s = self._monotonic()
        return True

    def _record(
        self, kind: UsageEventKind, detail: dict[str, Any], *, visit_id: str | None = None
    ) -> None:
        event = self._event(kind, detail, self._visit_id if visit_id is None else visit_id)
        if self._visit_id and self._how is None and event.visit_id == self._visit_id:
            self._held.append(event)
        else:
            self._keep(event)

    def _event(self, kind: UsageEventKind, detail: dict[str, Any], visit_id: str) -> UsageEvent:
        return UsageEvent(
            event_id=uuid.uuid4().hex, visit_id=visit_id, at=self._clock(), kind=kind, detail=detail
        )

    def _keep(self, event: UsageEvent) -> None:
        """Into the journal off the GUI thread (a write there waits for the disk), one write
        at a time so the outbox keeps the events in the order they happened."""
        if self._stopped:
            return
        self._unsaved.append(event)
        if not self._saving:
            self._save()

    def _save(self) -> None:
        events, self._unsaved = self._unsaved, []
        self._saving = True
        messages = [(event.event_id, event.model_dump(mode="json")) for event in events]
        self._runner.run(
            lambda: self._journal.enqueue_all(OUTBOX_KIND, messages),
            lambda _none: self._on_saved(len(messages)),
            lambda error: self._on_save_failed(len(messages), error),
            description="usage events",
            per_visit=False,
        )

    def _on_saved(self, count: int) -> None:
        self._saving = False
        self._queued += count
        if self._stopped:
            return  # the outbox sends what is kept when the kiosk starts again
        if self._queued >= self._batch_size:
            self._send_if_any()
        if self._unsaved:
            self._save()

    def _on_save_failed(self, count: int, error: Exception) -> None:
        self._saving = False
        log.error("%d usage events not kept: %s", count, error)
        if self._unsaved and not self._stopped:
            self._save()

    def _send_if_any(self) -> None:
        if self._queued:
            self._queued = 0
            self._outbox.send_now()
