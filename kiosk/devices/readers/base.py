"""What every identification source offers the rest of the kiosk."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from kiosk.devices.parsing import Identifier, ParsingRules, Rejection, parse_identifier

RETRY_FIRST_MS = 500
RETRY_MAX_MS = 10_000


class ReaderState(StrEnum):
    ready = "ready"
    disconnected = "disconnected"
    unavailable = "unavailable"
    error = "error"
    stopped = "stopped"


class IdentificationSource(Protocol):
    """The narrow interface the app, diagnostics and heartbeat use; :class:`Reader` has it."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def state(self) -> ReaderState: ...

    @property
    def detail(self) -> str: ...

    @property
    def identifier_read(self) -> SignalInstance: ...

    @property
    def input_rejected(self) -> SignalInstance: ...

    @property
    def state_changed(self) -> SignalInstance: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Reader(QObject):
    """A card reader, scanner or helper program.

    ``detail`` says, for technicians, why the state is what it is ("pyscard is not installed");
    it never holds what was read.

    While :meth:`read_payment_codes` is on (the patient is asked for their wallet's payment
    code), a scanner's input is a payment code, not an identifier: it is handed on as
    ``payment_code_read`` unparsed (an 18-digit code could pass for a resident ID) and never
    kept. Card readers that deliver no scanned text are unaffected.

    Signals:
        identifier_read: an :class:`Identifier`, already parsed and checked.
        payment_code_read: the scanned text (whitespace stripped) while payment codes are read.
        input_rejected: the :class:`RejectionReason` value of input that is not an identifier.
        state_changed: the new :class:`ReaderState` value (for diagnostics and the heartbeat).
    """

    identifier_read = Signal(object)
    payment_code_read = Signal(str)
    input_rejected = Signal(str)
    state_changed = Signal(str)

    kind = "reader"

    def __init__(self, name: str, rules: ParsingRules, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._rules = rules
        self._state = ReaderState.stopped
        self._reading_payment_codes = False
        self.detail = ""

    @property
    def state(self) -> ReaderState:
        return self._state

    def start(self) -> None:
        self._set_state(ReaderState.ready)

    def stop(self) -> None:
        self._set_state(ReaderState.stopped)

    def read_payment_codes(self, on: bool) -> None:
        """Hand scanned text on as a payment code (on) or parse it as an identifier (off)."""
        self._reading_payment_codes = on

    def _deliver(self, raw: str) -> None:
        if self._reading_payment_codes:
            self.payment_code_read.emit(raw.strip())
            return
        self._emit_result(parse_identifier(raw, self._rules))

    def _emit_result(self, result: Identifier | Rejection) -> None:
        if isinstance(result, Rejection):
            self.input_rejected.emit(result.reason.value)
        else:
            self.identifier_read.emit(result)

    def _set_state(self, state: ReaderState, detail: str = "") -> None:
        self.detail = detail
        if state != self._state:
            self._state = state
            self.state_changed.emit(state.value)


class Backoff(QObject):
    """Calls ``attempt`` later, waiting twice as long each time (0.5 s, 1 s, 2 s … 10 s).

    :meth:`reset` after a success so the next failure starts again from the shortest wait.
    """

    def __init__(
        self,
        attempt: Callable[[], None],
        first_ms: int = RETRY_FIRST_MS,
        max_ms: int = RETRY_MAX_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._first_ms = first_ms
        self._max_ms = max_ms
        self._next_ms = first_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(attempt)

    @property
    def next_delay_ms(self) -> int:
        return self._next_ms

    def is_pending(self) -> bool:
        return self._timer.isActive()

    def schedule(self) -> None:
        self._timer.start(self._next_ms)
        self._next_ms = min(self._next_ms * 2, self._max_ms)

    def reset(self) -> None:
        self._timer.stop()
        self._next_ms = self._first_ms
