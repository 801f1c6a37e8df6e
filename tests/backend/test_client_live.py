"""The client against the real reference server: every call validates into the shared models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kiosk.api.models import DeviceState, HeartbeatRequest, IdentifierKind, TicketStatus
from kiosk.backend.client import KioskApiClient, new_idempotency_key
from kiosk.backend.errors import BackendRejectedError
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_KIOSK_ID, DEMO_TOKEN


@pytest.fixture
def client(live_server: EmbeddedServer) -> Iterator[KioskApiClient]:
    api = KioskApiClient(live_server.url, DEMO_TOKEN, DEMO_KIOSK_ID)
    yield api
    api.close()


def test_identify_by_every_kind(client: KioskApiClient) -> None:
    for identity in DEMO_IDENTITIES.values():
        patient = client.identify(identity.kind, identity.value)
        assert "*" in patient.display_name


def test_not_found_is_a_rejection_with_its_code(client: KioskApiClient) -> None:
    with pytest.raises(BackendRejectedError) as caught:
        client.identify(IdentifierKind.phone, "13000000000")
    assert (caught.value.status, caught.value.code) == (404, "patient_not_found")


def test_check_in_retry_and_public_status(
    client: KioskApiClient, live_server: EmbeddedServer
) -> None:
    identity = DEMO_IDENTITIES["one_in_window"]
    patient = client.identify(identity.kind, identity.value)
    today = live_server.clock().date()
    [appointment] = client.appointments(patient.id, today, today)
    key = new_idempotency_key()
    first = client.check_in(appointment.id, idempotency_key=key)
    again = client.check_in(appointment.id, idempotency_key=key)
    assert again == first
    with pytest.raises(BackendRejectedError) as caught:
        client.check_in(appointment.id, idempotency_key=new_idempotency_key())
    assert caught.value.code == "already_checked_in"
    assert caught.value.ticket == first.ticket
    status = client.ticket_status(first.ticket.number, first.ticket.service_date)
    assert status.status == TicketStatus.waiting
    assert status.people_ahead == first.ticket.people_ahead


def test_departments_and_schedule(client: KioskApiClient, live_server: EmbeddedServer) -> None:
    departments = client.departments()
    assert len(departments) >= 10
    schedule = client.schedule(departments[0].id, live_server.clock().date() + dt.timedelta(1))
    assert schedule.doctors
    assert all(s.slots_left <= s.slots_total for d in schedule.doctors for s in d.sessions)


def test_heartbeat(client: KioskApiClient) -> None:
    ack = client.heartbeat(
        HeartbeatRequest(
            version="0.1.0",
            uptime_s=12.5,
            devices=[DeviceState(name="printer", kind="simulated", state="ok")],
        )
    )
    assert ack.kiosk_id == DEMO_KIOSK_ID
