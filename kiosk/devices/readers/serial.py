"""A scanner or card reader on a serial port (RS-232, or USB that shows up as a tty/COM port).

Bytes are framed either by line (CR, LF or CR LF) or by a regular expression from the config
(``frame_pattern``; its first group, if it has one, is the identifier), decoded as UTF-8 and
parsed. Cleaners unplug readers: when the port fails the reader says "disconnected" and tries to
open it again after 0.5 s, 1 s, 2 s … at most 10 s apart, and is "ready" again once it opens.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QTimer
from PySide6.QtSerialPort import QSerialPort

from kiosk.devices.parsing import ParsingRules, Rejection, RejectionReason
from kiosk.devices.readers.base import RETRY_FIRST_MS, RETRY_MAX_MS, Backoff, Reader, ReaderState

_LINE_END = re.compile(rb"[\r\n]")
# Errors that mean the device is gone or broken, not a single bad read.
_LOST = {
    QSerialPort.SerialPortError.ResourceError,
    QSerialPort.SerialPortError.ReadError,
    QSerialPort.SerialPortError.DeviceNotFoundError,
    QSerialPort.SerialPortError.PermissionError,
    QSerialPort.SerialPortError.UnknownError,
}


def compile_frame_pattern(frame_pattern: str) -> re.Pattern[bytes] | None:
    """The config's ``frame_pattern`` as a bytes pattern (``None`` frames by line).

    Raises:
        re.error: the pattern does not compile.
    """
    if not frame_pattern:
        return None
    return re.compile(frame_pattern.encode("utf-8"), re.DOTALL)


class SerialReader(Reader):
    """Reads identifiers from ``device`` (``/dev/ttyUSB0``, ``COM3``, a symlink …)."""

    kind = "serial"

    def __init__(
        self,
        name: str,
        rules: ParsingRules,
        *,
        device: str,
        baudrate: int = 9600,
        frame_pattern: str = "",
        retry_first_ms: int = RETRY_FIRST_MS,
        retry_max_ms: int = RETRY_MAX_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(name, rules, parent)
        self.device = device
        self._frame = compile_frame_pattern(frame_pattern)
        # Enough for a few frames; a stream that never frames is cut off instead of kept.
        self._buffer_limit = rules.max_length * 4
        self._buffer = bytearray()
        self._running = False
        self._port = QSerialPort(self)
        self._port.setPortName(device)
        self._port.setBaudRate(baudrate)
        self._port.setDataBits(QSerialPort.DataBits.Data8)
        self._port.setParity(QSerialPort.Parity.NoParity)
        self._port.setStopBits(QSerialPort.StopBits.OneStop)
        self._port.setFlowControl(QSerialPort.FlowControl.NoFlowControl)
        self._port.readyRead.connect(self._on_ready_read)
        self._port.errorOccurred.connect(self._on_error)
        self._retry = Backoff(self._open, retry_first_ms, retry_max_ms, self)

    def start(self) -> None:
        self._running = True
        self._retry.reset()
        self._open()

    def stop(self) -> None:
        self._running = False
        self._retry.reset()
        self._close()
        self._set_state(ReaderState.stopped)

    def _open(self) -> None:
        if not self._running or self._port.isOpen():
            return
        if self._port.open(QSerialPort.OpenModeFlag.ReadOnly):
            self._retry.reset()
            self._port.clear()  # half a frame from before an unplug is not a read
            self._set_state(ReaderState.ready)
            return
        self._set_state(ReaderState.disconnected, f"{self.device}: {self._port.errorString()}")
        self._retry.schedule()

    def _close(self) -> None:
        self._buffer.clear()
        if self._port.isOpen():
            self._port.close()

    def _on_error(self, error: QSerialPort.SerialPortError) -> None:
        # Failures while opening are handled by _open; this is a port that was working.
        if error not in _LOST or not self._port.isOpen():
            return
        detail = f"{self.device}: {self._port.errorString()}"
        # Closing inside the port's own signal is what Qt's examples do, but deferring keeps
        # the read notifier from firing again on a half-closed descriptor.
        QTimer.singleShot(0, self, self._close)
        self._set_state(ReaderState.disconnected, detail)
        if self._running and not self._retry.is_pending():
            self._retry.schedule()

    def _on_ready_read(self) -> None:
        self._buffer += self._port.readAll().data()
        for frame in self._take_frames():
            self._deliver_bytes(frame)
        if len(self._buffer) > self._buffer_limit:
            self._buffer.clear()
            self.input_rejected.emit(RejectionReason.too_long.value)

    def _take_frames(self) -> list[bytes]:
        frames = []
        if self._frame is None:
            while match := _LINE_END.search(self._buffer):
                frames.append(bytes(self._buffer[: match.start()]))
                del self._buffer[: match.end()]
            return [frame for frame in frames if frame.strip()]  # CR LF gives an empty one
        while match := self._frame.search(self._buffer):
            if self._buffer[: match.start()].strip():
                frames.append(bytes(self._buffer[: match.start()]))  # junk before a frame
            frames.append(match.group(1) if self._frame.groups else match.group(0))
            del self._buffer[: max(match.end(), 1)]
        return frames

    def _deliver_bytes(self, frame: bytes) -> None:
        try:
            text = frame.decode("utf-8")
        except UnicodeDecodeError:
            self._emit_result(Rejection(RejectionReason.unreadable))
            return
        self._deliver(text)
