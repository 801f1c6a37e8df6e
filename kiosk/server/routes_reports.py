"""Reports (报告查询与打印): the patient's list, a report's PDF, and its printed copies.

A kiosk prints a ready report through CUPS and calls ``markReportPrinted`` once CUPS completed
the job, with an ``Idempotency-Key`` it journals before printing: a kiosk that restarts after
the printer finished records the copy once, with no visit (the patient has left).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from kiosk.api.models import (
    API_PREFIX,
    ErrorCode,
    Report,
    ReportList,
    ReportPrinted,
    ReportStatus,
)
from kiosk.server import queries, reports, visits
from kiosk.server.db import Row
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    VISIT_ERRORS,
    Conn,
    IdempotencyKeyHeader,
    KioskId,
    Now,
    OptionalVisitTokenHeader,
    ServerLimits,
    VisitTokenHeader,
    not_found,
)
from kiosk.server.errors import ApiError, documented_error
from kiosk.server.idempotency import idempotent_response

router = APIRouter(prefix=API_PREFIX, responses=ERRORS, tags=["reports"])

ReportId = Annotated[str, PathParam(max_length=64)]
PDF_TIMEOUT_S = 60.0
_NOT_READY = documented_error(
    "The report is pending (details.expected_at)", ErrorCode.report_not_ready
)


def _report_row(conn: Conn, report_id: str) -> Row:
    row = reports.get_report_row(conn, report_id)
    if row is None:
        raise not_found("report", report_id)
    return row


def _require_ready(row: Row, limits: visits.Limits, now: Now) -> None:
    report = reports.report_from_row(row, now, limits.kiosk_copies_per_report)
    if report.status is ReportStatus.pending:
        raise ApiError(
            409,
            ErrorCode.report_not_ready,
            "This report is not out yet.",
            details={"expected_at": report.expected_at.isoformat() if report.expected_at else None},
        )


@router.get(
    "/patients/{patient_id}/reports",
    response_model=ReportList,
    operation_id="listReports",
    summary="The patient's lab and imaging reports (报告), ready or pending",
    responses=VISIT_ERRORS,
)
def list_reports(
    patient_id: Annotated[str, PathParam(max_length=64)],
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    limits: ServerLimits,
    visit_token: VisitTokenHeader,
) -> ReportList:
    """Newest first. A pending report has ``expected_at``; a ready one ``prints_left``, the
    copies kiosks may still print under the server's reprint policy."""
    visits.require_visit(conn, kiosk_id, visit_token, patient_id, now)
    listed = reports.patient_reports(conn, patient_id, now, limits.kiosk_copies_per_report)
    patient = queries.get_patient_row(conn, patient_id)
    for report in listed:  # made now, so a report opens at once (see reports.report_pdf)
        row = reports.get_report_row(conn, report.id)
        if report.status is ReportStatus.ready and row is not None and patient is not None:
            reports.report_pdf(row, patient, now.tzinfo)
    return ReportList(reports=listed)


@router.get(
    "/reports/{report_id}/pdf",
    operation_id="getReportPdf",
    summary="A ready report as an A4 PDF (Chinese font embedded)",
    response_class=Response,
    responses={
        200: {
            "description": "The report's PDF, to show and to print",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **VISIT_ERRORS,
        409: _NOT_READY,
    },
)
def report_pdf(
    report_id: ReportId,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    limits: ServerLimits,
    visit_token: VisitTokenHeader,
) -> Response:
    """Only during the visit of the report's patient; a report withdrawn since the list was
    read is a 404."""
    row = _report_row(conn, report_id)
    visits.require_visit(conn, kiosk_id, visit_token, row["patient_id"], now)
    _require_ready(row, limits, now)
    patient = queries.get_patient_row(conn, row["patient_id"])
    if patient is None:
        raise not_found("patient", row["patient_id"])
    return Response(
        reports.report_pdf(row, patient, now.tzinfo).result(timeout=PDF_TIMEOUT_S),
        media_type="application/pdf",
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/reports/{report_id}/printed",
    response_model=Report,
    operation_id="markReportPrinted",
    summary="Record a copy that CUPS printed at the kiosk",
    description=(
        "Called after the print job completed, never before. A copy beyond the reprint\n"
        "policy is refused (409 `print_limit_reached`; the kiosk checks `prints_left` before\n"
        "printing). Needs no visit: a kiosk that restarted after the printer finished\n"
        "records its copy then, with the Idempotency-Key it journalled."
    ),
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error(
            "The report is pending, or has no kiosk copy left",
            ErrorCode.report_not_ready,
            ErrorCode.print_limit_reached,
        ),
    },
)
def mark_report_printed(
    report_id: ReportId,
    body: ReportPrinted,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    limits: ServerLimits,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: OptionalVisitTokenHeader = None,
) -> Response:
    row = _report_row(conn, report_id)
    if visit_token:
        visits.require_visit(conn, kiosk_id, visit_token, row["patient_id"], now)

    def action() -> tuple[int, Any]:
        current = _report_row(conn, report_id)
        _require_ready(current, limits, now)
        if int(current["prints"]) >= limits.kiosk_copies_per_report:
            raise ApiError(
                409,
                ErrorCode.print_limit_reached,
                "Every kiosk copy of this report is printed; the window prints another.",
            )
        reports.record_print(conn, report_id, kiosk_id, body.pages, now)
        updated = reports.report_from_row(
            _report_row(conn, report_id), now, limits.kiosk_copies_per_report
        )
        return 200, updated.model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )
