"""The Kiosk API client: blocking calls, meant to run on a worker thread via the runner.

Every call has explicit connect and read timeouts. Only safe calls (GETs and the read-only
identify lookup) are retried, and only when no answer arrived at all or a gateway said the
backend is briefly unavailable; a read timeout is not retried because a slow backend stays slow
and the patient would wait three times as long. State-changing calls carry an Idempotency-Key
chosen by the caller, so the caller can repeat the call safely with the same key.

Every call also has an overall deadline: a backend that trickles its answer a byte at a time
never trips the read timeout (each byte comes in time), so a watchdog shuts the call's socket
down when the deadline passes, in whatever phase the call is. Redirects are never followed: a
body holding a resident ID goes to the configured origin only.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import requests.adapters
import urllib3
from pydantic import BaseModel, ValidationError

from kiosk.api.models import (
    API_PREFIX,
    IDEMPOTENCY_HEADER,
    VISIT_TOKEN_HEADER,
    Appointment,
    AppointmentList,
    Bill,
    BillList,
    Building,
    BuildingList,
    CancellationResult,
    CheckInResult,
    Department,
    DepartmentList,
    DiagnosticsBundleStatus,
    DiagnosticsBundleUpload,
    ErrorBody,
    FeedbackAck,
    FeedbackRequest,
    HeartbeatAck,
    HeartbeatRequest,
    IdentifierKind,
    IdentifyRequest,
    IdentifyResult,
    ItemCategory,
    NewPatientRequest,
    Patient,
    PatientCreated,
    Payment,
    PaymentCodeRequest,
    PaymentRequest,
    PhoneCodeRequest,
    PhoneCodeSent,
    PriceItem,
    PriceList,
    ReceiptList,
    ReceiptReprint,
    RegistrationRequest,
    RegistrationResult,
    Report,
    ReportList,
    ReportPrinted,
    Schedule,
    StaffCall,
    StaffCallRequest,
    Ticket,
    TicketPublicStatus,
    TrackStatus,
    UsageEvent,
    UsageEventBatch,
    UsageEventsAck,
    VisitEnded,
)
from kiosk.backend.errors import (
    BackendRejectedError,
    BackendServerError,
    BackendTimeoutError,
    BackendUnreachableError,
    BadResponseError,
)

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


class PdfDocument(BaseModel):
    """A PDF answer (a report): the one call whose body is not JSON."""

    data: bytes


RETRYABLE_STATUSES = frozenset({502, 503, 504})
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
DEFAULT_DEADLINE_S = 15.0


def new_idempotency_key() -> str:
    """A fresh key for one state-changing action; reuse it when repeating that action."""
    return uuid.uuid4().hex


class KioskApiClient:
    """Typed access to one Kiosk API server for one kiosk.

    Thread-safe: each worker thread gets its own ``requests.Session`` (sessions are not
    documented as thread-safe), all sharing the same settings.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        kiosk_id: str,
        *,
        ca_bundle: Path | None = None,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 10.0,
        deadline_s: float = DEFAULT_DEADLINE_S,
        retries: int = 2,
        backoff_s: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self._token = token
        self._verify: bool | str = str(ca_bundle) if ca_bundle else True
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._deadline_s = deadline_s
        self._retries = retries
        self._backoff_s = backoff_s
        self._sleep = sleep
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._visit_token: str | None = None
        self._visit_lock = threading.Lock()

    # -- the visit ---------------------------------------------------------------------------

    @property
    def visit_token(self) -> str | None:
        """The current patient's visit token from identify (None between patients)."""
        with self._visit_lock:
            return self._visit_token

    def take_visit_token(self) -> str | None:
        """Forget the visit token (no I/O: safe on the GUI thread) and return it, so that
        :meth:`end_visit` can end that visit on the server in the background."""
        with self._visit_lock:
            token, self._visit_token = self._visit_token, None
            return token

    def end_visit(self, token: str) -> VisitEnded:
        """End the visit of ``token`` on the server (the idle wipe, 返回首页)."""
        return self._call("DELETE", "/visits/current", VisitEnded, visit_token=token, safe=True)

    # -- the Kiosk API -----------------------------------------------------------------------

    def identify(self, kind: IdentifierKind, value: str) -> Patient:
        """The patient; the answer's visit token is kept for the patient-scoped calls."""
        body = IdentifyRequest(kind=kind, value=value).model_dump(mode="json")
        # A lookup, not a change: safe to retry although it is a POST (the value is a body
        # field so identifiers never appear in URLs or access logs).
        found = self._call("POST", "/patients/identify", IdentifyResult, json=body, safe=True)
        with self._visit_lock:
            self._visit_token = found.visit_token
        return Patient.model_validate(found.model_dump(exclude={"visit_token", "visit_expires_at"}))

    def request_phone_code(self, phone: str) -> PhoneCodeSent:
        """A first visit's phone code, sent to ``phone`` (not retried: a second request so
        soon after is refused with ``phone_code_cooldown``)."""
        body = PhoneCodeRequest(phone=phone).model_dump(mode="json")
        return self._call("POST", "/enrolment/phone-codes", PhoneCodeSent, json=body)

    def create_patient(
        self, request: NewPatientRequest, *, idempotency_key: str
    ) -> tuple[Patient, str]:
        """A first visit's record: the new patient and the patient card number. The answer's
        visit token is kept, as identify's is, for registering the patient at once."""
        created = self._call(
            "POST",
            "/patients",
            PatientCreated,
            json=request.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )
        with self._visit_lock:
            self._visit_token = created.visit_token
        patient = Patient.model_validate(
            created.model_dump(exclude={"visit_token", "visit_expires_at", "patient_card"})
        )
        return patient, created.patient_card

    def appointments(
        self, patient_id: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[Appointment]:
        params = {}
        if start is not None:
            params["from"] = start.isoformat()
        if end is not None:
            params["to"] = end.isoformat()
        path = f"/patients/{_segment(patient_id)}/appointments"
        return self._call(
            "GET", path, AppointmentList, params=params, visit_token=self.visit_token
        ).appointments

    def check_in(self, appointment_id: str, *, idempotency_key: str) -> CheckInResult:
        path = f"/appointments/{_segment(appointment_id)}/check-in"
        return self._call(
            "POST",
            path,
            CheckInResult,
            json={},
            idempotency_key=idempotency_key,
            visit_token=self.visit_token,
        )

    def cancel_appointment(
        self, appointment_id: str, *, idempotency_key: str
    ) -> CancellationResult:
        """Cancel before the session starts; the same key again answers the same refund."""
        path = f"/appointments/{_segment(appointment_id)}/cancel"
        return self._call(
            "POST",
            path,
            CancellationResult,
            json={},
            idempotency_key=idempotency_key,
            visit_token=self.visit_token,
        )

    def departments(self) -> list[Department]:
        return self._call("GET", "/departments", DepartmentList).departments

    def schedule(self, department_id: str, date: dt.date | None = None) -> Schedule:
        params = {"date": date.isoformat()} if date else {}
        path = f"/departments/{_segment(department_id)}/schedule"
        return self._call("GET", path, Schedule, params=params)

    def ticket_status(self, number: str, date: dt.date) -> TicketPublicStatus:
        path = f"/tickets/{_segment(number)}/status"
        return self._call("GET", path, TicketPublicStatus, params={"date": date.isoformat()})

    def track(self, token: str) -> TrackStatus:
        """The live place of a ticket in its queue (what its phone page shows)."""
        return self._call("GET", f"/track/{_segment(token)}", TrackStatus)

    def register(
        self, patient_id: str, session_id: str, *, idempotency_key: str
    ) -> RegistrationResult:
        """Same-day registration: confirmed with a ticket (free) or pending payment of a bill."""
        body = RegistrationRequest(patient_id=patient_id, session_id=session_id)
        return self._call(
            "POST",
            "/registrations",
            RegistrationResult,
            json=body.model_dump(mode="json"),
            idempotency_key=idempotency_key,
            visit_token=self.visit_token,
        )

    def bills(self, patient_id: str, *, include_paid: bool = False) -> list[Bill]:
        """The patient's unpaid bills (and those held by a pending payment); paid ones too
        with ``include_paid``."""
        params = {"status": "all"} if include_paid else {}
        path = f"/patients/{_segment(patient_id)}/bills"
        return self._call("GET", path, BillList, params=params, visit_token=self.visit_token).bills

    def create_payment(
        self, patient_id: str, bill_ids: Sequence[str], *, idempotency_key: str
    ) -> Payment:
        body = PaymentRequest(patient_id=patient_id, bill_ids=list(bill_ids))
        return self._call(
            "POST",
            "/payments",
            Payment,
            json=body.model_dump(mode="json"),
            idempotency_key=idempotency_key,
            visit_token=self.visit_token,
        )

    def pay_by_payment_code(self, payment_id: str, code: str, *, idempotency_key: str) -> Payment:
        """Charge the payment with the code the scanner read (sent with the visit token)."""
        path = f"/payments/{_segment(payment_id)}/payment-code"
        body = PaymentCodeRequest(code=code).model_dump(mode="json")
        return self._call(
            "POST",
            path,
            Payment,
            json=body,
            idempotency_key=idempotency_key,
            visit_token=self.visit_token,
        )

    # A payment belongs to this kiosk: reading and cancelling it needs no visit (the payment
    # reconciliation after a crash has none, and may run during another patient's visit).

    def payment(self, payment_id: str) -> Payment:
        return self._call("GET", f"/payments/{_segment(payment_id)}", Payment)

    def cancel_payment(self, payment_id: str, *, idempotency_key: str) -> Payment:
        path = f"/payments/{_segment(payment_id)}/cancel"
        return self._call("POST", path, Payment, json={}, idempotency_key=idempotency_key)

    def reports(self, patient_id: str) -> list[Report]:
        """The patient's lab and imaging reports, ready and pending."""
        path = f"/patients/{_segment(patient_id)}/reports"
        return self._call("GET", path, ReportList, visit_token=self.visit_token).reports

    def report_pdf(self, report_id: str) -> bytes:
        """A ready report as a PDF (during the patient's visit)."""
        path = f"/reports/{_segment(report_id)}/pdf"
        return self._call("GET", path, PdfDocument, visit_token=self.visit_token).data

    def mark_report_printed(self, report_id: str, pages: int, *, idempotency_key: str) -> Report:
        """Record a copy CUPS completed; needs no visit (sent again after a restart)."""
        return self._call(
            "POST",
            f"/reports/{_segment(report_id)}/printed",
            Report,
            json=ReportPrinted(pages=pages).model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def receipts(self, patient_id: str) -> ReceiptList:
        """The patient's past receipts (paid payments of the server's last days), newest first."""
        path = f"/patients/{_segment(patient_id)}/receipts"
        return self._call("GET", path, ReceiptList, visit_token=self.visit_token)

    def reprint_receipt(self, receipt_number: str, *, idempotency_key: str) -> ReceiptReprint:
        """Count a reprint of the receipt and get it to print. Retried like a read: the key
        makes a resend replay the same copy, never a second count."""
        return self._call(
            "POST",
            f"/receipts/{_segment(receipt_number)}/reprint",
            ReceiptReprint,
            idempotency_key=idempotency_key,
            safe=True,
            visit_token=self.visit_token,
        )

    def send_feedback(self, feedback: FeedbackRequest, *, idempotency_key: str) -> FeedbackAck:
        return self._call(
            "POST",
            "/feedback",
            FeedbackAck,
            json=feedback.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def prices(self, query: str = "", category: ItemCategory | None = None) -> list[PriceItem]:
        params = {"q": query} if query else {}
        if category is not None:
            params["category"] = category.value
        return self._call("GET", "/prices", PriceList, params=params).items

    def buildings(self) -> list[Building]:
        return self._call("GET", "/buildings", BuildingList).buildings

    def heartbeat(self, report: HeartbeatRequest) -> HeartbeatAck:
        path = f"/kiosks/{_segment(self.kiosk_id)}/heartbeat"
        return self._call(
            "POST",
            path,
            HeartbeatAck,
            json=report.model_dump(mode="json"),
            idempotency_key=new_idempotency_key(),
        )

    def upload_diagnostics_bundle(self, request_id: str, content: bytes) -> DiagnosticsBundleStatus:
        """The bundle a heartbeat's answer asked for; safe to retry: the server keeps the
        first bundle of a request and answers a resend with the same receipt."""
        path = f"/kiosks/{_segment(self.kiosk_id)}/diagnostics-bundle"
        body = DiagnosticsBundleUpload(
            request_id=request_id, content_base64=base64.b64encode(content).decode("ascii")
        )
        return self._call(
            "POST",
            path,
            DiagnosticsBundleStatus,
            json=body.model_dump(mode="json"),
            idempotency_key=request_id,
            safe=True,
        )

    def send_usage_events(self, events: Sequence[UsageEvent]) -> UsageEventsAck:
        """A batch of usage events; safe to retry: the server stores each event id once."""
        path = f"/kiosks/{_segment(self.kiosk_id)}/usage-events"
        body = UsageEventBatch(events=list(events))
        return self._call(
            "POST",
            path,
            UsageEventsAck,
            json=body.model_dump(mode="json"),
            idempotency_key=new_idempotency_key(),
            safe=True,
        )

    # A staff call is the kiosk's, not the patient's: no visit token, nothing about the patient.

    def call_staff(self, screen: str, *, idempotency_key: str) -> StaffCall:
        """Ask for a person to come to this kiosk; ``screen`` says where the patient is."""
        body = StaffCallRequest(screen=screen)
        return self._call(
            "POST",
            "/staff-calls",
            StaffCall,
            json=body.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def staff_call(self, call_id: str) -> StaffCall:
        return self._call("GET", f"/staff-calls/{_segment(call_id)}", StaffCall)

    def cancel_staff_call(self, call_id: str, *, idempotency_key: str) -> StaffCall:
        path = f"/staff-calls/{_segment(call_id)}/cancel"
        return self._call("POST", path, StaffCall, json={}, idempotency_key=idempotency_key)

    def close(self) -> None:
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
        self._local = threading.local()

    # -- plumbing ----------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self._token}"
            session.headers["Accept"] = "application/json"
            session.verify = self._verify
            session.trust_env = False  # a proxy from the environment must not reroute the HIS
            adapter = _DeadlineAdapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _call(
        self,
        method: str,
        path: str,
        model: type[ModelT],
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        safe: bool | None = None,
        visit_token: str | None = None,
    ) -> ModelT:
        url = f"{self.base_url}{API_PREFIX}{path}"
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        if visit_token:
            headers[VISIT_TOKEN_HEADER] = visit_token
        retryable = method == "GET" if safe is None else safe
        attempts = 1 + (self._retries if retryable else 0)
        deadline = _Deadline(self._deadline_s)  # one for the whole call, retries included
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            remaining = deadline.remaining()
            if remaining <= 0:
                raise BackendTimeoutError(f"{method} {path}: no answer in {self._deadline_s:g} s")
            connect_s, read_s = self._timeout
            try:
                try:
                    with deadline.watching():
                        response = self._session().request(
                            method,
                            url,
                            params=params,
                            json=json,
                            headers=headers,
                            timeout=(min(connect_s, remaining), min(read_s, remaining)),
                            stream=True,
                            allow_redirects=False,
                        )
                        content = _read_limited(response)
                except (requests.exceptions.RequestException, OSError) as error:
                    if deadline.expired:
                        raise BackendTimeoutError(
                            f"{method} {path}: no complete answer in {self._deadline_s:g} s"
                        ) from error
                    raise
            except requests.exceptions.ConnectTimeout as error:
                failure: Exception = BackendUnreachableError(f"{method} {path}: connect timed out")
                failure.__cause__ = error
            except requests.exceptions.SSLError as error:
                raise BackendUnreachableError(f"{method} {path}: TLS failed: {error}") from error
            except (requests.exceptions.ReadTimeout, TimeoutError) as error:
                raise BackendTimeoutError(f"{method} {path}: no answer in time") from error
            except requests.exceptions.ConnectionError as error:
                if _is_read_timeout(error):
                    raise BackendTimeoutError(f"{method} {path}: no answer in time") from error
                failure = BackendUnreachableError(f"{method} {path}: {type(error).__name__}")
                failure.__cause__ = error
            except requests.exceptions.RequestException as error:
                # Chunked encoding errors, truncated bodies and similar: the server answered
                # but not with a usable HTTP message.
                raise BadResponseError(f"{method} {path}: {type(error).__name__}") from error
            else:
                elapsed_ms = (time.monotonic() - started) * 1000
                log.debug("%s %s -> %s in %.0f ms", method, path, response.status_code, elapsed_ms)
                backoff = self._backoff_s * 2 ** (attempt - 1)
                if (
                    response.status_code in RETRYABLE_STATUSES
                    and attempt < attempts
                    and backoff < deadline.remaining()
                ):
                    self._sleep(backoff)
                    continue
                return _interpret(method, path, response, content, model)
            backoff = self._backoff_s * 2 ** (attempt - 1)
            if attempt == attempts or backoff >= deadline.remaining():
                raise failure
            log.info("%s %s: attempt %d failed, retrying", method, path, attempt)
            self._sleep(backoff)
        raise AssertionError("unreachable")  # pragma: no cover


class _Deadline:
    """One call's wall-clock limit. While a request runs under :meth:`watching`, a timer shuts
    down the sockets it uses when the limit passes, which ends a blocked read at once."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False

    def remaining(self) -> float:
        return self._at - time.monotonic()

    @contextmanager
    def watching(self) -> Iterator[None]:
        timer = threading.Timer(max(0.0, self.remaining()), self._expire)
        timer.daemon = True
        _watched.deadline = self
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            _watched.deadline = None
            with self._lock:
                self._sockets.clear()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.expired:
                _shut(sock)
            elif all(sock is not known for known in self._sockets):
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


_watched = threading.local()  # the deadline of the call running on this thread, if any


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watch_socket(sock: socket.socket | None) -> None:
    deadline: _Deadline | None = getattr(_watched, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    """Hands its socket to the current call's deadline when it connects and before it waits
    for an answer (a pooled connection is reused without connecting again)."""

    def connect(self) -> None:
        super().connect()
        _watch_socket(self.sock)

    def getresponse(self) -> urllib3.response.BaseHTTPResponse:  # type: ignore[override]
        _watch_socket(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch_socket(self.sock)

    def getresponse(self) -> urllib3.response.BaseHTTPResponse:  # type: ignore[override]
        _watch_socket(self.sock)
        return super().getresponse()


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedTLSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """Requests' adapter with connections that the current call's deadline can shut down."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedTLSPool}


def track_token(ticket: Ticket) -> str | None:
    """The token of a ticket's phone page (``…/q/{token}``, its QR), or None for a ticket
    that has no such page (a server from before electronic queueing)."""
    path = urlsplit(ticket.status_url).path
    _, found, token = path.rpartition("/q/")
    return token if found and token and "/" not in token else None


def _segment(value: str) -> str:
    return quote(value, safe="")


def _is_read_timeout(error: requests.exceptions.ConnectionError) -> bool:
    # requests wraps a read timeout that happens while reading a streamed body as a
    # ConnectionError around urllib3's ReadTimeoutError.
    return "Read timed out" in str(error)


def _read_limited(response: requests.Response) -> bytes:
    chunks = []
    size = 0
    with response:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise BadResponseError(f"answer larger than {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def _interpret(
    method: str, path: str, response: requests.Response, content: bytes, model: type[ModelT]
) -> ModelT:
    status = response.status_code
    where = f"{method} {path}"
    content_type = response.headers.get("Content-Type", "")
    is_json = content_type.split(";")[0].strip().lower() in (
        "application/json",
        "application/problem+json",
    )
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("Location", ""))
        raise BadResponseError(
            f"{where}: HTTP {status} redirect to {target.scheme}://{target.netloc} refused"
            " (the kiosk never follows redirects)"
        )
    if status >= 500:
        raise BackendServerError(status, f"{where}: {_error_summary(content, is_json)}")
    if status >= 400:
        if not is_json:
            raise BadResponseError(
                f"{where}: HTTP {status} with {content_type or 'no content type'}"
            )
        try:
            body = ErrorBody.model_validate_json(content)
        except ValidationError as error:
            raise BadResponseError(
                f"{where}: HTTP {status} with an unreadable error body"
            ) from error
        raise BackendRejectedError(
            status, body.error.code, body.error.message, body.ticket, body.error.details
        )
    if model is PdfDocument and content_type.split(";")[0].strip().lower() == "application/pdf":
        return model.model_validate({"data": content})
    if not is_json:
        raise BadResponseError(f"{where}: expected JSON, got {content_type or 'no content type'}")
    try:
        return model.model_validate_json(content)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}"
            for item in error.errors()[:3]
        )
        raise BadResponseError(f"{where}: {problems}") from error


def _error_summary(content: bytes, is_json: bool) -> str:
    if is_json:
        try:
            return ErrorBody.model_validate_json(content).error.code
        except ValidationError:
            pass
    return f"{len(content)} bytes"
