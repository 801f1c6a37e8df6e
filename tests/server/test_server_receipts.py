"""Electronic receipts (电子票据): a paid payment's receipt links to a printable page."""

from __future__ import annotations

import uuid

import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, Payment
from kiosk.api.money import format_money
from tests.helpers.server import ApiClient

CHARGED_CODE = "134567890123456789"  # the simulated wallet charges it at once


def pay_unpaid_bills(api: ApiClient) -> Payment:
    patient = api.identify("unpaid_bills")["id"]
    bills = api.get(f"/patients/{patient}/bills").json()["bills"]
    created = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [b["id"] for b in bills]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    paid = api.post(
        f"/payments/{created.json()['id']}/payment-code",
        json={"code": CHARGED_CODE},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert paid.status_code == 200, paid.text
    return Payment.model_validate(paid.json())


def test_a_paid_payment_has_an_electronic_receipt_page(api: ApiClient) -> None:
    payment = pay_unpaid_bills(api)
    assert payment.receipt is not None
    url = payment.receipt.receipt_url
    assert url.startswith(api.base_url + "/pay/")
    assert payment.id not in url  # the page's secret is the pay token, not the payment id
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "电子票据" in page.text
    assert "Electronic receipt" in page.text
    assert payment.receipt.receipt_number in page.text
    assert format_money(payment.receipt.self_pay_cents) in page.text
    assert "@media print" in page.text
    for item in payment.receipt.items:
        assert item.name in page.text


def test_an_unpaid_payment_has_no_receipt_page(api: ApiClient) -> None:
    patient = api.identify("unpaid_bills")["id"]
    bills = api.get(f"/patients/{patient}/bills").json()["bills"]
    created = Payment.model_validate(
        api.post(
            "/payments",
            json={"patient_id": patient, "bill_ids": [bills[0]["id"]]},
            headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
        ).json()
    )
    assert created.receipt is None
    page = requests.get(f"{created.pay_url}/receipt", timeout=10)
    assert page.status_code == 404
    assert "尚未支付" in page.text
    unknown = requests.get(f"{api.base_url}/pay/no-such-token/receipt", timeout=10)
    assert unknown.status_code == 404
