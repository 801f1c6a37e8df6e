"""Finding 4: payments belong to the kiosk that made them, and the public payment page has its
own unguessable token, a CSRF token in its form and an Origin check."""

from __future__ import annotations

import re
import uuid

import requests

from kiosk.api.models import IDEMPOTENCY_HEADER
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.server import ApiClient, new_payment


def test_another_kiosk_can_neither_read_nor_cancel_a_payment(
    api: ApiClient, other_kiosk: ApiClient
) -> None:
    payment = new_payment(api)
    read = other_kiosk.get(f"/payments/{payment.id}")
    assert read.status_code == 404
    cancel = other_kiosk.post(
        f"/payments/{payment.id}/cancel", json={}, headers={IDEMPOTENCY_HEADER: "x"}
    )
    assert cancel.status_code == 404
    mine = api.get(f"/payments/{payment.id}")
    assert mine.status_code == 200
    assert mine.json()["status"] == "pending"


def test_a_held_bill_does_not_reveal_the_other_kiosks_payment(
    api: ApiClient, other_kiosk: ApiClient
) -> None:
    payment = new_payment(api)
    patient = other_kiosk.identify("unpaid_bills")["id"]
    refused = other_kiosk.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": payment.bill_ids},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "bill_unavailable"
    assert payment.id not in refused.text
    assert payment.pay_url.rsplit("/", 1)[1] not in refused.text


def test_the_pay_page_has_its_own_unguessable_token(
    api: ApiClient, live_server: EmbeddedServer
) -> None:
    payment = new_payment(api)
    token = payment.pay_url.rsplit("/", 1)[1]
    assert payment.pay_url == f"{live_server.url}/pay/{token}"
    assert payment.qr_payload == payment.pay_url
    assert payment.id not in token
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    assert requests.get(f"{live_server.url}/pay/{payment.id}", timeout=10).status_code == 404
    assert requests.get(payment.pay_url, timeout=10).status_code == 200
    for action in ("confirm", "decline"):
        forged = requests.post(f"{live_server.url}/pay/{payment.id}/{action}", timeout=10)
        assert forged.status_code in (403, 404)
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_pay_page_needs_its_csrf_token_and_its_own_origin(
    api: ApiClient, live_server: EmbeddedServer
) -> None:
    payment = new_payment(api)
    csrf = csrf_of(requests.get(payment.pay_url, timeout=10).text)
    no_token = requests.post(f"{payment.pay_url}/confirm", timeout=10)
    assert no_token.status_code == 403
    wrong_token = requests.post(
        f"{payment.pay_url}/confirm", data={"csrf_token": "nope"}, timeout=10
    )
    assert wrong_token.status_code == 403
    cross_site = requests.post(
        f"{payment.pay_url}/confirm",
        data={"csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert cross_site.status_code == 403
    assert api.get(f"/payments/{payment.id}").json()["status"] == "pending"
    paid = requests.post(
        f"{payment.pay_url}/confirm",
        data={"csrf_token": csrf},
        headers={"Origin": live_server.url},
        timeout=10,
    )
    assert paid.status_code == 200, paid.text
    assert api.get(f"/payments/{payment.id}").json()["status"] == "paid"
