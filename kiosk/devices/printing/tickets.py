"""What the journeys print: queue tickets, and a paid payment's receipt and pickup slips.

Adapts :class:`PrinterService` (layouts and job ids) to what a journey needs: "print this"
now, and a ``print_failed`` signal later if the printer could not do it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import Appointment, BillItem, Payment, Receipt, ReceiptReprint, Ticket
from kiosk.api.payment_codes import Wallet
from kiosk.devices.printing.layout import Language
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.printing.templates import (
    PaymentReceipt,
    PharmacyPickup,
    ReceiptItem,
    booking_slip,
    checkin_ticket,
    patient_card_slip,
    payment_receipt,
    pharmacy_ticket,
)


class TicketPrinting(QObject):
    """Signals:
    print_failed: the reason code of a failed ticket job (paper_out, cover_open, offline...).
    ticket_printed: the ticket's job finished.
    """

    print_failed = Signal(str)
    ticket_printed = Signal()

    def __init__(
        self,
        service: PrinterService,
        language: Callable[[], Language],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._language = language
        self._jobs: set[int] = set()
        self._groups: dict[int, _JobGroup] = {}
        # Slips whose outcome goes to their own callback, not to print_failed.
        self._slips: dict[int, Callable[[str], None]] = {}
        service.job_printed.connect(self._on_job_printed)
        service.job_failed.connect(self._on_job_failed)

    def print_ticket(self, ticket: Ticket, hospital_name: str) -> None:
        layout = checkin_ticket(ticket, hospital_name=hospital_name, language=self._language())
        self._jobs.add(self._service.print_layout(layout))

    def print_booking(
        self, appointment: Appointment, patient_name: str, hospital_name: str
    ) -> None:
        """The confirmation slip of an appointment booked ahead (a free one: nothing paid)."""
        layout = booking_slip(
            appointment,
            patient_display_name=patient_name,
            hospital_name=hospital_name,
            language=self._language(),
        )
        self._jobs.add(self._service.print_layout(layout))

    def print_card_slip(
        self,
        card_number: str,
        patient_display_name: str,
        masked_id_number: str,
        issued_at: dt.datetime,
        hospital_name: str,
        on_done: Callable[[str], None],
    ) -> None:
        """A first visit's card slip; ``on_done`` gets "" once printed, else the reason."""
        layout = patient_card_slip(
            card_number,
            patient_display_name,
            masked_id_number,
            issued_at,
            hospital_name=hospital_name,
            language=self._language(),
        )
        self._slips[self._service.print_layout(layout)] = on_done

    def print_payment(
        self,
        payment: Payment,
        patient_name: str,
        hospital_name: str,
        on_printed: Callable[[], None] | None = None,
    ) -> None:
        """Everything a paid payment hands the patient: the itemized receipt, a pickup slip
        per pharmacy ticket, the queue ticket of each registration it paid for, and the
        confirmation slip of each appointment booked ahead it paid for.

        ``on_printed`` is called (on this object's thread) once the printer has finished every
        one of these jobs; not at all if one of them failed (``print_failed`` says why)."""
        receipt = payment.receipt
        if receipt is None:
            raise ValueError(f"payment {payment.id} has no receipt (status {payment.status})")
        language = self._language()
        zh = language == "zh_CN"
        layouts = [
            payment_receipt(
                _receipt_slip(receipt, patient_name, zh=zh),
                hospital_name=hospital_name,
                language=language,
            )
        ]
        for pickup in payment.pharmacy_tickets:
            window = pickup.window if zh else (pickup.window_en or pickup.window)
            location = pickup.location if zh else (pickup.location_en or pickup.location)
            layouts.append(
                pharmacy_ticket(
                    PharmacyPickup(
                        number=pickup.number,
                        window=f"{location} {window}".strip(),
                        patient_display_name=patient_name,
                        drugs=tuple(
                            f"{_item_name(item, zh)} x{_quantity(item)}" for item in pickup.items
                        ),
                        issued_at=pickup.issued_at or receipt.paid_at,
                    ),
                    hospital_name=hospital_name,
                    language=language,
                )
            )
        layouts += [
            checkin_ticket(ticket, hospital_name=hospital_name, language=language)
            for ticket in payment.registration_tickets
        ]
        layouts += [
            booking_slip(
                appointment,
                patient_display_name=patient_name,
                hospital_name=hospital_name,
                language=language,
            )
            for appointment in payment.booked_appointments
        ]
        group = _JobGroup(on_printed)
        for layout in layouts:
            job = self._service.print_layout(layout)
            self._jobs.add(job)
            group.jobs.add(job)
            self._groups[job] = group

    def print_receipt_copy(
        self,
        copy: ReceiptReprint,
        patient_name: str,
        hospital_name: str,
        on_done: Callable[[str], None],
    ) -> None:
        """A past receipt printed again (票据补打), marked as a copy with its reprint time;
        ``on_done`` gets "" once printed, else the printer's reason (paper_out, ...)."""
        language = self._language()
        slip = dataclasses.replace(
            _receipt_slip(copy.receipt, patient_name, zh=language == "zh_CN"),
            reprinted_at=copy.reprinted_at.astimezone(copy.receipt.paid_at.tzinfo),
            reprint_number=copy.reprint_number,
        )
        layout = payment_receipt(slip, hospital_name=hospital_name, language=language)
        self._slips[self._service.print_layout(layout)] = on_done

    def _on_job_printed(self, job_id: int) -> None:
        slip = self._slips.pop(job_id, None)
        if slip is not None:
            slip("")
        if job_id in self._jobs:
            self._jobs.discard(job_id)
            self.ticket_printed.emit()
        group = self._groups.pop(job_id, None)
        if group is not None:
            group.jobs.discard(job_id)
            if not group.jobs and not group.failed and group.on_printed is not None:
                group.on_printed()

    def _on_job_failed(self, job_id: int, reason: str) -> None:
        slip = self._slips.pop(job_id, None)
        if slip is not None:
            slip(reason or "failed")
        group = self._groups.pop(job_id, None)
        if group is not None:
            group.failed = True
        if job_id in self._jobs:
            self._jobs.discard(job_id)
            self.print_failed.emit(reason)


def _receipt_slip(receipt: Receipt, patient_name: str, *, zh: bool) -> PaymentReceipt:
    return PaymentReceipt(
        payment_id=receipt.receipt_number,
        patient_display_name=patient_name,
        paid_at=receipt.paid_at,
        items=tuple(
            ReceiptItem(_item_name(item, zh), _quantity(item), item.amount_cents)
            for item in receipt.items
        ),
        total_cents=receipt.total_cents,
        insurance_cents=receipt.insurance_cents,
        self_pay_cents=receipt.self_pay_cents,
        personal_account_cents=receipt.personal_account_cents,
        method=_paid_with(receipt.wallet, zh=zh)
        if receipt.self_pay_cents
        else ("医保结算" if zh else "Insurance"),
        receipt_url=receipt.receipt_url,
    )


class _JobGroup:
    """The jobs of one payment, and who to tell when all of them are printed."""

    def __init__(self, on_printed: Callable[[], None] | None) -> None:
        self.jobs: set[int] = set()
        self.failed = False
        self.on_printed = on_printed


def _item_name(item: BillItem, zh: bool) -> str:
    return item.name if zh else (item.name_en or item.name)


def _quantity(item: BillItem) -> str:
    return f"{item.quantity:g}"


_WALLET_NAMES = {
    Wallet.wechat: ("微信", "WeChat Pay"),
    Wallet.alipay: ("支付宝", "Alipay"),
    Wallet.unionpay: ("云闪付", "UnionPay"),
}


def _paid_with(wallet: Wallet | None, *, zh: bool) -> str:
    """The receipt's payment method: the QR code's page, or the wallet whose code was scanned."""
    if wallet is None:
        return "扫码支付" if zh else "QR code"
    chinese, english = _WALLET_NAMES[wallet]
    return f"{chinese}付款码" if zh else f"{english} payment code"
