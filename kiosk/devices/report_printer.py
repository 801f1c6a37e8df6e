"""The A4 report printer: a CUPS queue the kiosk sends a report's PDF to and follows to the end.

The kiosk talks IPP/1.1 to the CUPS server itself (a few operations, binary over HTTP, RFC 8010):
``lp`` returns once the job is queued and ``lpstat`` cannot tell a completed job from a
cancelled one, but a report may be marked printed only after its job *completed*, so the job's
``job-state`` is read until it ends. A paused queue (``cupsdisable``) or one rejecting jobs
(``cupsreject``) is found before a job is sent; a queue paused while a job waits cancels that
job, so nothing comes out later, uncounted, for a patient who was told it failed.

Every method blocks: the flow calls them through the runner, off the GUI thread.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from kiosk.report_printing import JobState, QueueState, ReportPrinter, ReportPrintError

if TYPE_CHECKING:
    from kiosk.config import ReportPrinterSection

log = logging.getLogger(__name__)

_VERSION = b"\x01\x01"
_PRINT_JOB, _CANCEL_JOB, _GET_JOB_ATTRIBUTES, _GET_JOBS = 0x02, 0x08, 0x09, 0x0A
_GET_PRINTER_ATTRIBUTES = 0x0B
_OPERATION_GROUP, _JOB_GROUP, _END = 0x01, 0x02, 0x03
_INTEGER, _BOOLEAN, _ENUM = 0x21, 0x22, 0x23
_KEYWORD, _URI, _CHARSET, _LANGUAGE, _MIME, _NAME = 0x44, 0x45, 0x47, 0x48, 0x49, 0x42
_NOT_FOUND = 0x0406
_USER = "kiosk"
# How far back a job whose id never reached the kiosk is looked for: it was sent just before
# the kiosk stopped, so it is among the queue's newest jobs of this user.
_FIND_JOB_DEPTH = 20


@dataclass(frozen=True)
class _Answer:
    status: int
    attributes: dict[str, list[int | bool | str]]
    # The same, group by group (Get-Jobs answers one job group per job).
    groups: list[dict[str, list[int | bool | str]]]


def _attribute(tag: int, name: str, *values: bytes) -> bytes:
    encoded = name.encode()
    out = b""
    for index, value in enumerate(values):
        label = encoded if index == 0 else b""
        out += struct.pack(">BH", tag, len(label)) + label + struct.pack(">H", len(value)) + value
    return out


def _parse(data: bytes) -> _Answer:
    """The status and every attribute (of all groups, by name) of an IPP answer."""
    if len(data) < 8:
        raise ValueError("IPP answer too short")
    status = struct.unpack(">H", data[2:4])[0]
    attributes: dict[str, list[int | bool | str]] = {}
    groups: list[dict[str, list[int | bool | str]]] = []
    group: dict[str, list[int | bool | str]] = {}
    position, last = 8, ""
    while position < len(data):
        tag = data[position]
        position += 1
        if tag == _END:
            break
        if tag < 0x10:  # the start of the next group
            group = {}
            groups.append(group)
            continue
        (name_length,) = struct.unpack(">H", data[position : position + 2])
        name = data[position + 2 : position + 2 + name_length].decode()
        position += 2 + name_length
        (value_length,) = struct.unpack(">H", data[position : position + 2])
        raw = data[position + 2 : position + 2 + value_length]
        position += 2 + value_length
        value: int | bool | str
        if tag in (_INTEGER, _ENUM):
            value = struct.unpack(">i", raw)[0]
        elif tag == _BOOLEAN:
            value = raw != b"\x00"
        else:
            value = raw.decode(errors="replace")
        last = name or last
        attributes.setdefault(last, []).append(value)
        group.setdefault(last, []).append(value)
    return _Answer(status, attributes, groups)


class CupsReportPrinter:
    """A named CUPS queue on ``server`` (``host:port``; CUPS listens on localhost:631)."""

    kind = "cups"

    def __init__(
        self,
        server: str,
        name: str,
        *,
        duplex: bool,
        timeout_s: float = 5.0,
        job_timeout_s: float = 120.0,
        poll_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self._duplex = duplex
        self._printer_uri = f"ipp://{server}/printers/{name}"
        self._url = f"http://{server}/printers/{name}"
        self._jobs_url = f"http://{server}/jobs"
        self._timeout_s = timeout_s
        self._job_timeout_s = job_timeout_s
        self._poll_s = poll_s
        self._sleep = sleep
        self._request_id = 0

    def _request(
        self, url: str, operation: int, attributes: bytes, document: bytes = b""
    ) -> _Answer:
        self._request_id += 1
        body = (
            _VERSION
            + struct.pack(">HI", operation, self._request_id)
            + bytes([_OPERATION_GROUP])
            + _attribute(_CHARSET, "attributes-charset", b"utf-8")
            + _attribute(_LANGUAGE, "attributes-natural-language", b"en")
            + attributes
            + bytes([_END])
            + document
        )
        try:
            response = requests.post(
                url,
                data=body,
                headers={"Content-Type": "application/ipp"},
                timeout=self._timeout_s,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise ReportPrintError(QueueState.unreachable, f"CUPS: {error}") from error
        if response.status_code != 200:
            raise ReportPrintError(QueueState.unreachable, f"CUPS: HTTP {response.status_code}")
        try:
            return _parse(response.content)
        except (ValueError, struct.error, UnicodeDecodeError) as error:
            raise ReportPrintError(QueueState.unreachable, f"CUPS: {error}") from error

    def queue_state(self) -> QueueState:
        try:
            answer = self._request(
                self._url,
                _GET_PRINTER_ATTRIBUTES,
                _attribute(_URI, "printer-uri", self._printer_uri.encode())
                + _attribute(
                    _KEYWORD,
                    "requested-attributes",
                    b"printer-state",
                    b"printer-is-accepting-jobs",
                ),
            )
        except ReportPrintError:
            return QueueState.unreachable
        if answer.status == _NOT_FOUND:
            return QueueState.missing
        if answer.status >= 0x0400:
            return QueueState.unreachable
        if answer.attributes.get("printer-state") == [5]:  # stopped
            return QueueState.paused
        if answer.attributes.get("printer-is-accepting-jobs") == [False]:
            return QueueState.rejecting
        return QueueState.ready

    def submit(self, pdf: bytes, title: str) -> int:
        state = self.queue_state()
        if state is not QueueState.ready:
            raise ReportPrintError(state, f"queue {self.name} is {state.value}")
        sides = b"two-sided-long-edge" if self._duplex else b"one-sided"
        answer = self._request(
            self._url,
            _PRINT_JOB,
            _attribute(_URI, "printer-uri", self._printer_uri.encode())
            + _attribute(_NAME, "requesting-user-name", _USER.encode())
            + _attribute(_NAME, "job-name", title.encode())
            + _attribute(_MIME, "document-format", b"application/pdf")
            + bytes([_JOB_GROUP])
            + _attribute(_KEYWORD, "sides", sides)
            + _attribute(_KEYWORD, "media", b"iso_a4_210x297mm"),
            pdf,
        )
        job_ids = answer.attributes.get("job-id")
        if answer.status >= 0x0400 or not job_ids:
            raise ReportPrintError(
                QueueState.rejecting, f"CUPS refused the job (status 0x{answer.status:04x})"
            )
        return int(job_ids[0])

    def job_state(self, job_id: int) -> JobState:
        answer = self._request(
            f"{self._jobs_url}/{job_id}",
            _GET_JOB_ATTRIBUTES,
            _attribute(_URI, "printer-uri", self._printer_uri.encode())
            + _attribute(_INTEGER, "job-id", struct.pack(">i", job_id))
            + _attribute(_NAME, "requesting-user-name", _USER.encode())
            + _attribute(_KEYWORD, "requested-attributes", b"job-state"),
        )
        states = answer.attributes.get("job-state")
        if answer.status == _NOT_FOUND or not states:
            # CUPS forgets old jobs; a job it no longer knows cannot be shown as printed.
            return JobState.aborted
        return JobState(int(states[0]))

    def find_job(self, title: str) -> int | None:
        """The id of this queue's job named ``title``, in any state (CUPS keeps the history:
        ``PreserveJobHistory``), among its newest ``_FIND_JOB_DEPTH``; None when there is none.

        Get-Jobs lists a finished job without its name once CUPS has put the job's details
        away, and Get-Job-Attributes reads them back: each unnamed job is asked about."""
        answer = self._request(
            self._url,
            _GET_JOBS,
            _attribute(_URI, "printer-uri", self._printer_uri.encode())
            + _attribute(_NAME, "requesting-user-name", _USER.encode())
            + _attribute(_KEYWORD, "which-jobs", b"all")
            + _attribute(_BOOLEAN, "my-jobs", b"\x01")
            + _attribute(_KEYWORD, "requested-attributes", b"job-id", b"job-name"),
        )
        if answer.status >= 0x0400 and answer.status != _NOT_FOUND:
            raise ReportPrintError(
                QueueState.unreachable, f"CUPS: jobs not listed (status 0x{answer.status:04x})"
            )
        names: dict[int, str | None] = {}
        for group in answer.groups:
            ids, name = group.get("job-id"), group.get("job-name")
            if ids:
                names[int(ids[0])] = str(name[0]) if name else None
        for job_id in sorted(names, reverse=True)[:_FIND_JOB_DEPTH]:
            if (names[job_id] or self._job_name(job_id)) == title:
                return job_id
        return None

    def _job_name(self, job_id: int) -> str | None:
        answer = self._request(
            f"{self._jobs_url}/{job_id}",
            _GET_JOB_ATTRIBUTES,
            _attribute(_URI, "printer-uri", self._printer_uri.encode())
            + _attribute(_INTEGER, "job-id", struct.pack(">i", job_id))
            + _attribute(_NAME, "requesting-user-name", _USER.encode())
            + _attribute(_KEYWORD, "requested-attributes", b"job-name"),
        )
        names = answer.attributes.get("job-name")
        return str(names[0]) if names else None

    def cancel(self, job_id: int) -> None:
        self._request(
            f"{self._jobs_url}/{job_id}",
            _CANCEL_JOB,
            _attribute(_URI, "printer-uri", self._printer_uri.encode())
            + _attribute(_INTEGER, "job-id", struct.pack(">i", job_id))
            + _attribute(_NAME, "requesting-user-name", _USER.encode()),
        )

    def follow(self, job_id: int) -> None:
        deadline = time.monotonic() + self._job_timeout_s
        while True:
            state = self.job_state(job_id)
            if state is JobState.completed:
                return
            if state.ended:
                raise ReportPrintError(state, f"job {job_id} {state.name}")
            if state is JobState.stopped:  # a filter or the device failed: it waits for staff
                self.cancel(job_id)
                raise ReportPrintError(state, f"job {job_id} stopped and cancelled")
            queue = self.queue_state()
            if queue is not QueueState.ready or time.monotonic() > deadline:
                self.cancel(job_id)
                reason = queue if queue is not QueueState.ready else JobState.stopped
                raise ReportPrintError(reason, f"job {job_id} cancelled: queue {queue.value}")
            self._sleep(self._poll_s)


class SimulatedReportPrinter:
    """Writes each report's PDF into ``spool_dir`` and completes at once; ``state`` can be set
    to a fault for demos and UI tests."""

    kind = "simulated"

    def __init__(self, spool_dir: Path) -> None:
        self.spool_dir = spool_dir
        self.state = QueueState.ready
        self._jobs: dict[int, JobState] = {}
        self._titles: dict[str, int] = {}

    def queue_state(self) -> QueueState:
        return self.state

    def submit(self, pdf: bytes, title: str) -> int:
        if self.state is not QueueState.ready:
            raise ReportPrintError(self.state, f"simulated queue is {self.state.value}")
        job_id = len(self._jobs) + 1
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        (self.spool_dir / f"report-{job_id:04d}.pdf").write_bytes(pdf)
        self._jobs[job_id] = JobState.completed
        self._titles[title] = job_id
        log.info("simulated report job %d: %s", job_id, title)
        return job_id

    def find_job(self, title: str) -> int | None:
        return self._titles.get(title)

    def follow(self, job_id: int) -> None:
        state = self.job_state(job_id)
        if state is not JobState.completed:
            raise ReportPrintError(state, f"job {job_id} {state.name}")

    def job_state(self, job_id: int) -> JobState:
        return self._jobs.get(job_id, JobState.aborted)

    def cancel(self, job_id: int) -> None:
        if job_id in self._jobs and not self._jobs[job_id].ended:
            self._jobs[job_id] = JobState.canceled


def create_report_printer(section: ReportPrinterSection) -> ReportPrinter | None:
    """The configured report printer; None when reports are printed at the window."""
    if section.kind == "cups":
        return CupsReportPrinter(
            section.server, section.name, duplex=section.duplex, job_timeout_s=section.job_timeout_s
        )
    if section.kind == "simulated":
        return SimulatedReportPrinter(Path(section.spool_dir or "report-spool"))
    return None
