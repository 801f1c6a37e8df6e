"""Printer tests' tools: an ESC/POS stream parser and a TCP printer on loopback."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Parsed:
    """An ESC/POS stream taken apart: printed text, Chinese runs, QR data, raster sizes."""

    text_lines: list[str] = field(default_factory=list)
    chinese_runs: list[str] = field(default_factory=list)
    qr_data: list[str] = field(default_factory=list)
    rasters: list[tuple[int, int]] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)


def parse_escpos(data: bytes, encoding: str = "gb18030") -> Parsed:
    """Walk the stream; fail on any non-ASCII byte outside FS & … FS . or a command payload."""
    parsed = Parsed()
    line = ""
    i = 0
    two_byte = {b"\x1b@": 0, b"\x1c&": 0, b"\x1c.": 0}
    three_byte = (b"\x1ba", b"\x1bE", b"\x1bd", b"\x1bt", b"\x1d!", b"\x1dV")
    while i < len(data):
        head2 = data[i : i + 2]
        if head2 == b"\x1c&":
            end = data.index(b"\x1c.", i)
            run = data[i + 2 : end].decode(encoding)
            parsed.chinese_runs.append(run)
            line += run
            i = end + 2
        elif head2 in two_byte:
            parsed.commands.append(head2)
            i += 2
        elif head2 in three_byte:
            parsed.commands.append(data[i : i + 3])
            i += 3
        elif data[i : i + 3] == b"\x1d(k":
            length = data[i + 3] + 256 * data[i + 4]
            body = data[i + 5 : i + 5 + length]
            parsed.commands.append(data[i : i + 5 + length])
            if body[:3] == b"1P0":
                parsed.qr_data.append(body[3:].decode("utf-8"))
            i += 5 + length
        elif data[i : i + 4] == b"\x1dv0\x00":
            width = data[i + 4] + 256 * data[i + 5]
            height = data[i + 6] + 256 * data[i + 7]
            parsed.rasters.append((width * 8, height))
            i += 8 + width * height
        elif data[i] == 0x0A:
            parsed.text_lines.append(line)
            line = ""
            i += 1
        elif 0x20 <= data[i] < 0x7F:
            line += chr(data[i])
            i += 1
        else:
            raise AssertionError(f"unexpected byte {data[i]:#04x} at {i}: {data[i : i + 8]!r}")
    assert not line, f"text without a line feed at the end: {line!r}"
    return parsed


ANSWERS: dict[str, dict[int, int]] = {
    "ok": {1: 0x12, 2: 0x12, 4: 0x12},
    "near_end": {1: 0x12, 2: 0x12, 4: 0x1E},
    "paper_out": {1: 0x1A, 2: 0x32, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 4: 0x12},
    "offline": {1: 0x1A, 2: 0x12, 4: 0x12},
    "silent": {},
}


class LoopbackPrinter:
    """A TCP "printer" on 127.0.0.1 answering DLE EOT like a real one in the given state."""

    def __init__(self) -> None:
        self.state = "ok"
        self.received = bytearray()
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        pending = b""
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                pending += chunk
                while b"\x10\x04" in pending and len(pending) >= pending.index(b"\x10\x04") + 3:
                    at = pending.index(b"\x10\x04")
                    with self._lock:
                        self.received += pending[:at]
                    answer = ANSWERS[self.state].get(pending[at + 2])
                    if answer is not None:
                        conn.sendall(bytes((answer,)))
                    pending = pending[at + 3 :]
                if b"\x10" not in pending[-2:]:
                    with self._lock:
                        self.received += pending
                    pending = b""

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        for thread in self._threads:
            thread.join(2)
