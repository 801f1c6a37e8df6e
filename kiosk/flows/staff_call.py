"""Calling staff (呼叫工作人员): a patient who is stuck asks for a person, from any screen.

The call tells the server this kiosk and the screen the patient is on, nothing about the
patient. Once the server has it, the kiosk says staff are on their way and asks every few
seconds whether someone acknowledged it on the fleet page. A call that cannot be sent tells
the patient to ask at the information desk and is sent again, with the same Idempotency-Key,
while it is still on screen: a call is worth sending only while the patient is there, so it
does not go to the outbox, which would deliver it after the patient has left.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QTimer

from kiosk.api.models import SCREEN_NAME_PATTERN, StaffCall, StaffCallStatus
from kiosk.backend.client import new_idempotency_key
from kiosk.backend.errors import BackendRejectedError
from kiosk.flows.base import Flow
from kiosk.runner import Runner

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 3000
RETRY_INTERVAL_MS = 10_000
SHOW_ACKNOWLEDGED_MS = 6000
# Refusals that the same request will meet again however often it is sent.
_HOPELESS = frozenset({400, 401, 403, 404, 413, 415, 422})


class StaffCallApi(Protocol):
    def call_staff(self, screen: str, *, idempotency_key: str) -> StaffCall: ...

    def staff_call(self, call_id: str) -> StaffCall: ...

    def cancel_staff_call(self, call_id: str, *, idempotency_key: str) -> StaffCall: ...


class CallStep(StrEnum):
    idle = "idle"  # no call
    sending = "sending"  # the first attempt is on its way
    waiting = "waiting"  # the server has the call: staff are on their way
    acknowledged = "acknowledged"  # a staff member answered it (shown for a few seconds)
    unsent = "unsent"  # the server could not be reached: ask at the desk; sent again


_ALLOWED: dict[CallStep, frozenset[CallStep]] = {
    CallStep.idle: frozenset({CallStep.sending}),
    CallStep.sending: frozenset({CallStep.waiting, CallStep.unsent, CallStep.idle}),
    CallStep.unsent: frozenset({CallStep.waiting, CallStep.idle}),
    CallStep.waiting: frozenset({CallStep.acknowledged, CallStep.idle}),
    CallStep.acknowledged: frozenset({CallStep.idle}),
}


class StaffCallFlow(Flow[CallStep]):
    """One staff call at a time, from the tap to the staff's answer.

    A call belongs to the kiosk, not to a visit: its answers are not dropped when a visit
    starts (the patient may present their card while waiting). :meth:`end` (the visit is over)
    stops showing and following the call but leaves it open for staff, who will still come;
    :meth:`cancel` (the patient needs no help) withdraws it from the fleet page as well.
    """

    def __init__(
        self,
        api: StaffCallApi,
        runner: Runner,
        *,
        screen: Callable[[], str],
        monotonic: Callable[[], float] = time.monotonic,
        poll_interval_ms: int = POLL_INTERVAL_MS,
        retry_interval_ms: int = RETRY_INTERVAL_MS,
        show_acknowledged_ms: int = SHOW_ACKNOWLEDGED_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(CallStep.idle, _ALLOWED, runner, parent)
        self._api = api
        self._screen = screen
        self._monotonic = monotonic
        self._call_number = 0  # answers about an earlier call are not this call's
        self._key = ""
        self._screen_name = ""
        self._called_at = 0.0
        self._asking = False
        self.call_id: str | None = None
        self._poll = QTimer(self, interval=poll_interval_ms)
        self._poll.timeout.connect(self._ask_status)
        self._retry = QTimer(self, singleShot=True, interval=retry_interval_ms)
        self._retry.timeout.connect(self._send)
        self._done = QTimer(self, singleShot=True, interval=show_acknowledged_ms)
        self._done.timeout.connect(self._finish)

    @property
    def waited_s(self) -> int:
        """Whole seconds since the patient called (what the kiosk shows counting up)."""
        return max(0, int(self._monotonic() - self._called_at))

    def call(self) -> None:
        """The patient tapped 呼叫工作人员. A second tap while a call is open adds nothing."""
        if self.step != CallStep.idle:
            return
        self._call_number += 1
        self._key = new_idempotency_key()
        screen = self._screen()
        self._screen_name = screen if re.fullmatch(SCREEN_NAME_PATTERN, screen) else "unknown"
        self._called_at = self._monotonic()
        self.call_id = None
        self._move(CallStep.sending)
        self._send()

    def cancel(self) -> None:
        """The patient no longer needs help (or closes the answer): withdraw an open call."""
        call_id, step = self.call_id, self.step
        self._stop()
        if step == CallStep.waiting and call_id is not None:
            self._withdraw(call_id)
        if step != CallStep.idle:
            self._move(CallStep.idle)

    def end(self) -> None:
        """The visit is over: stop showing the call; staff still see it on the fleet page."""
        if self.step != CallStep.idle:
            self._stop()
            self._move(CallStep.idle)

    # -- the call --------------------------------------------------------------------------

    def _stop(self) -> None:
        self._call_number += 1
        self._poll.stop()
        self._retry.stop()
        self._done.stop()

    def _send(self) -> None:
        number, screen, key = self._call_number, self._screen_name, self._key
        self._runner.run(
            lambda: self._api.call_staff(screen, idempotency_key=key),
            lambda call: self._on_sent(number, call),
            lambda error: self._on_send_failed(number, error),
            description="staff call",
            per_visit=False,
        )

    def _on_sent(self, number: int, call: StaffCall) -> None:
        if number != self._call_number:
            if call.status == StaffCallStatus.open and self.call_id != call.id:
                self._withdraw(call.id)  # the patient cancelled before the server answered
            return
        self.call_id = call.id
        self._move(CallStep.waiting)
        self._poll.start()
        self._on_status(call)

    def _on_send_failed(self, number: int, error: Exception) -> None:
        if number != self._call_number:
            return
        log.warning("staff call not sent: %s: %s", type(error).__name__, error)
        self._move(CallStep.unsent)
        if not (isinstance(error, BackendRejectedError) and error.status in _HOPELESS):
            self._retry.start()

    def _ask_status(self) -> None:
        if self._asking or self.call_id is None:
            return  # the previous question is still waiting for a slow backend
        self._asking = True
        number, call_id = self._call_number, self.call_id
        self._runner.run(
            lambda: self._api.staff_call(call_id),
            lambda call: self._on_answer(number, call),
            lambda error: self._on_answer_failed(number, error),
            description="staff call status",
            per_visit=False,
        )

    def _on_answer(self, number: int, call: StaffCall) -> None:
        self._asking = False
        if number == self._call_number:
            self._on_status(call)

    def _on_answer_failed(self, number: int, error: Exception) -> None:
        self._asking = False
        if number == self._call_number:  # the call is on the server: ask again at the next tick
            log.info("staff call status unknown for now: %s", type(error).__name__)

    def _on_status(self, call: StaffCall) -> None:
        if call.status == StaffCallStatus.acknowledged:
            self._poll.stop()
            self._move(CallStep.acknowledged)
            self._done.start()
        elif call.status == StaffCallStatus.cancelled:
            self.end()

    def _finish(self) -> None:
        if self.step == CallStep.acknowledged:
            self._stop()
            self._move(CallStep.idle)

    def _withdraw(self, call_id: str) -> None:
        key = new_idempotency_key()
        self._runner.run(
            lambda: self._api.cancel_staff_call(call_id, idempotency_key=key),
            lambda _call: None,
            lambda error: log.warning("staff call %s not withdrawn: %s", call_id, error),
            description="staff call cancel",
            per_visit=False,
        )
