"""Patient feedback: a face from 1 to 5, a few tags, submit. Never lost, never doubled.

The answer goes into the journal's outbox (with its own Idempotency-Key) before the patient is
thanked; the outbox sender delivers it now or, when the server is down, later.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from PySide6.QtCore import QObject, QTimer

from kiosk.api.models import FeedbackRequest, Patient
from kiosk.backend.client import new_idempotency_key
from kiosk.flows.base import Flow
from kiosk.flows.visit import VisitFlow
from kiosk.journal import Journal
from kiosk.outbox import OutboxSender
from kiosk.runner import Runner

log = logging.getLogger(__name__)

TAGS = ("waiting_time", "staff", "cleanliness", "finding_the_way", "this_kiosk", "prices")
THANKS_FOR_MS = 6_000
OUTBOX_KIND = "feedback"


class FeedbackStep(StrEnum):
    idle = "idle"
    rating = "rating"
    thanks = "thanks"


_ALLOWED: dict[FeedbackStep, frozenset[FeedbackStep]] = {
    FeedbackStep.idle: frozenset({FeedbackStep.rating}),
    FeedbackStep.rating: frozenset({FeedbackStep.thanks}),
    FeedbackStep.thanks: frozenset(),
}


class FeedbackFlow(Flow[FeedbackStep]):
    """The rating step is announced again whenever the choice changes."""

    def __init__(
        self,
        visit: VisitFlow,
        journal: Journal,
        outbox: OutboxSender,
        runner: Runner,
        *,
        thanks_for_ms: int = THANKS_FOR_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(FeedbackStep.idle, _ALLOWED, runner, parent)
        self._visit = visit
        self._journal = journal
        self._outbox = outbox
        self.rating = 0
        self.tags: list[str] = []
        self._submitting = False
        self._thanks = QTimer(self, singleShot=True, interval=thanks_for_ms)
        self._thanks.timeout.connect(self._thanks_over)
        visit.visit_wiped.connect(self._reset)

    def begin(self, patient: Patient | None) -> None:
        """The feedback tile (anonymous: no patient is asked for or kept)."""
        self._reset()
        self._move(FeedbackStep.rating)

    def rate(self, rating: int) -> None:
        if self.step == FeedbackStep.rating and 1 <= rating <= 5:
            self.rating = rating
            self._show_again()

    def toggle_tag(self, tag: str) -> None:
        if self.step != FeedbackStep.rating or tag not in TAGS:
            return
        if tag in self.tags:
            self.tags.remove(tag)
        else:
            self.tags = [t for t in TAGS if t in self.tags or t == tag]
        self._show_again()

    def submit(self) -> None:
        if self.step != FeedbackStep.rating or not self.rating or self._submitting:
            return
        self._submitting = True
        body = FeedbackRequest(rating=self.rating, tags=self.tags, context="kiosk")
        key = new_idempotency_key()

        def keep() -> None:
            self._journal.enqueue(OUTBOX_KIND, key, body.model_dump(mode="json"))

        self._runner.run(keep, self._on_kept, self._on_keep_failed, per_visit=False)

    def finish(self) -> None:
        self._visit.go_home()

    def _on_kept(self, _none: None) -> None:
        self._submitting = False
        self._outbox.send_now()
        if self.step == FeedbackStep.rating:
            self._move(FeedbackStep.thanks)
            self._thanks.start()

    def _on_keep_failed(self, error: Exception) -> None:
        self._submitting = False
        log.error("feedback could not be kept: %s", error, exc_info=error)
        if self.step == FeedbackStep.rating:
            self._move(FeedbackStep.thanks)  # the patient did their part

    def _thanks_over(self) -> None:
        if self.step == FeedbackStep.thanks:
            self.finish()

    def _reset(self) -> None:
        self._thanks.stop()
        self.rating = 0
        self.tags = []
        self._return_to_rest()
