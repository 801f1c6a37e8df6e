"""The client's service calls against the real reference server (registration, bills,
payments, feedback, prices, buildings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kiosk.api.models import (
    FeedbackRequest,
    ItemCategory,
    PaymentStatus,
    RegistrationStatus,
)
from kiosk.backend.client import KioskApiClient, new_idempotency_key
from kiosk.backend.errors import BackendRejectedError
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_KIOSK_ID, DEMO_TOKEN
from tests.helpers.server import pay_page_post


@pytest.fixture
def client(live_server: EmbeddedServer) -> Iterator[KioskApiClient]:
    api = KioskApiClient(live_server.url, DEMO_TOKEN, DEMO_KIOSK_ID)
    yield api
    api.close()


def _patient(client: KioskApiClient, scenario: str) -> str:
    identity = DEMO_IDENTITIES[scenario]
    return client.identify(identity.kind, identity.value).id


def _open_session(
    client: KioskApiClient, department_id: str, now: dt.datetime, *, free: bool
) -> str:
    for doctor in client.schedule(department_id).doctors:
        for session in doctor.sessions:
            if session.slots_left and session.ends_at > now and (session.fee_cents == 0) == free:
                return session.id
    raise AssertionError("no open session")


def test_register_free_and_replay(client: KioskApiClient, live_server: EmbeddedServer) -> None:
    patient = _patient(client, "no_appointment_today")
    session_id = _open_session(client, "dep-a", live_server.clock(), free=True)
    key = new_idempotency_key()
    first = client.register(patient, session_id, idempotency_key=key)
    assert first.registration.status is RegistrationStatus.confirmed
    assert first.registration.ticket is not None
    assert client.register(patient, session_id, idempotency_key=key) == first
    with pytest.raises(BackendRejectedError) as caught:
        client.register(patient, session_id, idempotency_key=new_idempotency_key())
    assert (caught.value.status, caught.value.code) == (409, "already_registered")
    assert caught.value.ticket == first.registration.ticket


def test_register_paid_then_pay_on_the_page(
    client: KioskApiClient, live_server: EmbeddedServer
) -> None:
    patient = _patient(client, "no_appointment_today")
    session_id = _open_session(client, "dep-a", live_server.clock(), free=False)
    result = client.register(patient, session_id, idempotency_key=new_idempotency_key())
    registration = result.registration
    assert registration.status is RegistrationStatus.pending_payment
    [bill] = client.bills(patient)
    assert bill.id == registration.bill_id
    payment = client.create_payment(patient, [bill.id], idempotency_key=new_idempotency_key())
    assert payment.status is PaymentStatus.pending
    assert pay_page_post(payment.qr_payload, "confirm").ok
    paid = client.payment(payment.id)
    assert paid.status is PaymentStatus.paid
    [ticket] = paid.registration_tickets
    assert ticket.department.code == "A"
    assert client.bills(patient) == []
    assert [b.status for b in client.bills(patient, include_paid=True)] == ["paid"]
    with pytest.raises(BackendRejectedError) as caught:
        client.cancel_payment(payment.id, idempotency_key=new_idempotency_key())
    assert (caught.value.status, caught.value.code) == (409, "already_paid")


def test_payment_of_the_unpaid_bills_scenario_and_cancel(client: KioskApiClient) -> None:
    patient = _patient(client, "unpaid_bills")
    bills = client.bills(patient)
    assert len(bills) == 2
    key = new_idempotency_key()
    payment = client.create_payment(patient, [b.id for b in bills], idempotency_key=key)
    assert payment.amount_cents == sum(b.self_pay_cents for b in bills)
    assert client.create_payment(patient, [b.id for b in bills], idempotency_key=key) == payment
    with pytest.raises(BackendRejectedError) as caught:
        client.create_payment(patient, [bills[0].id], idempotency_key=new_idempotency_key())
    assert caught.value.code == "bill_unavailable"
    cancelled = client.cancel_payment(payment.id, idempotency_key=new_idempotency_key())
    assert cancelled.status is PaymentStatus.cancelled
    assert client.payment(payment.id).status is PaymentStatus.cancelled
    [drugs] = [b for b in bills if any(i.category is ItemCategory.drug for i in b.items)]
    again = client.create_payment(patient, [drugs.id], idempotency_key=new_idempotency_key())
    assert pay_page_post(again.qr_payload, "confirm").ok
    paid = client.payment(again.id)
    assert paid.receipt is not None
    [pharmacy] = paid.pharmacy_tickets
    assert pharmacy.window


def test_feedback_prices_and_buildings(client: KioskApiClient) -> None:
    ack = client.send_feedback(
        FeedbackRequest(rating=5, tags=["fast"], context="checkin"),
        idempotency_key=new_idempotency_key(),
    )
    assert ack.id
    assert len(client.prices()) >= 40
    drugs = client.prices("阿莫西林", ItemCategory.drug)
    assert [item.code for item in drugs] == ["DRG-AMX"]
    assert client.prices(category=ItemCategory.lab)
    buildings = client.buildings()
    assert len(buildings) == 3
    assert all(building.floors for building in buildings)
