"""The simulated medical insurance settlement and the e-voucher QR, over real loopback HTTP.

The figures are worked out by hand from the demo's price list (``seed_data.PRICES``) and
``kiosk.server.settlement``'s rules; the "unpaid_bills" patient has employee insurance
(fund 70 %) and ¥20.00 in the personal account.

The lab bill (bill-0002, the older, so it takes the account first), all class A:
    血常规 2500 + C反应蛋白 4500 + 尿常规 1500 = 8500
    fund 70 % = 1750 + 3150 + 1050 = 5950; the eligible rest is 2550, the account has 2000
    → fund 5950, account 2000, self-pay 550.
The prescription (bill-0001): 诊查费 1000 (A), 阿莫西林 2 × 1850 = 3700 (A), 布洛芬 2480
(class B: 90 % eligible = 2232), 复方甘草片 650 (A) = 7830
    fund = 700 + 2590 + floor(2480 × 0.9 × 0.7 = 1562.4) = 1562 + 455 = 5307
    the account is spent on the lab bill → account 0, self-pay 7830 − 5307 = 2523.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from kiosk.api.models import IDEMPOTENCY_HEADER, ErrorBody, Payment
from kiosk.api.money import format_money
from kiosk.server import insurance_platform, schema
from kiosk.server.db import Target, connect, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.idempotency import REPLAY_HEADER
from kiosk.server.payments import PAYMENT_LIFETIME
from kiosk.server.seed import EXPIRED_VOUCHER_SALT, seed_demo
from tests.helpers.server import DEMO_NOW, ApiClient, Phone

PATIENT = "pat-0200"
PRESCRIPTION, LAB = "bill-0001", "bill-0002"
LAB_SPLIT = (8500, 5950, 2000, 550)
PRESCRIPTION_SPLIT = (7830, 5307, 0, 2523)


@pytest.fixture
def phone():
    client = Phone()
    yield client
    client.close()


def split(bill: dict[str, Any]) -> tuple[int, int, int, int]:
    """(total, fund, account, self-pay), checking the shares add up."""
    assert bill["insurance_cents"] == bill["insurance_fund_cents"] + bill["personal_account_cents"]
    assert bill["total_cents"] == bill["insurance_cents"] + bill["self_pay_cents"]
    return (
        bill["total_cents"],
        bill["insurance_fund_cents"],
        bill["personal_account_cents"],
        bill["self_pay_cents"],
    )


def bills_by_id(api: ApiClient, status: str = "open") -> dict[str, dict[str, Any]]:
    response = api.get(f"/patients/{PATIENT}/bills", params={"status": status})
    assert response.status_code == 200, response.text
    return {bill["id"]: bill for bill in response.json()["bills"]}


def create(api: ApiClient, bill_ids: list[str], key: str | None = None) -> Payment:
    response = api.post(
        "/payments",
        json={"patient_id": PATIENT, "bill_ids": bill_ids},
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return Payment.model_validate(response.json())


def balance(db: Target, patient_id: str = PATIENT) -> int:
    conn = connect(db)
    try:
        row = conn.execute(
            "SELECT balance_cents FROM insurance_accounts WHERE patient_id = ?", (patient_id,)
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def change(db: Target, sql: str, params: tuple[Any, ...]) -> None:
    conn = connect(db)
    try:
        with write_transaction(conn):
            conn.execute(sql, params)
    finally:
        conn.close()


def test_the_bills_show_the_split_worked_out_by_hand(api):
    api.identify("unpaid_bills")
    bills = bills_by_id(api)
    assert list(bills) == [LAB, PRESCRIPTION]  # the order the account is spent in
    assert split(bills[LAB]) == LAB_SPLIT
    assert split(bills[PRESCRIPTION]) == PRESCRIPTION_SPLIT


def test_paying_charges_the_self_pay_and_spends_the_account_once(api, phone, demo_db):
    api.identify("unpaid_bills")
    key = uuid.uuid4().hex
    payment = create(api, [LAB, PRESCRIPTION], key)
    assert payment.amount_cents == 550 + 2523
    assert balance(demo_db) == 2000  # held, not spent, while pending
    held = bills_by_id(api)
    assert {bill["status"] for bill in held.values()} == {"pending_payment"}
    assert split(held[LAB]) == LAB_SPLIT
    assert split(held[PRESCRIPTION]) == PRESCRIPTION_SPLIT

    assert phone.post(f"{payment.pay_url}/confirm").status_code == 200
    assert balance(demo_db) == 0
    paid = Payment.model_validate(api.get(f"/payments/{payment.id}").json())
    assert paid.status == "paid"
    receipt = paid.receipt
    assert receipt is not None
    assert (
        receipt.total_cents,
        receipt.insurance_fund_cents,
        receipt.personal_account_cents,
        receipt.self_pay_cents,
    ) == (16330, 5950 + 5307, 2000, 3073)
    assert receipt.insurance_cents == 5950 + 5307 + 2000
    # The electronic receipt page carries the split in both languages.
    page = phone.get(receipt.receipt_url).text
    for text in ("医保统筹支付", "Insurance fund", "个人账户支付", "Personal account", "个人自付"):
        assert text in page
    for cents in (5950 + 5307, 2000, 3073):
        assert format_money(cents) in page

    # The kiosk's resend (same key) answers the same payment and spends nothing more.
    again = api.post(
        "/payments",
        json={"patient_id": PATIENT, "bill_ids": [LAB, PRESCRIPTION]},
        headers={IDEMPOTENCY_HEADER: key},
    )
    assert again.headers.get(REPLAY_HEADER) == "true"
    assert again.json()["id"] == payment.id
    # The phone confirming twice changes nothing either.
    phone.post(f"{payment.pay_url}/confirm")
    assert balance(demo_db) == 0
    # Paid bills keep the split their payment fixed, whatever the balance is now.
    change(demo_db, "UPDATE insurance_accounts SET balance_cents = 9999 WHERE patient_id = ?",
           (PATIENT,))  # fmt: skip
    paid_bills = bills_by_id(api, "all")
    assert split(paid_bills[LAB]) == LAB_SPLIT
    assert split(paid_bills[PRESCRIPTION]) == PRESCRIPTION_SPLIT


def test_a_pending_payment_holds_its_share_and_a_cancelled_one_gives_it_back(api, demo_db):
    api.identify("unpaid_bills")
    change(demo_db, "UPDATE insurance_accounts SET balance_cents = 3000 WHERE patient_id = ?",
           (PATIENT,))  # fmt: skip
    # ¥30: the lab bill takes 2550 (all its eligible rest), the prescription the last 450.
    before = bills_by_id(api)
    assert split(before[LAB]) == (8500, 5950, 2550, 0)
    assert split(before[PRESCRIPTION]) == (7830, 5307, 450, 2073)
    # Paying the prescription alone keeps its figures (the lab bill has first claim).
    payment = create(api, [PRESCRIPTION])
    assert payment.amount_cents == 2073
    assert split(bills_by_id(api)[LAB]) == (8500, 5950, 2550, 0)
    cancelled = api.post(
        f"/payments/{payment.id}/cancel", json={}, headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert balance(demo_db) == 3000
    after = bills_by_id(api)
    assert split(after[PRESCRIPTION]) == (7830, 5307, 450, 2073)


def test_an_expired_payment_spends_nothing_and_frees_its_hold(api, manual_clock, demo_db):
    api.identify("unpaid_bills")
    payment = create(api, [LAB])
    assert payment.amount_cents == 550
    # While it is pending, its 2000 is held: nothing is left for the prescription.
    assert split(bills_by_id(api)[PRESCRIPTION]) == PRESCRIPTION_SPLIT
    manual_clock.advance(PAYMENT_LIFETIME)
    api.identify("unpaid_bills")  # the visit outlived by the clock: a new one
    assert Payment.model_validate(api.get(f"/payments/{payment.id}").json()).status == "expired"
    assert balance(demo_db) == 2000
    assert split(bills_by_id(api)[LAB]) == LAB_SPLIT


def test_a_bill_the_insurance_pays_whole_is_paid_at_once(api, demo_db):
    api.identify("unpaid_bills")
    change(demo_db, "UPDATE insurance_accounts SET balance_cents = 10000 WHERE patient_id = ?",
           (PATIENT,))  # fmt: skip
    assert split(bills_by_id(api)[LAB]) == (8500, 5950, 2550, 0)
    payment = create(api, [LAB])
    assert payment.amount_cents == 0
    assert payment.status == "paid"  # nothing to charge: no QR code, no wallet
    assert payment.receipt is not None
    assert payment.receipt.wallet is None
    assert payment.receipt.personal_account_cents == 2550
    assert balance(demo_db) == 10000 - 2550


def test_resident_insurance_has_a_fund_share_and_no_account(api):
    patient = api.identify("too_early")["id"]
    (bill,) = api.get(f"/patients/{patient}/bills").json()["bills"]
    # 胸部X线摄影 9000, class A, resident fund 50 %.
    assert split(bill) == (9000, 4500, 0, 4500)


def test_without_insurance_the_patient_pays_all(api, demo_db):
    change(demo_db, "UPDATE insurance_accounts SET insurance_type = 'none' WHERE patient_id = ?",
           (PATIENT,))  # fmt: skip
    api.identify("unpaid_bills")
    bills = bills_by_id(api)
    assert split(bills[LAB]) == (8500, 0, 0, 8500)
    assert split(bills[PRESCRIPTION]) == (7830, 0, 0, 7830)
    assert create(api, [LAB, PRESCRIPTION]).amount_cents == 8500 + 7830


def test_a_record_without_insurance_data_keeps_the_sources_share(api, demo_db):
    """A patient the simulated platform does not know: the bill's stored share (as a FHIR
    Invoice states it) is the fund; here the seed's 60 % of each covered item."""
    change(demo_db, "DELETE FROM insurance_accounts WHERE patient_id = ?", (PATIENT,))
    api.identify("unpaid_bills")
    bills = bills_by_id(api)
    assert split(bills[LAB]) == (8500, 5100, 0, 3400)
    # 600 + 2220 + 1488 + 390
    assert split(bills[PRESCRIPTION]) == (7830, 4698, 0, 3132)


# --- the e-voucher QR ---------------------------------------------------------------------


def identify_qr(api: ApiClient, value: str):
    return api.post("/patients/identify", json={"kind": "insurance_qr", "value": value})


def test_an_insurance_e_voucher_identifies_its_patient(api):
    response = identify_qr(api, insurance_platform.demo_voucher(PATIENT))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == PATIENT
    assert response.json()["visit_token"]


@pytest.mark.parametrize(
    ("value", "code", "reason"),
    [
        (insurance_platform.demo_voucher(PATIENT, salt="never issued"), "insurance_voucher_invalid",
         "unknown"),
        ("110100EC12345", "insurance_voucher_invalid", "malformed"),
        ("EHC:demo-0010-b1115a", "insurance_voucher_invalid", "malformed"),
        (insurance_platform.demo_voucher(PATIENT, salt=EXPIRED_VOUCHER_SALT),
         "insurance_voucher_expired", "expired"),
    ],
)  # fmt: skip
def test_a_bad_e_voucher_is_refused_clearly(api, value, code, reason):
    response = identify_qr(api, value)
    assert response.status_code == 422, response.text
    body = ErrorBody.model_validate(response.json())
    assert body.error.code == code
    assert body.error.details["reason"] == reason
    assert body.error.message


def test_bad_e_vouchers_count_towards_the_identify_limit(api, live_server):
    bad = insurance_platform.demo_voucher(PATIENT, salt="guess")
    codes = [identify_qr(api, bad).status_code for _ in range(11)]
    assert codes[:10] == [422] * 10
    assert codes[10] == 429


def test_an_e_voucher_expires_on_the_platforms_clock(api, manual_clock, demo_db, demo_now):
    token = insurance_platform.demo_voucher(PATIENT, salt="short")
    conn = connect(demo_db)
    try:
        with write_transaction(conn):
            expires = demo_now + dt.timedelta(minutes=1)
            insurance_platform.add_voucher(conn, token, _id_number(conn), expires)
    finally:
        conn.close()
    assert identify_qr(api, token).status_code == 200
    manual_clock.advance(dt.timedelta(minutes=1))
    assert identify_qr(api, token).json()["error"]["code"] == "insurance_voucher_expired"


def _id_number(conn) -> str:
    row = conn.execute("SELECT id_number FROM patients WHERE id = ?", (PATIENT,)).fetchone()
    return str(row[0])


def test_a_payment_made_before_the_insurance_migration_reads_as_before(empty_db: Target):
    """A version 7 database (no insurance data, payments without a stored settlement): after
    migration 10 its paid bill shows its stored share as the fund, and new bills of its
    patients keep the source's share too (nobody has an insurance account yet)."""
    conn = connect(empty_db)
    try:
        schema.migrate(conn, now=DEMO_NOW, target=7)
        seed_demo(conn, DEMO_NOW)
        with write_transaction(conn):
            conn.execute(
                "INSERT INTO payments (id, patient_id, kiosk_id, status, amount_cents, "
                "created_at, expires_at, decided_at, receipt_number, pay_token) "
                "VALUES ('pay-old', ?, 'demo-kiosk', 'paid', 3400, ?, ?, ?, 'R2025031000001', "
                "'old-token')",
                (PATIENT, DEMO_NOW.isoformat(), DEMO_NOW.isoformat(), DEMO_NOW.isoformat()),
            )
            conn.execute(
                "INSERT INTO payment_bills (payment_id, bill_id, sort) VALUES ('pay-old', ?, 0)",
                (LAB,),
            )
            conn.execute(
                "UPDATE bills SET status = 'paid', payment_id = 'pay-old' WHERE id = ?", (LAB,)
            )
        assert 10 in schema.migrate(conn, now=DEMO_NOW)
        assert conn.execute("SELECT count(*) FROM insurance_accounts").fetchone()[0] == 0
    finally:
        conn.close()
    with EmbeddedServer.start(empty_db, seed_demo=False, clock=lambda: DEMO_NOW) as server:
        api = ApiClient(server.url)
        try:
            api.identify("unpaid_bills")
            bills = bills_by_id(api, "all")
            paid = Payment.model_validate(api.get("/payments/pay-old").json())
        finally:
            api.close()
    assert split(bills[LAB]) == (8500, 5100, 0, 3400)  # the seed's 60 % of covered items
    assert split(bills[PRESCRIPTION]) == (7830, 4698, 0, 3132)
    assert paid.receipt is not None
    assert (paid.receipt.insurance_fund_cents, paid.receipt.personal_account_cents) == (5100, 0)
