"""Bills and QR payment through the real window, the real server, and a second HTTP client
playing the patient's phone on the simulated payment page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import requests
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from kiosk.api.models import BillItem, ItemCategory, PaymentStatus
from kiosk.api.money import format_money
from kiosk.api.payment_codes import EXAMPLE_CODES, ChargeOutcome, Wallet
from kiosk.app import Kiosk
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.devices.readers.simulated import SimulatedReader
from kiosk.flows.payment import CODE_CONFIRM_TIMEOUT, PaymentFlow, PayStep
from kiosk.flows.visit import Step
from kiosk.server.clock import ManualClock
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.payment_view import PaymentView
from kiosk.ui.screens.payment import WORD_JOINER, quantity_text
from tests.helpers.server import Phone, pay_page_post, pay_url_of
from tests.helpers.ui import Touch, build_kiosk, visible_texts


def wait_for_pay(touch: Touch, step: PayStep, timeout: int = 8000) -> None:
    flow = touch.kiosk.part(PaymentFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=timeout)


def printed(spool: Path) -> list[str]:
    """The spooled jobs as text (GB18030 is what the printer speaks; QR bytes are dropped)."""
    return [p.read_bytes().decode("gb18030", errors="ignore") for p in sorted(spool.glob("*.bin"))]


def open_qr(touch: Touch) -> str:
    """Home → pay bills → the demo card of the patient with two bills → pay both → QR."""
    touch("home.payment")
    touch("identify.demo.unpaid_bills")
    wait_for_pay(touch, PayStep.bills)
    touch("bills.pay")
    wait_for_pay(touch, PayStep.qr)
    payment = touch.kiosk.part(PaymentFlow).payment
    assert payment is not None
    return payment.id


def server_payment(server: EmbeddedServer, payment_id: str) -> dict[str, object]:
    answer = requests.get(
        f"{server.url}/api/v1/payments/{payment_id}",
        headers={"Authorization": "Bearer demo-token"},
        timeout=10,
    )
    answer.raise_for_status()
    result: dict[str, object] = answer.json()
    return result


def test_bills_are_itemized_and_can_be_left_out(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.payment")
    touch("identify.demo.unpaid_bills")
    wait_for_pay(touch, PayStep.bills)
    flow = kiosk.part(PaymentFlow)
    assert len(flow.bills) == 2
    screen = kiosk.part(PaymentView).bills
    texts = visible_texts(screen)
    for bill in flow.bills:
        for item in bill.items:
            assert any(item.name in text for text in texts), item.name
    both = flow.amount_cents
    assert both == sum(b.self_pay_cents for b in flow.bills)
    pay = kiosk.window.find_button("bills.pay")
    assert pay is not None
    assert f"¥{both / 100:,.2f}" in pay.text()
    touch("bills.toggle.0")
    assert flow.selected == [flow.bills[1].id]
    assert flow.amount_cents == flow.bills[1].self_pay_cents
    touch("bills.toggle.1")
    assert flow.selected == []
    assert not pay.isEnabled()
    touch("bills.finish")
    touch.wait_for(Step.home)


def test_paid_on_the_phone_prints_one_receipt_and_one_pharmacy_ticket(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    payment_id = open_qr(touch)
    # Written down before the QR code appeared.
    assert [p.payment_id for p in kiosk.journal.unfinished_payments()] == [payment_id]
    assert touch.text("payment_qr.countdown").endswith("5:00")
    qr = kiosk.part(PaymentView).qr.qr
    assert qr.data == pay_url_of(live_server.url, live_server.db_path, payment_id)

    phone = Phone()
    page = phone.get(qr.data)
    assert page.status_code == 200
    assert "阿莫西林" in page.text
    assert phone.post(f"{qr.data}/confirm").status_code == 200
    phone.close()

    wait_for_pay(touch, PayStep.paid)
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)
    receipt, pickup = printed(spool)
    assert "缴费凭证" in receipt
    assert "阿莫西林" in receipt
    assert "扫码支付" in receipt  # paid through the QR code's page
    assert "取药" in pickup
    assert "窗口" in pickup
    # The pickup number is the largest text; the receipt number is a footnote.
    assert touch.text("payment_result.pickup_number") == "Y001"
    assert "R" in touch.text("payment_result.details")
    # Marked once the printer reports the whole job done, just after the bytes land.
    touch.qtbot.waitUntil(lambda: kiosk.journal.unfinished_payments() == [], timeout=5000)
    assert server_payment(live_server, payment_id)["status"] == "paid"
    # Polling goes on answering "paid"; nothing is printed twice.
    touch.qtbot.wait(2500)
    assert len(printed(spool)) == 2
    touch("payment_result.finish")
    touch.wait_for(Step.home)


def test_a_declined_payment_charges_nothing_and_can_be_tried_again(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    payment_id = open_qr(touch)
    pay_page_post(
        pay_url_of(live_server.url, live_server.db_path, payment_id), "decline"
    ).raise_for_status()
    wait_for_pay(touch, PayStep.failed)
    assert "Nothing was charged" in touch.text("payment_result.body") or "未扣费" in touch.text(
        "payment_result.body"
    )
    assert list(spool.glob("*.bin")) == []
    assert kiosk.journal.unfinished_payments() == []
    touch("payment_result.retry")
    wait_for_pay(touch, PayStep.qr)
    second = kiosk.part(PaymentFlow).payment
    assert second is not None
    assert second.id != payment_id


def test_an_expired_code_says_so(
    touch: Touch, kiosk: Kiosk, manual_clock: ManualClock, spool: Path
) -> None:
    open_qr(touch)
    manual_clock.advance(dt.timedelta(minutes=5, seconds=1))
    wait_for_pay(touch, PayStep.expired)
    assert touch.kiosk.window.current_screen() is kiosk.part(PaymentView).result
    assert list(spool.glob("*.bin")) == []


def test_cancel_on_the_kiosk_cancels_on_the_server(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    payment_id = open_qr(touch)
    touch("payment_qr.cancel")
    wait_for_pay(touch, PayStep.cancelled)
    assert server_payment(live_server, payment_id)["status"] == PaymentStatus.cancelled.value
    assert kiosk.journal.unfinished_payments() == []


def test_walking_away_cancels_the_payment_in_the_background(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    payment_id = open_qr(touch)
    kiosk.flow.go_home()  # what the idle timeout does
    touch.qtbot.waitUntil(
        lambda: server_payment(live_server, payment_id)["status"] == "cancelled", timeout=5000
    )
    touch.qtbot.waitUntil(lambda: kiosk.journal.unfinished_payments() == [], timeout=5000)


def test_paid_just_before_the_patient_walked_away_still_prints_once(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    payment_id = open_qr(touch)
    kiosk.part(PaymentFlow)._poll.stop()  # the kiosk has not seen the payment yet
    pay_page_post(
        pay_url_of(live_server.url, live_server.db_path, payment_id), "confirm"
    ).raise_for_status()
    kiosk.flow.go_home()
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)
    touch.qtbot.waitUntil(lambda: kiosk.journal.unfinished_payments() == [], timeout=5000)
    kiosk.part(PaymentFlow).reconcile()
    touch.qtbot.wait(500)
    assert len(printed(spool)) == 2


def test_no_unpaid_bills(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.payment")
    touch("identify.demo.one_in_window")
    wait_for_pay(touch, PayStep.no_bills)
    assert touch.text("bills.empty")
    pay = kiosk.window.find_button("bills.pay")
    assert pay is not None
    assert not pay.isVisible()


def test_server_gone_while_the_code_is_shown(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, manual_clock: ManualClock
) -> None:
    payment_id = open_qr(touch)
    live_server.stop()
    manual_clock.advance(dt.timedelta(minutes=6))
    wait_for_pay(touch, PayStep.unconfirmed, timeout=15000)
    assert kiosk.window.current_screen() is kiosk.part(PaymentView).result
    assert touch.text("payment_result.title")
    # Kept for reconciliation: settled once the server answers again.
    assert [p.payment_id for p in kiosk.journal.unfinished_payments()] == [payment_id]


def test_paper_out_shows_the_payment_and_offers_a_reprint(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    connection = SimulatedConnection(spool)
    connection.set_status(PrinterStatus.paper_out)
    kiosk = build_kiosk(qapp, live_server, spool, printer_connection=connection)
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        payment_id = open_qr(touch)
        reprint = kiosk.window.find_button("payment_result.reprint")
        assert reprint is not None
        failures: list[str] = []
        kiosk.ticket_printing.print_failed.connect(failures.append)
        pay_page_post(
            pay_url_of(live_server.url, live_server.db_path, payment_id), "confirm"
        ).raise_for_status()
        wait_for_pay(touch, PayStep.paid)
        qtbot.waitUntil(lambda: len(failures) == 2, timeout=5000)  # receipt and pickup slip
        assert kiosk.part(PaymentFlow).print_failed
        assert touch.text("payment_result.print_state")
        assert reprint.isVisible()
        assert touch.text("payment_result.pickup_number") == "Y001"  # on screen all the same
        assert printed(spool) == []
        connection.set_status(PrinterStatus.ok)  # paper refilled
        touch("payment_result.reprint")
        qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)
        assert not reprint.isVisible()
    finally:
        kiosk.shutdown()


# --- what the screens show --------------------------------------------------------------------


def test_the_bills_show_what_the_patient_pays_as_the_largest_figure(
    touch: Touch, kiosk: Kiosk
) -> None:
    touch("home.payment")
    touch("identify.demo.unpaid_bills")
    wait_for_pay(touch, PayStep.bills)
    flow = kiosk.part(PaymentFlow)
    screen = kiosk.part(PaymentView).bills
    due = screen.amount_due
    assert format_money(flow.amount_cents) in due.text()
    assert " " not in due.text()  # joined by no-break spaces: never split from its amount
    assert not due.wordWrap()
    sizes = {label.objectName(): label.font().pixelSize() for label in screen.findChildren(QLabel)}
    assert due.font().pixelSize() == max(sizes.values())
    assert due.font().bold()
    heading = touch.text("bills.heading")
    assert "周*玲 " not in heading  # no stray space between the name and 的
    # Each item is a row of the table: the name, the quantity with its unit, the prices.
    drugs = next(i for i, bill in enumerate(flow.bills) if bill.items[0].category != "lab")
    amoxicillin = next(
        row for row, item in enumerate(flow.bills[drugs].items) if "阿莫西林" in item.name
    )
    assert touch.text(f"bills.bill.{drugs}.item.{amoxicillin}.1") == "2盒"
    assert touch.text(f"bills.bill.{drugs}.item.{amoxicillin}.3") == "¥37.00"


def test_quantities_are_plural_in_english(qapp: QApplication) -> None:
    item = BillItem(
        name="阿莫西林胶囊", category=ItemCategory.drug, quantity=2, unit="盒", unit_en="box",
        unit_price_cents=1850, amount_cents=3700,
    )  # fmt: skip
    default = QLocale()
    try:
        QLocale.setDefault(QLocale(QLocale.Language.English))
        assert quantity_text(item) == "2 boxes"
        assert quantity_text(item.model_copy(update={"quantity": 1})) == "1 box"
        QLocale.setDefault(QLocale(QLocale.Language.Chinese))
        assert quantity_text(item) == "2盒"
    finally:
        QLocale.setDefault(default)


def test_the_qr_screen_says_what_is_paid_for_whom_and_names_the_apps(
    touch: Touch, kiosk: Kiosk
) -> None:
    open_qr(touch)
    flow = kiosk.part(PaymentFlow)
    assert touch.text("payment_qr.summary.patient").endswith("周*玲")
    for bill in flow.bills:
        assert bill.title in touch.text("payment_qr.summary.bills")
    assert touch.text("payment_qr.summary.amount") == format_money(flow.amount_cents)
    badges = [touch.text(f"payment_qr.apps.{wallet.value}") for wallet in Wallet]
    assert badges == ["微信", "支付宝", "云闪付"]
    assert "相机" not in " ".join(visible_texts(kiosk.part(PaymentView).qr))


# --- the payment code (付款码) through the kiosk's scanner -------------------------------------


def scanner(kiosk: Kiosk) -> SimulatedReader:
    return next(r for r in kiosk.devices.readers if isinstance(r, SimulatedReader))


def open_code(touch: Touch) -> str:
    payment_id = open_qr(touch)
    touch("payment_qr.payment_code")
    wait_for_pay(touch, PayStep.code)
    assert touch.kiosk.window.current_screen() is touch.kiosk.part(PaymentView).code
    return payment_id


def idempotency_keys(server: EmbeddedServer) -> int:
    conn = connect(server.db_path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM idempotency_keys").fetchone()[0])
    finally:
        conn.close()


def test_paid_by_payment_code_prints_once_and_says_where_to_go(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    payment_id = open_code(touch)
    scanner(kiosk).present(EXAMPLE_CODES[ChargeOutcome.charged] + "\r\n")
    wait_for_pay(touch, PayStep.paid)
    assert touch.text("payment_result.pickup_number") == "Y001"
    number = touch.kiosk.part(PaymentView).result.pickup_number
    receipt = touch.kiosk.part(PaymentView).result.details
    assert number.font().pixelSize() > 2 * receipt.font().pixelSize()
    directions = touch.text("payment_result.directions").replace(WORD_JOINER, "")
    assert "医技楼" in directions
    assert "101" in directions
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)
    assert "微信付款码" in printed(spool)[0]  # the receipt names the wallet whose code paid
    touch.qtbot.waitUntil(lambda: kiosk.journal.unfinished_payments() == [], timeout=5000)
    assert server_payment(live_server, payment_id)["status"] == "paid"
    # Back to identifiers: the next scan is a card or code again, not a payment.
    scanner(kiosk).present(EXAMPLE_CODES[ChargeOutcome.charged])
    touch.qtbot.wait(300)
    assert len(printed(spool)) == 2
    touch("payment_result.finish")
    touch.wait_for(Step.home)


def test_a_declined_payment_code_charges_nothing_and_can_be_tried_again(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    payment_id = open_code(touch)
    scanner(kiosk).present(EXAMPLE_CODES[ChargeOutcome.declined])
    wait_for_pay(touch, PayStep.failed)
    body = touch.text("payment_result.body")
    assert "拒绝" in body
    assert "未扣费" in body
    assert server_payment(live_server, payment_id)["status"] == "failed"
    assert list(spool.glob("*.bin")) == []
    assert kiosk.journal.unfinished_payments() == []
    touch("payment_result.retry")
    wait_for_pay(touch, PayStep.code)  # straight back to the payment code, a new payment
    second = kiosk.part(PaymentFlow).payment
    assert second is not None
    assert second.id != payment_id
    scanner(kiosk).present(EXAMPLE_CODES[ChargeOutcome.charged])
    wait_for_pay(touch, PayStep.paid)
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)


def test_a_payment_code_not_confirmed_in_time_is_reconciled_when_the_patient_leaves(
    touch: Touch,
    kiosk: Kiosk,
    live_server: EmbeddedServer,
    manual_clock: ManualClock,
    spool: Path,
) -> None:
    payment_id = open_code(touch)
    scanner(kiosk).present(EXAMPLE_CODES[ChargeOutcome.held])
    wait_for_pay(touch, PayStep.confirming)
    assert touch.text("payment_code.heading") == "请在手机上确认支付"
    assert "云闪付" in touch.text("payment_code.step_open")
    manual_clock.advance(CODE_CONFIRM_TIMEOUT + dt.timedelta(seconds=1))
    wait_for_pay(touch, PayStep.unconfirmed)
    assert touch.text("payment_result.title") == "暂时无法确认支付结果"
    assert "绝不会重复扣费" in touch.text("payment_result.body")
    assert [p.payment_id for p in kiosk.journal.unfinished_payments()] == [payment_id]
    touch("payment_result.finish")
    touch.wait_for(Step.home)
    touch.qtbot.waitUntil(
        lambda: server_payment(live_server, payment_id)["status"] == "cancelled", timeout=5000
    )
    touch.qtbot.waitUntil(lambda: kiosk.journal.unfinished_payments() == [], timeout=5000)
    assert list(spool.glob("*.bin")) == []


def test_an_invalid_payment_code_is_explained_and_nothing_is_sent(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    payment_id = open_code(touch)
    screen = kiosk.part(PaymentView).code
    assert not screen.problem.isVisible()
    keys = idempotency_keys(live_server)
    for not_a_code in ("12345", "13456789012345678X", "991234567890123456"):
        scanner(kiosk).present(not_a_code)
        touch.qtbot.waitUntil(screen.problem.isVisible, timeout=3000)
        assert "这不是付款码" in touch.text("payment_code.problem.text")
        assert kiosk.part(PaymentFlow).step == PayStep.code
    assert idempotency_keys(live_server) == keys  # nothing was sent
    assert server_payment(live_server, payment_id)["status"] == "pending"
    touch("payment_code.use_qr")  # the QR code is still there
    wait_for_pay(touch, PayStep.qr)
    assert kiosk.part(PaymentFlow).payment is not None


def test_in_the_demo_buttons_stand_in_for_a_phone_at_the_scanner(
    touch: Touch, kiosk: Kiosk, spool: Path
) -> None:
    assert kiosk.config.demo
    open_code(touch)
    touch("payment_code.demo.invalid")
    touch.qtbot.waitUntil(kiosk.part(PaymentView).code.problem.isVisible, timeout=3000)
    touch("payment_code.demo.charged")
    wait_for_pay(touch, PayStep.paid)
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)
