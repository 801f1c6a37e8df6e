"""A card dispenser on a serial port, speaking the frames of :mod:`.frames`.

The port is opened for each command and closed after it (on the service's worker thread):
an unplugged and re-plugged dispenser is found again without a reconnect loop, and a
dispenser that does not answer is ``offline``, never a hang. The port is a POSIX terminal
(termios, raw 8N1, ``select`` for the timeouts): Qt's serial port needs an event loop in
its thread, which the worker does not have. A Windows kiosk needs pyserial for this driver.
"""

from __future__ import annotations

import logging
import os
import select
import time

from kiosk.devices.dispenser import DispenserError, DispenserStatus
from kiosk.devices.dispenser import frames as f

log = logging.getLogger(__name__)

ACK_TIMEOUT_MS = 500
STATUS_TIMEOUT_MS = 2_000
MOVE_TIMEOUT_MS = 8_000  # a dispense or capture moves a card: seconds, not milliseconds
RESENDS_AFTER_NAK = 1


class SerialDispenser:
    kind = "serial"

    def __init__(self, port: str, baudrate: int = 9600, *, address: int = 0) -> None:
        self.port = port
        self.baudrate = baudrate
        self.address = address

    # -- the commands ------------------------------------------------------------------------

    def status(self) -> DispenserStatus:
        try:
            response = self._exchange(f.STATUS, STATUS_TIMEOUT_MS)
        except DispenserError as error:
            log.info("dispenser status unknown: %s", error)
            return DispenserStatus.offline
        if not response.positive or len(response.data) < 3:
            return DispenserStatus.offline
        return status_from_bits(response.data[:3])

    def dispense(self) -> None:
        status = self.status()
        if status == DispenserStatus.card_at_gate:
            # The last card was never taken: into the bin with it, so it reaches nobody else.
            self.capture()
            status = self.status()
        if not status.can_dispense:
            raise DispenserError(status, "refused before dispensing")
        self._move(f.DISPENSE)

    def capture(self) -> None:
        self._move(f.CAPTURE)

    def close(self) -> None:
        pass  # the port is open only during a command

    # -- the wire ----------------------------------------------------------------------------

    def _move(self, command: bytes) -> None:
        response = self._exchange(command, MOVE_TIMEOUT_MS)
        if not response.positive:
            raise DispenserError(error_status(response.data), f"{command.decode()} refused")

    def _exchange(self, command: bytes, timeout_ms: int) -> f.Response:
        try:
            port = _Port(self.port, self.baudrate)
        except OSError as error:
            raise DispenserError(DispenserStatus.offline, f"cannot open {self.port}") from error
        try:
            message = f.frame(b"C", command, address=self.address)
            for _attempt in range(1 + RESENDS_AFTER_NAK):
                port.write(message)
                answer = port.read(1, ACK_TIMEOUT_MS)
                if answer == bytes([f.ACK]):
                    break
                if answer != bytes([f.NAK]):
                    raise DispenserError(DispenserStatus.offline, "no acknowledgement")
            else:
                raise DispenserError(DispenserStatus.offline, "command refused (NAK)")
            port.write(bytes([f.ENQ]))
            return _read_frame(port, timeout_ms)
        except OSError as error:
            raise DispenserError(DispenserStatus.offline, f"port failed: {error}") from error
        finally:
            port.close()


def _read_frame(port: _Port, timeout_ms: int) -> f.Response:
    head = port.read(4, timeout_ms)
    try:
        length = f.frame_length(head)
        if length is None:
            raise DispenserError(DispenserStatus.offline, "no response")
        raw = head + port.read(length - 4, ACK_TIMEOUT_MS)
        return f.parse_response(raw)
    except f.FrameError as error:
        raise DispenserError(DispenserStatus.offline, f"bad response: {error}") from error


class _Port:
    """A serial terminal in raw 8N1 at ``baudrate``, read with deadlines."""

    def __init__(self, path: str, baudrate: int) -> None:
        import termios  # POSIX only: imported when a serial dispenser is used

        self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            attrs = termios.tcgetattr(self._fd)
            speed = getattr(termios, f"B{baudrate}", termios.B9600)
            attrs[0] = 0  # iflag: no translation, no software flow control
            attrs[1] = 0  # oflag: raw output
            attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL  # 8N1, no modem lines
            attrs[3] = 0  # lflag: no echo, no signals, no line editing
            attrs[4] = attrs[5] = speed
            termios.tcsetattr(self._fd, termios.TCSANOW, attrs)
            termios.tcflush(self._fd, termios.TCIOFLUSH)  # nothing left from an abandoned try
        except (OSError, termios.error) as error:
            os.close(self._fd)
            raise OSError(str(error)) from error

    def write(self, data: bytes) -> None:
        deadline = time.monotonic() + ACK_TIMEOUT_MS / 1000
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._fd], [], remaining)[1]:
                raise DispenserError(DispenserStatus.offline, "write timed out")
            data = data[os.write(self._fd, data) :]

    def read(self, count: int, timeout_ms: int) -> bytes:
        """Up to ``count`` bytes: fewer when the time runs out."""
        deadline = time.monotonic() + timeout_ms / 1000
        data = b""
        while len(data) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._fd], [], [], remaining)[0]:
                break
            chunk = os.read(self._fd, count - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        os.close(self._fd)


def status_from_bits(bits: bytes) -> DispenserStatus:
    """``st0 st1 st2`` of an ``AP`` answer → the one status that matters most."""
    channel, stack, fault = bits[0:1], bits[1:2], bits[2:3]
    if fault == b"1":
        return DispenserStatus.jammed
    if fault != b"0":
        return DispenserStatus.offline
    if channel == b"1":
        return DispenserStatus.card_at_gate
    if channel == b"2":
        return DispenserStatus.jammed  # stuck inside: it did not reach the gate
    if stack == b"0":
        return DispenserStatus.empty
    if stack == b"1":
        return DispenserStatus.near_empty
    return DispenserStatus.ready


def error_status(code: bytes) -> DispenserStatus:
    if code[:2] == f.ERROR_EMPTY:
        return DispenserStatus.empty
    if code[:2] == f.ERROR_JAMMED:
        return DispenserStatus.jammed
    return DispenserStatus.offline
