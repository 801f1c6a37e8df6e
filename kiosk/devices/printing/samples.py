"""Sample data for ``kiosk print-sample``, the test page and the benchmarks.

The standard Chinese check-in ticket (:func:`sample_ticket`) is the ticket the byte budget
in DESIGN.md is measured on: a real department, location, doctor, masked name and QR URL.
"""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import DepartmentSummary, DoctorSummary, Location, Ticket, TicketStatus
from kiosk.devices.printing.layout import Language, TicketLayout
from kiosk.devices.printing.templates import (
    SAMPLE_TEMPLATES,
    PaymentReceipt,
    PharmacyPickup,
    ReceiptItem,
    RegistrationSlip,
    checkin_ticket,
    payment_receipt,
    pharmacy_ticket,
    printer_test_page,
    registration_slip,
)

SAMPLE_TIME = dt.datetime(2025, 3, 18, 8, 42)
SAMPLE_SERVER = "https://kiosk-api.hospital.example"
# The QR opens the ticket's phone page, keyed by a 144-bit token (24 URL-safe characters).
SAMPLE_TRACK_TOKEN = "mV3kQ9xT2bLpW7nR4sYh8cJd"
SAMPLE_PHARMACY_TRACK_TOKEN = "Fq6tZ1wN5aHe0uK8gPr3XyBm"


def sample_ticket(*, rare_name: bool = False) -> Ticket:
    return Ticket(
        number="A023",
        service_date=SAMPLE_TIME.date(),
        department=DepartmentSummary(
            id="dep-int", code="NK", name="心血管内科", name_en="Cardiology"
        ),
        location=Location(
            building="门诊楼",
            building_en="Outpatient Building",
            floor="3",
            room="302诊室",
            directions="乘电梯到3楼，出电梯右转。",
            directions_en="Take the lift to floor 3 and turn right.",
        ),
        people_ahead=5,
        estimated_wait_minutes=15,
        status=TicketStatus.waiting,
        status_url=f"{SAMPLE_SERVER}/q/{SAMPLE_TRACK_TOKEN}",
        issued_at=SAMPLE_TIME,
        patient_display_name="𠮷*龘" if rare_name else "张*丰",
        doctor=DoctorSummary(
            id="doc-1", name="李明", name_en="Li Ming", title="主任医师", title_en="Chief"
        ),
        appointment_at=SAMPLE_TIME.replace(hour=9, minute=0),
    )


def sample_layout(template: str, *, hospital_name: str, language: Language) -> TicketLayout:
    """One of :data:`SAMPLE_TEMPLATES` filled with demo data."""
    if template == "checkin":
        return checkin_ticket(sample_ticket(), hospital_name=hospital_name, language=language)
    if template == "registration":
        slip = RegistrationSlip(
            registration_id="R20250318-0042",
            patient_display_name="张*丰",
            department_name="心血管内科",
            doctor_name="李明",
            doctor_title="主任医师",
            session_text="上午 08:00-12:00",
            fee_cents=5000,
            paid=True,
            issued_at=SAMPLE_TIME,
            ticket=sample_ticket(),
        )
        return registration_slip(slip, hospital_name=hospital_name, language=language)
    if template == "receipt":
        receipt = PaymentReceipt(
            payment_id="P20250318-0007",
            patient_display_name="张*丰",
            paid_at=SAMPLE_TIME,
            items=(
                ReceiptItem("血常规", "1", 2500),
                ReceiptItem("心电图检查", "1", 3500),
                ReceiptItem("阿司匹林肠溶片 100mg×30片", "2", 3260),
            ),
            total_cents=9260,
            insurance_cents=5556,
            self_pay_cents=3704,
            personal_account_cents=1000,
            method="微信支付",
        )
        return payment_receipt(receipt, hospital_name=hospital_name, language=language)
    if template == "pharmacy":
        pickup = PharmacyPickup(
            number="Y105",
            window="西药房 3号窗口",
            patient_display_name="张*丰",
            drugs=("阿司匹林肠溶片 100mg×30片 ×2", "硝苯地平控释片 30mg×7片 ×1"),
            issued_at=SAMPLE_TIME,
            status_url=f"{SAMPLE_SERVER}/q/{SAMPLE_PHARMACY_TRACK_TOKEN}",
        )
        return pharmacy_ticket(pickup, hospital_name=hospital_name, language=language)
    if template == "test":
        return printer_test_page(hospital_name=hospital_name, printed_at=SAMPLE_TIME)
    raise ValueError(f"unknown template {template!r}; one of {', '.join(SAMPLE_TEMPLATES)}")
