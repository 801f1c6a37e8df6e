"""What every identification source offers the rest of the kiosk."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from kiosk.devices.parsing import Identifier, ParsingRules, Rejection, parse_identifier


class ReaderState(StrEnum):
    ready = "ready"
    disconnected = "disconnected"
    unavailable = "unavailable"
    stopped = "stopped"


class Reader(QObject):
    """A card reader, scanner or helper program.

    Signals:
        identifier_read: an :class:`Identifier`, already parsed and checked.
        input_rejected: the :class:`RejectionReason` of input that is not an identifier.
        state_changed: the new :class:`ReaderState` (for diagnostics and the heartbeat).
    """

    identifier_read = Signal(object)
    input_rejected = Signal(str)
    state_changed = Signal(str)

    def __init__(self, name: str, rules: ParsingRules, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.kind = "reader"
        self._rules = rules
        self.state = ReaderState.stopped
        self.detail = ""

    def start(self) -> None:
        self._set_state(ReaderState.ready)

    def stop(self) -> None:
        self._set_state(ReaderState.stopped)

    def _deliver(self, raw: str) -> None:
        result = parse_identifier(raw, self._rules)
        if isinstance(result, Rejection):
            self.input_rejected.emit(result.reason.value)
        else:
            assert isinstance(result, Identifier)
            self.identifier_read.emit(result)

    def _set_state(self, state: ReaderState, detail: str = "") -> None:
        self.detail = detail
        if state != self.state:
            self.state = state
            self.state_changed.emit(state.value)
