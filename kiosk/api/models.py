"""The Kiosk API v1 models, shared by the reference server and the client.

Written once so the contract cannot drift: the server declares these as its request and
response models (they appear in ``/openapi.json``) and the client validates every response
into them.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.api import examples
from kiosk.api.payment_codes import Wallet

API_PREFIX = "/api/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The visit token from identify: patient-scoped calls carry it (see ``IdentifyResult``).
VISIT_TOKEN_HEADER = "X-Visit-Token"
MAX_IDENTIFIER_LENGTH = 128

ShortText = Annotated[str, Field(max_length=200)]


class ApiModel(BaseModel):
    """Base for every API model: immutable, and tolerant of fields added by newer servers."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class IdentifierKind(StrEnum):
    id_card = "id_card"
    insurance_card = "insurance_card"
    patient_card = "patient_card"
    health_qr = "health_qr"
    phone = "phone"
    # The national medical insurance e-voucher (医保电子凭证) QR shown by the patient's phone:
    # an opaque, short-lived token the server exchanges with the insurance platform.
    insurance_qr = "insurance_qr"


class IdentifyRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "id_card", "value": "11010519491231002X"}]},
    )

    kind: IdentifierKind
    value: Annotated[str, Field(min_length=1, max_length=MAX_IDENTIFIER_LENGTH)]


class Patient(ApiModel):
    """A patient as the kiosk may show them: the name and ID number are already masked."""

    id: str
    display_name: str
    masked_id_number: str = ""
    gender: str = ""
    age: int | None = None


class IdentifyResult(Patient):
    """``POST /patients/identify``: the patient, and the visit token that patient-scoped calls
    of this kiosk send in ``X-Visit-Token`` until the visit ends or ``visit_expires_at``."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.IDENTIFY_RESULT]})

    visit_token: str
    visit_expires_at: dt.datetime


# --- first visit: a record and a patient card (建档/办卡) -----------------------------------


class PhoneCodeRequest(ApiModel):
    """``POST /enrolment/phone-codes``: send a 6-digit code to this mobile number (simulated:
    the reference server writes it to its log instead of an SMS gateway)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [{"phone": "13800138000"}]}
    )

    phone: Annotated[str, Field(min_length=1, max_length=32)]


class PhoneCodeSent(ApiModel):
    """The code is on its way: it is good until ``expires_at`` for ``attempts`` tries; another
    may be asked for from ``resend_at``, ``resend_after_s`` from now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "masked_phone": "138****8000",
                    "expires_at": "2026-12-03T13:10:00Z",
                    "resend_at": "2026-12-03T13:06:00Z",
                    "resend_after_s": 60,
                    "attempts": 5,
                }
            ]
        }
    )

    masked_phone: str
    expires_at: dt.datetime
    resend_at: dt.datetime
    resend_after_s: int
    attempts: int


class NewPatientRequest(ApiModel):
    """``POST /patients``: a record for a patient whose ID card has none. Sex and birth date
    are the ID number's own (the server derives them); the name and address are the card's."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": "110105199003071234",
                    "name": "张三",
                    "address": "北京市朝阳区建国路1号",
                    "phone": "13800138000",
                    "phone_code": "123456",
                }
            ]
        },
    )

    id_number: Annotated[str, Field(min_length=1, max_length=32)]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    address: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(min_length=1, max_length=32)]
    phone_code: Annotated[str, Field(min_length=1, max_length=16)]


class PatientCreated(IdentifyResult):
    """The new patient (masked, with a visit token as identify gives) and the patient card
    number (就诊卡号) the kiosk prints and writes to the card it dispenses."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**examples.IDENTIFY_RESULT, "patient_card": "HC30000001"}]}
    )

    patient_card: str


class VisitEnded(ApiModel):
    """``DELETE /visits/current``: the visit is over (also when it was already)."""

    ended_at: dt.datetime


class Location(ApiModel):
    building: str
    building_en: str = ""
    floor: str
    room: str
    directions: str = ""
    directions_en: str = ""

    def describe(self, *, chinese: bool) -> str:
        """Where it is, as a patient reads it: "门诊楼 2楼 201室" or "Outpatient Building,
        floor 2, room 201" (a bare number gets its 楼/室; "B1" or "302诊室" stay as they are)."""
        if not chinese:
            return f"{self.building_en or self.building}, floor {self.floor}, room {self.room}"
        floor = f"{self.floor}楼" if self.floor.isdigit() else self.floor
        room = f"{self.room}室" if self.room.isdigit() else self.room
        return f"{self.building} {floor} {room}"


class DepartmentSummary(ApiModel):
    id: str
    code: str
    name: str
    name_en: str = ""
    hint: str = ""  # one line: what it treats ("发热、咳嗽、高血压")
    hint_en: str = ""


class Department(DepartmentSummary):
    description: str = ""
    description_en: str = ""
    location: Location


class DepartmentList(ApiModel):
    departments: list[Department]


class ClinicLevel(StrEnum):
    """号别: what kind of registration a doctor's sessions are (and roughly their fee)."""

    general = "general"  # 普通号
    specialist = "specialist"  # 专家号


class DoctorSummary(ApiModel):
    id: str
    name: str
    name_en: str = ""
    title: str
    title_en: str = ""
    clinic_level: ClinicLevel | None = None  # None from servers that do not say


class SessionPeriod(StrEnum):
    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"


class ScheduleSession(ApiModel):
    id: str
    period: SessionPeriod
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots_total: int
    slots_left: int
    fee_cents: int


class DoctorSchedule(ApiModel):
    doctor: DoctorSummary
    sessions: list[ScheduleSession]


class Schedule(ApiModel):
    department: DepartmentSummary
    date: dt.date
    doctors: list[DoctorSchedule]


class AppointmentStatus(StrEnum):
    booked = "booked"
    checked_in = "checked_in"
    cancelled = "cancelled"
    completed = "completed"


class TicketStatus(StrEnum):
    waiting = "waiting"
    called = "called"
    done = "done"
    cancelled = "cancelled"


class Ticket(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.TICKET]})

    number: str
    service_date: dt.date
    department: DepartmentSummary
    location: Location
    people_ahead: int
    estimated_wait_minutes: int
    status: TicketStatus
    status_url: str
    issued_at: dt.datetime
    patient_display_name: str = ""
    doctor: DoctorSummary | None = None
    appointment_at: dt.datetime | None = None  # when the visit the ticket is for starts


class Appointment(ApiModel):
    id: str
    patient_id: str
    department: DepartmentSummary
    doctor: DoctorSummary
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: Location
    check_in_opens_at: dt.datetime
    check_in_closes_at: dt.datetime
    status: AppointmentStatus
    ticket: Ticket | None = None


class AppointmentList(ApiModel):
    appointments: list[Appointment]


class CheckInRequest(ApiModel):
    """Body of a check-in; empty today, kept as an object so fields can be added. A client
    may leave the body out."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"examples": [{}]})


class CheckInResult(ApiModel):
    ticket: Ticket


class TicketPublicStatus(ApiModel):
    """What the QR code on a ticket shows a phone: no patient data at all."""

    number: str
    service_date: dt.date
    department: DepartmentSummary
    location: Location
    status: TicketStatus
    people_ahead: int
    estimated_wait_minutes: int


class DeviceCounterReading(ApiModel):
    """One of a device's counters (``printed``, ``cut``, ``paper_near_end``, ``failed``,
    ``reads``, ``rejected``): today (the kiosk's local date) and since it was first started."""

    name: ShortText
    today: Annotated[int, Field(ge=0)]
    total: Annotated[int, Field(ge=0)]


class DeviceState(ApiModel):
    """A device as the technician's card shows it. ``light`` is ``ok``, ``warning``,
    ``fault`` or ``unknown`` (empty from kiosks older than the device cards)."""

    name: str
    kind: str
    state: str
    detail: str = ""
    light: Annotated[str, Field(max_length=16)] = ""
    since: dt.datetime | None = None
    last_error: Annotated[str, Field(max_length=500)] = ""
    counters: Annotated[list[DeviceCounterReading], Field(max_length=16)] = []


_HEARTBEAT_EXAMPLE: dict[str, Any] = {
    "version": "0.1.0",
    "uptime_s": 3600.0,
    "devices": [
        {
            "name": "printer",
            "kind": "network",
            "state": "near_end",
            "detail": "the paper roll is nearly used up",
            "light": "warning",
            "since": "2026-03-02T09:12:00+08:00",
            "last_error": "",
            "counters": [
                {"name": "printed", "today": 112, "total": 20480},
                {"name": "paper_near_end", "today": 1, "total": 37},
            ],
        }
    ],
    "last_error": "",
}


class HeartbeatRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [_HEARTBEAT_EXAMPLE]}
    )

    version: ShortText
    uptime_s: Annotated[float, Field(ge=0)]
    devices: Annotated[list[DeviceState], Field(max_length=32)] = []
    last_error: Annotated[str, Field(max_length=2000)] = ""


class HeartbeatAck(ApiModel):
    kiosk_id: str
    received_at: dt.datetime
    server_time: dt.datetime
    # Set while an admin waits for this kiosk's diagnostics bundle (the fleet page's button):
    # the kiosk makes it and sends it with ``uploadDiagnosticsBundle`` under this id.
    diagnostics_request_id: str | None = None


# --- diagnostics bundles (asked for on the fleet page; no patient data) ----------------------

MAX_DIAGNOSTICS_BUNDLE_BYTES = 2 * 1024 * 1024  # the zip itself; the kiosk trims its logs to fit
DIAGNOSTICS_REQUEST_ID_PATTERN = r"^diag-[0-9a-f]{32}$"
# Base64 of the largest bundle, as the upload's JSON carries it.
MAX_DIAGNOSTICS_BUNDLE_BASE64 = 4 * -(-MAX_DIAGNOSTICS_BUNDLE_BYTES // 3)

_BUNDLE_REQUEST_ID = "diag-5f0c2a6e9b7d4c1e8a3f6b2d7c9e1a40"


class DiagnosticsBundleUpload(ApiModel):
    """``POST /kiosks/{id}/diagnostics-bundle``: the zip the fleet page asked for, in base64.
    It holds the configuration without secrets, device states and counters, system facts,
    crash summaries and the last log lines (masked), never patient data."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"request_id": _BUNDLE_REQUEST_ID, "content_base64": "UEsFBgAAAAAAAA=="}]
        },
    )

    request_id: Annotated[str, Field(pattern=DIAGNOSTICS_REQUEST_ID_PATTERN)]
    # At most ``MAX_DIAGNOSTICS_BUNDLE_BYTES`` once decoded: a larger bundle is answered 413.
    content_base64: Annotated[str, Field(min_length=4)]


class DiagnosticsBundleStatus(ApiModel):
    """A kiosk's latest diagnostics request: asked for, and received (when, how large)."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "request_id": _BUNDLE_REQUEST_ID,
                    "kiosk_id": "lobby-east-1",
                    "requested_at": "2026-12-03T09:12:00+08:00",
                    "requested_by": "admin session from 10.0.8.21",
                    "received_at": "2026-12-03T09:12:31+08:00",
                    "size_bytes": 48213,
                    "sha256": "3b7e1c0f9a2d4e6b8c5f7a1d2e3b4c6d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b",
                }
            ]
        },
    )

    request_id: str
    kiosk_id: str
    requested_at: dt.datetime
    requested_by: str = ""
    received_at: dt.datetime | None = None  # None: the kiosk has not sent it yet
    size_bytes: int | None = None
    sha256: str = ""


# --- kiosk usage events (for the insight pages; no patient data) -----------------------------

MAX_USAGE_EVENTS_PER_BATCH = 500
MAX_USAGE_DETAIL_BYTES = 1024  # a detail's JSON text, UTF-8


class UsageEventKind(StrEnum):
    """What happened at a kiosk; each kind's ``detail`` keys are in ``docs/api.md``."""

    visit_started = "visit_started"
    service_chosen = "service_chosen"
    step_reached = "step_reached"
    visit_finished = "visit_finished"
    visit_abandoned = "visit_abandoned"
    ticket_printed = "ticket_printed"
    ticket_failed = "ticket_failed"
    payment = "payment"
    staff_called = "staff_called"


_USAGE_EVENTS_EXAMPLE: dict[str, Any] = {
    "events": [
        {
            "event_id": "5f0c2a6e9b7d4c1e8a3f6b2d7c9e1a40",
            "visit_id": "c3b1e0f4a2d84e6b9f7a5c1d3e2b4a60",
            "at": "2026-12-03T09:12:04.512+08:00",
            "kind": "visit_started",
            "detail": {"how": "id_card"},
        },
        {
            "event_id": "5f0c2a6e9b7d4c1e8a3f6b2d7c9e1a41",
            "visit_id": "c3b1e0f4a2d84e6b9f7a5c1d3e2b4a60",
            "at": "2026-12-03T09:12:31.087+08:00",
            "kind": "ticket_printed",
            "detail": {"service": "checkin", "seconds_to_ticket": 26.6},
        },
    ]
}


class UsageEvent(ApiModel):
    """One thing that happened at the kiosk; ``event_id`` is unique per kiosk (a resent
    event is stored once) and ``visit_id`` the same on every event of one visit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
    visit_id: Annotated[str, Field(max_length=64, pattern=r"^[!-~]*$")] = ""
    at: Annotated[dt.datetime, Field(description="ISO 8601 with its UTC offset (kiosk clock)")]
    kind: UsageEventKind
    detail: Annotated[
        dict[str, Any],
        Field(description=f"A JSON object, at most {MAX_USAGE_DETAIL_BYTES} bytes as JSON"),
    ] = {}

    @field_validator("at")
    @classmethod
    def _with_offset(cls, at: dt.datetime) -> dt.datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("must carry its UTC offset (e.g. +08:00)")
        return at

    @field_validator("detail")
    @classmethod
    def _small_detail(cls, detail: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(detail, ensure_ascii=False).encode("utf-8"))
        if size > MAX_USAGE_DETAIL_BYTES:
            raise ValueError(f"is {size} bytes as JSON, at most {MAX_USAGE_DETAIL_BYTES}")
        return detail


class UsageEventBatch(ApiModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [_USAGE_EVENTS_EXAMPLE]}
    )

    events: Annotated[list[UsageEvent], Field(min_length=1, max_length=MAX_USAGE_EVENTS_PER_BATCH)]


class UsageEventsAck(ApiModel):
    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [{"received": 2, "stored": 2, "received_at": "2026-12-03T01:12:35.204981Z"}]
        },
    )

    received: int = Field(description="Events in the batch")
    stored: int = Field(description="Events new to the server (the rest were sent before)")
    received_at: dt.datetime


# --- same-day registration -------------------------------------------------------------------


class RegistrationStatus(StrEnum):
    pending_payment = "pending_payment"
    confirmed = "confirmed"
    cancelled = "cancelled"


class RegistrationRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"patient_id": "pat-0001", "session_id": "ses-20250310-doc-002-a"}]
        },
    )

    patient_id: Annotated[str, Field(min_length=1, max_length=64)]
    session_id: Annotated[str, Field(min_length=1, max_length=64)]


class Registration(ApiModel):
    id: str
    status: RegistrationStatus
    patient_id: str
    department: DepartmentSummary
    doctor: DoctorSummary
    session: ScheduleSession
    fee_cents: int
    bill_id: str | None = None  # the registration-fee bill, when a fee is due
    ticket: Ticket | None = None  # once confirmed
    created_at: dt.datetime | None = None
    # Booked ahead (预约: a session on a later day), once confirmed: the appointment the
    # patient checks in for on the day; such a registration has no ticket yet.
    appointment: Appointment | None = None


class RegistrationResult(ApiModel):
    registration: Registration


class CancelAppointmentRequest(ApiModel):
    """Body of a cancellation; empty today, kept as an object so fields can be added. A
    client may leave the body out."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"examples": [{}]})


class Refund(ApiModel):
    """A registration fee given back (退费) when its appointment is cancelled: simulated by
    the reference server, recorded with the payment that paid it."""

    id: str
    amount_cents: int
    payment_id: str
    receipt_number: str = ""  # of the payment that paid the fee
    # Where the money goes back: the wallet whose payment code paid; None when it was paid
    # through the QR code's page (back to the account that paid there).
    wallet: Wallet | None = None
    refunded_at: dt.datetime


class CancellationResult(ApiModel):
    """A cancelled appointment (取消预约/退号): its place is free again; ``refund`` when a
    paid registration fee went back (None for a free one or one booked elsewhere)."""

    appointment: Appointment
    refund: Refund | None = None


class SessionSuggestion(ApiModel):
    """In ``details.suggestions`` of a 409 session_full: a later session with free slots."""

    session: ScheduleSession
    doctor: DoctorSummary


# --- bills and payments ---------------------------------------------------------------------


class ItemCategory(StrEnum):
    registration = "registration"
    consultation = "consultation"
    lab = "lab"
    imaging = "imaging"
    drug = "drug"
    treatment = "treatment"
    material = "material"


class BillStatus(StrEnum):
    unpaid = "unpaid"
    paid = "paid"
    pending_payment = "pending_payment"  # locked by a payment that is pending and not expired


class BillItem(ApiModel):
    name: str
    name_en: str = ""
    category: ItemCategory
    quantity: float
    unit: str = ""
    unit_en: str = ""
    unit_price_cents: int
    amount_cents: int


class Bill(ApiModel):
    id: str
    created_at: dt.datetime
    department: DepartmentSummary
    title: str
    title_en: str = ""
    status: BillStatus
    items: list[BillItem]
    total_cents: int
    # What the insurance settlement pays: ``insurance_fund_cents`` (统筹支付, the pooled fund)
    # plus ``personal_account_cents`` (个人账户支付); ``self_pay_cents`` (个人自付) is what the
    # patient pays at the kiosk. Unpaid bills show the server's pre-settlement (预结算); paid
    # and held ones the settlement their payment fixed.
    insurance_cents: int
    self_pay_cents: int
    insurance_fund_cents: int = 0
    personal_account_cents: int = 0


class BillList(ApiModel):
    bills: list[Bill]


class PaymentRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"examples": [{"patient_id": "pat-0001", "bill_ids": ["bill-0001"]}]},
    )

    patient_id: Annotated[str, Field(min_length=1, max_length=64)]
    bill_ids: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=20)
    ]


class PaymentCodeRequest(ApiModel):
    """The payment code (付款码) the kiosk's scanner read from the patient's phone.

    ``kiosk.api.payment_codes`` says which codes are valid and how the reference server
    simulates the charge.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"examples": [{"code": "134567890123456789"}]},
    )

    code: Annotated[str, Field(pattern=r"^[0-9]{18}$")]


class PaymentStatus(StrEnum):
    pending = "pending"
    paid = "paid"
    failed = "failed"
    expired = "expired"
    cancelled = "cancelled"


class Receipt(ApiModel):
    receipt_number: str
    paid_at: dt.datetime
    items: list[BillItem]
    total_cents: int
    insurance_cents: int  # insurance_fund_cents + personal_account_cents
    self_pay_cents: int
    insurance_fund_cents: int = 0  # 统筹支付
    personal_account_cents: int = 0  # 个人账户支付
    # The wallet whose payment code paid it; None when it was paid through the QR code's page.
    wallet: Wallet | None = None
    # The electronic receipt (电子票据): a printable page on the server, in Chinese and English,
    # that the kiosk shows and prints as a QR code.
    receipt_url: str = ""


class ReceiptRecord(ApiModel):
    """A past paid payment's receipt (票据补打): what the list shows and a reprint prints."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.RECEIPT_RECORD]})

    payment_id: str
    receipt: Receipt
    # Copies reprinted at kiosks so far, and how many more are free under the server's
    # reprint policy; after that the patient asks at the cashier window.
    reprints: int = 0
    reprints_left: int = 0


class ReceiptList(ApiModel):
    """The patient's paid payments of the last ``days`` days, newest first."""

    receipts: list[ReceiptRecord]
    days: int


class ReceiptReprint(ReceiptRecord):
    """A counted reprint: the receipt to print with its copy mark (补打) and time."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.RECEIPT_REPRINT]})

    reprint_number: int  # 1 for the first reprint of this receipt
    reprinted_at: dt.datetime


class PharmacyTicket(ApiModel):
    """Where to collect the paid drugs: a number called at a pharmacy window."""

    number: str
    window: str
    window_en: str = ""
    location: str = ""
    location_en: str = ""
    items: list[BillItem]
    issued_at: dt.datetime | None = None


class Directions(ApiModel):
    """Where to go for what was paid besides the pharmacy: the blood-draw room for lab tests."""

    category: ItemCategory
    place: str
    place_en: str = ""
    location: Location


class Payment(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PAYMENT]})

    id: str
    status: PaymentStatus
    patient_id: str = ""
    amount_cents: int  # the self-pay share of the bills
    bill_ids: list[str]
    qr_payload: str  # what the kiosk shows as a QR code: the payment page's URL
    pay_url: str = ""  # the payment page: /pay/<its own unguessable token>, not the id
    created_at: dt.datetime
    expires_at: dt.datetime
    receipt: Receipt | None = None
    pharmacy_tickets: list[PharmacyTicket] = []
    registration_tickets: list[Ticket] = []
    directions: list[Directions] = []
    # The appointments booked ahead whose fees this payment paid (checked in on their day).
    booked_appointments: list[Appointment] = []


# --- reports --------------------------------------------------------------------------------


class ReportKind(StrEnum):
    lab = "lab"  # 检验: blood, urine...
    imaging = "imaging"  # 检查: X-ray, CT, ultrasound...


class ReportStatus(StrEnum):
    ready = "ready"
    pending = "pending"  # not out yet: ``expected_at`` says when


class Report(ApiModel):
    """A lab or imaging report (报告); its PDF is ``getReportPdf`` once it is ready."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.REPORT]})

    id: str
    kind: ReportKind
    status: ReportStatus
    title: str
    title_en: str = ""
    department: DepartmentSummary
    ordered_at: dt.datetime
    ready_at: dt.datetime | None = None
    expected_at: dt.datetime | None = None
    # Copies printed at kiosks so far, and how many more a kiosk may print (the server's
    # reprint policy); after that the patient asks at the window.
    prints: int = 0
    prints_left: int = 0


class ReportList(ApiModel):
    reports: list[Report]


class ReportPrinted(ApiModel):
    """The kiosk saw CUPS complete the report's print job."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [{"pages": 2}]}
    )

    pages: Annotated[int, Field(ge=1, le=200)]


# --- feedback, prices, buildings ------------------------------------------------------------

FeedbackTag = Annotated[str, Field(min_length=1, max_length=32)]


class FeedbackRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"rating": 5, "tags": ["fast"], "comment": "", "context": "checkin"}]
        },
    )

    rating: Annotated[int, Field(ge=1, le=5)]
    tags: Annotated[list[FeedbackTag], Field(max_length=8)] = []
    comment: Annotated[str, Field(max_length=500)] = ""
    context: Annotated[str, Field(max_length=32)] = ""  # the service rated: "checkin"...


class FeedbackAck(ApiModel):
    id: str
    received_at: dt.datetime


class PriceItem(ApiModel):
    code: str
    name: str
    name_en: str = ""
    category: ItemCategory
    unit: str = ""
    unit_en: str = ""
    price_cents: int
    insurance_covered: bool
    pinyin: str = ""  # initials of the Chinese name, lower case: "amxljn" for 阿莫西林胶囊


class PriceList(ApiModel):
    items: list[PriceItem]


class FloorPlace(ApiModel):
    """A department or a facility (pharmacy, cashier...) on one floor."""

    name: str
    name_en: str = ""
    room: str = ""
    department: DepartmentSummary | None = None  # None for a facility


class Floor(ApiModel):
    floor: str
    places: list[FloorPlace]


class Building(ApiModel):
    name: str
    name_en: str = ""
    floors: list[Floor]  # lowest first


class BuildingList(ApiModel):
    buildings: list[Building]


class ErrorCode(StrEnum):
    """Machine-readable reasons; the kiosk maps each to a patient message."""

    bad_request = "bad_request"
    validation_failed = "validation_failed"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    patient_not_found = "patient_not_found"
    too_early = "too_early"
    too_late = "too_late"
    already_checked_in = "already_checked_in"
    cancelled = "cancelled"
    idempotency_conflict = "idempotency_conflict"
    payload_too_large = "payload_too_large"
    unsupported_media_type = "unsupported_media_type"
    method_not_allowed = "method_not_allowed"
    internal_error = "internal_error"
    session_full = "session_full"
    session_over = "session_over"
    already_registered = "already_registered"
    bill_unavailable = "bill_unavailable"
    already_paid = "already_paid"
    payment_code_invalid = "payment_code_invalid"  # 422: not a code of a known wallet
    too_many_pending_registrations = "too_many_pending_registrations"  # 429, Retry-After
    visit_token_required = "visit_token_required"  # 403: missing, unknown, ended or expired
    wrong_patient = "wrong_patient"  # 403: the visit token is another patient's
    too_many_identifications = "too_many_identifications"  # 429, Retry-After
    queue_empty = "queue_empty"  # 409: call-next with nobody waiting
    stale_action = "stale_action"  # 409: the entry is no longer in a state that allows it
    recall_limit = "recall_limit"  # 409: recalled as often as the rules allow
    not_your_queue = "not_your_queue"  # 403: the station does not call this queue
    bad_credentials = "bad_credentials"  # 401: unknown station or wrong password
    speech_unavailable = "speech_unavailable"  # 503: no espeak-ng; the call is shown, not spoken
    database_unavailable = "database_unavailable"  # 503, Retry-After: retry with the same key
    report_not_ready = "report_not_ready"  # 409: the report is pending (details.expected_at)
    print_limit_reached = "print_limit_reached"  # 409: no kiosk copy left (reprint policy)
    # 422: a medical insurance e-voucher QR the insurance platform does not know (or not one)
    insurance_voucher_invalid = "insurance_voucher_invalid"
    # 422: the e-voucher QR has expired: the patient refreshes it in the app
    insurance_voucher_expired = "insurance_voucher_expired"
    # 409: this server cannot cancel the appointment itself (one the hospital's system holds):
    # the patient cancels at a service window.
    cancellation_unavailable = "cancellation_unavailable"
    invalid_id_number = "invalid_id_number"  # 422: not a resident ID (format, date, checksum)
    invalid_phone = "invalid_phone"  # 422: not a mainland mobile number
    patient_exists = "patient_exists"  # 409: the ID number has a record already
    phone_code_wrong = "phone_code_wrong"  # 422: details.attempts_left
    phone_code_expired = "phone_code_expired"  # 422: none sent, expired, used or tried out
    phone_code_cooldown = "phone_code_cooldown"  # 429, Retry-After: a code was just sent
    enrolment_unavailable = "enrolment_unavailable"  # 409: records are made at the hospital
    # 409: the receipt was reprinted as often as the policy allows: the cashier window prints
    reprint_limit_reached = "reprint_limit_reached"


class ErrorDetail(ApiModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(ApiModel):
    """Every 4xx/5xx answer. ``ticket`` is set on 409 already_checked_in."""

    error: ErrorDetail
    ticket: Ticket | None = None


class HealthStatus(ApiModel):
    """``GET /api/v1/health``: public liveness probe."""

    status: str
    time: dt.datetime


class KioskStatus(ApiModel):
    """One kiosk as the fleet view at ``/admin/kiosks`` shows it."""

    kiosk_id: str
    online: bool = False
    last_heartbeat_at: dt.datetime | None = None
    version: str = ""
    uptime_s: float | None = None
    devices: list[DeviceState] = []
    last_error: str = ""
    warnings: list[str] = []  # what IT should act on: silent kiosk, paper low or out...
    identify_rate_limited: int = 0  # identifications refused by the rate limit, last hour
    diagnostics: DiagnosticsBundleStatus | None = None  # the latest bundle asked for


class KioskFleet(ApiModel):
    """``GET /admin/kiosks?format=json``."""

    server_time: dt.datetime
    online_after_s: int
    kiosks: list[KioskStatus]


# --- calling staff to a kiosk ----------------------------------------------------------------


class StaffCallStatus(StrEnum):
    open = "open"  # staff have not answered yet: the fleet page rings
    acknowledged = "acknowledged"  # a staff member is on the way
    cancelled = "cancelled"  # the patient no longer needs help


# A screen's objectName (``payment_qr``): says where the patient is stuck, nothing about them.
SCREEN_NAME_PATTERN = r"^[a-z][a-z0-9_.-]{0,63}$"


class StaffCallRequest(ApiModel):
    """``POST /staff-calls``: a patient at this kiosk asks for a person. Holds no patient data:
    the kiosk is known from its token, the time from the server's clock."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [{"screen": "payment.qr"}]}
    )

    screen: Annotated[str, Field(pattern=SCREEN_NAME_PATTERN)]


class StaffCall(ApiModel):
    id: str
    kiosk_id: str
    location: str = ""  # where the kiosk stands, when the server knows it
    screen: str
    status: StaffCallStatus
    called_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None


class StaffCallList(ApiModel):
    """``GET /admin/staff-calls``: the open calls, oldest first."""

    server_time: dt.datetime
    calls: list[StaffCall]


# --- electronic queueing (电子排队) ------------------------------------------------------------


class QueueKind(StrEnum):
    room = "room"  # a consulting room (诊室)
    lab = "lab"  # blood draw / samples (采血处)
    pharmacy = "pharmacy"  # a pharmacy window (药房窗口)
    cashier = "cashier"  # a cashier window (收费窗口)


class EntryState(StrEnum):
    """Where a ticket stands in its queue; derived from the queue's event log."""

    waiting = "waiting"
    called = "called"  # announced; the patient is on the way
    serving = "serving"  # with the doctor (开始就诊)
    done = "done"
    no_show = "no_show"  # missed the call too often (过号)
    transferred = "transferred"  # moved to another queue (the entry there carries on)
    cancelled = "cancelled"


class Priority(StrEnum):
    """Called before normal entries, one priority per ``priority_every`` normal calls."""

    none = "none"
    elderly = "elderly"  # from the resident ID's birth date, at the configured age
    disabled = "disabled"  # set by staff
    military = "military"  # set by staff


class QueueEventKind(StrEnum):
    issued = "issued"
    called = "called"
    recalled = "recalled"
    serving = "serving"
    done = "done"
    no_show = "no_show"
    requeued = "requeued"  # a missed call put back a few places
    transferred = "transferred"
    cancelled = "cancelled"
    priority_set = "priority_set"


class WaitingArea(ApiModel):
    id: str
    name: str
    name_en: str = ""


class QueueSummary(ApiModel):
    id: str
    kind: QueueKind
    name: str  # "内科 201诊室"
    name_en: str = ""
    room: str  # what the call says: "201诊室", "2号窗口"
    room_en: str = ""
    area: WaitingArea
    location: Location
    department: DepartmentSummary | None = None
    waiting: int  # entries still to be called
    minutes_per_patient: float  # the rolling median of recent service times, or the default


class QueueList(ApiModel):
    queues: list[QueueSummary]


class QueueEntry(ApiModel):
    """A ticket in one queue, as staff see it (the name masked)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.QUEUE_ENTRY]})

    id: int
    queue_id: str
    number: str
    service_date: dt.date
    display_name: str = ""  # masked: "王*英"
    priority: Priority = Priority.none
    state: EntryState
    recalls: int = 0  # 重呼 so far for the current call
    misses: int = 0  # 过号 so far
    people_ahead: int = 0  # entries that will be called before this one (waiting only)
    estimated_wait_minutes: int = 0
    issued_at: dt.datetime
    entered_at: dt.datetime  # joined this queue (after a transfer: the transfer)
    called_at: dt.datetime | None = None
    station_id: str | None = None  # the station that called it
    transferred_from: str | None = None  # the queue it came from (回诊)


class QueueView(ApiModel):
    """``GET /queues/{id}``: what a calling station shows."""

    queue: QueueSummary
    current: list[QueueEntry]  # called or serving, latest first
    waiting: list[QueueEntry]  # in the order they will be called
    finished: list[QueueEntry]  # the last done / no-show / cancelled / transferred, latest first
    version: int  # the id of the last event of this queue; grows with every change
    server_time: dt.datetime


class QueueEvent(ApiModel):
    id: int
    at: dt.datetime
    queue_id: str
    entry_id: int
    number: str
    kind: QueueEventKind
    actor: str  # a station id, "kiosk:<id>", "system" or "simulation"
    detail: dict[str, Any] = {}


class QueueEventList(ApiModel):
    events: list[QueueEvent]


class TransferRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [{"to_queue": "q-lab"}]}
    )

    to_queue: Annotated[str, Field(min_length=1, max_length=64)]


class PriorityRequest(ApiModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [{"priority": "disabled"}]}
    )

    priority: Priority


class StationLogin(ApiModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"examples": [{"station": "dep-a", "password": "demo"}]},
    )

    station: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class Station(ApiModel):
    id: str
    name: str
    queues: list[str]  # the queues this station calls, first is its own


class StationSession(ApiModel):
    """``POST /stations/session``: a bearer token for this station's calls."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.STATION_SESSION]})

    token: str
    expires_at: dt.datetime
    station: Station


class BoardCall(ApiModel):
    """One call on the waiting-room display."""

    call_id: int  # the event id: also names the announcement audio
    number: str
    display_name: str = ""
    queue_id: str
    room: str
    room_en: str = ""
    called_at: dt.datetime
    recall: bool = False
    announcement_url: str  # WAV: chime, then the call in Chinese and English, twice


class BoardQueue(ApiModel):
    queue_id: str
    name: str
    name_en: str = ""
    room: str
    room_en: str = ""
    serving: str | None = None  # the number called or served last
    next_numbers: list[str]  # the next few, in call order
    waiting: int


class DisplayBoard(ApiModel):
    """``GET /areas/{id}/board``: everything a waiting-room TV shows."""

    area: WaitingArea
    now_calling: list[BoardCall]  # entries called and not yet seen, newest call first (max 4)
    recent_calls: list[BoardCall]  # the last 10 calls, newest first
    queues: list[BoardQueue]
    version: int
    server_time: dt.datetime


class TrackStatus(ApiModel):
    """``GET /track/{token}``: the phone page of one ticket. No name, no ID."""

    number: str
    service_date: dt.date
    state: EntryState
    queue_id: str
    queue_name: str
    queue_name_en: str = ""
    room: str
    room_en: str = ""
    location: Location
    department: DepartmentSummary | None = None
    people_ahead: int
    estimated_wait_minutes: int
    called_at: dt.datetime | None = None
    misses: int = 0
    version: int
    server_time: dt.datetime
