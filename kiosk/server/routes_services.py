"""The services beyond check-in: registrations, bills, payments, feedback, prices, buildings.

Every POST that changes state needs an ``Idempotency-Key`` and answers through
``idempotent_response``, so a retried request replays the first answer instead of registering
or charging twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from kiosk.api.models import (
    API_PREFIX,
    Bill,
    BillList,
    BillStatus,
    Building,
    BuildingList,
    CancelAppointmentRequest,
    CancellationResult,
    DepartmentSummary,
    ErrorCode,
    FeedbackAck,
    FeedbackRequest,
    Floor,
    FloorPlace,
    ItemCategory,
    Payment,
    PaymentCodeRequest,
    PaymentRequest,
    PaymentStatus,
    PriceItem,
    PriceList,
    RegistrationRequest,
    RegistrationResult,
)
from kiosk.server import (
    cancellations,
    clinical_copies,
    hospital_writes,
    payments,
    queries,
    registrations,
    visits,
)
from kiosk.server.bills import patient_bills
from kiosk.server.clinical import (
    Booking,
    RecordNotFoundError,
    RemoteClinicalSource,
    SessionFullError,
    SessionOverError,
)
from kiosk.server.db import to_db_time, write_transaction
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    VISIT_ERRORS,
    BaseUrl,
    Conn,
    IdempotencyKeyHeader,
    KioskId,
    Now,
    OptionalVisitTokenHeader,
    RemoteClinical,
    ServerLimits,
    VisitTokenHeader,
    not_found,
)
from kiosk.server.errors import ApiError, documented_error
from kiosk.server.idempotency import answered, idempotent_response, require_key
from kiosk.server.visits import Limits

router = APIRouter(prefix=API_PREFIX, responses=ERRORS)

PaymentId = Annotated[str, PathParam(max_length=64)]
_PAYMENT_LIFETIME_MINUTES = int(payments.PAYMENT_LIFETIME.total_seconds() // 60)


# --- registrations --------------------------------------------------------------------------


@router.post(
    "/registrations",
    response_model=RegistrationResult,
    tags=["registrations"],
    operation_id="createRegistration",
    summary="Register the patient for a session today (挂号)",
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error(
            "The session cannot be booked (session_full: details.suggestions holds up to 3 "
            "later sessions of the department with places)",
            ErrorCode.session_full,
            ErrorCode.already_registered,
            ErrorCode.session_over,
        ),
        429: documented_error(
            "This kiosk already holds the most unpaid registrations it may (Retry-After)",
            ErrorCode.too_many_pending_registrations,
        ),
    },
)
def register(
    body: RegistrationRequest,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    limits: ServerLimits,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: VisitTokenHeader,
    remote: RemoteClinical,
) -> Response:
    """Same-day registration: free sessions are confirmed with a queue ticket at once; a fee
    makes the registration ``pending_payment`` with an unpaid bill (``bill_id``) whose payment
    issues the ticket. It holds its place only while that fee can be paid: a cancelled,
    declined or expired payment (or none within a few minutes) gives the place back."""
    visits.require_visit(conn, kiosk_id, visit_token, body.patient_id, now)
    if remote is not None:
        action = _register_at_the_hospital(
            remote, conn, kiosk_id, idempotency_key, body, now, base_url, limits
        )
    else:

        def action() -> tuple[int, Any]:
            registration = registrations.register(
                conn,
                kiosk_id=kiosk_id,
                patient_id=body.patient_id,
                session_id=body.session_id,
                now=now,
                base_url=base_url,
                max_pending=limits.max_pending_registrations,
            )
            return 200, RegistrationResult(registration=registration).model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )


def _register_at_the_hospital(
    remote: RemoteClinicalSource,
    conn: Conn,
    kiosk_id: str,
    idempotency_key: str | None,
    body: RegistrationRequest,
    now: Now,
    base_url: str,
    limits: Limits,
) -> Callable[[], tuple[int, Any]]:
    """Book the slot at the hospital's system first, outside any transaction (unless the key
    was answered already: its retry replays, booking nothing); the returned action records
    the registration locally, in the idempotent write. A full session is ``session_full``
    with the department's next sessions that have places, from the hospital's schedules."""
    booking: Booking | None = None
    key = hospital_writes.booking_key(kiosk_id, require_key(idempotency_key))
    if not answered(conn, kiosk_id, require_key(idempotency_key)):
        registrations.refuse_before_booking(
            conn,
            kiosk_id=kiosk_id,
            patient_id=body.patient_id,
            session_id=body.session_id,
            now=now,
            base_url=base_url,
            max_pending=limits.max_pending_registrations,
        )
        hospital_writes.booking_started(conn, key, now)
        try:
            booking = remote.book(body.patient_id, body.session_id, key)
        except RecordNotFoundError:
            hospital_writes.booking_refused(conn, key)
            raise
        except SessionOverError as over:
            hospital_writes.booking_refused(conn, key)
            raise ApiError(
                409,
                ErrorCode.session_over,
                "This session has ended.",
                details={"ends_at": over.ends_at.isoformat()},
            ) from None
        except SessionFullError as full:
            hospital_writes.booking_refused(conn, key)
            found = (
                registrations.suggestions_in(
                    partial(remote.schedule, full.department_id), body.session_id, now
                )
                if full.department_id
                else []
            )
            raise ApiError(
                409,
                ErrorCode.session_full,
                "This session has no slots left.",
                details={"suggestions": [s.model_dump(mode="json") for s in found]},
            ) from None

    def action() -> tuple[int, Any]:
        if booking is None:
            raise RuntimeError("an answered key replays without running its action")
        registration = registrations.record_booking(
            conn, kiosk_id=kiosk_id, booking=booking, now=now, base_url=base_url
        )
        hospital_writes.booking_recorded(conn, key, registration.id)
        return 200, RegistrationResult(registration=registration).model_dump(mode="json")

    return action


# --- cancelling an appointment --------------------------------------------------------------

# A cancellation's body may be left out: it is this then.
_EMPTY_CANCEL = CancelAppointmentRequest()


@router.post(
    "/appointments/{appointment_id}/cancel",
    response_model=CancellationResult,
    tags=["appointments"],
    operation_id="cancelAppointment",
    summary="Cancel an appointment before it starts (取消预约/退号)",
    description=(
        "Booked → cancelled, before its session starts and before check-in; the place goes\n"
        "back to the session and a registration fee paid at a kiosk is refunded (`refund`:\n"
        "amount and where the money goes back). The body may be left out. A retry with the\n"
        "same Idempotency-Key answers the same cancellation and refunds nothing again."
    ),
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error(
            "The appointment cannot be cancelled: it has started (too_late, details.starts_at), "
            "is checked in, is cancelled already, or is held by the hospital's system "
            "(cancellation_unavailable: at a service window)",
            ErrorCode.too_late,
            ErrorCode.already_checked_in,
            ErrorCode.cancelled,
            ErrorCode.cancellation_unavailable,
        ),
    },
)
def cancel_appointment(
    appointment_id: Annotated[str, PathParam(max_length=64)],
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: VisitTokenHeader,
    remote: RemoteClinical,
    body: Annotated[CancelAppointmentRequest, Body()] = _EMPTY_CANCEL,
) -> Response:
    """Only the visit's own patient may cancel. With the hospital's system as the clinical
    source, its appointments are its own to cancel: 409 ``cancellation_unavailable``."""
    patient_id = visits.visit_patient(conn, kiosk_id, visit_token, now)
    if remote is not None:
        raise ApiError(
            409,
            ErrorCode.cancellation_unavailable,
            "Appointments are cancelled at a service window here.",
        )

    def action() -> tuple[int, Any]:
        result = cancellations.cancel_appointment(
            conn,
            kiosk_id=kiosk_id,
            patient_id=patient_id,
            appointment_id=appointment_id,
            now=now,
            base_url=base_url,
        )
        return 200, result.model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )


# --- bills and payments ---------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/bills",
    response_model=BillList,
    tags=["payments"],
    operation_id="listBills",
    summary="The patient's bills, item by item",
    responses=VISIT_ERRORS,
)
def bills(
    patient_id: Annotated[str, PathParam(max_length=64)],
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    visit_token: VisitTokenHeader,
    remote: RemoteClinical,
    status: Annotated[
        Literal["open", "all"],
        Query(description="open: unpaid and pending payment (default); all: paid ones too"),
    ] = "open",
) -> BillList:
    """Itemized bills (费用明细) with the insurance and self-pay shares; ``createPayment``
    pays the self-pay share of the ones chosen."""
    visits.require_visit(conn, kiosk_id, visit_token, patient_id, now)
    if remote is None:
        if queries.get_patient_row(conn, patient_id) is None:
            raise not_found("patient", patient_id)
        return BillList(bills=patient_bills(conn, patient_id, now, include_paid=status == "all"))
    return BillList(bills=_bills_at_the_hospital(remote, conn, patient_id, now, status == "all"))


def _bills_at_the_hospital(
    remote: RemoteClinicalSource,
    conn: Conn,
    patient_id: str,
    now: Now,
    include_paid: bool,
) -> list[Bill]:
    """The hospital's open invoices, kept locally for the payments that pay them; an invoice
    still open there that a payment here paid is settled there now and not shown as open."""
    invoices = remote.open_bills(patient_id)
    with write_transaction(conn):
        clinical_copies.keep_bills(conn, patient_id, invoices)
    open_there = {bill.id for bill in invoices}
    hospital_writes.run_due(conn, remote, now, refs=sorted(open_there))
    return [
        bill
        for bill in patient_bills(conn, patient_id, now, include_paid=include_paid)
        if bill.id in open_there or bill.status is BillStatus.paid
    ]


@router.post(
    "/payments",
    response_model=Payment,
    status_code=201,
    tags=["payments"],
    operation_id="createPayment",
    summary="Start paying bills (缴费): a QR code to scan",
    description=(
        "A QR payment of the bills' self-pay share; `qr_payload` is the payment page's URL and\n"
        f"the payment expires after {_PAYMENT_LIFETIME_MINUTES} minutes. The kiosk then asks\n"
        "`getPayment` until it is no longer pending, or charges a scanned payment code\n"
        "(`payByPaymentCode`)."
    ),
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error(
            "A bill is paid, held by another pending payment, or the fee of a registration "
            "that lapsed unpaid (details.bill_id, details.reason)",
            ErrorCode.bill_unavailable,
        ),
    },
)
def create_payment(
    body: PaymentRequest,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: VisitTokenHeader,
) -> Response:
    visits.require_visit(conn, kiosk_id, visit_token, body.patient_id, now)

    def action() -> tuple[int, Any]:
        payment = payments.create_payment(
            conn,
            kiosk_id=kiosk_id,
            patient_id=body.patient_id,
            bill_ids=list(body.bill_ids),
            now=now,
            base_url=base_url,
        )
        return 201, payment.model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )


def _own_payment(
    conn: Conn, payment_id: str, kiosk_id: str, visit_token: str | None, now: Now
) -> None:
    """404 unless this kiosk made the payment. A payment is its kiosk's: reading and
    cancelling it needs no visit (reconciliation after a crash has none); a visit token sent
    anyway must be this kiosk's live visit of the payment's patient."""
    row = payments.get_payment_row(conn, payment_id)
    if row is None or row["kiosk_id"] != kiosk_id:
        raise not_found("payment", payment_id)
    if visit_token:
        visits.require_visit(conn, kiosk_id, visit_token, row["patient_id"], now)


@router.get(
    "/payments/{payment_id}",
    response_model=Payment,
    tags=["payments"],
    operation_id="getPayment",
    summary="A payment and its status",
    responses=VISIT_ERRORS,
    description="The kiosk's own payment (another kiosk's is a 404): pending, paid (with the "
    "receipt and any pharmacy ticket), failed, expired or cancelled.",
)
def payment(
    payment_id: PaymentId,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    remote: RemoteClinical,
    visit_token: OptionalVisitTokenHeader = None,
) -> Payment:
    _own_payment(conn, payment_id, kiosk_id, visit_token, now)
    try:
        found = payments.payment_by_id(conn, payment_id, now, base_url, kiosk_id=kiosk_id)
    except KeyError:
        raise not_found("payment", payment_id) from None
    _settle_at_the_hospital(remote, conn, payment_id, now)
    return found


def _settle_at_the_hospital(
    remote: RemoteClinicalSource | None, conn: Conn, payment_id: str, now: Now
) -> None:
    """A paid payment's invoices are balanced at the hospital's system now, after the
    payment's own transaction, not only at the next round of ``hospital_writes``."""
    if remote is not None:
        hospital_writes.run_due(conn, remote, now, refs=payments.payment_bill_ids(conn, payment_id))


@router.post(
    "/payments/{payment_id}/cancel",
    response_model=Payment,
    tags=["payments"],
    operation_id="cancelPayment",
    summary="Cancel a pending payment",
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        409: documented_error("The payment is paid (details.payment)", ErrorCode.already_paid),
    },
)
def cancel_payment(
    payment_id: PaymentId,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: OptionalVisitTokenHeader = None,
) -> Response:
    """Pending → cancelled (its bills are free again, and the places of registrations whose
    fees it was paying). A payment already failed, expired or cancelled is returned
    unchanged; a paid one is a 409 ``already_paid``. Only the kiosk that made it may."""
    _own_payment(conn, payment_id, kiosk_id, visit_token, now)

    def action() -> tuple[int, Any]:
        try:
            status = payments.end_payment(conn, payment_id, now, PaymentStatus.cancelled)
        except KeyError:
            raise not_found("payment", payment_id) from None
        current = payments.payment_by_id(conn, payment_id, now, base_url, kiosk_id=kiosk_id)
        if status is PaymentStatus.paid:
            raise ApiError(
                409,
                ErrorCode.already_paid,
                "This payment is already paid.",
                details={"payment": current.model_dump(mode="json")},
            )
        return 200, current.model_dump(mode="json")

    return idempotent_response(request, conn, kiosk_id, idempotency_key, {}, now, action)


@router.post(
    "/payments/{payment_id}/payment-code",
    response_model=Payment,
    tags=["payments"],
    operation_id="payByPaymentCode",
    summary="Charge a pending payment with the payer's payment code (付款码)",
    description=(
        "Charge the pending payment with the payment code (付款码) the kiosk's scanner read.\n"
        "Simulated: 18 digits, WeChat 10–15…, Alipay 25–30…, UnionPay 62…; a code ending 0051\n"
        "is declined (status failed), one ending 0090 is held for the payer's confirmation\n"
        "(status pending, decided on the payment page), any other is charged (status paid).\n"
        "A payment no longer pending is returned unchanged."
    ),
    responses={
        **IDEMPOTENT_ERRORS,
        **VISIT_ERRORS,
        422: documented_error(
            "The request does not match the schema, its key was used for another request, or "
            "no known wallet issued the code",
            ErrorCode.validation_failed,
            ErrorCode.idempotency_conflict,
            ErrorCode.payment_code_invalid,
        ),
    },
)
def pay_by_payment_code(
    payment_id: PaymentId,
    body: PaymentCodeRequest,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    base_url: BaseUrl,
    idempotency_key: IdempotencyKeyHeader,
    visit_token: VisitTokenHeader,
    remote: RemoteClinical,
) -> Response:
    """Only the kiosk that made the payment, during the patient's live visit, may charge it."""
    row = payments.get_payment_row(conn, payment_id)
    if row is None or row["kiosk_id"] != kiosk_id:
        raise not_found("payment", payment_id)
    visits.require_visit(conn, kiosk_id, visit_token, row["patient_id"], now)

    def action() -> tuple[int, Any]:
        try:
            payments.charge_payment_code(conn, payment_id, body.code, now)
            current = payments.payment_by_id(conn, payment_id, now, base_url, kiosk_id=kiosk_id)
        except KeyError:
            raise not_found("payment", payment_id) from None
        return 200, current.model_dump(mode="json")

    answer = idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )
    _settle_at_the_hospital(remote, conn, payment_id, now)
    return answer


# --- feedback -------------------------------------------------------------------------------


@router.post(
    "/feedback",
    response_model=FeedbackAck,
    status_code=201,
    tags=["feedback"],
    operation_id="sendFeedback",
    summary="A patient's rating of the visit (满意度评价)",
    responses=IDEMPOTENT_ERRORS,
)
def feedback(
    body: FeedbackRequest,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """A rating from 1 to 5 with optional tags and comment; anonymous (no patient, no visit
    token), counted for the insight pages."""

    def action() -> tuple[int, Any]:
        cursor = conn.execute(
            "INSERT INTO feedback (kiosk_id, rating, tags_json, comment, context, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                kiosk_id,
                body.rating,
                json.dumps(list(body.tags), ensure_ascii=False),
                body.comment,
                body.context,
                to_db_time(now),
            ),
        )
        ack = FeedbackAck(id=f"fb-{cursor.fetchone()[0]}", received_at=now)
        return 201, ack.model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )


# --- prices and buildings -------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


@router.get(
    "/prices",
    response_model=PriceList,
    tags=["information"],
    operation_id="listPrices",
    summary="Search the price list (价格公示)",
)
def prices(
    kiosk_id: KioskId,
    conn: Conn,
    q: Annotated[
        str, Query(max_length=64, description="Part of the name, code or pinyin initials")
    ] = "",
    category: Annotated[ItemCategory | None, Query()] = None,
) -> PriceList:
    """Items and their prices, found by part of the name, the code or pinyin initials."""
    sql = "SELECT * FROM prices WHERE 1 = 1"
    params: list[str] = []
    text = q.strip()
    if "\x00" in text:  # no name holds a NUL (PostgreSQL cannot even compare one): none found
        return PriceList(items=[])
    if text:
        pattern = _like_pattern(text)
        sql += (
            " AND (lower(name) LIKE ? ESCAPE '\\' OR lower(name_en) LIKE ? ESCAPE '\\'"
            " OR lower(code) LIKE ? ESCAPE '\\' OR pinyin LIKE ? ESCAPE '\\')"
        )
        params += [pattern] * 4
    if category is not None:
        sql += " AND category = ?"
        params.append(category.value)
    rows = conn.execute(sql + " ORDER BY sort, code", params).fetchall()
    return PriceList(
        items=[
            PriceItem(
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                category=ItemCategory(row["category"]),
                unit=row["unit"],
                unit_en=row["unit_en"],
                price_cents=row["price_cents"],
                insurance_covered=bool(row["insurance_covered"]),
                pinyin=row["pinyin"],
            )
            for row in rows
        ]
    )


def _floor_key(floor: str) -> tuple[int, str]:
    digits = floor.lstrip("B-")
    if digits.isdigit():
        value = int(digits)
        return (-value if floor[:1] in ("B", "-") else value, floor)
    return (1_000, floor)


@router.get(
    "/buildings",
    response_model=BuildingList,
    tags=["information"],
    operation_id="listBuildings",
    summary="Buildings, floors and what is on them",
)
def buildings(kiosk_id: KioskId, conn: Conn) -> BuildingList:
    """Each building's floors (lowest first) with the departments and facilities on them."""
    order: dict[str, str] = {}  # building -> building_en, in the order first seen
    floors: dict[tuple[str, str], list[tuple[int, FloorPlace]]] = {}
    for dep in queries.list_departments(conn):
        loc = dep.location
        order.setdefault(loc.building, loc.building_en)
        summary = DepartmentSummary.model_validate(dep.model_dump(include=_SUMMARY))
        floors.setdefault((loc.building, loc.floor), []).append(
            (0, FloorPlace(name=dep.name, name_en=dep.name_en, room=loc.room, department=summary))
        )
    for row in conn.execute("SELECT * FROM facilities ORDER BY sort, id"):
        order.setdefault(row["building"], row["building_en"])
        floors.setdefault((row["building"], row["floor"]), []).append(
            (1, FloorPlace(name=row["name"], name_en=row["name_en"], room=row["room"]))
        )
    result = []
    for building, building_en in order.items():
        keys = sorted((key for key in floors if key[0] == building), key=lambda k: _floor_key(k[1]))
        result.append(
            Building(
                name=building,
                name_en=building_en,
                floors=[
                    Floor(
                        floor=floor,
                        places=[
                            place
                            for _, place in sorted(
                                floors[(building, floor)], key=lambda p: (p[0], p[1].room)
                            )
                        ],
                    )
                    for _, floor in keys
                ],
            )
        )
    return BuildingList(buildings=result)


_SUMMARY = {"id", "code", "name", "name_en", "hint", "hint_en"}
