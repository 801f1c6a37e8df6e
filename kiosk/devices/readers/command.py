"""A helper program the kiosk starts, which prints one JSON line per card read.

This is how vendor ID-card SDKs are used (often a 32-bit DLL on Windows, or a vendor binary on
Linux): a small helper links the SDK and prints, for each read, either

    {"kind": "id_card", "value": "11010519491231002X"}    the helper knows the kind
    {"raw": "HC10000001"}                                  the kiosk's parsing rules decide

An ID card's line may also carry its holder's ``name`` and ``address`` (as the chip has them):
they pre-fill a first visit's record (建档) when the card has none.

Lines that are not JSON objects of that shape are rejected. The helper's stderr is discarded:
it may echo card data, which must not reach the kiosk's logs. When the helper exits or cannot be
started the reader is "disconnected" or "error" and starts it again after 0.5 s, 1 s, 2 s … 10 s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QObject, QProcess

from kiosk.devices.parsing import (
    MAX_HOLDER_ADDRESS,
    MAX_HOLDER_NAME,
    Identifier,
    ParsingRules,
    Rejection,
    RejectionReason,
    card_holder,
    parse_identifier,
    parse_typed_identifier,
)
from kiosk.devices.readers.base import RETRY_FIRST_MS, RETRY_MAX_MS, Backoff, Reader, ReaderState

_KILL_WAIT_MS = 1000


def parse_helper_line(line: bytes, rules: ParsingRules) -> Identifier | Rejection:
    """One line of the helper's output → identifier or rejection."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Rejection(RejectionReason.unreadable)
    if not isinstance(message, dict):
        return Rejection(RejectionReason.unreadable)
    raw = message.get("raw")
    if isinstance(raw, str):
        return parse_identifier(raw, rules)
    kind, value = message.get("kind"), message.get("value")
    if isinstance(kind, str) and isinstance(value, str):
        parsed = parse_typed_identifier(kind, value, rules)
        if isinstance(parsed, Identifier):
            return card_holder(parsed, message.get("name"), message.get("address"))
        return parsed
    return Rejection(RejectionReason.unknown_format)


class CommandReader(Reader):
    """Runs ``command`` (program and arguments, no shell) and reads its output."""

    kind = "command"

    def __init__(
        self,
        name: str,
        rules: ParsingRules,
        *,
        command: Sequence[str],
        retry_first_ms: int = RETRY_FIRST_MS,
        retry_max_ms: int = RETRY_MAX_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(name, rules, parent)
        if not command:
            raise ValueError("command needs at least the program")
        self.command = tuple(command)
        # A JSON line carries a bit more than the identifier (an ID card's holder's name and
        # address: 3 bytes a character in UTF-8; an ID card's 70-character address fits even
        # as \uXXXX escapes); beyond this it is junk.
        self._line_limit = rules.max_length * 4 + 256 + 3 * (MAX_HOLDER_NAME + MAX_HOLDER_ADDRESS)
        self._buffer = bytearray()
        self._running = False
        self._process: QProcess | None = None
        self._retry = Backoff(self._launch, retry_first_ms, retry_max_ms, self)

    def start(self) -> None:
        self._running = True
        self._retry.reset()
        self._launch()

    def stop(self) -> None:
        self._running = False
        self._retry.reset()
        self._end_process()
        self._set_state(ReaderState.stopped)

    def _launch(self) -> None:
        if not self._running or self._process is not None:
            return
        self._buffer.clear()
        process = QProcess(self)
        process.setProgram(self.command[0])
        process.setArguments(list(self.command[1:]))
        process.setStandardErrorFile(QProcess.nullDevice())
        process.setStandardInputFile(QProcess.nullDevice())
        process.started.connect(self._on_started)
        process.readyReadStandardOutput.connect(self._on_output)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._process = process
        process.start()

    def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.started.disconnect(self._on_started)
        process.readyReadStandardOutput.disconnect(self._on_output)
        process.finished.disconnect(self._on_finished)
        process.errorOccurred.disconnect(self._on_error)
        if process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            # After SIGKILL this returns at once; Qt warns if a running process is destroyed.
            process.waitForFinished(_KILL_WAIT_MS)
        process.deleteLater()

    def _on_started(self) -> None:
        self._set_state(ReaderState.ready)

    def _on_output(self) -> None:
        if self._process is None:
            return
        self._buffer += self._process.readAllStandardOutput().data()
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end]).strip()
            del self._buffer[: end + 1]
            if line:
                self._emit_result(self._parse_line(line))
        if len(self._buffer) > self._line_limit:
            self._buffer.clear()
            self.input_rejected.emit(RejectionReason.too_long.value)

    def _parse_line(self, line: bytes) -> Identifier | Rejection:
        if len(line) > self._line_limit:
            return Rejection(RejectionReason.too_long)
        return parse_helper_line(line, self._rules)

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._on_output()
        last = bytes(self._buffer).strip()  # a last line without its newline still counts
        self._buffer.clear()
        if last:
            self._emit_result(self._parse_line(last))
        how = "crashed" if exit_status == QProcess.ExitStatus.CrashExit else f"exit {exit_code}"
        self._lost(ReaderState.disconnected, f"{self.command[0]}: helper ended ({how})")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            # No finished signal follows a failed start.
            self._lost(ReaderState.error, f"{self.command[0]}: {self._process.errorString()}")

    def _lost(self, state: ReaderState, detail: str) -> None:
        self._end_process()
        if not self._running:
            return
        self._set_state(state, detail)
        self._retry.schedule()
