"""Receipts printed again (票据补打): the patient's past receipts and the shared reprint policy."""

from __future__ import annotations

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER, ReceiptList, ReceiptReprint
from kiosk.server.clock import ManualClock
from kiosk.server.db import connect, from_db_time, to_db_time, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.idempotency import REPLAY_HEADER
from kiosk.server.visits import Limits
from tests.helpers.server import DEMO_NOW, ApiClient

CHARGED_CODE = "134567890123456789"  # the simulated wallet charges it at once


def pay(api: ApiClient, patient_id: str, bill_ids: list[str]) -> dict[str, Any]:
    created = api.post(
        "/payments",
        json={"patient_id": patient_id, "bill_ids": bill_ids},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    paid = api.post(
        f"/payments/{created.json()['id']}/payment-code",
        json={"code": CHARGED_CODE},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    result: dict[str, Any] = paid.json()
    return result


def bills_of(api: ApiClient, patient_id: str) -> list[str]:
    return [bill["id"] for bill in api.get(f"/patients/{patient_id}/bills").json()["bills"]]


def listed(api: ApiClient, patient_id: str) -> ReceiptList:
    response = api.get(f"/patients/{patient_id}/receipts")
    assert response.status_code == 200, response.text
    return ReceiptList.model_validate(response.json())


def reprint(api: ApiClient, number: str, *, key: str | None = None) -> requests.Response:
    return api.post(
        f"/receipts/{number}/reprint", headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex}
    )


@pytest.fixture
def paid_one(api: ApiClient) -> tuple[str, dict[str, Any]]:
    """The "unpaid_bills" patient paid one bill; the other stays unpaid."""
    patient = api.identify("unpaid_bills")["id"]
    first, *_rest = bills_of(api, patient)
    return patient, pay(api, patient, [first])


def test_only_the_patients_paid_payments_are_listed_with_their_receipt(api, paid_one):
    patient, payment = paid_one
    (other_bill,) = bills_of(api, patient)
    pending = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [other_bill]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert pending.status_code == 201, pending.text
    answer = listed(api, patient)
    assert answer.days == Limits.receipt_days
    (record,) = answer.receipts
    receipt = record.receipt
    assert record.payment_id == payment["id"]
    assert receipt.receipt_number == payment["receipt"]["receipt_number"]
    assert receipt.self_pay_cents == payment["receipt"]["self_pay_cents"]
    assert receipt.total_cents == payment["receipt"]["total_cents"]
    assert receipt.insurance_fund_cents == payment["receipt"]["insurance_fund_cents"]
    assert receipt.personal_account_cents == payment["receipt"]["personal_account_cents"]
    assert [item.name for item in receipt.items] == [i["name"] for i in payment["receipt"]["items"]]
    assert receipt.receipt_url.startswith(api.base_url + "/pay/")
    assert (record.reprints, record.reprints_left) == (0, Limits.free_receipt_reprints)
    # Cancelled: still no receipt.
    cancelled = api.post(
        f"/payments/{pending.json()['id']}/cancel", headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert [r.payment_id for r in listed(api, patient).receipts] == [payment["id"]]


def test_newest_first(api, live_server, paid_one):
    patient, older = paid_one
    live_server.clock.advance(dt.timedelta(minutes=3))
    newer = pay(api, patient, bills_of(api, patient))
    numbers = [r.receipt.receipt_number for r in listed(api, patient).receipts]
    assert numbers == [newer["receipt"]["receipt_number"], older["receipt"]["receipt_number"]]
    # One key is one reprint of one receipt: the same key for another is a conflict.
    key = uuid.uuid4().hex
    assert reprint(api, numbers[0], key=key).status_code == 200
    conflict = reprint(api, numbers[1], key=key)
    assert conflict.status_code == 422
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert [r.reprints for r in listed(api, patient).receipts] == [1, 0]


def test_another_patient_sees_none_of_them_and_cannot_reprint_them(api, paid_one):
    patient, payment = paid_one
    other = api.identify("too_early")["id"]
    assert listed(api, other).receipts == []
    theirs = api.get(f"/patients/{patient}/receipts")
    assert theirs.status_code == 403
    assert theirs.json()["error"]["code"] == "wrong_patient"
    refused = reprint(api, payment["receipt"]["receipt_number"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "wrong_patient"


def test_receipts_older_than_the_window_are_left_out(api, demo_db, paid_one):
    patient, payment = paid_one
    conn = connect(demo_db)
    try:
        row = conn.execute(
            "SELECT decided_at FROM payments WHERE id = ?", (payment["id"],)
        ).fetchone()
        old = from_db_time(row[0]) - dt.timedelta(days=Limits.receipt_days, minutes=1)
        with write_transaction(conn):
            conn.execute(
                "UPDATE payments SET decided_at = ? WHERE id = ?", (to_db_time(old), payment["id"])
            )
    finally:
        conn.close()
    assert listed(api, patient).receipts == []
    gone = reprint(api, payment["receipt"]["receipt_number"])
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


def test_a_reprint_counts_once_per_key_and_the_policy_refuses_beyond_it(api, paid_one):
    patient, payment = paid_one
    number = payment["receipt"]["receipt_number"]
    key = uuid.uuid4().hex
    first = reprint(api, number, key=key)
    assert first.status_code == 200, first.text
    copy = ReceiptReprint.model_validate(first.json())
    assert (copy.reprint_number, copy.reprints, copy.reprints_left) == (1, 1, 1)
    assert copy.receipt.receipt_number == number
    assert copy.receipt.receipt_url == payment["receipt"]["receipt_url"]
    again = reprint(api, number, key=key)  # a lost answer sent again
    assert again.status_code == 200
    assert again.headers.get(REPLAY_HEADER) == "true"
    assert again.json() == first.json()
    second = reprint(api, number)
    assert second.json()["reprint_number"] == 2
    assert second.json()["reprints_left"] == 0
    refused = reprint(api, number)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "reprint_limit_reached"
    assert "cashier window" in error["message"]
    assert error["details"] == {"free_reprints": Limits.free_receipt_reprints}
    # The replay of the first key still answers its own copy, and nothing more was counted.
    assert reprint(api, number, key=key).json()["reprint_number"] == 1
    (record,) = listed(api, patient).receipts
    assert (record.reprints, record.reprints_left) == (2, 0)


def test_the_policy_holds_across_kiosks(api, other_kiosk, paid_one):
    patient, payment = paid_one
    number = payment["receipt"]["receipt_number"]
    assert reprint(api, number).status_code == 200
    other_kiosk.identify("unpaid_bills")
    (record,) = listed(other_kiosk, patient).receipts
    assert (record.reprints, record.reprints_left) == (1, 1)
    assert reprint(other_kiosk, number).json()["reprint_number"] == 2
    assert reprint(api, number).status_code == 409


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("R2099010100001", 404, "not_found"),  # no such receipt
        ("R 1", 422, "validation_failed"),  # not a receipt number's characters
        ("R" + "1" * 40, 422, "validation_failed"),  # too long
    ],
)
def test_bad_receipt_numbers_are_clear_errors(api, paid_one, number, status, code):
    response = reprint(api, number)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_reprint_needs_an_idempotency_key(api, paid_one):
    _patient, payment = paid_one
    response = api.post(f"/receipts/{payment['receipt']['receipt_number']}/reprint")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_missing_ended_or_expired_visit_token_is_refused(api, live_server, paid_one):
    patient, payment = paid_one
    number = payment["receipt"]["receipt_number"]
    token = api.session.headers.pop(VISIT_TOKEN_HEADER)
    for response in (api.get(f"/patients/{patient}/receipts"), reprint(api, number)):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "visit_token_required"
    api.session.headers[VISIT_TOKEN_HEADER] = "not-a-visit"
    assert api.get(f"/patients/{patient}/receipts").json()["error"]["code"] == (
        "visit_token_required"
    )
    api.session.headers[VISIT_TOKEN_HEADER] = token
    live_server.clock.advance(Limits.visit_lifetime + dt.timedelta(seconds=1))
    for response in (api.get(f"/patients/{patient}/receipts"), reprint(api, number)):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "visit_token_required"
    api.identify("unpaid_bills")
    (record,) = listed(api, patient).receipts
    assert record.reprints == 0  # the refused reprints counted nothing


def test_the_servers_policy_and_window_are_its_configuration(demo_db):
    """``--free-receipt-reprints 0`` leaves every reprint to the window; ``--receipt-days``
    is how far back the list goes."""
    limits = Limits(free_receipt_reprints=0, receipt_days=1)
    clock = ManualClock(DEMO_NOW)
    with EmbeddedServer.start(demo_db, seed_demo=True, clock=clock, limits=limits) as server:
        client = ApiClient(server.url)
        try:
            patient = client.identify("unpaid_bills")["id"]
            first, *_ = bills_of(client, patient)
            payment = pay(client, patient, [first])
            answer = listed(client, patient)
            assert answer.days == 1
            (record,) = answer.receipts
            assert (record.reprints, record.reprints_left) == (0, 0)
            refused = reprint(client, payment["receipt"]["receipt_number"])
            assert refused.status_code == 409
            assert refused.json()["error"]["details"] == {"free_reprints": 0}
            clock.advance(dt.timedelta(days=1, minutes=1))
            client.identify("unpaid_bills")
            assert listed(client, patient).receipts == []
        finally:
            client.close()


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Limits(receipt_days=0)
    with pytest.raises(ValueError, match="negative"):
        Limits(free_receipt_reprints=-1)


def test_two_kiosks_taking_the_last_free_reprint_at_once_get_one_copy(api, other_kiosk, paid_one):
    patient, payment = paid_one
    number = payment["receipt"]["receipt_number"]
    assert reprint(api, number).status_code == 200  # one left
    other_kiosk.identify("unpaid_bills")
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda client: reprint(client, number), [api, other_kiosk]))
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    (record,) = listed(api, patient).receipts
    assert (record.reprints, record.reprints_left) == (2, 0)
