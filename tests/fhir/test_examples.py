"""The official R4 example resources (hl7.fhir.r4.examples 4.0.1, vendored in data/) are valid
for the R4 models the tests validate with, and read through the adapter's mapping."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from kiosk.api.models import AppointmentStatus, BillStatus, SessionPeriod
from kiosk.identity import mask_name
from kiosk.server.fhir import mapping
from kiosk.server.fhir.config import FhirConfig
from tests.fhir.conftest import DATA, r4_codes, validate_r4

CONFIG = FhirConfig(base_url="http://his.example/fhir")
UTC = dt.UTC


def example(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return resource


def by_reference(*names: str) -> dict[str, dict[str, Any]]:
    resources = [example(name) for name in names]
    return {f"{r['resourceType']}/{r['id']}": r for r in resources}


@pytest.mark.parametrize("path", sorted(p.stem for p in DATA.glob("*-*.json")))
def test_every_vendored_example_is_valid_r4(path: str) -> None:
    validate_r4(example(path))


def test_the_validator_refuses_what_r4_does_not_have() -> None:
    bad = {**example("Slot-1"), "colour": "blue"}
    with pytest.raises(Exception, match="Superfluous entry"):
        validate_r4(bad)


def test_example_statuses_are_in_the_r4_value_sets() -> None:
    assert example("Appointment-example")["status"] in r4_codes("CodeSystem-appointmentstatus.json")
    assert example("Slot-1")["status"] in r4_codes("CodeSystem-slotstatus.json")
    assert example("Invoice-example")["status"] in r4_codes("CodeSystem-invoice-status.json")
    assert set(mapping.APPOINTMENT_STATUSES) == r4_codes("CodeSystem-appointmentstatus.json")


def test_patients() -> None:
    peter = mapping.patient(example("Patient-example"), CONFIG, dt.date(2026, 12, 3))
    assert peter.id == "example"
    assert peter.display_name == mask_name("Peter James Chalmers")
    assert (peter.gender, peter.age, peter.masked_id_number) == ("male", 51, "")  # 1974-12-25
    pieter = mapping.patient(example("Patient-f001"), CONFIG, dt.date(2026, 12, 3))
    assert pieter.display_name == mask_name("Pieter van de Heuvel")


def test_appointments() -> None:
    known = by_reference("Location-1")
    found = mapping.appointment(example("Appointment-example"), CONFIG, known, [])
    assert found is not None
    assert found.patient_id == "example"
    assert found.status is AppointmentStatus.booked
    assert found.starts_at == dt.datetime(2013, 12, 10, 9, 0, tzinfo=UTC)
    assert found.ends_at == dt.datetime(2013, 12, 10, 11, 0, tzinfo=UTC)
    assert found.department.name == "General Discussion"  # unmapped: its own serviceType
    assert found.doctor.id == "example"  # a practitioner we have not read: only its id
    assert found.location.room == "South Wing, second floor"
    two = mapping.appointment(example("Appointment-2docs"), CONFIG, {}, [])
    assert two is not None
    assert two.status is AppointmentStatus.booked


def test_locations_with_part_of_and_a_vehicle() -> None:
    ward = mapping.location("Location/1", by_reference("Location-1"), None)
    assert ward.room == "South Wing, second floor"
    assert ward.directions.startswith("Second floor of the Old South Wing")
    ambulance = mapping.location("Location/amb", by_reference("Location-amb"), None)
    assert ambulance.room == "BUMC Ambulance"


def test_a_healthcare_service_is_a_department() -> None:
    service = example("HealthcareService-example")
    department = mapping.department(service, CONFIG, by_reference("Location-1"))
    assert department.id == "example"
    assert department.name == "Consulting psychologists and/or psychology services"
    assert department.code == "47505003"  # its first specialty code
    assert department.location.room == "South Wing, second floor"


def test_slots_of_a_schedule_are_sessions() -> None:
    slots = [example("Slot-1"), example("Slot-example")]
    sessions = mapping.sessions(example("Schedule-example"), slots, 0, UTC)
    assert [(s.period, s.slots_total, s.slots_left) for s in sessions] == [
        (SessionPeriod.morning, 2, 1)  # Slot-1 busy, Slot-example free
    ]
    assert sessions[0].id == "example.20131225.morning"
    assert mapping.parse_session_id(sessions[0].id) == (
        "example",
        dt.date(2013, 12, 25),
        SessionPeriod.morning,
    )


def test_an_invoice_without_line_items_is_its_gross_total() -> None:
    bill = mapping.bill(example("Invoice-example"), CONFIG)
    assert bill.status is BillStatus.unpaid
    assert (bill.total_cents, bill.self_pay_cents, bill.items) == (4800, 4800, [])
    assert bill.department.name == "CARD_INTERMEDIATE_CARE"
    assert bill.created_at == dt.datetime(2017, 1, 25, 7, 0, tzinfo=UTC).astimezone(
        CONFIG.time_zone
    )
