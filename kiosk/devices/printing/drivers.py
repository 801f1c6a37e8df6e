"""Printer connections: one narrow interface, one class per transport, one error type.

:class:`PrinterConnection` is all the print worker needs: ``write(bytes)``,
``read_status()`` and ``close()``. The network connection is a raw TCP socket with short
timeouts (python-escpos's ``Network`` waits 60 s); serial, USB, CUPS and win32raw wrap
python-escpos's connectors, imported only when chosen; ``file`` writes the device path; the
simulated printer spools ``<n>.bin`` and ``<n>.png`` and can be told to fail.

Status comes from the real-time ``DLE EOT n`` requests. A printer that does not answer
within the short status timeout is ``unknown``, never ``ok``; one that cannot be reached at
all is ``offline``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kiosk.config import PrinterSection, app_cache_dir
from kiosk.devices.printing.escpos_import import import_escpos, root_logging_untouched

log = logging.getLogger(__name__)

DLE_EOT = b"\x10\x04"
STATUS_PRINTER = DLE_EOT + b"\x01"
STATUS_OFFLINE_CAUSE = DLE_EOT + b"\x02"
STATUS_ROLL_PAPER = DLE_EOT + b"\x04"
MAX_STATUS_TIMEOUT_S = 1.0


class PrinterStatus(StrEnum):
    ok = "ok"
    near_end = "near_end"
    paper_out = "paper_out"
    cover_open = "cover_open"
    offline = "offline"
    unknown = "unknown"

    @property
    def can_print(self) -> bool:
        """Unknown still prints: many connectors cannot read back at all."""
        return self not in (
            PrinterStatus.paper_out,
            PrinterStatus.cover_open,
            PrinterStatus.offline,
        )

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    PrinterStatus.ok: "the printer is ready",
    PrinterStatus.near_end: "the paper roll is nearly used up",
    PrinterStatus.paper_out: "the printer is out of paper",
    PrinterStatus.cover_open: "the printer cover is open",
    PrinterStatus.offline: "the printer is offline or cannot be reached",
    PrinterStatus.unknown: "the printer did not report its status",
}


class FailureReason(StrEnum):
    """``PrinterError.reason`` values; the status ones equal :class:`PrinterStatus` values."""

    paper_out = "paper_out"
    cover_open = "cover_open"
    offline = "offline"
    unreachable = "unreachable"
    io_error = "io_error"
    unavailable = "unavailable"
    timeout = "timeout"
    render_error = "render_error"


class PrinterError(Exception):
    """Any printer failure: a short machine ``reason`` and a one-line human ``detail``."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail

    @classmethod
    def refused(cls, status: PrinterStatus) -> PrinterError:
        """The printer reports a state it cannot print in (paper out, cover open, offline)."""
        return cls(FailureReason(status.value), status.description)


@runtime_checkable
class PrinterConnection(Protocol):
    def write(self, data: bytes) -> None: ...

    def read_status(self) -> PrinterStatus: ...

    def close(self) -> None: ...


@runtime_checkable
class PreviewSink(Protocol):
    """A connection that also wants the picture of each job (the simulated printer)."""

    def write_with_preview(self, data: bytes, png: bytes) -> None: ...


def _write_whole(path: Path, data: bytes) -> None:
    """Whoever watches the spool (a test, the walkthrough) never sees a half-written job."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def _valid_status_byte(value: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
    return value & 0x93 == 0x12


def interpret_status(printer: int | None, cause: int | None, paper: int | None) -> PrinterStatus:
    """The answers to DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper sensor)."""
    if printer is None or cause is None or paper is None:
        return PrinterStatus.unknown
    if not all(_valid_status_byte(answer) for answer in (printer, cause, paper)):
        return PrinterStatus.unknown
    if paper & 0x60 or cause & 0x20:
        return PrinterStatus.paper_out
    if cause & 0x04:
        return PrinterStatus.cover_open
    if printer & 0x08:
        return PrinterStatus.offline
    if paper & 0x0C:
        return PrinterStatus.near_end
    return PrinterStatus.ok


def query_status(exchange: Callable[[bytes], int | None]) -> PrinterStatus:
    """Ask DLE EOT 1, 2 and 4 through ``exchange`` (send a request, return one byte or None)."""
    printer = exchange(STATUS_PRINTER)
    if printer is None or not _valid_status_byte(printer):
        return PrinterStatus.unknown
    cause = exchange(STATUS_OFFLINE_CAUSE)
    if cause is None:
        return PrinterStatus.unknown
    return interpret_status(printer, cause, exchange(STATUS_ROLL_PAPER))


@contextlib.contextmanager
def _errors_as(reason: FailureReason, what: str) -> Iterator[None]:
    try:
        yield
    except PrinterError:
        raise
    except Exception as error:
        raise PrinterError(reason, f"{what}: {error}".replace("\n", " ")) from error


# --- network ------------------------------------------------------------------------------


class NetworkConnection:
    """A raw TCP socket to port 9100, kept open between jobs and reopened after an error."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.status_timeout_s = min(MAX_STATUS_TIMEOUT_S, timeout_s)
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _connected(self) -> socket.socket:
        if self._socket is None:
            with _errors_as(FailureReason.unreachable, f"cannot connect to {self.address}"):
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._socket = sock
        return self._socket

    def _drop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None

    def write(self, data: bytes) -> None:
        with self._lock:
            sock = self._connected()
            try:
                sock.settimeout(self.timeout_s)
                sock.sendall(data)
            except OSError as error:
                self._drop()
                raise PrinterError(
                    FailureReason.io_error, f"sending to {self.address} failed: {error}"
                ) from error

    def _exchange(self, sock: socket.socket, request: bytes) -> int | None:
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while sock.recv(64):  # a late answer to an earlier, timed-out request
                pass
        sock.settimeout(self.status_timeout_s)
        sock.sendall(request)
        try:
            answer = sock.recv(1)
        except TimeoutError:
            return None
        if not answer:
            raise ConnectionResetError("the printer closed the connection")
        return answer[0]

    def read_status(self) -> PrinterStatus:
        with self._lock:
            try:
                sock = self._connected()
            except PrinterError as error:
                log.info("printer status: %s", error.detail)
                return PrinterStatus.offline
            try:
                return query_status(lambda request: self._exchange(sock, request))
            except OSError as error:
                log.info("printer status from %s failed: %s", self.address, error)
                self._drop()
                return PrinterStatus.unknown

    def close(self) -> None:
        with self._lock:
            self._drop()


# --- python-escpos connectors ---------------------------------------------------------------


def _escpos_class(name: str, needs: str) -> Any:
    with _errors_as(FailureReason.unavailable, "python-escpos cannot be loaded"):
        printer_module = import_escpos("escpos.printer")
    cls = getattr(printer_module, name)
    if not cls.is_usable():
        raise PrinterError(FailureReason.unavailable, f"{name} printers need {needs}")
    return cls


class SerialConnection:
    """python-escpos ``Serial`` with flow control, a write timeout and a short read timeout."""

    def __init__(self, section: PrinterSection, timeout_s: float) -> None:
        self.section = section
        self.timeout_s = timeout_s
        self._printer: Any = None

    def _opened(self) -> Any:
        if self._printer is None:
            cls = _escpos_class("Serial", "pyserial")
            flow = self.section.flow_control
            with (
                root_logging_untouched(),
                _errors_as(FailureReason.unreachable, f"cannot open {self.section.device}"),
            ):
                printer = cls(
                    devfile=self.section.device,
                    baudrate=self.section.baudrate,
                    timeout=min(MAX_STATUS_TIMEOUT_S, self.timeout_s),
                    xonxoff=flow == "xonxoff",
                    dsrdtr=False,
                )
                printer.open()
                printer.device.rtscts = flow == "rtscts"
                printer.device.write_timeout = self.timeout_s
            self._printer = printer
        return self._printer

    def write(self, data: bytes) -> None:
        printer = self._opened()
        try:
            with _errors_as(FailureReason.io_error, f"writing to {self.section.device} failed"):
                printer.device.write(data)
                printer.device.flush()
        except PrinterError:
            self.close()
            raise

    def _exchange(self, request: bytes) -> int | None:
        device = self._printer.device
        device.reset_input_buffer()
        device.write(request)
        answer = device.read(1)
        return answer[0] if answer else None

    def read_status(self) -> PrinterStatus:
        try:
            self._opened()
            return query_status(self._exchange)
        except PrinterError as error:
            log.info("printer status: %s", error.detail)
            return PrinterStatus.offline
        except Exception as error:
            log.info("printer status from %s failed: %s", self.section.device, error)
            self.close()
            return PrinterStatus.unknown

    def close(self) -> None:
        if self._printer is not None:
            with root_logging_untouched(), contextlib.suppress(Exception):
                self._printer.close()
            self._printer = None


class UsbConnection:
    """python-escpos ``Usb`` with a finite write timeout (its default 0 waits forever)."""

    def __init__(self, section: PrinterSection, timeout_s: float) -> None:
        self.section = section
        self.timeout_ms = max(1, int(timeout_s * 1000))
        self._printer: Any = None

    @property
    def _name(self) -> str:
        return f"USB {self.section.vendor_id:04x}:{self.section.product_id:04x}"

    def _opened(self) -> Any:
        if self._printer is None:
            cls = _escpos_class("Usb", "pyusb")
            with root_logging_untouched(), _errors_as(FailureReason.unreachable, self._name):
                printer = cls(
                    idVendor=self.section.vendor_id,
                    idProduct=self.section.product_id,
                    timeout=self.timeout_ms,
                )
                printer.open()
            self._printer = printer
        return self._printer

    def write(self, data: bytes) -> None:
        printer = self._opened()
        try:
            with _errors_as(FailureReason.io_error, f"writing to {self._name} failed"):
                printer._raw(data)
        except PrinterError:
            self.close()
            raise

    def _exchange(self, request: bytes) -> int | None:
        self._printer._raw(request)
        try:
            answer = self._printer.device.read(self._printer.in_ep, 16, MAX_STATUS_TIMEOUT_S * 1000)
        except Exception:  # pyusb's USBTimeoutError: no answer
            return None
        return int(answer[0]) if len(answer) else None

    def read_status(self) -> PrinterStatus:
        try:
            self._opened()
            return query_status(self._exchange)
        except PrinterError as error:
            log.info("printer status: %s", error.detail)
            return PrinterStatus.offline
        except Exception as error:
            log.info("printer status from %s failed: %s", self._name, error)
            self.close()
            return PrinterStatus.unknown

    def close(self) -> None:
        if self._printer is not None:
            with root_logging_untouched(), contextlib.suppress(Exception):
                self._printer.close()
            self._printer = None


class SpoolerConnection:
    """CUPS or the Windows spooler (python-escpos ``CupsPrinter`` / ``Win32Raw``), one job each."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def write(self, data: bytes) -> None:
        if self.kind == "cups":
            cls = _escpos_class("CupsPrinter", "pycups and a CUPS server")
        else:
            cls = _escpos_class("Win32Raw", "Windows and pywin32")
        with (
            root_logging_untouched(),
            _errors_as(FailureReason.io_error, f"{self.kind} {self.name}"),
        ):
            printer = cls(self.name)
            printer.open(job_name="kiosk ticket")
            try:
                printer._raw(data)
            finally:
                printer.close()

    def read_status(self) -> PrinterStatus:
        # A spooler queue says nothing about paper or cover.
        return PrinterStatus.unknown

    def close(self) -> None:
        pass


class FileConnection:
    """A device file such as ``/dev/usb/lp0``: write only, so paper status is unknown."""

    def __init__(self, path: str) -> None:
        self.path = path

    def write(self, data: bytes) -> None:
        with (
            _errors_as(FailureReason.io_error, f"writing {self.path} failed"),
            open(self.path, "ab", buffering=0) as device,
        ):
            device.write(data)

    def read_status(self) -> PrinterStatus:
        if not os.path.exists(self.path):
            return PrinterStatus.offline
        return PrinterStatus.unknown

    def close(self) -> None:
        pass


# --- simulated ------------------------------------------------------------------------------


class SimulatedConnection:
    """Spools each job as ``<n>.bin`` (and ``<n>.png``); tests and demos set its status.

    ``status`` paper_out, cover_open or offline makes writes fail as a real printer would;
    ``delay_s`` makes every call slow.
    """

    def __init__(self, spool_dir: Path) -> None:
        self.spool_dir = spool_dir
        self._lock = threading.Lock()
        self._status = PrinterStatus.ok
        self._delay_s = 0.0
        self.jobs_written = 0

    def set_status(self, status: PrinterStatus) -> None:
        with self._lock:
            self._status = status

    def set_delay(self, seconds: float) -> None:
        with self._lock:
            self._delay_s = seconds

    def _wait_and_status(self) -> PrinterStatus:
        with self._lock:
            delay, status = self._delay_s, self._status
        if delay:
            time.sleep(delay)
        return status

    def _next_number(self) -> int:
        numbers = [int(p.stem) for p in self.spool_dir.glob("*.bin") if p.stem.isdigit()]
        return max(numbers, default=0) + 1

    def write_with_preview(self, data: bytes, png: bytes | None) -> None:
        status = self._wait_and_status()
        if not status.can_print:
            raise PrinterError.refused(status)
        with _errors_as(FailureReason.io_error, f"spooling to {self.spool_dir} failed"):
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            number = self._next_number()
            if png is not None:
                _write_whole(self.spool_dir / f"{number}.png", png)
            _write_whole(self.spool_dir / f"{number}.bin", data)
        self.jobs_written += 1

    def write(self, data: bytes) -> None:
        self.write_with_preview(data, None)

    def read_status(self) -> PrinterStatus:
        return self._wait_and_status()

    def close(self) -> None:
        pass


def default_spool_dir() -> Path:
    return app_cache_dir() / "print-spool"


def create_connection(
    section: PrinterSection, *, timeout_s: float | None = None
) -> PrinterConnection:
    """The connection the ``[printer]`` section asks for; optional libraries load lazily."""
    timeout = min(section.timeout_s, timeout_s) if timeout_s else section.timeout_s
    match section.kind:
        case "network":
            return NetworkConnection(section.host, section.port, timeout)
        case "serial":
            return SerialConnection(section, timeout)
        case "usb":
            return UsbConnection(section, timeout)
        case "file":
            return FileConnection(section.path)
        case "cups" | "win32raw":
            return SpoolerConnection(section.kind, section.name)
        case "simulated":
            spool = Path(section.spool_dir) if section.spool_dir else default_spool_dir()
            return SimulatedConnection(spool)
    raise PrinterError(FailureReason.unavailable, f"unknown printer kind {section.kind!r}")
