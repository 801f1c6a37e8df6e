"""One description of a printed ticket, rendered two ways: ESC/POS bytes and a PNG preview.

A :class:`TicketLayout` is a tuple of immutable elements (title, big number, fields, QR, ...)
that knows nothing about paper. Wrapping into physical lines happens per paper width in
:func:`element_lines`, which both renderers share so the preview shows the printed lines.

Widths are counted in printer columns: a thermal printer's font A is 12 dots per ASCII
character and 24 dots per Chinese character, so a CJK (or full-width) character takes two
columns: 48 columns on 80 mm paper (576 dots), 32 on 58 mm (384 dots).

The templates take plain data (API models or the small dataclasses below) and return a
layout; they mask patient names again so nothing unmasked can reach the paper.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from kiosk.api.models import Location, Ticket
from kiosk.identity import mask_name

Language = Literal["zh_CN", "en"]

DOTS_PER_COLUMN = 12
LINE_HEIGHT_DOTS = 30


class Align(Enum):
    left = "left"
    center = "center"
    right = "right"


@dataclass(frozen=True)
class Paper:
    """A paper roll: printable width in dots (8 dots/mm at 203 dpi) and font A columns."""

    width_mm: int
    dots: int

    @property
    def columns(self) -> int:
        return self.dots // DOTS_PER_COLUMN


PAPER_58 = Paper(58, 384)
PAPER_80 = Paper(80, 576)


def paper_for(width_mm: int) -> Paper:
    if width_mm == 58:
        return PAPER_58
    if width_mm == 80:
        return PAPER_80
    raise ValueError(f"unsupported paper width {width_mm} mm (58 or 80)")


# --- elements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    """Centred, bold, double height: the hospital name or the kind of ticket."""

    text: str


@dataclass(frozen=True)
class BigNumber:
    """The queue number in double width and height, centred."""

    text: str


@dataclass(frozen=True)
class Field:
    """``label：value``; continuation lines are indented under the value."""

    label: str
    value: str


@dataclass(frozen=True)
class Row:
    """Left text and right text (an amount) on one line, the right one flush right."""

    left: str
    right: str


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = Align.left
    bold: bool = False


@dataclass(frozen=True)
class Note:
    """Small print: instructions, directions, disclaimers."""

    text: str


@dataclass(frozen=True)
class Qr:
    """A QR code, centred. ``module_dots`` None lets the renderer pick for the paper."""

    data: str
    module_dots: int | None = None


@dataclass(frozen=True)
class Separator:
    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1 or not (" " < self.char < "\x7f"):
            raise ValueError("a separator is one printable ASCII character")


@dataclass(frozen=True)
class Feed:
    lines: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.lines <= 255:
            raise ValueError("feed 1 to 255 lines")


@dataclass(frozen=True)
class Cut:
    pass


Element = Title | BigNumber | Field | Row | Text | Note | Qr | Separator | Feed | Cut


@dataclass(frozen=True)
class TicketLayout:
    """A whole ticket; ``name`` names the template (for file names and logs, no patient data)."""

    elements: tuple[Element, ...]
    name: str = "ticket"

    @property
    def qr_data(self) -> tuple[str, ...]:
        return tuple(e.data for e in self.elements if isinstance(e, Qr))


# --- physical lines ------------------------------------------------------------------------


@dataclass(frozen=True)
class StyledLine:
    """One printed line of text with its style; ``text`` fits ``columns // width_scale``."""

    text: str
    align: Align = Align.left
    bold: bool = False
    width_scale: int = 1
    height_scale: int = 1


def char_width(char: str) -> int:
    """Printer columns of one character: 1 for ASCII, 2 for wide and ambiguous (Chinese mode)."""
    code = ord(char)
    if code < 0x80:
        return 1
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def clean_text(text: str) -> str:
    """Control and format characters become spaces (tabs, stray escapes from data)."""
    return "".join(
        c if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else " "
        for c in text
    )


def _tokens(paragraph: str) -> list[str]:
    """Runs of spaces, ASCII-ish words (narrow characters), and single wide characters."""
    tokens: list[str] = []
    word = ""
    for char in paragraph:
        if char == " " or char_width(char) == 2:
            if word:
                tokens.append(word)
                word = ""
            if char == " " and tokens and tokens[-1].startswith(" "):
                tokens[-1] += char
            else:
                tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, columns: int, indent: int = 0) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` display columns.

    ASCII words move whole to the next line when they fit on one; Chinese breaks between
    any two characters. Continuation lines start with ``indent`` spaces.
    """
    if columns < 2:
        raise ValueError("need at least 2 columns")
    indent = min(indent, columns // 2)
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        line = ""
        width = 0

        def flush() -> None:
            nonlocal line, width
            lines.append(line.rstrip())
            line = " " * indent
            width = indent

        for token in _tokens(paragraph):
            token_width = display_width(token)
            if width + token_width <= columns:
                line += token
                width += token_width
                continue
            if token.startswith(" "):
                flush()
                continue
            if line.strip():
                flush()
            for char in token:
                if width + char_width(char) > columns:
                    flush()
                line += char
                width += char_width(char)
        lines.append(line.rstrip())
    return lines


def _field_separator(label: str) -> str:
    return "：" if label and char_width(label[-1]) == 2 else ": "


def element_lines(element: Element, paper: Paper) -> list[StyledLine]:
    """The printed text lines of a text element (empty for QR, feed and cut)."""
    columns = paper.columns
    match element:
        case Title(text):
            return [StyledLine(t, Align.center, True, 1, 2) for t in wrap(text, columns)]
        case BigNumber(text):
            return [StyledLine(t, Align.center, True, 2, 2) for t in wrap(text, columns // 2)]
        case Field(label, value):
            head = label + _field_separator(label)
            indent = display_width(head) if display_width(head) <= columns // 2 else 0
            return [StyledLine(t) for t in wrap(head + value, columns, indent)]
        case Row(left, right):
            left_lines = wrap(left, columns)
            right = clean_text(right).strip()
            last = left_lines[-1]
            gap = columns - display_width(last) - display_width(right)
            if gap >= 1:
                left_lines[-1] = last + " " * gap + right
            else:
                pad = max(columns - display_width(right), 0)
                left_lines.extend(" " * pad + r for r in wrap(right, columns))
            return [StyledLine(t) for t in left_lines]
        case Text(text, align, bold):
            return [StyledLine(t, align, bold) for t in wrap(text, columns)]
        case Note(text):
            return [StyledLine(t) for t in wrap(text, columns)]
        case Separator(char):
            return [StyledLine(char * columns)]
        case _:
            return []


def default_qr_module_dots(paper: Paper) -> int:
    return 6 if paper.dots >= 576 else 5


# --- templates -------------------------------------------------------------------------------


def format_money(cents: int, language: Language) -> str:
    sign = "-" if cents < 0 else ""
    amount = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return f"￥{amount}" if language == "zh_CN" else f"CNY {amount}"


def _location_text(location: Location, language: Language) -> str:
    if language == "en":
        building = location.building_en or location.building
        return f"{building}, floor {location.floor}, room {location.room}"
    floor = f"{location.floor}楼" if location.floor.isdigit() else location.floor
    return f"{location.building} {floor} {location.room}"


def _time_text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _t(language: Language, zh: str, en: str) -> str:
    return zh if language == "zh_CN" else en


def checkin_ticket(ticket: Ticket, *, hospital_name: str, language: Language) -> TicketLayout:
    """The queue ticket a patient takes away after checking in."""
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
        Separator(),
        Field(_t(language, "科室", "Department"), department),
    ]
    if ticket.doctor is not None:
        doctor = ticket.doctor
        name = doctor.name if zh else (doctor.name_en or doctor.name)
        title = doctor.title if zh else (doctor.title_en or doctor.title)
        elements.append(Field(_t(language, "医生", "Doctor"), f"{name} {title}".strip()))
    elements.append(
        Field(_t(language, "位置", "Location"), _location_text(ticket.location, language))
    )
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
        Field(_t(language, "就诊日期", "Date"), ticket.service_date.isoformat()),
        Field(_t(language, "签到时间", "Checked in"), _time_text(ticket.issued_at)),
    ]
    directions = ticket.location.directions if zh else ticket.location.directions_en
    if directions:
        elements.append(Note(directions))
    elements += [
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
        Row(_t(language, "挂号费", "Fee"), format_money(slip.fee_cents, language)),
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


def payment_receipt(
    receipt: PaymentReceipt, *, hospital_name: str, language: Language
) -> TicketLayout:
    elements: list[Element] = [
        Title(hospital_name),
        Text(_t(language, "门诊缴费凭证", "Payment receipt"), Align.center),
        Separator(),
        Field(_t(language, "流水号", "Payment"), receipt.payment_id),
        Field(_t(language, "患者", "Patient"), mask_name(receipt.patient_display_name)),
        Field(_t(language, "时间", "Paid at"), _time_text(receipt.paid_at)),
        Separator(),
        Row(_t(language, "项目", "Item"), _t(language, "金额", "Amount")),
    ]
    for item in receipt.items:
        left = f"{item.name} x{item.quantity}" if item.quantity else item.name
        elements.append(Row(left, format_money(item.amount_cents, language)))
    elements += [
        Separator(),
        Row(_t(language, "合计", "Total"), format_money(receipt.total_cents, language)),
        Row(_t(language, "医保支付", "Insurance"), format_money(receipt.insurance_cents, language)),
        Row(_t(language, "个人支付", "Self-pay"), format_money(receipt.self_pay_cents, language)),
        Field(_t(language, "支付方式", "Method"), receipt.method),
        Separator(),
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
