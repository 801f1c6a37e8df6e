"""Paying by payment code (付款码): the simulated charge, idempotency and ownership, over
real loopback HTTP."""

from __future__ import annotations

import uuid

import pytest
import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER, Payment
from kiosk.api.payment_codes import Wallet, wallet_of
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.idempotency import REPLAY_HEADER
from tests.helpers.server import ApiClient, new_payment, pay_page_post, pay_url_of

WECHAT_CHARGED = "134567890123456789"
ALIPAY_DECLINED = "281234567890120051"
UNIONPAY_HELD = "621234567890120090"


def pay_by_code(
    api: ApiClient, payment_id: str, code: str, *, key: str | None = None
) -> requests.Response:
    return api.post(
        f"/payments/{payment_id}/payment-code",
        json={"code": code},
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )


def bill_statuses(api: ApiClient, patient_id: str) -> list[str]:
    bills = api.get(f"/patients/{patient_id}/bills", params={"status": "all"}).json()["bills"]
    return sorted(bill["status"] for bill in bills)


def test_the_wallet_is_read_from_the_first_two_digits() -> None:
    assert wallet_of(WECHAT_CHARGED) is Wallet.wechat
    assert wallet_of(ALIPAY_DECLINED) is Wallet.alipay
    assert wallet_of(UNIONPAY_HELD) is Wallet.unionpay
    for not_a_code in ("", "13456789012345678", "1345678901234567890", "13456789012345678X"):
        assert wallet_of(not_a_code) is None, not_a_code
    assert wallet_of("991234567890123456") is None  # 18 digits, but no wallet's


def test_a_charged_code_pays_with_receipt_pharmacy_ticket_and_lab_directions(
    api: ApiClient,
) -> None:
    payment = new_payment(api)
    answer = pay_by_code(api, payment.id, WECHAT_CHARGED)
    assert answer.status_code == 200, answer.text
    paid = Payment.model_validate(answer.json())
    assert paid.status == "paid"
    assert paid.receipt is not None
    assert paid.receipt.self_pay_cents == payment.amount_cents
    assert paid.receipt.wallet is Wallet.wechat  # the receipt says how it was paid
    assert [ticket.number for ticket in paid.pharmacy_tickets] == ["Y001"]
    # The lab bill says where blood is drawn, from the hospital's facilities.
    assert [d.category for d in paid.directions] == ["lab"]
    assert paid.directions[0].location.building == "医技楼"
    assert paid.directions[0].location.room == "101"
    assert bill_statuses(api, paid.patient_id) == ["paid", "paid"]


def test_repeating_the_same_key_changes_nothing(
    api: ApiClient, live_server: EmbeddedServer
) -> None:
    payment = new_payment(api)
    key = uuid.uuid4().hex
    first = pay_by_code(api, payment.id, WECHAT_CHARGED, key=key)
    again = pay_by_code(api, payment.id, WECHAT_CHARGED, key=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get(REPLAY_HEADER) == "true"
    assert again.json() == first.json()
    conflict = pay_by_code(api, payment.id, "251234567890123456", key=key)
    assert conflict.status_code == 422
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    conn = connect(live_server.db_path)
    try:
        receipts = conn.execute(
            "SELECT COUNT(*) FROM payments WHERE receipt_number IS NOT NULL"
        ).fetchone()[0]
        pickups = conn.execute("SELECT COUNT(*) FROM pharmacy_tickets").fetchone()[0]
    finally:
        conn.close()
    assert (receipts, pickups) == (1, 1)


def test_a_declined_code_charges_nothing_and_frees_the_bills(api: ApiClient) -> None:
    payment = new_payment(api)
    answer = pay_by_code(api, payment.id, ALIPAY_DECLINED)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "failed"
    assert answer.json()["receipt"] is None
    assert bill_statuses(api, payment.patient_id) == ["unpaid", "unpaid"]
    # A code on a payment that is no longer pending changes nothing.
    later = pay_by_code(api, payment.id, WECHAT_CHARGED)
    assert later.status_code == 200
    assert later.json()["status"] == "failed"
    # Trying again is a new payment.
    again = new_payment(api)
    assert pay_by_code(api, again.id, WECHAT_CHARGED).json()["status"] == "paid"


def test_a_held_code_stays_pending_until_the_payer_confirms(
    api: ApiClient, live_server: EmbeddedServer
) -> None:
    payment = new_payment(api)
    answer = pay_by_code(api, payment.id, UNIONPAY_HELD)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "pending"
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"
    pay_page_post(
        pay_url_of(live_server.url, live_server.db_path, payment.id), "confirm"
    ).raise_for_status()
    paid = api.get(f"/payments/{payment.id}").json()
    assert paid["status"] == "paid"
    assert paid["receipt"]["wallet"] == "unionpay"  # confirmed in the wallet whose code it was


def test_another_kiosks_payment_is_refused(api: ApiClient, other_kiosk: ApiClient) -> None:
    payment = new_payment(api)
    other_kiosk.identify("unpaid_bills")  # even with a visit of the same patient
    refused = pay_by_code(other_kiosk, payment.id, WECHAT_CHARGED)
    assert refused.status_code == 404
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"


def test_without_the_patients_visit_it_is_refused(api: ApiClient) -> None:
    payment = new_payment(api)
    del api.session.headers[VISIT_TOKEN_HEADER]
    refused = pay_by_code(api, payment.id, WECHAT_CHARGED)
    assert refused.status_code == 403
    api.identify("one_in_window")  # another patient's visit
    refused = pay_by_code(api, payment.id, WECHAT_CHARGED)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "wrong_patient"
    del api.session.headers[VISIT_TOKEN_HEADER]  # reading needs no visit
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": ""},
        {"code": "13456789012345678"},
        {"code": "13456789012345678A"},
        {"code": 134567890123456789},
        {"code": WECHAT_CHARGED, "extra": 1},
        ["not", "an", "object"],
    ],
)
def test_a_bad_body_is_a_4xx(api: ApiClient, body: object) -> None:
    payment = new_payment(api)
    answer = api.post(
        f"/payments/{payment.id}/payment-code",
        json=body,
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert 400 <= answer.status_code < 500, answer.text
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"


def test_an_unknown_wallet_and_a_missing_key_are_refused(api: ApiClient) -> None:
    payment = new_payment(api)
    unknown = pay_by_code(api, payment.id, "991234567890123456")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "payment_code_invalid"
    no_key = api.post(f"/payments/{payment.id}/payment-code", json={"code": WECHAT_CHARGED})
    assert no_key.status_code == 400
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"
    assert (
        api.post(
            "/payments/nope/payment-code",
            json={"code": WECHAT_CHARGED},
            headers={IDEMPOTENCY_HEADER: "k"},
        ).status_code
        == 404
    )
