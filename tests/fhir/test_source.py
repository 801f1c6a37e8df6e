"""The FHIR clinical source against sekmet-fhir on loopback: every call, what it sends (valid
R4, statuses from the R4 value sets), and what the FHIR server holds afterwards."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests

from kiosk.api.models import (
    AppointmentStatus,
    BillStatus,
    IdentifierKind,
    ItemCategory,
    SessionPeriod,
)
from kiosk.server.clinical import (
    RecordConflictError,
    RecordNotFoundError,
    RemoteClinicalSource,
    SessionFullError,
    SourceTimeoutError,
    SourceUnavailableError,
    UnsupportedIdentifierError,
)
from kiosk.server.fhir.config import FhirConfig
from kiosk.server.fhir.source import FhirClinicalSource
from tests.fhir.conftest import Sent, r4_codes, record, validate_r4
from tests.helpers.fhir_server import FhirTestServer, Hospital, free_port

APPOINTMENT_STATUSES = r4_codes("CodeSystem-appointmentstatus.json")
SLOT_STATUSES = r4_codes("CodeSystem-slotstatus.json")
INVOICE_STATUSES = r4_codes("CodeSystem-invoice-status.json")


def server_copy(fhir_server: FhirTestServer, path: str) -> dict[str, Any]:
    response = requests.get(f"{fhir_server.base_url}/{path}", timeout=10)
    assert response.status_code == 200, response.text
    resource: dict[str, Any] = response.json()
    validate_r4(resource)
    return resource


def search_total(fhir_server: FhirTestServer, path: str, **params: str) -> int:
    response = requests.get(f"{fhir_server.base_url}/{path}", params=params, timeout=10)
    total: int = response.json()["total"]
    return total


def assert_sent_is_valid_r4(sent: Sent) -> None:
    for body in sent.bodies("POST") + sent.bodies("PUT"):
        validate_r4(body)
        for entry in body.get("entry", []):
            resource = entry["resource"]
            if resource["resourceType"] == "Appointment":
                assert resource["status"] in APPOINTMENT_STATUSES
            if resource["resourceType"] == "Slot":
                assert resource["status"] in SLOT_STATUSES
    for patch in sent.bodies("PATCH"):
        for operation in patch:
            if operation["path"] == "/status":
                assert operation["value"] in APPOINTMENT_STATUSES | INVOICE_STATUSES


def test_the_source_is_a_clinical_source(source: FhirClinicalSource) -> None:
    typed: RemoteClinicalSource = source
    assert typed is source


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (IdentifierKind.id_card, "110101199003071234"),
        (IdentifierKind.health_qr, "HC20260001"),
        (IdentifierKind.patient_card, "mz 0001"),  # normalised as the built-in store does
        (IdentifierKind.phone, "+86 138-0013-8000"),
    ],
)
def test_identify_by_every_card_and_phone(
    source: FhirClinicalSource, hospital: Hospital, kind: IdentifierKind, value: str
) -> None:
    found = source.find_patient(kind, value, hospital.today)
    assert found is not None
    assert found.id == "pat-zhang"
    assert found.display_name == "张*"
    assert found.masked_id_number == "1101**********1234"
    assert found.gender == "male"
    today = hospital.today
    assert found.age == today.year - 1990 - ((today.month, today.day) < (3, 7))


def test_identify_sends_one_search_by_system_and_value(
    source: FhirClinicalSource, hospital: Hospital, sent: Sent
) -> None:
    before = source.client.requests_made
    source.find_patient(IdentifierKind.id_card, "110101199003071234", hospital.today)
    assert source.client.requests_made - before == 1
    assert sent.requests[-1][1].endswith("/Patient")
    assert sent.params[-1] == [("identifier", "urn:oid:2.16.156.10011.1.3|110101199003071234")]


def test_a_name_from_family_and_given_is_masked_like_today(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    patient = server_copy(fhir_server, "Patient/pat-ouyang")
    patient["name"] = [{"family": "欧阳", "given": ["娜娜"]}]
    requests.put(f"{fhir_server.base_url}/Patient/pat-ouyang", json=patient, timeout=10)
    found = source.find_patient(IdentifierKind.phone, "13900139000", hospital.today)
    assert found is not None
    assert found.display_name == "欧**娜"


def test_a_patient_by_id(source: FhirClinicalSource, hospital: Hospital) -> None:
    found = source.patient("pat-ouyang", hospital.today)
    assert found is not None
    assert (found.display_name, found.gender) == ("欧**娜", "female")


def test_an_appointment_by_id(source: FhirClinicalSource, hospital: Hospital) -> None:
    found = source.appointment("apt-later")
    assert found is not None
    assert (found.patient_id, found.status) == ("pat-zhang", AppointmentStatus.booked)
    assert found.starts_at == hospital.now + dt.timedelta(hours=3)
    assert found.check_in_closes_at == found.starts_at + dt.timedelta(minutes=30)
    assert (found.department.id, found.doctor.title, found.location.room) == (
        "dep-a",
        "主任医师",
        "201诊室",
    )
    assert source.appointment("no-such-appointment") is None


def test_an_unknown_patient_is_none_and_an_unconfigured_card_is_an_error(
    source: FhirClinicalSource, hospital: Hospital
) -> None:
    assert source.find_patient(IdentifierKind.id_card, "110101190001010000", hospital.today) is None
    assert source.patient("no-such-patient", hospital.today) is None
    with pytest.raises(UnsupportedIdentifierError):
        source.find_patient(IdentifierKind.insurance_card, "X1", hospital.today)


def test_appointments_of_a_day_range_with_department_doctor_and_room(
    source: FhirClinicalSource, hospital: Hospital
) -> None:
    found = source.patient_appointments(
        "pat-zhang", hospital.today - dt.timedelta(days=1), hospital.today + dt.timedelta(days=1)
    )
    by_id = {a.id: a for a in found}
    assert {"apt-soon", "apt-cancelled", "apt-later"} <= set(by_id)
    soon = by_id["apt-soon"]
    assert soon.status is AppointmentStatus.booked
    assert soon.starts_at == hospital.now + dt.timedelta(minutes=20)
    assert soon.check_in_opens_at == soon.starts_at - dt.timedelta(minutes=60)
    assert (soon.department.id, soon.department.code, soon.department.name) == (
        "dep-a",
        "A",
        "内科",
    )
    assert soon.department.name_en == "Internal Medicine"
    assert (soon.doctor.id, soon.doctor.name, soon.doctor.title) == ("doc-li", "李明", "主任医师")
    assert (soon.location.building, soon.location.floor, soon.location.room) == (
        "门诊楼",
        "2层",
        "201诊室",
    )
    assert by_id["apt-cancelled"].status is AppointmentStatus.cancelled
    assert [a.starts_at for a in found] == sorted(a.starts_at for a in found)
    assert soon.ticket is None  # the server adds its own ticket


def test_appointments_page_through_next_links(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    """sekmet pages at _count; 3 appointments on pages of 1 still come back whole."""
    original = source.client.search

    def small_pages(kind: str, params: Any) -> Any:
        return original(kind, [*params, ("_count", "1")])

    source.client.search = small_pages  # type: ignore[method-assign]
    found = source.patient_appointments("pat-zhang", hospital.today, hospital.today)
    assert {"apt-soon", "apt-cancelled"} <= {a.id for a in found}


def test_check_in_marks_the_appointment_arrived_in_two_requests(
    source: FhirClinicalSource, hospital: Hospital, sent: Sent, fhir_server: FhirTestServer
) -> None:
    source.directory()
    before = source.client.requests_made
    checked = source.check_in("apt-soon")
    assert checked.status is AppointmentStatus.checked_in
    assert source.client.requests_made - before == 2
    assert server_copy(fhir_server, "Appointment/apt-soon")["status"] == "arrived"
    assert_sent_is_valid_r4(sent)


def test_a_retried_check_in_changes_nothing(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    source.check_in("apt-soon")
    version = server_copy(fhir_server, "Appointment/apt-soon")["meta"]["versionId"]
    assert source.check_in("apt-soon").status is AppointmentStatus.checked_in
    assert server_copy(fhir_server, "Appointment/apt-soon")["meta"]["versionId"] == version


def test_a_cancelled_appointment_is_not_checked_in(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    with pytest.raises(RecordConflictError, match="cancelled"):
        source.check_in("apt-cancelled")
    assert server_copy(fhir_server, "Appointment/apt-cancelled")["status"] == "cancelled"
    with pytest.raises(RecordNotFoundError):
        source.check_in("no-such-appointment")


def test_check_in_with_an_encounter_writes_both_once(
    config: FhirConfig,
    hospital: Hospital,
    fhir_server: FhirTestServer,
    sent: Sent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arrived_at = hospital.now + dt.timedelta(minutes=3)
    source = FhirClinicalSource(
        FhirConfig(base_url=config.base_url, departments=config.departments, create_encounter=True),
        clock=lambda: arrived_at,
    )
    record(source, sent, monkeypatch)
    query = {"appointment": "Appointment/apt-soon", "date": f"ge{arrived_at.isoformat()}"}
    assert search_total(fhir_server, "Encounter", **query) == 0
    assert source.check_in("apt-soon").status is AppointmentStatus.checked_in
    source.check_in("apt-soon")
    response = requests.get(f"{fhir_server.base_url}/Encounter", params=query, timeout=10)
    (entry,) = response.json()["entry"]
    encounter = entry["resource"]
    validate_r4(encounter)
    assert encounter["status"] == "arrived"
    assert encounter["subject"]["reference"] == "Patient/pat-zhang"
    assert dt.datetime.fromisoformat(encounter["period"]["start"]) == arrived_at
    assert server_copy(fhir_server, "Appointment/apt-soon")["status"] == "arrived"
    (transaction,) = [b for b in sent.bodies("POST") if b.get("type") == "transaction"]
    assert [e["resource"]["resourceType"] for e in transaction["entry"]] == [
        "Appointment",
        "Encounter",
    ]
    assert_sent_is_valid_r4(sent)


def test_departments_from_healthcare_services(source: FhirClinicalSource) -> None:
    departments = source.departments()
    assert [(d.id, d.name) for d in departments] == [("dep-a", "内科"), ("hs-pediatrics", "儿科")]
    pediatrics = departments[1]
    assert pediatrics.code == "07"
    assert (pediatrics.location.building, pediatrics.location.room) == ("门诊楼", "305诊室")


def test_a_day_s_schedule_counts_free_slots_per_half_day(
    source: FhirClinicalSource, hospital: Hospital
) -> None:
    schedule = source.schedule("dep-a", hospital.today)
    assert schedule.department.id == "dep-a"
    (li,) = schedule.doctors
    assert li.doctor.name == "李明"
    assert [(s.period, s.slots_total, s.slots_left, s.fee_cents) for s in li.sessions] == [
        (SessionPeriod.morning, 4, 3, 5000),
        (SessionPeriod.afternoon, 4, 3, 5000),
    ]
    assert source.schedule("hs-pediatrics", hospital.today).doctors[0].sessions[0].fee_cents == 0
    assert source.schedule("dep-a", hospital.today + dt.timedelta(days=1)).doctors == []
    with pytest.raises(RecordNotFoundError):
        source.schedule("no-such-department", hospital.today)


def test_booking_takes_a_free_slot_in_one_transaction(
    source: FhirClinicalSource, hospital: Hospital, sent: Sent, fhir_server: FhirTestServer
) -> None:
    session = source.schedule("dep-a", hospital.today).doctors[0].sessions[1]
    booking = source.book("pat-ouyang", session.id, new_key())
    assert booking.session.slots_left == session.slots_left - 1
    assert (booking.department.id, booking.doctor.id) == ("dep-a", "doc-li")
    appointment = server_copy(fhir_server, f"Appointment/{booking.appointment_id}")
    assert appointment["status"] == "booked"
    slot_id = appointment["slot"][0]["reference"].split("/")[1]
    assert server_copy(fhir_server, f"Slot/{slot_id}")["status"] == "busy"
    assert source.schedule("dep-a", hospital.today).doctors[0].sessions[1].slots_left == (
        session.slots_left - 1
    )
    assert_sent_is_valid_r4(sent)
    assert any(body.get("type") == "transaction" for body in sent.bodies("POST"))


def test_a_full_session_is_session_full_and_books_nothing(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    session = source.schedule("dep-a", hospital.today).doctors[0].sessions[0]
    for _ in range(session.slots_left):
        source.book("pat-ouyang", session.id, new_key())
    booked = search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang")
    with pytest.raises(SessionFullError):
        source.book("pat-ouyang", session.id, new_key())
    assert search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang") == booked
    with pytest.raises(RecordNotFoundError):
        source.book("pat-ouyang", "not-a-session", new_key())


def test_a_slot_taken_meanwhile_books_the_next_one_and_never_twice(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    """Another system takes the first free slot between our search and our transaction: its
    If-Match fails (nothing of ours is written) and we book the next free slot."""
    session = source.schedule("dep-a", hospital.today).doctors[0].sessions[1]
    original = source.client.transaction
    taken: list[str] = []
    on_first_free = search_total(fhir_server, "Appointment", slot="Slot/slot-li-1415")

    def someone_else_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not taken:
            slot = dict(entries[1]["resource"])
            requests.put(
                f"{fhir_server.base_url}/Slot/{slot['id']}",
                json={**slot, "status": "busy-tentative"},
                timeout=10,
            )
            taken.append(slot["id"])
        return original(entries)

    source.client.transaction = someone_else_first  # type: ignore[method-assign]
    booking = source.book("pat-ouyang", session.id, new_key())
    appointment = server_copy(fhir_server, f"Appointment/{booking.appointment_id}")
    assert taken == ["slot-li-1415"]
    assert appointment["slot"][0]["reference"] == "Slot/slot-li-1430"
    assert search_total(fhir_server, "Appointment", slot="Slot/slot-li-1415") == on_first_free


def new_key() -> str:
    return uuid.uuid4().urn


def test_a_key_booked_already_answers_its_booking_again_and_a_cancel_frees_the_slot(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    """A retry (or a twin request) of one registration books one slot; cancelling the key's
    booking frees it, once; the same key can then book anew."""
    session = source.schedule("dep-a", hospital.today).doctors[0].sessions[1]
    before = search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang")
    key = new_key()
    first = source.book("pat-ouyang", session.id, key)
    again = source.book("pat-ouyang", session.id, key)
    assert again.appointment_id == first.appointment_id
    assert (again.starts_at, again.session.id) == (first.starts_at, first.session.id)
    assert search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang") == before + 1
    booked = server_copy(fhir_server, f"Appointment/{first.appointment_id}")
    slot_id = booked["slot"][0]["reference"].split("/")[1]

    assert source.cancel_booking(key) is True
    assert server_copy(fhir_server, f"Appointment/{first.appointment_id}")["status"] == (
        "cancelled"
    )
    assert server_copy(fhir_server, f"Slot/{slot_id}")["status"] == "free"
    assert source.schedule("dep-a", hospital.today).doctors[0].sessions[1] == session
    assert source.cancel_booking(key) is False
    assert source.cancel_booking(new_key()) is False
    anew = source.book("pat-ouyang", session.id, key)
    assert anew.appointment_id != first.appointment_id


def test_a_booking_whose_answer_was_lost_is_found_not_booked_twice(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    """The transaction is applied but its answer never arrives (a timeout): the adapter finds
    the appointment by the key it carries instead of failing or booking a second slot."""
    session = source.schedule("dep-a", hospital.today).doctors[0].sessions[1]
    original = source.client.transaction
    before = search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang")

    def answer_lost(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        original(entries)
        raise SourceTimeoutError("FHIR server did not answer POST / in time")

    source.client.transaction = answer_lost  # type: ignore[method-assign]
    booking = source.book("pat-ouyang", session.id, new_key())
    assert search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang") == before + 1
    appointment = server_copy(fhir_server, f"Appointment/{booking.appointment_id}")
    assert appointment["participant"][0]["actor"]["reference"] == "Patient/pat-ouyang"


def test_a_booking_that_never_reached_the_server_is_an_error_and_books_nothing(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    session = source.schedule("dep-a", hospital.today).doctors[0].sessions[1]
    before = search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang")

    def never_sent(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise SourceUnavailableError("FHIR server unreachable for POST /")

    source.client.transaction = never_sent  # type: ignore[method-assign]
    with pytest.raises(SourceUnavailableError):
        source.book("pat-ouyang", session.id, new_key())
    assert search_total(fhir_server, "Appointment", patient="Patient/pat-ouyang") == before
    assert source.schedule("dep-a", hospital.today).doctors[0].sessions[1] == session


def test_open_bills_from_issued_invoices(source: FhirClinicalSource, hospital: Hospital) -> None:
    bills = source.open_bills("pat-zhang")
    assert [b.id for b in bills] == ["inv-lab", "inv-drug"]
    lab = bills[0]
    assert lab.status is BillStatus.unpaid
    assert [(i.name, i.category, i.amount_cents) for i in lab.items] == [
        ("血常规", ItemCategory.lab, 2500),
        ("挂号费", ItemCategory.registration, 5000),
    ]
    assert (lab.total_cents, lab.insurance_cents, lab.self_pay_cents) == (7500, 1500, 6000)
    assert lab.department.name == "内科"
    assert source.open_bills("pat-ouyang") == []


def test_a_paid_bill_becomes_balanced_once(
    source: FhirClinicalSource, hospital: Hospital, sent: Sent, fhir_server: FhirTestServer
) -> None:
    source.mark_bill_paid("inv-lab")
    invoice = server_copy(fhir_server, "Invoice/inv-lab")
    assert invoice["status"] == "balanced"
    source.mark_bill_paid("inv-lab")  # reconciliation retries: no second write
    assert server_copy(fhir_server, "Invoice/inv-lab")["meta"] == invoice["meta"]
    assert [b.id for b in source.open_bills("pat-zhang")] == ["inv-drug"]
    assert_sent_is_valid_r4(sent)


def test_a_cancelled_invoice_is_not_marked_paid(
    source: FhirClinicalSource, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    invoice = server_copy(fhir_server, "Invoice/inv-drug")
    requests.put(
        f"{fhir_server.base_url}/Invoice/inv-drug",
        json={**invoice, "status": "cancelled", "cancelledReason": "开错"},
        timeout=10,
    )
    with pytest.raises(RecordConflictError, match="cancelled"):
        source.mark_bill_paid("inv-drug")
    assert server_copy(fhir_server, "Invoice/inv-drug")["status"] == "cancelled"


def test_the_directory_is_read_once_per_cache_lifetime(
    config: FhirConfig, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    kept = FhirClinicalSource(config)
    kept.departments()
    assert kept.client.requests_made == 4  # services, locations, roles + doctors, schedules
    kept.departments()
    kept.schedule("dep-a", hospital.today)
    assert kept.client.requests_made == 5  # only the day's slots
    always = FhirClinicalSource(
        FhirConfig(base_url=config.base_url, departments=config.departments, cache_seconds=0)
    )
    always.departments()
    always.departments()
    assert always.client.requests_made == 8


def test_a_fhir_server_gone_mid_visit_is_unavailable_and_changes_nothing(
    config: FhirConfig, hospital: Hospital, fhir_server: FhirTestServer
) -> None:
    gone = FhirClinicalSource(
        FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir", departments=config.departments)
    )
    with pytest.raises(SourceUnavailableError):
        gone.check_in("apt-soon")
    with pytest.raises(SourceUnavailableError):
        gone.mark_bill_paid("inv-lab")
    assert server_copy(fhir_server, "Appointment/apt-soon")["status"] == "booked"
    assert server_copy(fhir_server, "Invoice/inv-lab")["status"] == "issued"
