"""A small card dispenser at the far end of a pseudo-terminal, for the serial driver's tests.

It speaks the frames documented in ``kiosk/devices/dispenser/frames.py`` from its own reading
of them (its own BCC and parsing), so a mistake in the driver's framing shows as a NAK or
silence here rather than being shared by both ends.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from pathlib import Path

STX, ETX, ENQ, ACK, NAK = 0x02, 0x03, 0x05, 0x06, 0x15


def _xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


class FakeDispenserDevice:
    """Cards in a stack, a gate, a jam switch; answers on ``link`` (a symlink to a pty)."""

    def __init__(self, link: Path, *, cards: int = 20, near_empty_at: int = 3) -> None:
        self.link = link
        self.cards = cards
        self.near_empty_at = near_empty_at
        self.at_gate = False
        self.jammed = False
        self.silent = False  # unplugged in all but name: reads and never answers
        self.nak_next = 0  # NAK this many good frames (line noise)
        # The card moves, but the answer never comes (the kill tests' worst moment); set once
        # a dispense was taken.
        self.capture_jams = False  # the card sticks on its way to the bin
        self.withhold_dispense_answer = False
        self.dispense_taken = threading.Event()
        self.commands: list[bytes] = []
        self.dispensed = 0
        self.captured = 0
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        link.symlink_to(os.ttyname(self.slave))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.link.unlink(missing_ok=True)
        os.close(self.master)
        os.close(self.slave)

    # -- the device --------------------------------------------------------------------------

    def _serve(self) -> None:
        buffer = b""
        pending: bytes | None = None
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 256)
            except OSError:
                return
            while buffer:
                if self.silent:
                    buffer = b""
                    break
                if buffer[0] == ENQ:
                    buffer = buffer[1:]
                    if pending is not None:
                        os.write(self.master, pending)
                        pending = None
                    continue
                if buffer[0] != STX:
                    buffer = buffer[1:]
                    continue
                if len(buffer) < 4:
                    break
                total = 4 + int.from_bytes(buffer[2:4], "big") + 2
                if len(buffer) < total:
                    break
                raw, buffer = buffer[:total], buffer[total:]
                if raw[-2] != ETX or _xor(raw[:-1]) != raw[-1] or self.nak_next:
                    self.nak_next = max(0, self.nak_next - 1)
                    os.write(self.master, bytes([NAK]))
                    continue
                os.write(self.master, bytes([ACK]))
                pending = self._answer(raw[1], raw[4:-2])
                if self.commands[-1:] == [b"DC"]:
                    self.dispense_taken.set()
                    if self.withhold_dispense_answer:
                        pending = None

    def _answer(self, address: int, text: bytes) -> bytes:
        command = text[1:3]
        self.commands.append(command)
        if command == b"AP":
            channel = b"1" if self.at_gate else b"0"
            stack = b"0" if self.cards == 0 else b"1" if self.cards <= self.near_empty_at else b"2"
            fault = b"1" if self.jammed else b"0"
            return self._frame(address, b"P" + command + channel + stack + fault)
        if command == b"DC":
            if self.jammed:
                return self._frame(address, b"N" + command + b"20")
            if self.cards == 0:
                return self._frame(address, b"N" + command + b"10")
            self.cards -= 1
            self.at_gate = True
            self.dispensed += 1
            return self._frame(address, b"P" + command)
        if command == b"CP":
            if self.jammed or self.capture_jams:
                return self._frame(address, b"N" + command + b"20")
            if self.at_gate:
                self.at_gate = False
                self.captured += 1
            return self._frame(address, b"P" + command)
        return self._frame(address, b"N" + command + b"99")

    @staticmethod
    def _frame(address: int, text: bytes) -> bytes:
        body = bytes([STX, address]) + len(text).to_bytes(2, "big") + text + bytes([ETX])
        return body + bytes([_xor(body)])
