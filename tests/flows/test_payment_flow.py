"""The payment flow against the real reference server, a real journal and a simulated printer.

The patient's phone is a second HTTP client posting the simulated payment page's forms.
"""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import Bill, Payment, PaymentStatus
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendRejectedError, BackendTimeoutError
from kiosk.devices.printing.drivers import PrinterStatus
from kiosk.flows.notices import NoticeKind
from kiosk.flows.payment import PaymentApi, PaymentFlow, PayStep, cancel_key
from kiosk.flows.visit import Step
from kiosk.journal import Journal
from kiosk.runner import Runner
from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.server import pay_page_post, pay_url_of

if TYPE_CHECKING:
    from tests.helpers.flows import Rig, RigFactory

POLL_MS = 50


@dataclass
class PayRig:
    rig: Rig
    pay: PaymentFlow
    journal: Journal
    server: EmbeddedServer

    def printed(self) -> list[str]:
        return [p.read_bytes().decode("gb18030", errors="ignore") for p in self.rig.printed_jobs()]

    def phone(self, payment_id: str, answer: str) -> None:
        """The patient's phone posts the simulated payment page's form."""
        pay_url = pay_url_of(self.server.url, self.server.db_path, payment_id)
        pay_page_post(pay_url, answer).raise_for_status()

    def server_status(self, payment_id: str) -> str:
        return self.rig.client.payment(payment_id).status.value


class LosesFirstAnswer:
    """The real client, except that the first created payment's answer never arrives."""

    def __init__(self, client: KioskApiClient) -> None:
        self._client = client
        self.created: list[Payment] = []

    def bills(self, patient_id: str, *, include_paid: bool = False) -> list[Bill]:
        return self._client.bills(patient_id, include_paid=include_paid)

    def create_payment(
        self, patient_id: str, bill_ids: Sequence[str], *, idempotency_key: str
    ) -> Payment:
        payment = self._client.create_payment(patient_id, bill_ids, idempotency_key=idempotency_key)
        self.created.append(payment)
        if len(self.created) == 1:
            raise BackendTimeoutError("POST /payments: no answer in time")
        return payment

    def payment(self, payment_id: str) -> Payment:
        return self._client.payment(payment_id)

    def cancel_payment(self, payment_id: str, *, idempotency_key: str) -> Payment:
        return self._client.cancel_payment(payment_id, idempotency_key=idempotency_key)

    def pay_by_payment_code(self, payment_id: str, code: str, *, idempotency_key: str) -> Payment:
        return self._client.pay_by_payment_code(payment_id, code, idempotency_key=idempotency_key)


def build_pay_rig(rig: Rig, server: EmbeddedServer, tmp_path: Path, api: PaymentApi) -> PayRig:
    journal = Journal(tmp_path / "journal.sqlite3")
    runner = Runner(ImmediateExecutor(), parent=rig.printing)
    flow = PaymentFlow(
        api,
        runner,
        rig.flow,
        journal,
        rig.printing,
        hospital_name="示例市第一人民医院",
        clock=server.clock,
        poll_interval_ms=POLL_MS,
        parent=rig.printing,
    )
    rig.printing.print_failed.connect(flow.printer_failed)
    rig.flow.offer("payment", flow, needs_identification=True)
    return PayRig(rig, flow, journal, server)


@pytest.fixture
def pay_rig(
    rig: Rig, live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot
) -> Iterator[PayRig]:
    pay_rig = build_pay_rig(rig, live_server, tmp_path, rig.client)
    yield pay_rig
    pay_rig.journal.close()


def to_bills(pay_rig: PayRig, scenario: str = "unpaid_bills") -> None:
    identity = DEMO_IDENTITIES[scenario]
    pay_rig.rig.flow.choose("payment")
    pay_rig.rig.flow.identifier_read(identity.kind, identity.value)
    assert pay_rig.rig.flow.step == Step.service


def to_qr(pay_rig: PayRig) -> Payment:
    to_bills(pay_rig)
    pay_rig.pay.pay()
    assert pay_rig.pay.step == PayStep.qr
    assert pay_rig.pay.payment is not None
    return pay_rig.pay.payment


def wait_for(qtbot: QtBot, pay_rig: PayRig, step: PayStep, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: pay_rig.pay.step == step, timeout=timeout)


def test_bills_come_itemized_and_all_selected(pay_rig: PayRig) -> None:
    to_bills(pay_rig)
    flow = pay_rig.pay
    assert flow.step == PayStep.bills
    assert len(flow.bills) == 2
    assert all(bill.items for bill in flow.bills)
    assert flow.selected == [b.id for b in flow.bills]
    assert flow.amount_cents == sum(b.self_pay_cents for b in flow.bills)
    flow.toggle_bill(flow.bills[0].id)
    assert flow.selected == [flow.bills[1].id]
    flow.toggle_bill(flow.bills[0].id)
    assert flow.selected == [b.id for b in flow.bills]  # the bills' order, not the taps'


def test_a_patient_without_bills_is_told_so(pay_rig: PayRig) -> None:
    to_bills(pay_rig, "one_in_window")
    assert pay_rig.pay.step == PayStep.no_bills


def test_the_journal_holds_the_payment_before_the_qr_shows(pay_rig: PayRig) -> None:
    held_when_shown: list[list[str]] = []

    def on_step(step: PayStep) -> None:
        if step == PayStep.qr:
            held_when_shown.append([p.payment_id for p in pay_rig.journal.unfinished_payments()])

    pay_rig.pay.step_changed.connect(on_step)
    payment = to_qr(pay_rig)
    assert held_when_shown == [[payment.id]]
    [entry] = pay_rig.journal.unfinished_payments()
    assert entry.amount_cents == payment.amount_cents == pay_rig.pay.amount_cents
    assert entry.patient_name == "周*玲"


def test_paid_on_the_phone_prints_receipt_and_pharmacy_ticket_once(
    pay_rig: PayRig, qtbot: QtBot
) -> None:
    payment = to_qr(pay_rig)
    pay_rig.phone(payment.id, "confirm")
    wait_for(qtbot, pay_rig, PayStep.paid)
    assert pay_rig.pay.payment is not None
    assert pay_rig.pay.payment.receipt is not None
    assert len(pay_rig.pay.payment.pharmacy_tickets) == 1
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)
    receipt, pickup = pay_rig.printed()
    assert "缴费凭证" in receipt
    assert pay_rig.pay.payment.pharmacy_tickets[0].number in pickup
    # Marked printed once the printer reported both jobs done.
    qtbot.waitUntil(lambda: pay_rig.journal.unfinished_payments() == [], timeout=5000)
    # Reconciling afterwards finds nothing to print.
    pay_rig.pay.reconcile()
    qtbot.wait(300)
    assert len(pay_rig.printed()) == 2


def test_the_countdown_follows_the_servers_clock(
    pay_rig: PayRig, manual_clock: ManualClock, qtbot: QtBot
) -> None:
    seconds: list[int] = []
    pay_rig.pay.countdown.connect(seconds.append)
    to_qr(pay_rig)
    assert seconds[0] == 300
    manual_clock.advance(dt.timedelta(seconds=61))
    qtbot.waitUntil(lambda: seconds[-1] == 239, timeout=3000)


def test_a_lost_answer_is_asked_again_with_the_same_key(
    rig: Rig, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    api = LosesFirstAnswer(rig.client)
    pay_rig = build_pay_rig(rig, live_server, tmp_path, api)
    try:
        payment = to_qr(pay_rig)
    finally:
        pay_rig.journal.close()
    first, second = api.created
    assert first.id == second.id == payment.id
    # Only that one payment holds the bills: a new key is refused (without naming it).
    with pytest.raises(BackendRejectedError) as refused:
        rig.client.create_payment(
            payment.patient_id, payment.bill_ids, idempotency_key=uuid.uuid4().hex
        )
    assert refused.value.code == "bill_unavailable"
    assert isinstance(refused.value.details, dict)
    assert refused.value.details["reason"] == "pending_payment"


def test_declined_charges_nothing_and_trying_again_is_a_new_payment(
    pay_rig: PayRig, qtbot: QtBot
) -> None:
    first = to_qr(pay_rig)
    pay_rig.phone(first.id, "decline")
    wait_for(qtbot, pay_rig, PayStep.failed)
    assert pay_rig.journal.unfinished_payments() == []
    assert pay_rig.printed() == []
    pay_rig.pay.pay()
    assert pay_rig.pay.step == PayStep.qr
    assert pay_rig.pay.payment is not None
    assert pay_rig.pay.payment.id != first.id
    assert pay_rig.server_status(first.id) == "failed"


def test_an_expired_code(pay_rig: PayRig, manual_clock: ManualClock, qtbot: QtBot) -> None:
    payment = to_qr(pay_rig)
    manual_clock.advance(dt.timedelta(minutes=5, seconds=1))
    wait_for(qtbot, pay_rig, PayStep.expired)
    assert pay_rig.server_status(payment.id) == "expired"
    assert pay_rig.journal.unfinished_payments() == []


def test_cancel_on_the_kiosk(pay_rig: PayRig) -> None:
    payment = to_qr(pay_rig)
    pay_rig.pay.cancel()
    assert pay_rig.pay.step == PayStep.cancelled
    assert pay_rig.server_status(payment.id) == "cancelled"
    assert pay_rig.journal.unfinished_payments() == []


def test_cancel_after_the_phone_paid_is_paid(pay_rig: PayRig, qtbot: QtBot) -> None:
    payment = to_qr(pay_rig)
    pay_rig.pay._poll.stop()  # the kiosk has not seen it yet
    pay_rig.phone(payment.id, "confirm")
    pay_rig.pay.cancel()  # the server answers 409 already_paid
    assert pay_rig.pay.step == PayStep.paid
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)
    assert pay_rig.server_status(payment.id) == "paid"


def test_walking_away_cancels_in_the_background(pay_rig: PayRig) -> None:
    payment = to_qr(pay_rig)
    pay_rig.rig.flow.go_home()
    assert pay_rig.pay.step == PayStep.idle
    assert pay_rig.pay.payment is None
    assert pay_rig.server_status(payment.id) == "cancelled"
    assert pay_rig.journal.unfinished_payments() == []


def test_another_service_pays_just_its_bills(pay_rig: PayRig) -> None:
    to_bills(pay_rig)
    patient = pay_rig.pay.patient
    assert patient is not None
    bill = pay_rig.pay.bills[1]
    pay_rig.pay.pay_bills(patient, [bill.id])
    assert pay_rig.pay.step == PayStep.qr
    assert pay_rig.pay.payment is not None
    assert pay_rig.pay.payment.bill_ids == [bill.id]
    assert pay_rig.pay.payment.amount_cents == bill.self_pay_cents


def test_a_failed_receipt_can_be_printed_again(pay_rig: PayRig, qtbot: QtBot) -> None:
    payment = to_qr(pay_rig)
    pay_rig.rig.printer.set_status(PrinterStatus.paper_out)
    failures: list[str] = []
    pay_rig.rig.printing.print_failed.connect(failures.append)
    pay_rig.phone(payment.id, "confirm")
    wait_for(qtbot, pay_rig, PayStep.paid)
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=15000)  # receipt and pickup slip
    assert pay_rig.pay.print_failed
    assert pay_rig.printed() == []
    pay_rig.rig.printer.set_status(PrinterStatus.ok)
    pay_rig.pay.reprint()
    assert not pay_rig.pay.print_failed
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)
    assert "缴费凭证" in pay_rig.printed()[0]


def test_server_gone_while_polling_is_unconfirmed_and_kept(
    pay_rig: PayRig, live_server: EmbeddedServer, manual_clock: ManualClock, qtbot: QtBot
) -> None:
    payment = to_qr(pay_rig)
    live_server.stop()
    qtbot.wait(3 * POLL_MS)
    assert pay_rig.pay.step == PayStep.qr  # still trying while the code is valid
    manual_clock.advance(dt.timedelta(minutes=6))
    wait_for(qtbot, pay_rig, PayStep.unconfirmed, timeout=10000)
    assert [p.payment_id for p in pay_rig.journal.unfinished_payments()] == [payment.id]


# -- reconciliation --------------------------------------------------------------------------


def record(pay_rig: PayRig, payment: Payment, key: str) -> None:
    pay_rig.journal.record_payment(
        payment.id, key, payment.patient_id, tuple(payment.bill_ids), payment.amount_cents, "周*玲"
    )


def test_reconciliation_settles_every_leftover_and_prints_once(
    pay_rig: PayRig, qtbot: QtBot
) -> None:
    client = pay_rig.rig.client
    patient = client.identify(
        DEMO_IDENTITIES["unpaid_bills"].kind, DEMO_IDENTITIES["unpaid_bills"].value
    )
    bills = client.bills(patient.id)
    [drugs] = [b.id for b in bills if any(i.category == "drug" for i in b.items)]
    [lab] = [b.id for b in bills if b.id != drugs]
    paid = client.create_payment(patient.id, [drugs], idempotency_key="k-paid")
    pending = client.create_payment(patient.id, [lab], idempotency_key="k-pending")
    record(pay_rig, paid, "k-paid")
    record(pay_rig, pending, "k-pending")
    pay_rig.journal.record_payment("pay_unknown", "k-unknown", patient.id, ("b",), 100, "")
    pay_rig.phone(paid.id, "confirm")  # paid on the phone while the kiosk was down

    pay_rig.pay.reconcile()
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)  # receipt + pharmacy
    # The receipt is marked once the printer reports the whole job done, just after the bytes land.
    qtbot.waitUntil(lambda: pay_rig.journal.unfinished_payments() == [], timeout=5000)
    assert pay_rig.server_status(paid.id) == "paid"
    assert pay_rig.server_status(pending.id) == "cancelled"
    # The cancel carried the key derived from the payment's own: a repeat changes nothing.
    again = client.cancel_payment(pending.id, idempotency_key=cancel_key("k-pending"))
    assert again.status == PaymentStatus.cancelled
    pay_rig.pay.reconcile()
    qtbot.wait(300)
    assert len(pay_rig.printed()) == 2


def test_reconciliation_waits_for_an_unreachable_server(
    rig_factory: RigFactory, live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    rigs = rig_factory(
        dead_url, tmp_path / "spool", ImmediateExecutor(), lambda: live_server.clock().date()
    )
    rig = next(rigs)
    try:
        pay_rig = build_pay_rig(rig, live_server, tmp_path, rig.client)
        pay_rig.journal.record_payment("pay_x", "k-x", "pat-0200", ("b",), 100, "")
        pay_rig.pay.reconcile()
        assert [p.payment_id for p in pay_rig.journal.unfinished_payments()] == ["pay_x"]
        assert pay_rig.pay._reconcile_retry.isActive()  # asked again in a minute
        pay_rig.journal.close()
    finally:
        next(rigs, None)


def test_create_refused_for_a_bill_held_elsewhere(pay_rig: PayRig) -> None:
    to_bills(pay_rig)
    flow = pay_rig.pay
    assert flow.patient is not None
    pay_rig.rig.client.create_payment(
        flow.patient.id, [flow.bills[0].id], idempotency_key="another-kiosk"
    )
    flow.pay()
    assert flow.step == PayStep.error
    assert flow.notice is not None
    assert flow.notice.kind == NoticeKind.bills_unavailable
    assert pay_rig.journal.unfinished_payments() == []


# --- the payment code (付款码) ---------------------------------------------------------------

WECHAT_CHARGED = "134567890123456789"
ALIPAY_DECLINED = "281234567890120051"
UNIONPAY_HELD = "621234567890120090"


class CountsCodes(LosesFirstAnswer):
    """The real client (no answer lost), counting the payment codes it sends."""

    def __init__(self, client: KioskApiClient) -> None:
        super().__init__(client)
        self.codes_sent = 0

    def create_payment(
        self, patient_id: str, bill_ids: Sequence[str], *, idempotency_key: str
    ) -> Payment:
        return self._client.create_payment(patient_id, bill_ids, idempotency_key=idempotency_key)

    def pay_by_payment_code(self, payment_id: str, code: str, *, idempotency_key: str) -> Payment:
        self.codes_sent += 1
        return super().pay_by_payment_code(payment_id, code, idempotency_key=idempotency_key)


def to_code(pay_rig: PayRig) -> Payment:
    payment = to_qr(pay_rig)
    pay_rig.pay.use_payment_code()
    assert pay_rig.pay.step == PayStep.code
    return payment


def test_a_charged_code_pays_and_prints_once(pay_rig: PayRig, qtbot: QtBot) -> None:
    wanted: list[bool] = []
    pay_rig.pay.payment_code_wanted.connect(wanted.append)
    payment = to_code(pay_rig)
    assert wanted == [True]  # the scanner reads payment codes now
    pay_rig.pay.payment_code_scanned(f" {WECHAT_CHARGED}\r\n")
    assert pay_rig.pay.step == PayStep.paid
    assert wanted == [True, False]
    assert pay_rig.pay.wallet == "wechat"
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)
    qtbot.waitUntil(lambda: pay_rig.journal.unfinished_payments() == [], timeout=5000)
    assert pay_rig.server_status(payment.id) == "paid"
    # A second scan on the paid screen is ignored; polling prints nothing more.
    pay_rig.pay.payment_code_scanned(WECHAT_CHARGED)
    qtbot.wait(300)
    assert len(pay_rig.printed()) == 2


def test_an_invalid_code_is_refused_and_nothing_is_sent(
    rig: Rig, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    api = CountsCodes(rig.client)
    pay_rig = build_pay_rig(rig, live_server, tmp_path, api)
    try:
        payment = to_code(pay_rig)
        for not_a_code in ("12345", "13456789012345678X", "991234567890123456", "1101011990"):
            pay_rig.pay.payment_code_scanned(not_a_code)
            assert pay_rig.pay.step == PayStep.code
            assert pay_rig.pay.code_refused
        assert api.codes_sent == 0
        assert pay_rig.server_status(payment.id) == "pending"
        pay_rig.pay.payment_code_scanned(WECHAT_CHARGED)  # then a real one
        assert pay_rig.pay.step == PayStep.paid
        assert not pay_rig.pay.code_refused
        assert api.codes_sent == 1
    finally:
        pay_rig.journal.close()


def test_a_declined_code_charges_nothing_and_the_retry_asks_for_a_code_again(
    pay_rig: PayRig, qtbot: QtBot
) -> None:
    first = to_code(pay_rig)
    pay_rig.pay.payment_code_scanned(ALIPAY_DECLINED)
    assert pay_rig.pay.step == PayStep.failed
    assert pay_rig.server_status(first.id) == "failed"
    assert pay_rig.journal.unfinished_payments() == []
    bills = pay_rig.rig.client.bills(first.patient_id)
    assert [bill.status for bill in bills] == ["unpaid", "unpaid"]
    pay_rig.pay.pay()
    assert pay_rig.pay.step == PayStep.code
    second = pay_rig.pay.payment
    assert second is not None
    assert second.id != first.id
    pay_rig.pay.payment_code_scanned(WECHAT_CHARGED)
    assert pay_rig.pay.step == PayStep.paid
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)
    assert pay_rig.printed()[0].count("缴费凭证") == 1


def test_a_held_code_waits_for_the_phone_then_pays(pay_rig: PayRig, qtbot: QtBot) -> None:
    payment = to_code(pay_rig)
    pay_rig.pay.payment_code_scanned(UNIONPAY_HELD)
    assert pay_rig.pay.step == PayStep.confirming
    pay_rig.phone(payment.id, "confirm")  # the payer enters their password
    wait_for(qtbot, pay_rig, PayStep.paid)
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)


def test_a_held_code_not_confirmed_in_time_is_settled_when_the_patient_leaves(
    pay_rig: PayRig, manual_clock: ManualClock, qtbot: QtBot
) -> None:
    payment = to_code(pay_rig)
    pay_rig.pay.payment_code_scanned(UNIONPAY_HELD)
    assert pay_rig.pay.step == PayStep.confirming
    manual_clock.advance(dt.timedelta(seconds=61))
    wait_for(qtbot, pay_rig, PayStep.unconfirmed)
    assert [p.payment_id for p in pay_rig.journal.unfinished_payments()] == [payment.id]
    pay_rig.rig.flow.go_home()  # reconciliation cancels the held charge
    qtbot.waitUntil(lambda: pay_rig.journal.unfinished_payments() == [], timeout=5000)
    assert pay_rig.server_status(payment.id) == "cancelled"
    assert pay_rig.printed() == []


def test_a_held_code_confirmed_after_the_kiosk_gave_up_prints_once(
    pay_rig: PayRig, manual_clock: ManualClock, qtbot: QtBot
) -> None:
    payment = to_code(pay_rig)
    pay_rig.pay.payment_code_scanned(UNIONPAY_HELD)
    manual_clock.advance(dt.timedelta(seconds=61))
    wait_for(qtbot, pay_rig, PayStep.unconfirmed)
    pay_rig.phone(payment.id, "confirm")
    pay_rig.rig.flow.go_home()
    qtbot.waitUntil(lambda: len(pay_rig.printed()) == 2, timeout=5000)
    qtbot.waitUntil(lambda: pay_rig.journal.unfinished_payments() == [], timeout=5000)
    pay_rig.pay.reconcile()
    qtbot.wait(300)
    assert len(pay_rig.printed()) == 2


class WatchesTheJournal(CountsCodes):
    """Notes what the journal holds at the moment each payment code is sent."""

    def __init__(self, client: KioskApiClient, journal_path: Path) -> None:
        super().__init__(client)
        self._journal_path = journal_path
        self.held_when_sent: list[list[str]] = []

    def pay_by_payment_code(self, payment_id: str, code: str, *, idempotency_key: str) -> Payment:
        journal = Journal(self._journal_path)
        try:
            self.held_when_sent.append([p.payment_id for p in journal.unfinished_payments()])
        finally:
            journal.close()
        return super().pay_by_payment_code(payment_id, code, idempotency_key=idempotency_key)


def test_the_journal_holds_the_payment_before_its_code_is_sent(
    rig: Rig, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    api = WatchesTheJournal(rig.client, tmp_path / "journal.sqlite3")
    pay_rig = build_pay_rig(rig, live_server, tmp_path, api)
    try:
        payment = to_code(pay_rig)
        pay_rig.pay.payment_code_scanned(WECHAT_CHARGED)
        assert api.held_when_sent == [[payment.id]]
    finally:
        pay_rig.journal.close()


def test_walking_away_from_the_payment_code_stops_reading_codes_and_cancels(
    pay_rig: PayRig, qtbot: QtBot
) -> None:
    wanted: list[bool] = []
    pay_rig.pay.payment_code_wanted.connect(wanted.append)
    payment = to_code(pay_rig)
    pay_rig.rig.flow.go_home()  # what the idle timeout does
    assert wanted == [True, False]
    qtbot.waitUntil(lambda: pay_rig.journal.unfinished_payments() == [], timeout=5000)
    assert pay_rig.server_status(payment.id) == "cancelled"
    pay_rig.pay.payment_code_scanned(WECHAT_CHARGED)  # a late scan does nothing
    assert pay_rig.server_status(payment.id) == "cancelled"
