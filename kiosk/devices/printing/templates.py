"""The tickets the kiosk prints: check-in, registration, receipt, pharmacy pickup, test page.

Each template takes plain data (API models or the small dataclasses below) and returns a
:class:`~kiosk.devices.printing.layout.TicketLayout` in the patient's language. Templates
mask patient names again so nothing unmasked can reach the paper.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.api.models import Appointment, Location, Ticket
from kiosk.api.money import FULL_WIDTH_YUAN_SIGN, format_money
from kiosk.devices.printing.layout import (
    Align,
    BigNumber,
    Cut,
    Element,
    Emphasis,
    Field,
    Language,
    Note,
    Qr,
    Row,
    Separator,
    Text,
    TicketLayout,
    Title,
)
from kiosk.identity import mask_name


def _money(cents: int, language: Language) -> str:
    # English tickets spell the currency out; amounts print without thousands separators.
    symbol = FULL_WIDTH_YUAN_SIGN if language == "zh_CN" else "CNY "
    return format_money(cents, symbol=symbol, grouped=False)


def _location_text(location: Location, language: Language) -> str:
    return location.describe(chinese=language == "zh_CN")


def _time_text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _t(language: Language, zh: str, en: str) -> str:
    return zh if language == "zh_CN" else en


def checkin_ticket(ticket: Ticket, *, hospital_name: str, language: Language) -> TicketLayout:
    """The queue ticket a patient takes away after checking in: the number, then where to go
    printed large, then the department, doctor and appointment time."""
    zh = language == "zh_CN"
    department = (
        ticket.department.name if zh else (ticket.department.name_en or ticket.department.name)
    )
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "门诊签到凭条", "Check-in ticket"), Align.center),
        Separator(),
        Text(_t(language, "排队号", "Queue number"), Align.center),
        BigNumber(ticket.number),
        Text(_t(language, "请前往", "Please go to"), Align.center),
        Emphasis(_location_text(ticket.location, language)),
    ]
    directions = ticket.location.directions if zh else ticket.location.directions_en
    if directions:
        elements.append(Text(directions, Align.center))  # how to get there, under where
    elements += [
        Separator(),
        Field(_t(language, "科室", "Department"), department),
    ]
    if ticket.doctor is not None:
        doctor = ticket.doctor
        name = doctor.name if zh else (doctor.name_en or doctor.name)
        title = doctor.title if zh else (doctor.title_en or doctor.title)
        elements.append(Field(_t(language, "医生", "Doctor"), f"{name} {title}".strip()))
    if ticket.appointment_at is not None:  # its date is the visit's date
        elements.append(
            Field(_t(language, "预约时间", "Appointment"), _time_text(ticket.appointment_at))
        )
    else:
        elements.append(Field(_t(language, "就诊日期", "Date"), ticket.service_date.isoformat()))
    if ticket.patient_display_name:
        elements.append(
            Field(_t(language, "患者", "Patient"), mask_name(ticket.patient_display_name))
        )
    elements += [
        Field(
            _t(language, "前面还有", "People ahead"),
            f"{ticket.people_ahead}" + _t(language, " 人", ""),
        ),
        Field(
            _t(language, "预计等待", "Estimated wait"),
            _t(
                language,
                f"约 {ticket.estimated_wait_minutes} 分钟",
                f"about {ticket.estimated_wait_minutes} min",
            ),
        ),
        Field(_t(language, "签到时间", "Checked in"), _time_text(ticket.issued_at)),
        Separator(),
        Qr(ticket.status_url),
        Text(_t(language, "扫码查看排队进度", "Scan to follow the queue"), Align.center),
        Note(
            _t(
                language,
                "请留意叫号；过号请到服务台重新排队。",
                "Please listen for your number; if you miss it, ask at the service desk.",
            )
        ),
        Cut(),
    ]
    return TicketLayout(tuple(elements), "checkin")


@dataclass(frozen=True)
class RegistrationSlip:
    """A same-day registration, as the registration service hands it to the printer."""

    registration_id: str
    patient_display_name: str
    department_name: str
    doctor_name: str
    doctor_title: str
    session_text: str
    fee_cents: int
    paid: bool
    issued_at: dt.datetime
    ticket: Ticket | None = None


def registration_slip(
    slip: RegistrationSlip, *, hospital_name: str, language: Language
) -> TicketLayout:
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "挂号凭条", "Registration slip"), Align.center),
        Separator(),
    ]
    if slip.ticket is not None:
        elements += [
            Text(_t(language, "排队号", "Queue number"), Align.center),
            BigNumber(slip.ticket.number),
            Separator(),
        ]
    status = _t(language, "已缴费", "paid") if slip.paid else _t(language, "待缴费", "to pay")
    elements += [
        Field(_t(language, "挂号单号", "Registration"), slip.registration_id),
        Field(_t(language, "患者", "Patient"), mask_name(slip.patient_display_name)),
        Field(_t(language, "科室", "Department"), slip.department_name),
        Field(_t(language, "医生", "Doctor"), f"{slip.doctor_name} {slip.doctor_title}".strip()),
        Field(_t(language, "时段", "Session"), slip.session_text),
        Row(_t(language, "挂号费", "Fee"), _money(slip.fee_cents, language)),
        Field(_t(language, "状态", "Status"), status),
        Field(_t(language, "时间", "Issued"), _time_text(slip.issued_at)),
    ]
    if slip.ticket is not None:
        elements += [
            Field(_t(language, "位置", "Location"), _location_text(slip.ticket.location, language)),
            Separator(),
            Qr(slip.ticket.status_url),
            Text(_t(language, "扫码查看排队进度", "Scan to follow the queue"), Align.center),
        ]
    elif not slip.paid:
        elements.append(
            Note(_t(language, "请先缴费，缴费后凭此单就诊。", "Please pay before your visit."))
        )
    elements.append(Cut())
    return TicketLayout(tuple(elements), "registration")


def booking_slip(
    appointment: Appointment,
    *,
    patient_display_name: str,
    hospital_name: str,
    language: Language,
) -> TicketLayout:
    """The confirmation of an appointment booked ahead (预约凭条): when and where, and when
    to come and check in on the day (no queue number yet: that comes with the check-in)."""
    zh = language == "zh_CN"
    department = appointment.department
    doctor = appointment.doctor
    starts, ends = appointment.starts_at, appointment.ends_at
    opens, closes = appointment.check_in_opens_at, appointment.check_in_closes_at
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "预约挂号凭条", "Appointment confirmation"), Align.center),
        Separator(),
        Text(_t(language, "就诊时间", "Your appointment"), Align.center),
        Emphasis(f"{starts:%Y-%m-%d} {starts:%H:%M}-{ends:%H:%M}"),
        Text(_t(language, "就诊地点", "Where"), Align.center),
        Emphasis(_location_text(appointment.location, language)),
        Separator(),
        Field(
            _t(language, "科室", "Department"),
            department.name if zh else (department.name_en or department.name),
        ),
        Field(
            _t(language, "医生", "Doctor"),
            f"{doctor.name if zh else (doctor.name_en or doctor.name)} "
            f"{doctor.title if zh else (doctor.title_en or doctor.title)}".strip(),
        ),
        Field(_t(language, "患者", "Patient"), mask_name(patient_display_name)),
        Field(_t(language, "预约号", "Booking"), appointment.id),
        Separator(),
        Field(
            _t(language, "签到时间", "Check in"),
            f"{opens:%Y-%m-%d} {opens:%H:%M}-{closes:%H:%M}",
        ),
        Note(
            _t(
                language,
                "请于就诊当日在上述时间内到自助机签到取号；如需取消，请在就诊开始前在自助机"
                "“我的预约”中取消，挂号费原路退回。",
                "On the day, check in at a kiosk within these times to get your queue number. "
                "To cancel, use My appointments at a kiosk before it starts: the fee is "
                "refunded to where you paid it.",
            )
        ),
        Cut(),
    ]
    return TicketLayout(tuple(elements), "booking")


def patient_card_slip(
    card_number: str,
    patient_display_name: str,
    masked_id_number: str,
    issued_at: dt.datetime,
    *,
    hospital_name: str,
    language: Language,
) -> TicketLayout:
    """A first visit's slip (建档/办卡): the new patient card number, large. It is the proof
    of the number whatever happened to the card itself (any window can give the card)."""
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "建档办卡凭条", "New patient record"), Align.center),
        Separator(),
        Text(_t(language, "就诊卡号", "Patient card number"), Align.center),
        BigNumber(card_number),
        Separator(),
        Field(_t(language, "患者", "Patient"), mask_name(patient_display_name)),
        Field(_t(language, "身份证号", "ID number"), masked_id_number),
        Field(_t(language, "办理时间", "Made"), _time_text(issued_at)),
        Note(
            _t(
                language,
                "请妥善保管。凭就诊卡号或身份证可挂号、缴费；未取到就诊卡请到人工窗口补领。",
                "Keep this slip. Your card number or ID card lets you register and pay; "
                "if no card came out, any service window gives you one.",
            )
        ),
        Cut(),
    ]
    return TicketLayout(tuple(elements), "patient-card")


@dataclass(frozen=True)
class ReceiptItem:
    name: str
    quantity: str
    amount_cents: int


@dataclass(frozen=True)
class PaymentReceipt:
    payment_id: str
    patient_display_name: str
    paid_at: dt.datetime
    items: tuple[ReceiptItem, ...]
    total_cents: int
    insurance_cents: int
    self_pay_cents: int
    method: str
    receipt_url: str = ""  # the electronic receipt (电子票据), printed as a QR code
    # What of ``insurance_cents`` the personal account paid (个人账户); the fund (统筹) the rest.
    personal_account_cents: int = 0
    # A receipt printed again (票据补打): when, and which reprint of it; marked as a copy.
    reprinted_at: dt.datetime | None = None
    reprint_number: int = 0


def payment_receipt(
    receipt: PaymentReceipt, *, hospital_name: str, language: Language
) -> TicketLayout:
    fund = receipt.insurance_cents - receipt.personal_account_cents
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "门诊缴费凭证", "Payment receipt"), Align.center),
    ]
    if receipt.reprinted_at is not None:
        # A copy must never pass for the original: said big at the top, with when it was made.
        elements += [
            Emphasis(_t(language, "补打 COPY", "COPY - REPRINT")),
            Field(_t(language, "补打时间", "Reprinted"), _time_text(receipt.reprinted_at)),
            Field(_t(language, "补打次数", "Reprint no."), str(receipt.reprint_number)),
        ]
    elements += [
        Separator(),
        Field(_t(language, "流水号", "Payment"), receipt.payment_id),
        Field(_t(language, "患者", "Patient"), mask_name(receipt.patient_display_name)),
        Field(_t(language, "时间", "Paid at"), _time_text(receipt.paid_at)),
        Separator(),
        Row(_t(language, "项目", "Item"), _t(language, "金额", "Amount")),
    ]
    for item in receipt.items:
        left = f"{item.name} x{item.quantity}" if item.quantity else item.name
        elements.append(Row(left, _money(item.amount_cents, language)))
    elements += [
        Separator(),
        Row(_t(language, "合计", "Total"), _money(receipt.total_cents, language)),
        Row(_t(language, "医保统筹支付", "Insurance fund"), _money(fund, language)),
        Row(
            _t(language, "个人账户支付", "Personal account"),
            _money(receipt.personal_account_cents, language),
        ),
        Row(_t(language, "个人自付", "Self-pay"), _money(receipt.self_pay_cents, language)),
        Field(_t(language, "支付方式", "Method"), receipt.method),
        Separator(),
    ]
    if receipt.receipt_url:
        elements += [
            Text(_t(language, "扫码查看电子票据", "Scan for the electronic receipt"), Align.center),
            Qr(receipt.receipt_url),
        ]
    elements += [
        Note(
            _t(
                language,
                "本凭证仅供核对，正式发票请在电子票据平台获取。",
                "For your records; the official invoice is issued electronically.",
            )
        ),
        Cut(),
    ]
    return TicketLayout(tuple(elements), "receipt")


@dataclass(frozen=True)
class PharmacyPickup:
    number: str
    window: str
    patient_display_name: str
    drugs: tuple[str, ...]
    issued_at: dt.datetime
    status_url: str = ""


def pharmacy_ticket(
    pickup: PharmacyPickup, *, hospital_name: str, language: Language
) -> TicketLayout:
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "取药凭条", "Pharmacy pickup"), Align.center),
        Separator(),
        Text(_t(language, "取药号", "Pickup number"), Align.center),
        BigNumber(pickup.number),
        Separator(),
        Field(_t(language, "取药窗口", "Window"), pickup.window),
        Field(_t(language, "患者", "Patient"), mask_name(pickup.patient_display_name)),
        Field(_t(language, "时间", "Issued"), _time_text(pickup.issued_at)),
        Text(_t(language, "药品：", "Medicines:")),
    ]
    elements += [Text(f"  {drug}") for drug in pickup.drugs]
    if pickup.status_url:
        elements += [Separator(), Qr(pickup.status_url)]
    elements += [
        Note(
            _t(language, "请在屏幕显示您的号码后到窗口取药。", "Collect when your number is shown.")
        ),
        Cut(),
    ]
    return TicketLayout(tuple(elements), "pharmacy")


TEST_QR_DATA = "https://kiosk.example/printer-test"


def printer_test_page(
    *, hospital_name: str, printed_at: dt.datetime, detail: str = ""
) -> TicketLayout:
    """For installers: every kind of element, Chinese, full-width punctuation and rare names."""
    elements: list[Element] = [
        Title(hospital_name),
        Text("打印测试页 Printer test page", Align.center),
        Separator("="),
        Text("ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz"),
        Text("中文：门诊挂号、缴费、取药、电子排队。"),
        Text("全角标点：，。、；：？！“”‘’（）《》【】￥"),
        Text("生僻字：𠮷 龘 䶮"),
        Row("左 Left", "右 Right"),
        Field("时间", _time_text(printed_at)),
    ]
    if detail:
        elements.append(Note(detail))
    elements += [
        Separator(),
        Text("排队号", Align.center),
        BigNumber("A001"),
        Qr(TEST_QR_DATA),
        Cut(),
    ]
    return TicketLayout(tuple(elements), "test")


SAMPLE_TEMPLATES = ("checkin", "registration", "receipt", "pharmacy", "test")
