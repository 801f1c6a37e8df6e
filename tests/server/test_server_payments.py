"""Bills, QR payments and the simulated payment page, over real loopback HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, BillList, ErrorBody, Payment
from kiosk.server.idempotency import REPLAY_HEADER
from kiosk.server.payments import PAYMENT_LIFETIME
from tests.helpers.server import ApiClient, Phone


@pytest.fixture
def phone():
    """A second HTTP client: the patient's phone, with no kiosk token."""
    client = Phone()
    yield client
    client.close()


def unpaid_bills(api) -> tuple[str, list[dict[str, Any]]]:
    patient = api.identify("unpaid_bills")["id"]
    response = api.get(f"/patients/{patient}/bills")
    assert response.status_code == 200, response.text
    return patient, response.json()["bills"]


def create_payment(api, patient: str, bill_ids: list[str], *, key: str | None = None):
    return api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": bill_ids},
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )


def new_payment(api) -> tuple[str, list[dict[str, Any]], Payment]:
    patient, bills = unpaid_bills(api)
    response = create_payment(api, patient, [bill["id"] for bill in bills])
    assert response.status_code == 201, response.text
    return patient, bills, Payment.model_validate(response.json())


def get_payment(api, payment_id: str) -> Payment:
    response = api.get(f"/payments/{payment_id}")
    assert response.status_code == 200, response.text
    return Payment.model_validate(response.json())


def cancel(api: ApiClient, payment_id: str, *, key: str | None = None) -> requests.Response:
    return api.post(
        f"/payments/{payment_id}/cancel",
        json={},
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )


def test_the_unpaid_bills_scenario_has_two_itemized_bills(api):
    patient, raw = unpaid_bills(api)
    bills = BillList.model_validate({"bills": raw}).bills
    assert len(bills) == 2
    drugs, lab = bills if any(i.category == "drug" for i in bills[0].items) else bills[::-1]
    assert {item.category for item in drugs.items} == {"consultation", "drug"}
    assert {item.category for item in lab.items} == {"lab"}
    for bill in bills:
        assert bill.status == "unpaid"
        assert bill.department.code == "A"
        assert bill.title
        assert bill.title_en
        assert bill.total_cents == sum(item.amount_cents for item in bill.items)
        assert 0 < bill.insurance_cents < bill.total_cents
        assert bill.self_pay_cents == bill.total_cents - bill.insurance_cents
        for item in bill.items:
            assert item.name
            assert item.name_en
            assert item.unit
            assert item.amount_cents == round(item.unit_price_cents * item.quantity)
    amoxicillin = next(item for item in drugs.items if "阿莫西林" in item.name)
    assert amoxicillin.quantity == 2
    assert api.get(f"/patients/{patient}/bills", params={"status": "all"}).json()["bills"] == raw


def test_bills_of_unknown_patients_and_bad_filters(api, anonymous_api):
    # another patient's (or nobody's) bills need that patient's visit
    assert api.get("/patients/pat-9999/bills").json()["error"]["code"] == "visit_token_required"
    patient, _ = unpaid_bills(api)
    bad = api.get(f"/patients/{patient}/bills", params={"status": "paid-ish"})
    assert bad.status_code == 422
    assert anonymous_api.get(f"/patients/{patient}/bills").status_code == 401


def test_a_payment_locks_its_bills_until_it_ends(api, live_server, demo_now):
    patient, bills, payment = new_payment(api)
    assert payment.status == "pending"
    assert payment.patient_id == patient
    assert payment.amount_cents == sum(bill["self_pay_cents"] for bill in bills)
    assert payment.bill_ids == [bill["id"] for bill in bills]
    assert payment.qr_payload == payment.pay_url
    assert payment.pay_url.startswith(f"{live_server.url}/pay/")
    assert payment.id not in payment.pay_url
    assert payment.created_at == demo_now
    assert payment.expires_at == demo_now + PAYMENT_LIFETIME
    assert payment.receipt is None
    listed = api.get(f"/patients/{patient}/bills").json()["bills"]
    assert {bill["status"] for bill in listed} == {"pending_payment"}
    again = create_payment(api, patient, [bills[1]["id"]])
    assert again.status_code == 409
    body = ErrorBody.model_validate(again.json())
    assert body.error.code == "bill_unavailable"
    assert body.error.details["reason"] == "pending_payment"
    assert "payment_id" not in body.error.details  # the holder is not named


def test_paying_on_the_page_from_a_phone(api, phone, demo_now):
    patient, bills, payment = new_payment(api)
    page = phone.get(payment.qr_payload, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"¥{payment.amount_cents / 100:,.2f}" in page.text
    assert "阿莫西林" in page.text
    assert "Amoxicillin" in page.text
    assert "/confirm" in page.text
    assert "/decline" in page.text
    assert 'name="viewport"' in page.text

    result = phone.post(f"{payment.qr_payload}/confirm", timeout=10)
    assert result.status_code == 200
    assert "支付成功" in result.text
    assert "Paid" in result.text

    paid = get_payment(api, payment.id)
    assert paid.status == "paid"
    receipt = paid.receipt
    assert receipt is not None
    assert receipt.receipt_number.startswith(f"R{demo_now:%Y%m%d}")
    assert receipt.paid_at == demo_now
    assert len(receipt.items) == sum(len(bill["items"]) for bill in bills)
    assert receipt.total_cents == sum(bill["total_cents"] for bill in bills)
    assert receipt.insurance_cents == sum(bill["insurance_cents"] for bill in bills)
    assert receipt.self_pay_cents == payment.amount_cents
    (pharmacy,) = paid.pharmacy_tickets
    assert pharmacy.number == "Y001"
    assert pharmacy.window
    assert pharmacy.window_en
    assert pharmacy.location
    assert {item.category for item in pharmacy.items} == {"drug"}
    assert len(pharmacy.items) == 3
    assert paid.registration_tickets == []

    # Nothing left to pay; everything is listed as paid.
    assert api.get(f"/patients/{patient}/bills").json()["bills"] == []
    listed = api.get(f"/patients/{patient}/bills", params={"status": "all"}).json()["bills"]
    assert {bill["status"] for bill in listed} == {"paid"}
    # A paid bill cannot be paid again.
    again = create_payment(api, patient, [bills[0]["id"]])
    assert again.status_code == 409
    body = ErrorBody.model_validate(again.json())
    assert (body.error.code, body.error.details["reason"]) == ("bill_unavailable", "paid")
    # Confirming twice changes nothing.
    assert "支付成功" in phone.post(f"{payment.qr_payload}/confirm", timeout=10).text
    assert get_payment(api, payment.id) == paid
    # The page now shows the result instead of the buttons.
    page = phone.get(payment.qr_payload, timeout=10).text
    assert "/confirm" not in page
    assert receipt.receipt_number in page


def test_declining_fails_the_payment_and_frees_the_bills(api, phone):
    patient, bills, payment = new_payment(api)
    result = phone.post(
        f"{payment.qr_payload}/decline", data={"button": "decline"}, timeout=10
    )  # a form-encoded body is accepted on the payment page
    assert result.status_code == 200
    assert "已拒绝" in result.text
    declined = get_payment(api, payment.id)
    assert declined.status == "failed"
    assert declined.receipt is None
    # Confirming afterwards says so and changes nothing.
    late = phone.post(f"{payment.qr_payload}/confirm", timeout=10)
    assert "已拒绝" in late.text
    assert get_payment(api, payment.id).status == "failed"
    listed = api.get(f"/patients/{patient}/bills").json()["bills"]
    assert {bill["status"] for bill in listed} == {"unpaid"}
    assert create_payment(api, patient, [bill["id"] for bill in bills]).status_code == 201


def test_a_payment_expires_after_five_minutes(api, phone, manual_clock):
    patient, bills, payment = new_payment(api)
    phone.get(payment.qr_payload)  # scanned, then left too long
    manual_clock.advance(PAYMENT_LIFETIME - dt.timedelta(seconds=1))
    assert get_payment(api, payment.id).status == "pending"
    manual_clock.advance(dt.timedelta(seconds=1))
    assert get_payment(api, payment.id).status == "expired"
    listed = api.get(f"/patients/{patient}/bills").json()["bills"]
    assert {bill["status"] for bill in listed} == {"unpaid"}
    late = phone.post(f"{payment.qr_payload}/confirm", timeout=10)
    assert late.status_code == 200
    assert "过期" in late.text
    assert "expired" in late.text
    expired = get_payment(api, payment.id)
    assert expired.status == "expired"
    assert expired.receipt is None
    assert expired.pharmacy_tickets == []
    assert {b["status"] for b in api.get(f"/patients/{patient}/bills").json()["bills"]} == {
        "unpaid"
    }
    # Cancelling an expired payment leaves it expired.
    assert cancel(api, payment.id).json()["status"] == "expired"
    # The bills can be paid with a new payment.
    assert create_payment(api, patient, [bill["id"] for bill in bills]).status_code == 201


def test_cancel(api, phone):
    patient, bills, payment = new_payment(api)
    phone.get(payment.qr_payload)  # scanned before the kiosk cancelled it
    response = cancel(api, payment.id, key="cancel-1")
    assert response.status_code == 200, response.text
    assert Payment.model_validate(response.json()).status == "cancelled"
    replay = cancel(api, payment.id, key="cancel-1")
    assert replay.json() == response.json()
    assert replay.headers.get(REPLAY_HEADER) == "true"
    assert cancel(api, payment.id).json()["status"] == "cancelled"
    assert "已取消" in phone.post(f"{payment.qr_payload}/confirm", timeout=10).text
    assert get_payment(api, payment.id).status == "cancelled"
    # Free again: pay them, then cancelling the paid payment is refused.
    second = Payment.model_validate(
        create_payment(api, patient, [bill["id"] for bill in bills]).json()
    )
    phone.post(f"{second.qr_payload}/confirm", timeout=10)
    refused = cancel(api, second.id)
    assert refused.status_code == 409
    body = ErrorBody.model_validate(refused.json())
    assert body.error.code == "already_paid"
    assert body.error.details["payment"]["status"] == "paid"
    assert body.error.details["payment"]["receipt"]["receipt_number"]
    assert cancel(api, "pay-nothing").status_code == 404


def test_the_same_key_replays_the_same_payment(api):
    patient, bills = unpaid_bills(api)
    first = create_payment(api, patient, [bills[0]["id"]], key="pay-1")
    second = create_payment(api, patient, [bills[0]["id"]], key="pay-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get(REPLAY_HEADER) == "true"
    conflict = create_payment(api, patient, [bills[1]["id"]], key="pay-1")
    assert conflict.status_code == 422
    assert conflict.json()["error"]["code"] == "idempotency_conflict"


def test_bad_payment_requests(api, anonymous_api):
    patient, bills = unpaid_bills(api)
    other = api.identify("one_in_window")["id"]
    assert create_payment(api, other, [bills[0]["id"]]).status_code == 404
    assert create_payment(api, "pat-9999", [bills[0]["id"]]).status_code == 403  # no visit
    api.identify("unpaid_bills")  # back to the visit of the bills' patient
    assert create_payment(api, patient, ["bill-nothing"]).status_code == 404
    for body in (
        {"patient_id": patient, "bill_ids": []},
        {"patient_id": patient},
        {"patient_id": patient, "bill_ids": ["x"] * 21},
        {"patient_id": patient, "bill_ids": "bill-0001"},
        {"patient_id": patient, "bill_ids": [bills[0]["id"]], "amount_cents": 1},
    ):
        response = api.post("/payments", json=body, headers={IDEMPOTENCY_HEADER: "k"})
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "validation_failed"
    no_key = api.post("/payments", json={"patient_id": patient, "bill_ids": [bills[0]["id"]]})
    assert no_key.status_code == 400
    assert anonymous_api.get("/payments/pay-x").status_code == 401
    assert api.get("/payments/pay-nothing").json()["error"]["code"] == "not_found"
    # None of it locked a bill.
    assert {b["status"] for b in api.get(f"/patients/{patient}/bills").json()["bills"]} == {
        "unpaid"
    }


def test_the_payment_page_of_an_unknown_payment(phone, live_server):
    for response in (
        phone.get(f"{live_server.url}/pay/pay-nothing", timeout=10),
        phone.post(f"{live_server.url}/pay/pay-nothing/confirm", timeout=10),
        phone.post(f"{live_server.url}/pay/pay-nothing/decline", timeout=10),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
