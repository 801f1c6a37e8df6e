"""The kiosk's journey through the real window against a server reading the hospital's FHIR
server (sekmet-fhir on loopback): card, appointment, check-in and its ticket; then the bills
and their payment on the patient's phone, balanced at the FHIR server afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.flows.payment import PaymentFlow, PayStep
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.visit import Step
from kiosk.server.clock import ManualClock
from kiosk.server.db import open_database
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.fhir.config import FhirConfig
from kiosk.server.fhir.source import FhirClinicalSource
from tests.helpers.fhir_server import (
    RESIDENT_ID_SYSTEM,
    FhirTestServer,
    Hospital,
    hospital_resources,
)
from tests.helpers.server import Phone
from tests.helpers.ui import Touch, build_kiosk, type_on_keypad

ID_CARD = "11010519850615201X"  # a valid resident ID (the check character is X)


def put(fhir_server: FhirTestServer, resource: dict[str, Any]) -> None:
    answer = requests.put(
        f"{fhir_server.base_url}/{resource['resourceType']}/{resource['id']}",
        json=resource,
        headers={"Content-Type": "application/fhir+json"},
        timeout=10,
    )
    assert answer.status_code in (200, 201), answer.text


@pytest.fixture
def journey_patient(fhir_server: FhirTestServer, hospital: Hospital) -> None:
    """A patient whose card the kiosk accepts, with an appointment soon and an invoice."""
    put(
        fhir_server,
        {
            "resourceType": "Patient",
            "id": "pat-journey",
            "identifier": [{"system": RESIDENT_ID_SYSTEM, "value": ID_CARD}],
            "name": [{"text": "赵丽颖", "family": "赵", "given": ["丽颖"]}],
            "gender": "female",
            "birthDate": "1985-06-15",
        },
    )
    templates = {r["id"]: r for r in hospital_resources(hospital.now)}
    start = hospital.now + dt.timedelta(minutes=10)
    appointment = templates["apt-soon"]
    put(
        fhir_server,
        {
            **appointment,
            "id": "apt-journey",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(minutes=15)).isoformat(),
            "participant": [
                {"actor": {"reference": "Patient/pat-journey"}, "status": "accepted"},
                *appointment["participant"][1:],
            ],
        },
    )
    put(
        fhir_server,
        {
            **templates["inv-drug"],
            "id": "inv-journey",
            "subject": {"reference": "Patient/pat-journey"},
        },
    )


@pytest.fixture
def kiosk(
    qapp: QApplication,
    qtbot: QtBot,
    tmp_path: Path,
    config: FhirConfig,
    clock: ManualClock,
    journey_patient: None,
) -> Iterator[tuple[Kiosk, EmbeddedServer, Path]]:
    db_path = tmp_path / "kiosk.db"
    open_database(db_path).close()
    spool = tmp_path / "spool"
    spool.mkdir()
    with EmbeddedServer.start(
        db_path, seed_demo=True, clock=clock, clinical=FhirClinicalSource(config, clock=clock)
    ) as server:
        built = build_kiosk(qapp, server, spool)
        qtbot.addWidget(built.window)
        built.window.resize(1920, 1080)
        built.window.show()
        qtbot.waitExposed(built.window)
        yield built, server, spool
        built.shutdown()
        built.translations.switch_to("en")


def wait_for_reg(touch: Touch, step: RegStep) -> None:
    flow = touch.kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=10000)


def wait_for_pay(touch: Touch, step: PayStep) -> None:
    flow = touch.kiosk.part(PaymentFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=10000)


def test_check_in_pay_the_bill_and_register_through_the_fhir_server(
    kiosk: tuple[Kiosk, EmbeddedServer, Path], qtbot: QtBot, fhir_server: FhirTestServer
) -> None:
    built, _server, spool = kiosk
    touch = Touch(built, qtbot)
    touch("home.checkin")
    type_on_keypad(touch, ID_CARD)
    touch("identify.submit")
    touch.wait_for(Step.appointments)
    assert "赵*颖" in touch.text("appointments.heading")
    touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)
    ticket = built.flow.ticket
    assert ticket is not None
    assert ticket.number.startswith("A")
    assert touch.text("ticket.number") == ticket.number
    qtbot.waitUntil(lambda: any(spool.glob("*.bin")), timeout=5000)
    arrived = requests.get(f"{fhir_server.base_url}/Appointment/apt-journey", timeout=10).json()
    assert arrived["status"] == "arrived"
    touch("ticket.done")
    touch.wait_for(Step.home)

    touch("home.payment")
    type_on_keypad(touch, ID_CARD)
    touch("identify.submit")
    wait_for_pay(touch, PayStep.bills)
    flow = built.part(PaymentFlow)
    assert [bill.id for bill in flow.bills] == ["inv-journey"]
    touch("bills.pay")
    wait_for_pay(touch, PayStep.qr)
    payment = flow.payment
    assert payment is not None
    phone = Phone()
    assert phone.post(f"{payment.qr_payload}/confirm").status_code == 200
    phone.close()
    wait_for_pay(touch, PayStep.paid)
    # The receipt printed and the kiosk's journal done with the payment.
    qtbot.waitUntil(lambda: built.journal.unfinished_payments() == [], timeout=10000)
    qtbot.waitUntil(
        lambda: (
            requests.get(f"{fhir_server.base_url}/Invoice/inv-journey", timeout=10).json()["status"]
            == "balanced"
        ),
        timeout=10000,
    )
    touch("payment_result.finish")
    touch.wait_for(Step.home)

    # Same-day registration: the afternoon session of Dr Li, booked on a FHIR Slot, its fee
    # paid by QR, the ticket printed; the Appointment and the busy Slot are at the FHIR server.
    touch("home.registration")
    type_on_keypad(touch, ID_CARD)
    touch("identify.submit")
    registration = built.part(RegistrationFlow)
    wait_for_reg(touch, RegStep.departments)
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.doctors)
    assert registration.schedule is not None
    (afternoon,) = [
        session
        for doctor in registration.schedule.doctors
        for session in doctor.sessions
        if session.period.value == "afternoon"
    ]
    touch(f"registration.session.{afternoon.id}")
    wait_for_reg(touch, RegStep.confirm)
    receipts_before = len(list(spool.glob("*.bin")))
    touch("registration.confirm")
    wait_for_pay(touch, PayStep.qr)
    fee = flow.payment
    assert fee is not None
    assert fee.amount_cents == afternoon.fee_cents == 5000
    phone = Phone()
    assert phone.post(f"{fee.qr_payload}/confirm").status_code == 200
    phone.close()
    wait_for_pay(touch, PayStep.paid)
    paid = flow.payment
    assert paid is not None
    assert paid.registration_tickets
    assert paid.registration_tickets[0].number in touch.text("payment_result.details")
    qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == receipts_before + 2, timeout=10000)
    booked = requests.get(
        f"{fhir_server.base_url}/Appointment",
        params={"patient": "Patient/pat-journey", "status": "booked"},
        timeout=10,
    ).json()
    (appointment,) = [e["resource"] for e in booked.get("entry", [])]
    slot = requests.get(
        f"{fhir_server.base_url}/{appointment['slot'][0]['reference']}", timeout=10
    ).json()
    assert slot["status"] == "busy"
    touch("payment_result.finish")
    touch.wait_for(Step.home)
