"""Receipts printed again (票据补打): the patient's past receipts and a counted reprint.

The reprint policy lives here, not in the kiosks, so it holds across the whole fleet: each
receipt has ``Limits.free_receipt_reprints`` reprints at kiosks (``kiosk-server
--free-receipt-reprints``); after that the cashier window prints. The kiosk lists payments of
the last ``Limits.receipt_days`` days (``--receipt-days``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from kiosk.api.models import API_PREFIX, ErrorCode, ReceiptList, ReceiptReprint
from kiosk.server import queries, receipts, visits
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    VISIT_ERRORS,
    BaseUrl,
    Conn,
    IdempotencyKeyHeader,
    KioskId,
    Now,
    ServerLimits,
    VisitTokenHeader,
    not_found,
)
from kiosk.server.errors import ApiError, documented_error
from kiosk.server.idempotency import idempotent_response

router = APIRouter(prefix=API_PREFIX, responses=ERRORS, tags=["payments"])

# Receipt numbers are "R" and the day and a sequence (R2026120300001); a little room to spare.
ReceiptNumber = Annotated[str, PathParam(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


@router.get(
    "/patients/{patient_id}/receipts",
    response_model=ReceiptList,
    operation_id="listReceipts",
    summary="The patient's past receipts (票据补打): paid payments of the last days",
    responses=VISIT_ERRORS,
)
def list_receipts(
    patient_id: Annotated[str, PathParam(max_length=64)],
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    limits: ServerLimits,
    visit_token: VisitTokenHeader,
) -> ReceiptList:
    """Paid payments decided in the last ``days`` days (the server's ``--receipt-days``),
    newest first, whichever kiosk took them; pending, failed, expired and cancelled ones have
    no receipt. ``reprints_left`` is what the reprint policy still allows at kiosks."""
    visits.require_visit(conn, kiosk_id, visit_token, patient_id, now)
    if queries.get_patient_row(conn, patient_id) is None:
        raise not_found("patient", patient_id)
    listed = receipts.patient_receipts(
        conn,
        patient_id,
        now,
        base_url,
        days=limits.receipt_days,
        free_reprints=limits.free_receipt_reprints,
    )
    return ReceiptList(receipts=listed, days=limits.receipt_days)


@router.post(
    "/receipts/{receipt_number}/reprint",
    response_model=ReceiptReprint,
    operation_id="reprintReceipt",
    summary="Count a reprint of a past receipt and get it to print (补打)",
    description=(
        "Counted before the kiosk prints: the answer is the receipt with its reprint number\n"
        "and time, which the slip shows with its copy mark. Resending the same\n"
        "Idempotency-Key (a lost answer, a printer fault, a kiosk restarted before printing)\n"
        "replays the same copy and counts nothing. Beyond the free reprints of the policy:\n"
        "409 `reprint_limit_reached` (the cashier window prints). A receipt older than the\n"
        "listed days, or none with this number: 404."
    ),
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error(
            "Every free reprint of this receipt is used", ErrorCode.reprint_limit_reached
        ),
    },
)
def reprint_receipt(
    receipt_number: ReceiptNumber,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    limits: ServerLimits,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: VisitTokenHeader,
) -> Response:
    row = receipts.paid_row_by_receipt(conn, receipt_number)
    if row is None:
        raise not_found("receipt", receipt_number)
    visits.require_visit(conn, kiosk_id, visit_token, row["patient_id"], now)

    def action() -> tuple[int, Any]:
        if not receipts.within_window(row, now, limits.receipt_days):
            raise not_found("receipt", receipt_number)
        reprint = receipts.count_reprint(
            conn, row, kiosk_id, now, base_url, limits.free_receipt_reprints
        )
        if reprint is None:
            raise ApiError(
                409,
                ErrorCode.reprint_limit_reached,
                "This receipt was reprinted as often as kiosks may; the cashier window "
                "prints another.",
                details={"free_reprints": limits.free_receipt_reprints},
            )
        return 200, reprint.model_dump(mode="json")

    return idempotent_response(request, conn, kiosk_id, idempotency_key, {}, now, action)
