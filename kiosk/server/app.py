"""The reference Kiosk API server: a FastAPI app over SQLite or PostgreSQL.

``create_app(db_path)`` builds it; requests borrow pooled connections (``db.Database``). Every call
except ``/api/v1/health``, ``/api/v1/tickets/{number}/status`` (the ticket's QR code), the
simulated payment page ``/pay/{pay token}`` (the payment QR code) and the fleet page
``/admin/kiosks`` (admin sign-in, see ``admin``) needs ``Authorization: Bearer <token>``.
The request and response models are the shared ones in ``kiosk.api.models``. Check-in and
the rest of the original API live here; registrations, bills, payments, feedback, prices and
buildings in ``routes_services``; the payment page in ``paypage``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from kiosk.api.models import (
    API_PREFIX,
    MAX_DIAGNOSTICS_BUNDLE_BASE64,
    MAX_DIAGNOSTICS_BUNDLE_BYTES,
    Appointment,
    AppointmentList,
    AppointmentStatus,
    CheckInRequest,
    CheckInResult,
    DepartmentList,
    DiagnosticsBundleStatus,
    DiagnosticsBundleUpload,
    ErrorCode,
    HealthStatus,
    HeartbeatAck,
    HeartbeatRequest,
    IdentifierKind,
    IdentifyRequest,
    IdentifyResult,
    Patient,
    Schedule,
    TicketPublicStatus,
    UsageEventBatch,
    UsageEventsAck,
    VisitEnded,
)
from kiosk.server import (
    admin,
    announce,
    clinical_copies,
    diagnostics,
    displaypage,
    docs_page,
    insurance_platform,
    paypage,
    queries,
    queue,
    routes_enrolment,
    routes_queue,
    routes_receipts,
    routes_reports,
    routes_services,
    staff_calls,
    staffpage,
    trackpage,
    usage,
    visits,
    web_assets,
)
from kiosk.server.clinical import (
    ClinicalError,
    ClinicalSource,
    RecordConflictError,
    RecordNotFoundError,
    RemoteClinicalSource,
    SourceUnavailableError,
    UnsupportedIdentifierError,
)
from kiosk.server.db import (
    Connection,
    Database,
    PoolExhaustedError,
    Target,
    lock_rows,
    open_database,
    system_clock,
    to_db_time,
    write_transaction,
)
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    VISIT_ERRORS,
    BaseUrl,
    Clinical,
    Conn,
    IdempotencyKeyHeader,
    IsoDate,
    KioskId,
    Now,
    ServerLimits,
    VisitTokenHeader,
    not_found,
)
from kiosk.server.errors import (
    DATABASE_RETRY_AFTER_S,
    ApiError,
    BodyGuardMiddleware,
    database_unavailable_handler,
    documented_error,
    error_response,
    install_error_handlers,
)
from kiosk.server.hospital_writes import HospitalWriter
from kiosk.server.idempotency import answered, idempotent_response, require_key
from kiosk.server.insight import pages as insight_pages
from kiosk.server.security import (
    READ_TIMEOUT_S,
    BodyDeadlineMiddleware,
    SecurityHeadersMiddleware,
    install_security_headers_on_server_errors,
)

_LOG = logging.getLogger(__name__)
# A check-in's body may be left out: it is this then.
_EMPTY_CHECK_IN = CheckInRequest()
# The longest range of dates one appointments query may ask for.
MAX_APPOINTMENT_RANGE = dt.timedelta(days=92)

# --- the API --------------------------------------------------------------------------------

API_DESCRIPTION = """The Kiosk API v1: what a hospital self-service kiosk, a doctor's calling
station or a hospital system (HIS) says to the kiosk server.

- **Kiosks** authenticate with their own bearer token (`Authorization: Bearer <token>`).
  Identifying a patient answers a short-lived **visit token**; the patient-scoped calls send it
  in `X-Visit-Token`.
- **Calling stations** sign in (`signInStation`) and use the session token as their bearer.
- Every call that changes something takes an **`Idempotency-Key`**: a retry with the same key
  answers the first answer again, so nothing is done twice.
- Every error is an `ErrorBody` with a machine-readable `error.code`.

The integration guide (`docs/api.md`) has worked examples of a whole visit, the error codes
and the compatibility policy; this version's document is committed as `docs/api/openapi.json`.
"""
# The groups of operations in the order of a visit, then the staff's, the public and the admin's.
API_TAGS = [
    {"name": "patients", "description": "Identify a patient; the visit; their appointments."},
    {"name": "appointments", "description": "Check in for an appointment: a queue ticket."},
    {"name": "departments", "description": "Departments and their schedules."},
    {"name": "registrations", "description": "Same-day registration (挂号)."},
    {"name": "payments", "description": "Itemized bills and their payment (缴费)."},
    {"name": "reports", "description": "Lab and imaging reports (报告), as PDFs to print."},
    {"name": "feedback", "description": "The patient's rating (满意度评价)."},
    {"name": "information", "description": "Prices and the hospital's buildings."},
    {"name": "staff calls", "description": "A patient at a kiosk asks for a person."},
    {"name": "kiosks", "description": "The kiosk's heartbeat and usage events."},
    {"name": "queue", "description": "Calling stations: sign in, read and call the queues."},
    {"name": "public", "description": "No token: health, boards, a ticket's place."},
    {"name": "admin", "description": "The fleet and open staff calls (admin token)."},
]

api = APIRouter(prefix=API_PREFIX, responses=ERRORS)


@api.get(
    "/health",
    response_model=HealthStatus,
    tags=["public"],
    operation_id="getHealth",
    summary="Is the server up",
)
def health(now: Now) -> HealthStatus:
    """Liveness for load balancers and kiosks: no token, no database work, the server's time."""
    return HealthStatus(status="ok", time=now)


@api.post(
    "/patients/identify",
    response_model=IdentifyResult,
    tags=["patients"],
    operation_id="identifyPatient",
    summary="Identify a patient by card, QR code or phone number",
    responses={
        404: documented_error("No such patient", ErrorCode.patient_not_found),
        422: documented_error(
            "The request does not match the schema, or a medical insurance e-voucher QR is "
            "malformed, unknown or expired",
            ErrorCode.validation_failed,
            ErrorCode.insurance_voucher_invalid,
            ErrorCode.insurance_voucher_expired,
        ),
        429: documented_error(
            "This kiosk's rate limit (Retry-After)", ErrorCode.too_many_identifications
        ),
    },
)
def identify(
    body: IdentifyRequest,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    limits: ServerLimits,
    clinical: Clinical,
) -> IdentifyResult:
    """The patient (name and ID number masked) and a visit token: the patient-scoped calls
    that follow send it in ``X-Visit-Token`` until the kiosk ends the visit or it expires.
    Rate limited per kiosk; every attempt counts, found or not."""
    refused: ApiError | None = None
    if clinical.local:
        # One write transaction for the attempt, the lookup and the visit: a commit less.
        with write_transaction(conn):
            retry_after = visits.admit_identify(conn, kiosk_id, now, limits)
            found = None if retry_after is not None else _resolve(conn, body, now)
            refused = found if isinstance(found, ApiError) else None
            patient = _find(clinical, found, now) if isinstance(found, IdentifyRequest) else None
            visit = (
                None
                if patient is None
                else visits.start_visit(conn, kiosk_id, patient.id, now, limits)
            )
    else:
        # The attempt is counted first; the hospital's system is asked outside any transaction.
        with write_transaction(conn):
            retry_after = visits.admit_identify(conn, kiosk_id, now, limits)
        found = None if retry_after is not None else _resolve(conn, body, now)
        refused = found if isinstance(found, ApiError) else None
        patient = _find(clinical, found, now) if isinstance(found, IdentifyRequest) else None
        visit = None
        if patient is not None:
            with write_transaction(conn):
                clinical_copies.keep_patient(conn, patient)
                visit = visits.start_visit(conn, kiosk_id, patient.id, now, limits)
    if retry_after is not None:
        raise ApiError(
            429,
            ErrorCode.too_many_identifications,
            "Too many identifications from this kiosk; try again shortly.",
            details={"retry_after_s": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
    if refused is not None:
        raise refused
    if patient is None or visit is None:
        raise ApiError(404, ErrorCode.patient_not_found, "No patient with this identifier.")
    token, expires_at = visit
    return IdentifyResult(**patient.model_dump(), visit_token=token, visit_expires_at=expires_at)


def _resolve(
    conn: Connection, body: IdentifyRequest, now: dt.datetime
) -> IdentifyRequest | ApiError:
    """What to look the patient up by: a medical insurance e-voucher QR is exchanged with the
    (simulated) insurance platform for the insured's resident ID number first."""
    if body.kind is not IdentifierKind.insurance_qr:
        return body
    answer = insurance_platform.exchange(conn, body.value, now)
    if isinstance(answer, ApiError):
        return answer
    return IdentifyRequest(kind=IdentifierKind.id_card, value=answer)


def _find(clinical: ClinicalSource, body: IdentifyRequest, now: dt.datetime) -> Patient | None:
    """The patient, or None also for a kind of card the hospital's system has no system for."""
    try:
        return clinical.find_patient(body.kind, body.value, now.date())
    except UnsupportedIdentifierError:
        return None


@api.delete(
    "/visits/current",
    response_model=VisitEnded,
    tags=["patients"],
    operation_id="endVisit",
    summary="End the patient's visit",
    responses={403: documented_error("No visit token was sent", ErrorCode.visit_token_required)},
)
def end_visit(kiosk_id: KioskId, conn: Conn, now: Now, visit_token: VisitTokenHeader) -> VisitEnded:
    """The kiosk ends the visit of ``X-Visit-Token`` (idle wipe, 返回首页). Ending an ended,
    expired or unknown visit changes nothing and answers the same."""
    if not visit_token:
        raise ApiError(403, ErrorCode.visit_token_required, "X-Visit-Token is missing.")
    with write_transaction(conn):
        visits.end_visit(conn, kiosk_id, visit_token, now)
    return VisitEnded(ended_at=now)


@api.get(
    "/patients/{patient_id}/appointments",
    response_model=AppointmentList,
    tags=["patients"],
    operation_id="listAppointments",
    summary="The patient's appointments",
    responses=VISIT_ERRORS,
)
def appointments(
    patient_id: Annotated[str, PathParam(max_length=64)],
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    visit_token: VisitTokenHeader,
    clinical: Clinical,
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="First day (default today)")
    ] = None,
    to: Annotated[
        IsoDate | None, Query(description="Last day (default: the later of from and today)")
    ] = None,
) -> AppointmentList:
    """Appointments from ``from`` to ``to`` (today by default, at most 92 days), each with its
    department, doctor, place, check-in window and the ticket once checked in."""
    first = from_ or now.date()
    last = to or max(first, now.date())
    if last < first or last - first > MAX_APPOINTMENT_RANGE:
        raise ApiError(
            422,
            ErrorCode.validation_failed,
            f"'to' must be on or after 'from', at most {MAX_APPOINTMENT_RANGE.days} days later.",
            details=[{"loc": ["query", "to"], "msg": "bad date range", "type": "date_range"}],
        )
    visits.require_visit(conn, kiosk_id, visit_token, patient_id, now)
    if clinical.local and clinical.patient(patient_id, now.date()) is None:
        raise not_found("patient", patient_id)
    found = clinical.patient_appointments(patient_id, first, last)
    return AppointmentList(appointments=clinical_copies.with_tickets(conn, found, base_url))


@api.post(
    "/appointments/{appointment_id}/check-in",
    response_model=CheckInResult,
    tags=["appointments"],
    operation_id="checkIn",
    summary="Check in for an appointment: a queue ticket",
    description="The appointment's queue ticket: number, place, people ahead, estimated "
    "wait and the phone page (`status_url`). The body may be left out. A retry with the "
    "same Idempotency-Key answers the same ticket; checking in again with another key is a "
    "409 `already_checked_in` carrying that ticket.",
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error(
            "The appointment cannot be checked in (already_checked_in carries the ticket)",
            ErrorCode.too_early,
            ErrorCode.too_late,
            ErrorCode.cancelled,
            ErrorCode.already_checked_in,
        ),
    },
)
def check_in(
    appointment_id: Annotated[str, PathParam(max_length=64)],
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: VisitTokenHeader,
    clinical: Clinical,
    body: Annotated[CheckInRequest, Body()] = _EMPTY_CHECK_IN,
) -> Response:
    visit_patient = visits.visit_patient(conn, kiosk_id, visit_token, now)
    if clinical.local:
        owner = queries.get_appointment_row(conn, appointment_id)
        if owner is not None and owner["patient_id"] != visit_patient:
            raise ApiError(403, ErrorCode.wrong_patient, "The visit token is another patient's.")

        def action() -> tuple[int, Any]:
            lock_rows(conn, "appointments", [appointment_id])  # two kiosks, one appointment
            found = clinical.appointment(appointment_id)
            if found is None:
                raise not_found("appointment", appointment_id)
            _refuse_check_in(found, now)
            clinical.check_in(appointment_id)
            return _issue_ticket(conn, appointment_id, now, kiosk_id, base_url)

    elif answered(conn, kiosk_id, require_key(idempotency_key)):

        def action() -> tuple[int, Any]:
            raise RuntimeError("an answered key replays without running its action")

    else:
        action = _remote_check_in(
            clinical, conn, appointment_id, visit_patient, now, kiosk_id, base_url
        )
    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )


def _refuse_check_in(appointment: Appointment, now: dt.datetime) -> None:
    """409 unless the appointment is booked and its check-in window is open (a checked-in one
    carries its ticket)."""
    if appointment.status is AppointmentStatus.cancelled:
        raise ApiError(409, ErrorCode.cancelled, "This appointment was cancelled.")
    if appointment.ticket is not None or appointment.status is not AppointmentStatus.booked:
        raise ApiError(
            409,
            ErrorCode.already_checked_in,
            "This appointment is already checked in.",
            ticket=appointment.ticket,
        )
    window = {
        "check_in_opens_at": appointment.check_in_opens_at.isoformat(),
        "check_in_closes_at": appointment.check_in_closes_at.isoformat(),
    }
    if now < appointment.check_in_opens_at:
        raise ApiError(409, ErrorCode.too_early, "Check-in is not open yet.", details=window)
    if now > appointment.check_in_closes_at:
        raise ApiError(409, ErrorCode.too_late, "Check-in has closed.", details=window)


def _issue_ticket(
    conn: Connection, appointment_id: str, now: dt.datetime, kiosk_id: str, base_url: str
) -> tuple[int, Any]:
    ticket_id = queue.issue_ticket(conn, appointment_id, now, f"kiosk:{kiosk_id}")
    result = CheckInResult(ticket=queries.ticket_by_id(conn, ticket_id, base_url))
    return 200, result.model_dump(mode="json")


def _remote_check_in(
    clinical: ClinicalSource,
    conn: Connection,
    appointment_id: str,
    visit_patient: str,
    now: dt.datetime,
    kiosk_id: str,
    base_url: str,
) -> Callable[[], tuple[int, Any]]:
    """Check in at the hospital's system first (read, then marked arrived), outside any
    transaction (the caller has made sure the key is there and not answered yet: its retry
    replays without asking again); the returned action then issues the ticket locally, in the
    idempotent write.

    An appointment already arrived there is not refused here: a retry whose first try was
    marked arrived but got no ticket (the server's database failed, say) gets its ticket
    now, once; a retry whose first try was answered replays that answer; another key finds
    the local ticket (409 already_checked_in)."""
    found = clinical.appointment(appointment_id)
    if found is None:
        raise not_found("appointment", appointment_id)
    if found.patient_id != visit_patient:
        raise ApiError(403, ErrorCode.wrong_patient, "The visit token is another patient's.")
    if found.status is AppointmentStatus.booked:
        _refuse_check_in(found, now)
        found = clinical.check_in(appointment_id)
    elif found.status is not AppointmentStatus.checked_in:
        _refuse_check_in(found, now)
    arrived = found

    def action() -> tuple[int, Any]:
        clinical_copies.keep_appointment(conn, arrived)
        lock_rows(conn, "appointments", [appointment_id])  # two kiosks, one appointment
        ticket = clinical_copies.local_ticket(conn, appointment_id, base_url)
        if ticket is not None:
            raise ApiError(
                409,
                ErrorCode.already_checked_in,
                "This appointment is already checked in.",
                ticket=ticket,
            )
        return _issue_ticket(conn, appointment_id, now, kiosk_id, base_url)

    return action


@api.get(
    "/departments",
    response_model=DepartmentList,
    tags=["departments"],
    operation_id="listDepartments",
    summary="Every department",
)
def departments(kiosk_id: KioskId, clinical: Clinical) -> DepartmentList:
    """Departments with what they treat and where they are (the hospital guide)."""
    return DepartmentList(departments=clinical.departments())


@api.get(
    "/departments/{department_id}/schedule",
    response_model=Schedule,
    tags=["departments"],
    operation_id="getDepartmentSchedule",
    summary="A department's doctors and sessions on a day",
)
def department_schedule(
    department_id: Annotated[str, PathParam(max_length=64)],
    kiosk_id: KioskId,
    now: Now,
    clinical: Clinical,
    date: Annotated[IsoDate | None, Query(description="Day (default today)")] = None,
) -> Schedule:
    """Each doctor's sessions with places left and fee: what ``createRegistration`` books."""
    try:
        return clinical.schedule(department_id, date or now.date())
    except RecordNotFoundError:
        raise not_found("department", department_id) from None


@api.get(
    "/tickets/{number}/status",
    response_model=TicketPublicStatus,
    tags=["public"],
    operation_id="getTicketStatus",
    summary="Public queue position (no token; no patient data)",
)
def ticket_status(
    number: Annotated[str, PathParam(max_length=16)],
    conn: Conn,
    now: Now,
    date: Annotated[IsoDate | None, Query(description="Service day (default today)")] = None,
) -> TicketPublicStatus:
    """A ticket's state and people ahead by its number; kept for API clients (a ticket's QR
    code leads to the phone page ``/q/{token}`` instead)."""
    status = queries.public_ticket_status(conn, number, date or now.date())
    if status is None:
        raise not_found("ticket", number)
    return status


@api.post(
    "/kiosks/{kiosk_id}/heartbeat",
    response_model=HeartbeatAck,
    tags=["kiosks"],
    operation_id="sendHeartbeat",
    summary="The kiosk reports its health",
    responses={403: documented_error("The token is another kiosk's", ErrorCode.forbidden)},
)
def heartbeat(
    kiosk_id: Annotated[str, PathParam(max_length=64)],
    body: HeartbeatRequest,
    authenticated: KioskId,
    conn: Conn,
    now: Now,
) -> HeartbeatAck:
    """Version, uptime, devices and the last error: what the fleet page shows. A kiosk
    silent for a few minutes is shown offline. While an admin waits for this kiosk's
    diagnostics bundle, the answer's ``diagnostics_request_id`` names the request: send the
    bundle with ``uploadDiagnosticsBundle``."""
    if authenticated != kiosk_id:
        raise ApiError(403, ErrorCode.forbidden, "The token belongs to another kiosk.")
    if not math.isfinite(body.uptime_s):
        raise ApiError(
            422,
            ErrorCode.validation_failed,
            details=[{"loc": ["body", "uptime_s"], "msg": "must be finite", "type": "finite"}],
        )
    devices = json.dumps([d.model_dump(mode="json") for d in body.devices], ensure_ascii=False)
    with write_transaction(conn):
        conn.execute(
            "UPDATE kiosks SET last_heartbeat_at = ?, version = ?, uptime_s = ?, "
            "devices_json = ?, last_error = ? WHERE id = ?",
            (to_db_time(now), body.version, body.uptime_s, devices, body.last_error, kiosk_id),
        )
        wanted = diagnostics.open_request_id(conn, kiosk_id)
    return HeartbeatAck(
        kiosk_id=kiosk_id, received_at=now, server_time=now, diagnostics_request_id=wanted
    )


@api.post(
    "/kiosks/{kiosk_id}/diagnostics-bundle",
    response_model=DiagnosticsBundleStatus,
    tags=["kiosks"],
    operation_id="uploadDiagnosticsBundle",
    summary="The kiosk sends the diagnostics bundle its heartbeat was asked for",
    responses={
        403: documented_error("The token is another kiosk's", ErrorCode.forbidden),
        404: documented_error(
            "No diagnostics bundle was asked of this kiosk under this request id",
            ErrorCode.not_found,
        ),
        413: documented_error(
            f"The bundle is larger than {MAX_DIAGNOSTICS_BUNDLE_BYTES} bytes",
            ErrorCode.payload_too_large,
        ),
    },
)
def upload_diagnostics_bundle(
    kiosk_id: Annotated[str, PathParam(max_length=64)],
    body: DiagnosticsBundleUpload,
    authenticated: KioskId,
    conn: Conn,
    now: Now,
) -> DiagnosticsBundleStatus:
    """The zip (base64) of the request named in the heartbeat's ``diagnostics_request_id``:
    configuration without secrets, device states and counters, system facts, crash summaries
    and the last log lines, masked; never patient data. At most 2 MiB once decoded (the kiosk
    drops its oldest log lines to fit); larger is 413, anything but base64 of a zip 422, a
    request id this kiosk was never asked under 404. The first bundle of a request is kept:
    sending again (a lost answer) answers the same receipt and stores nothing."""
    if authenticated != kiosk_id:
        raise ApiError(403, ErrorCode.forbidden, "The token belongs to another kiosk.")
    content = diagnostics.decode_bundle(body.content_base64)
    received = diagnostics.receive_bundle(conn, kiosk_id, body.request_id, content, now)
    if received is None:
        raise ApiError(
            404,
            ErrorCode.not_found,
            f"No diagnostics bundle was asked of this kiosk as {body.request_id!r}.",
        )
    return received[0]


@api.post(
    "/kiosks/{kiosk_id}/usage-events",
    response_model=UsageEventsAck,
    tags=["kiosks"],
    operation_id="sendUsageEvents",
    summary="The kiosk reports how it was used (no patient data)",
    responses={
        403: documented_error("The token is another kiosk's", ErrorCode.forbidden),
        413: documented_error(
            f"The body is larger than {usage.USAGE_BODY_BYTES} bytes", ErrorCode.payload_too_large
        ),
    },
)
def usage_events(
    kiosk_id: Annotated[str, PathParam(max_length=64)],
    body: UsageEventBatch,
    authenticated: KioskId,
    conn: Conn,
    now: Now,
) -> UsageEventsAck:
    """Up to 500 events per batch (visits started, services chosen, steps reached, visits
    finished or abandoned, tickets printed or failed, payment outcomes, staff called), for
    the insight pages. Each is stored once per kiosk and ``event_id``: a batch sent again
    after a lost answer stores nothing twice, and ``stored`` says how many were new. An
    unknown kind, a time without its offset, a ``detail`` that is not a small JSON object or
    more than 500 events answer 422 and store nothing."""
    if authenticated != kiosk_id:
        raise ApiError(403, ErrorCode.forbidden, "The token belongs to another kiosk.")
    stored = usage.store_events(conn, kiosk_id, body.events, now)
    return UsageEventsAck(received=len(body.events), stored=stored, received_at=now)


# --- the factory ----------------------------------------------------------------------------


def clinical_error_handler(request: Request, exc: Exception) -> Response:
    """The hospital's system failed as the server's own database can: down, slow or refusing
    a change that raced another writer is a 503 with Retry-After (the kiosk retries with the
    same Idempotency-Key, which finds a check-in already arrived there and issues its one
    ticket); a record gone is a 404; a request it rejects is the server's fault (500)."""
    if isinstance(exc, RecordNotFoundError):
        return error_response(404, ErrorCode.not_found, "No such record at the hospital.")
    if isinstance(exc, SourceUnavailableError | RecordConflictError):
        _LOG.warning("clinical source: %s", exc)
        return error_response(
            503,
            ErrorCode.database_unavailable,
            "The hospital's records system cannot be reached just now; try again shortly.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )
    _LOG.error("clinical source: %s", exc)
    return error_response(500, ErrorCode.internal_error)


@asynccontextmanager
async def _hospital_writes_beside(app: FastAPI) -> AsyncIterator[None]:
    """With a remote clinical source, what the hospital's system is owed is written to it in
    the background while the server runs (``EmbeddedServer`` starts it itself)."""
    writer: HospitalWriter | None = app.state.hospital_writer
    if writer is not None:
        writer.start()
    try:
        yield
    finally:
        if writer is not None:
            writer.stop()


def create_app(
    db_path: Target,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    public_url: str | None = None,
    admin_token: str | None = None,
    docs: bool = True,
    read_timeout_s: float = READ_TIMEOUT_S,
    limits: visits.Limits | None = None,
    queue_rules: queue.QueueRules | None = None,
    admin_session_key: bytes | None = None,
    clinical: RemoteClinicalSource | None = None,
) -> FastAPI:
    """The Kiosk API app over ``db_path``, a SQLite file or a ``postgresql://`` URL (the
    schema is created in an empty database; an older or newer one is refused).

    ``clock`` returns the current aware datetime (default: local time); ``public_url`` is the
    base of the status URL printed on tickets (default: the base URL of each request);
    ``admin_token`` guards the fleet page (see ``admin``); ``docs`` serves Swagger UI at
    ``/docs`` (its own files, see ``docs_page``); a request body that has not fully arrived
    ``read_timeout_s`` after the request started is answered 408; ``queue_rules`` are stored
    in the database for every worker (kept as they are when not given); every worker of one
    server gets the same ``admin_session_key`` so that a sign-in holds on all of them;
    ``clinical`` is where patients, appointments, schedules and bills come from (default: the
    built-in store, the database's own tables).
    """
    conn = open_database(db_path)
    try:
        if queue_rules is not None:
            queue.save_rules(conn, queue_rules)
    finally:
        conn.close()
    app = FastAPI(
        title="Hospital Kiosk API",
        version="1",
        description=API_DESCRIPTION,
        openapi_tags=API_TAGS,
        openapi_url="/openapi.json",
        docs_url=None,  # docs_page serves it without the internet
        redoc_url=None,
        lifespan=_hospital_writes_beside,
    )
    app.state.db_path = db_path
    app.state.database = Database(db_path)
    app.state.clock = clock or system_clock
    app.state.public_url = public_url.rstrip("/") if public_url else None
    app.state.admin_token = admin_token or None
    app.state.admin_session_key = admin_session_key or admin.new_session_key()
    app.state.limits = limits or visits.Limits()
    app.state.clinical = clinical
    app.state.hospital_writer = (
        None if clinical is None else HospitalWriter(db_path, clinical, app.state.clock)
    )
    install_error_handlers(app)
    app.add_exception_handler(ClinicalError, clinical_error_handler)
    app.add_exception_handler(PoolExhaustedError, database_unavailable_handler)
    if app.state.database.dialect == "postgresql":
        from kiosk.server import pg

        app.add_exception_handler(pg.OperationalError, database_unavailable_handler)
    install_security_headers_on_server_errors(app)
    app.add_middleware(
        BodyGuardMiddleware,
        form_path_prefixes=(
            "/pay/",
            "/admin/login",
            "/admin/staff-calls/",
            "/admin/kiosks/",
            "/staff/login",
            "/insight/targets",
        ),
        larger_bodies={
            "/usage-events": usage.USAGE_BODY_BYTES,
            "/diagnostics-bundle": MAX_DIAGNOSTICS_BUNDLE_BASE64 + 64 * 1024,
        },
    )
    app.add_middleware(BodyDeadlineMiddleware, timeout_s=read_timeout_s)
    app.add_middleware(SecurityHeadersMiddleware, docs_path=docs_page.DOCS_PATH if docs else None)
    app.include_router(api)
    app.include_router(routes_services.router)
    app.include_router(routes_reports.router)
    app.include_router(routes_receipts.router)
    app.include_router(routes_enrolment.router)
    app.include_router(staff_calls.router)
    app.include_router(paypage.router)
    app.include_router(admin.router)
    app.include_router(insight_pages.router)
    routes_queue.install(app)
    app.include_router(web_assets.router)
    app.include_router(announce.router)
    app.include_router(displaypage.router)
    app.include_router(trackpage.router)
    app.include_router(staffpage.router)
    if docs:
        app.include_router(docs_page.router)
    return app
