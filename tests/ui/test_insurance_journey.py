"""Medical insurance on the kiosk against the live reference server: identified by the
e-voucher QR, the bills show the settlement's split, the patient pays only the self-pay part,
and the printed receipt carries the split.

The figures are ``tests/server/test_server_insurance.py``'s, worked out by hand there: the
lab bill 8500 = fund 5950 + account 2000 + self-pay 550; the prescription 7830 = fund 5307 +
self-pay 2523.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests

from kiosk.api.money import format_money
from kiosk.app import Kiosk
from kiosk.devices.readers.simulated import SimulatedReader
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.visit import Step
from kiosk.server import insurance_platform
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import EXPIRED_VOUCHER_SALT
from kiosk.ui.payment_view import PaymentView
from tests.helpers.server import Phone
from tests.helpers.ui import Touch

PATIENT = "pat-0200"
FUND, ACCOUNT, SELF_PAY = 5950 + 5307, 2000, 550 + 2523


def printed(spool: Path) -> list[str]:
    return [p.read_bytes().decode("gb18030", errors="ignore") for p in sorted(spool.glob("*.bin"))]


def scanner(kiosk: Kiosk) -> SimulatedReader:
    return next(r for r in kiosk.devices.readers if isinstance(r, SimulatedReader))


def wait_for_pay(touch: Touch, step: PayStep) -> None:
    flow = touch.kiosk.part(PaymentFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=8000)


def balance(server: EmbeddedServer) -> int:
    conn = connect(server.db_path)
    try:
        row = conn.execute(
            "SELECT balance_cents FROM insurance_accounts WHERE patient_id = ?", (PATIENT,)
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def identify_attempts(server: EmbeddedServer) -> int:
    conn = connect(server.db_path)
    try:
        return int(conn.execute("SELECT count(*) FROM identify_attempts").fetchone()[0])
    finally:
        conn.close()


def test_paying_with_insurance_shows_the_split_and_charges_only_the_self_pay(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    touch("home.payment")
    touch("identify.demo.insurance_qr")  # the e-voucher QR of the "unpaid_bills" patient
    wait_for_pay(touch, PayStep.bills)
    flow = kiosk.part(PaymentFlow)
    assert [b.id for b in flow.bills] == ["bill-0002", "bill-0001"]
    # Each bill: total, 统筹支付, 个人账户支付, 个人自付, amounts on the right.
    for index, (total, fund, account, self_pay) in enumerate(
        [(8500, 5950, 2000, 550), (7830, 5307, 0, 2523)]
    ):
        for part, cents, caption in (
            ("total", total, ""),
            ("fund", fund, "统筹支付"),
            ("account", account, "个人账户支付"),
            ("self_pay", self_pay, "个人自付"),
        ):
            text = touch.text(f"bills.bill.{index}.{part}")
            assert text.endswith(format_money(cents).replace(" ", "\u00a0")), (part, text)
            assert caption in text
    # And for the selected bills together.
    assert touch.text("bills.fund_total").endswith(format_money(FUND))
    assert touch.text("bills.account_total").endswith(format_money(ACCOUNT))
    assert touch.text("bills.amount_due").endswith(format_money(SELF_PAY))
    pay = kiosk.window.find_button("bills.pay")
    assert pay is not None
    assert format_money(SELF_PAY) in pay.text()

    touch("bills.pay")
    wait_for_pay(touch, PayStep.qr)
    payment = flow.payment
    assert payment is not None
    assert payment.amount_cents == SELF_PAY
    phone = Phone()
    try:
        page = phone.get(payment.pay_url)
        assert format_money(SELF_PAY) in page.text  # what the phone is asked to pay
        assert phone.post(f"{payment.pay_url}/confirm").status_code == 200
    finally:
        phone.close()
    wait_for_pay(touch, PayStep.paid)
    assert balance(live_server) == 0  # the account paid its ¥20.00, once
    # The paid screen says what insurance paid beside the patient's own amount.
    details = touch.text("payment_result.details").replace("\u00a0", " ")
    assert f"统筹支付 {format_money(FUND)}" in details
    assert f"个人账户支付 {format_money(ACCOUNT)}" in details
    touch.qtbot.waitUntil(lambda: len(printed(spool)) == 2, timeout=5000)
    receipt = printed(spool)[0]
    for caption, cents in (
        ("医保统筹支付", FUND),
        ("个人账户支付", ACCOUNT),
        ("个人自付", SELF_PAY),
        ("合计", FUND + ACCOUNT + SELF_PAY),
    ):
        # The row's caption (in the printer's Chinese mode), then its amount on the right.
        # (FS & and FS . switch it on and off; its yuan sign is the full-width one).
        row = receipt[receipt.index(caption) :].split("\n", 1)[0]
        plain = re.sub("\x1c[&.]", "", row).replace("\uffe5", "¥").rstrip()
        assert plain.endswith(format_money(cents)), repr(row)
    # The electronic receipt the slip's QR code leads to says the same.
    assert flow.payment is not None
    assert flow.payment.receipt is not None
    page_text = requests.get(flow.payment.receipt.receipt_url, timeout=10).text
    assert "个人账户支付" in page_text
    assert format_money(ACCOUNT) in page_text
    touch("payment_result.finish")
    touch.wait_for(Step.home)


def test_the_scanner_reads_an_e_voucher_qr(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.payment")
    scanner(kiosk).present(insurance_platform.demo_voucher(PATIENT) + "\r\n")
    wait_for_pay(touch, PayStep.bills)
    patient = kiosk.part(PaymentFlow).patient
    assert patient is not None
    assert patient.id == PATIENT


def test_an_unknown_e_voucher_says_the_platform_did_not_recognise_it(
    touch: Touch, kiosk: Kiosk
) -> None:
    touch("home.payment")
    scanner(kiosk).present(insurance_platform.demo_voucher(PATIENT, salt="never issued"))
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "医保码无法识别"
    assert "医保平台" in touch.text("notice.body")
    assert touch.text("notice.next_step")
    assert kiosk.part(PaymentFlow).patient is None


def test_an_expired_e_voucher_asks_to_refresh_it(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.payment")
    scanner(kiosk).present(insurance_platform.demo_voucher(PATIENT, salt=EXPIRED_VOUCHER_SALT))
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "医保码已过期"
    assert "刷新" in touch.text("notice.next_step")


def test_a_malformed_code_is_refused_before_the_server_is_asked(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    before = identify_attempts(live_server)
    touch("home.payment")
    scanner(kiosk).present("110100EC0123")  # cut short: no known kind of code
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "无法读取卡片"
    assert not kiosk.part(PaymentView).bills.isVisible()
    assert identify_attempts(live_server) == before
