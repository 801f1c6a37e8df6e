"""``ClinicalSource`` on the hospital's FHIR R4 server.

Per call, at most: identify 1 request, appointments 1 (``_include`` brings doctors, rooms and
services along), check-in 2 (read, then a JSON Patch with ``If-Match``; a transaction when an
Encounter is configured), a schedule 1, booking 2 (free slots, then one transaction), bills 1,
paying a bill 2. The directory (HealthcareService, PractitionerRole with its Practitioner,
Schedule, Location) is read in 4 requests and kept ``cache_seconds``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from kiosk.api.models import (
    Appointment,
    Bill,
    Department,
    DepartmentSummary,
    DoctorSchedule,
    DoctorSummary,
    IdentifierKind,
    Patient,
    Schedule,
    ScheduleSession,
)
from kiosk.server.clinical import (
    Booking,
    ClinicalError,
    LinkState,
    NewRecord,
    RecordConflictError,
    RecordNotFoundError,
    SessionFullError,
    SessionOverError,
    SourceUnavailableError,
    UnsupportedIdentifierError,
)
from kiosk.server.fhir import mapping
from kiosk.server.fhir.client import FhirClient, Resource, version_of
from kiosk.server.fhir.config import FhirConfig
from kiosk.server.queries import normalize_identifier

BOOKING_KEY_SYSTEM = "urn:ietf:rfc:3986"  # a booking's key is a urn:uuid
DIRECTORY_PAGE = 200  # resources per page when reading the directory
ARRIVED_ALREADY = {"arrived", "checked-in", "fulfilled"}
BOOKABLE = {"proposed", "pending", "booked", "waitlist"}
LINK_PROBE_AFTER_S = 60  # the fleet page probes a link idle this long


@dataclass(frozen=True)
class Directory:
    """The hospital's slowly changing resources, by ``"Type/id"``."""

    services: dict[str, Resource]
    places: dict[str, Resource]
    practitioners: dict[str, Resource]
    roles: list[Resource]
    schedules: dict[str, Resource]
    read_at: float

    def role_of(self, practitioner_id: str) -> Resource | None:
        return mapping.role_of(self.roles, practitioner_id)


class FhirClinicalSource:
    """The FHIR implementation of ``kiosk.server.clinical.RemoteClinicalSource``."""

    local = False

    def __init__(
        self,
        config: FhirConfig,
        client: FhirClient | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``clock``: the server's (a check-in Encounter starts at its now)."""
        self.config = config
        self.client = client or FhirClient(config)
        self._clock = clock or (lambda: dt.datetime.now(config.time_zone))
        self._lock = threading.Lock()
        self._directory: Directory | None = None

    def link(self) -> LinkState:
        """The last request's outcome; after ``LINK_PROBE_AFTER_S`` without one, a probe of
        ``/metadata`` (the fleet page refreshes itself: no thread of its own)."""
        last = self.client.last_exchange()
        if last is None or time.monotonic() - last[1] > LINK_PROBE_AFTER_S:
            try:
                self.client.capabilities()
            except ClinicalError:
                pass  # the outcome is what the client noted
            last = self.client.last_exchange()
        assert last is not None  # the probe noted its outcome
        return last[0]

    # --- directory ------------------------------------------------------------------------

    def directory(self) -> Directory:
        with self._lock:
            cached = self._directory
        if cached is not None and time.monotonic() - cached.read_at < self.config.cache_seconds:
            return cached
        page = ("_count", str(DIRECTORY_PAGE))
        services = self.client.search("HealthcareService", [("active", "true"), page]).matches
        places = self.client.search("Location", [page]).matches
        roles = self.client.search(
            "PractitionerRole", [("_include", "PractitionerRole:practitioner"), page]
        )
        schedules = self.client.search("Schedule", [("active", "true"), page]).matches
        fresh = Directory(
            services={f"HealthcareService/{s['id']}": s for s in services},
            places={f"Location/{p['id']}": p for p in places},
            practitioners={
                f"Practitioner/{p['id']}": p
                for p in roles.included
                if p.get("resourceType") == "Practitioner"
            },
            roles=roles.matches,
            schedules={f"Schedule/{s['id']}": s for s in schedules},
            read_at=time.monotonic(),
        )
        with self._lock:
            self._directory = fresh
        return fresh

    # --- patients -------------------------------------------------------------------------

    def find_patient(self, kind: IdentifierKind, value: str, today: dt.date) -> Patient | None:
        value = normalize_identifier(kind, value)
        if kind is IdentifierKind.phone:
            params = [("phone", value)]
        else:
            system = self.config.identifier_systems.get(kind)
            if not system:
                raise UnsupportedIdentifierError(f"no identifier system for {kind.value}")
            params = [("identifier", f"{system}|{value}")]
        found = sorted(self.client.search("Patient", params).matches, key=lambda p: str(p["id"]))
        return mapping.patient(found[0], self.config, today) if found else None

    def patient(self, patient_id: str, today: dt.date) -> Patient | None:
        try:
            return mapping.patient(self.client.read("Patient", patient_id), self.config, today)
        except RecordNotFoundError:
            return None

    def card_number_taken(self, card_number: str) -> bool:
        system = self.config.identifier_systems.get(IdentifierKind.patient_card)
        if not system:
            raise UnsupportedIdentifierError("no identifier system for patient_card")
        found = self.client.search("Patient", [("identifier", f"{system}|{card_number}")])
        return bool(found.matches)

    def create_patient(self, record: NewRecord, today: dt.date) -> Patient:
        """A conditional create on the resident ID: a record that has it already comes back
        instead of a new one, with a card number other than ours."""
        systems = self.config.identifier_systems
        id_system = systems[IdentifierKind.id_card]
        card_system = systems[IdentifierKind.patient_card]
        resource: Resource = {
            "resourceType": "Patient",
            "active": True,
            "identifier": [
                {"use": "official", "system": id_system, "value": record.id_number},
                {"use": "usual", "system": card_system, "value": record.card_number},
            ],
            "name": [{"use": "official", "text": record.name}],
            "telecom": [{"system": "phone", "value": record.phone, "use": "mobile"}],
            "gender": record.sex,
            "birthDate": record.birth_date.isoformat(),
        }
        if record.address:
            resource["address"] = [{"use": "home", "text": record.address}]
        made = self.client.create(
            resource, if_none_exist=f"identifier={id_system}|{record.id_number}"
        )
        cards = {
            str(i.get("value", ""))
            for i in made.get("identifier", [])
            if i.get("system") == card_system
        }
        if record.card_number not in cards:
            raise RecordConflictError(f"Patient/{made.get('id')} holds this ID number already")
        return mapping.patient(made, self.config, today)

    # --- appointments ---------------------------------------------------------------------

    def patient_appointments(
        self, patient_id: str, first: dt.date, last: dt.date
    ) -> list[Appointment]:
        zone = self.config.time_zone
        start = dt.datetime.combine(first, dt.time(), zone)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
        result = self.client.search(
            "Appointment",
            [
                ("patient", f"Patient/{patient_id}"),
                ("date", f"ge{start.isoformat()}"),
                ("date", f"lt{end.isoformat()}"),
                ("_include", "Appointment:actor"),
            ],
        )
        included = result.included_by_reference()
        appointments = [self._appointment(r, included) for r in result.matches]
        found = [a for a in appointments if a is not None]
        return sorted(found, key=lambda a: (a.starts_at, a.id))

    def appointment(self, appointment_id: str) -> Appointment | None:
        try:
            resource = self.client.read("Appointment", appointment_id)
        except RecordNotFoundError:
            return None
        return self._appointment(resource, {})

    def check_in(self, appointment_id: str) -> Appointment:
        def arrive(current: Resource) -> list[dict[str, Any]] | None:
            status = str(current.get("status"))
            if status in ARRIVED_ALREADY:
                return None
            if status not in BOOKABLE:
                raise RecordConflictError(f"Appointment/{appointment_id} is {status}")
            return [
                {"op": "test", "path": "/status", "value": status},
                {"op": "replace", "path": "/status", "value": "arrived"},
            ]

        if self.config.create_encounter:
            resource = self._arrive_with_encounter(appointment_id, arrive)
        else:
            resource = self.client.change("Appointment", appointment_id, arrive)
        found = self._appointment(resource, {})
        if found is None:
            raise RecordConflictError(f"Appointment/{appointment_id} has no start time")
        return found

    def _arrive_with_encounter(
        self, appointment_id: str, arrive: Callable[[Resource], list[dict[str, Any]] | None]
    ) -> Resource:
        """Status and Encounter in one transaction (both or neither); the Encounter is a
        conditional create, so a retried check-in never makes a second one."""
        current = self.client.read("Appointment", appointment_id)
        for attempt in range(2):
            if arrive(current) is None:
                return current
            updated = {**current, "status": "arrived"}
            encounter = {
                "resourceType": "Encounter",
                "status": "arrived",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                    "display": "ambulatory",
                },
                "subject": {"reference": f"Patient/{mapping.patient_of(current)}"},
                "appointment": [{"reference": f"Appointment/{appointment_id}"}],
                "period": {"start": self._clock().isoformat(timespec="seconds")},
            }
            try:
                self.client.transaction(
                    [
                        {
                            "fullUrl": f"{self.config.base_url}/Appointment/{appointment_id}",
                            "resource": updated,
                            "request": {
                                "method": "PUT",
                                "url": f"Appointment/{appointment_id}",
                                "ifMatch": f'W/"{version_of(current)}"',
                            },
                        },
                        {
                            "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                            "resource": encounter,
                            "request": {
                                "method": "POST",
                                "url": "Encounter",
                                "ifNoneExist": f"appointment=Appointment/{appointment_id}",
                            },
                        },
                    ]
                )
            except RecordConflictError:
                if attempt == 1:
                    raise
            current = self.client.read("Appointment", appointment_id)
            if arrive(current) is None:
                return current
        return current

    def _appointment(self, resource: Resource, included: dict[str, Resource]) -> Appointment | None:
        directory = self.directory()
        known = {**directory.services, **directory.places, **directory.practitioners, **included}
        return mapping.appointment(resource, self.config, known, directory.roles)

    # --- departments and sessions ---------------------------------------------------------

    def departments(self) -> list[Department]:
        directory = self.directory()
        found = [
            mapping.department(service, self.config, directory.places)
            for service in directory.services.values()
        ]
        order = {m.department_id: i for i, m in enumerate(self.config.departments)}
        return sorted(found, key=lambda d: (order.get(d.id, len(order)), d.code, d.name))

    def _service_of(self, department_id: str) -> Resource:
        directory = self.directory()
        for service in directory.services.values():
            if mapping.department(service, self.config, directory.places).id == department_id:
                return service
        raise RecordNotFoundError(f"no department {department_id!r}")

    def schedule(self, department_id: str, date: dt.date) -> Schedule:
        service = self._service_of(department_id)
        directory = self.directory()
        summary = mapping.department(service, self.config, directory.places)
        zone = self.config.time_zone
        start = dt.datetime.combine(date, dt.time(), zone)
        slots = self.client.search(
            "Slot",
            [
                ("schedule.actor", f"HealthcareService/{service['id']}"),
                ("start", f"ge{start.isoformat()}"),
                ("start", f"lt{(start + dt.timedelta(days=1)).isoformat()}"),
            ],
        ).matches
        by_schedule: dict[str, list[Resource]] = {}
        for slot in slots:
            by_schedule.setdefault(mapping.reference_key(slot.get("schedule")), []).append(slot)
        doctors = []
        for key, members in sorted(by_schedule.items()):
            schedule = directory.schedules.get(key)
            if schedule is None:
                continue
            doctors.append(
                DoctorSchedule(
                    doctor=self._doctor_of(schedule, directory),
                    sessions=mapping.sessions(
                        schedule, members, self._fee_cents(schedule, summary.id), zone
                    ),
                )
            )
        return Schedule(
            department=_summary(summary),
            date=date,
            doctors=doctors,
        )

    def _fee_cents(self, schedule: Resource, department_id: str) -> int:
        mapped = next(
            (m for m in self.config.departments if m.department_id == department_id), None
        )
        if mapped is not None and mapped.fee_cents is not None:
            return mapped.fee_cents
        return mapping.schedule_fee_cents(schedule, self.config)

    @staticmethod
    def _doctor_of(schedule: Resource, directory: Directory) -> DoctorSummary:
        for actor in schedule.get("actor", []):
            key = mapping.reference_key(actor)
            if key.startswith("PractitionerRole/"):
                role = next(
                    (r for r in directory.roles if f"PractitionerRole/{r['id']}" == key), None
                )
                if role is not None:
                    key = mapping.reference_key(role.get("practitioner"))
            if key.startswith("Practitioner/"):
                return mapping.doctor(
                    directory.practitioners.get(key), directory.role_of(key.partition("/")[2])
                )
        return DoctorSummary(id="", name="", title="")

    def book(self, patient_id: str, session_id: str, booking_key: str) -> Booking:
        parsed = mapping.parse_session_id(session_id)
        if parsed is None:
            raise RecordNotFoundError(f"no session {session_id!r}")
        schedule_id, day, period = parsed
        directory = self.directory()
        schedule = directory.schedules.get(f"Schedule/{schedule_id}")
        if schedule is None:
            raise RecordNotFoundError(f"no session {session_id!r}")
        service_key = next(
            (
                mapping.reference_key(a)
                for a in schedule.get("actor", [])
                if mapping.reference_key(a).startswith("HealthcareService/")
            ),
            "",
        )
        service = directory.services.get(service_key)
        if service is None:
            raise RecordNotFoundError(f"session {session_id!r} belongs to no department")
        department = mapping.department(service, self.config, directory.places)
        doctor = self._doctor_of(schedule, directory)
        zone = self.config.time_zone
        start = dt.datetime.combine(day, dt.time(), zone)
        booking = partial(
            _booking, patient_id=patient_id, department=department, doctor=doctor, zone=zone
        )
        for _ in range(2):
            slots = self.client.search(
                "Slot",
                [
                    ("schedule", f"Schedule/{schedule_id}"),
                    ("start", f"ge{start.isoformat()}"),
                    ("start", f"lt{(start + dt.timedelta(days=1)).isoformat()}"),
                ],
            ).matches
            session = next(
                (
                    s
                    for s in mapping.sessions(
                        schedule, slots, self._fee_cents(schedule, department.id), zone
                    )
                    if s.id == session_id
                ),
                None,
            )
            if session is None:
                raise SessionFullError(f"session {session_id!r} has no free slot", department.id)
            made = self._booking_made(booking_key)
            if made is not None:
                return booking(made, session)  # a retry of this key, or its twin
            free = sorted(
                (
                    s
                    for s in slots
                    if s.get("status") == "free"
                    and (moment := mapping.instant(s.get("start"), zone)) is not None
                    and mapping.period_of(moment) is period
                ),
                key=lambda s: str(s.get("start")),
            )
            if session.ends_at <= self._clock():
                raise SessionOverError(f"session {session_id!r} has ended", session.ends_at)
            if not free:
                raise SessionFullError(f"session {session_id!r} has no free slot", department.id)
            slot = free[0]
            try:
                entries = self.client.transaction(
                    self._booking_entries(
                        slot, patient_id, doctor.id, str(service["id"]), booking_key
                    )
                )
            except RecordConflictError:
                continue
            except SourceUnavailableError:
                # The answer was lost: the transaction (all or nothing) was applied only if
                # the key's Appointment exists; else the caller's error stands.
                try:
                    made = self._booking_made(booking_key)
                except SourceUnavailableError:
                    made = None
                if made is None:
                    raise
                return booking(made, _one_taken(session))
            appointment_id = mapping.reference_key({"reference": _location_of(entries[0])})
            return booking({**slot, "id": appointment_id.partition("/")[2]}, _one_taken(session))
        raise SessionFullError(
            f"session {session_id!r}: every free slot was taken meanwhile", department.id
        )

    def _booking_made(self, booking_key: str) -> Resource | None:
        """The Appointment booked under ``booking_key`` and not cancelled since, if any."""
        found = self.client.search(
            "Appointment", [("identifier", f"{BOOKING_KEY_SYSTEM}|{booking_key}")]
        ).matches
        return next((a for a in found if a.get("status") in BOOKABLE | ARRIVED_ALREADY), None)

    def cancel_booking(self, booking_key: str) -> bool:
        """Cancel the Appointment booked under ``booking_key`` and free its Slot, in one
        transaction; False when there was none left to cancel (idempotent)."""
        for _ in range(2):
            made = self._booking_made(booking_key)
            if made is None:
                return False
            entries = [
                {
                    "fullUrl": f"{self.config.base_url}/Appointment/{made['id']}",
                    "resource": {**made, "status": "cancelled"},
                    "request": {
                        "method": "PUT",
                        "url": f"Appointment/{made['id']}",
                        "ifMatch": f'W/"{version_of(made)}"',
                    },
                }
            ]
            for reference in made.get("slot", []):
                slot_id = mapping.reference_key(reference).partition("/")[2]
                slot = self.client.read("Slot", slot_id)
                entries.append(
                    {
                        "fullUrl": f"{self.config.base_url}/Slot/{slot_id}",
                        "resource": {**slot, "status": "free"},
                        "request": {
                            "method": "PUT",
                            "url": f"Slot/{slot_id}",
                            "ifMatch": f'W/"{version_of(slot)}"',
                        },
                    }
                )
            try:
                self.client.transaction(entries)
            except RecordConflictError:
                continue  # changed meanwhile: read it again
            return True
        raise RecordConflictError(f"the booking {booking_key} kept changing while cancelled")

    def _booking_entries(
        self,
        slot: Resource,
        patient_id: str,
        practitioner_id: str,
        service_id: str,
        booking_key: str,
    ) -> list[Resource]:
        """Create the booked Appointment (carrying ``booking_key``) and make its Slot busy, if
        the Slot is still the version we saw free."""
        participants = [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}]
        if practitioner_id:
            participants.append(
                {"actor": {"reference": f"Practitioner/{practitioner_id}"}, "status": "accepted"}
            )
        participants.append(
            {"actor": {"reference": f"HealthcareService/{service_id}"}, "status": "accepted"}
        )
        appointment = {
            "resourceType": "Appointment",
            "identifier": [{"system": BOOKING_KEY_SYSTEM, "value": booking_key}],
            "status": "booked",
            "slot": [{"reference": f"Slot/{slot['id']}"}],
            "start": slot["start"],
            "end": slot["end"],
            "participant": participants,
        }
        return [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": appointment,
                "request": {"method": "POST", "url": "Appointment"},
            },
            {
                "fullUrl": f"{self.config.base_url}/Slot/{slot['id']}",
                "resource": {**slot, "status": "busy"},
                "request": {
                    "method": "PUT",
                    "url": f"Slot/{slot['id']}",
                    "ifMatch": f'W/"{version_of(slot)}"',
                },
            },
        ]

    # --- bills ----------------------------------------------------------------------------

    def open_bills(self, patient_id: str) -> list[Bill]:
        invoices = self.client.search(
            "Invoice", [("subject", f"Patient/{patient_id}"), ("status", "issued")]
        ).matches
        bills = [mapping.bill(invoice, self.config) for invoice in invoices]
        return sorted(bills, key=lambda b: (b.created_at, b.id))

    def mark_bill_paid(self, bill_id: str) -> None:
        def balance(current: Resource) -> list[dict[str, Any]] | None:
            status = str(current.get("status"))
            if status == "balanced":
                return None
            if status != "issued":
                raise RecordConflictError(f"Invoice/{bill_id} is {status}")
            return [
                {"op": "test", "path": "/status", "value": "issued"},
                {"op": "replace", "path": "/status", "value": "balanced"},
            ]

        self.client.change("Invoice", bill_id, balance)


def _one_taken(session: ScheduleSession) -> ScheduleSession:
    return session.model_copy(update={"slots_left": session.slots_left - 1})


def _booking(
    appointment: Resource,
    session: ScheduleSession,
    *,
    patient_id: str,
    department: Department,
    doctor: DoctorSummary,
    zone: dt.tzinfo,
) -> Booking:
    """``book``'s answer: the booked Appointment (or its Slot's times) in ``session``."""
    starts_at = mapping.instant(appointment.get("start"), zone) or session.starts_at
    return Booking(
        appointment_id=str(appointment["id"]),
        patient_id=patient_id,
        department=_summary(department),
        doctor=doctor,
        session=session,
        starts_at=starts_at,
        ends_at=mapping.instant(appointment.get("end"), zone) or starts_at,
    )


def _summary(department: Department) -> DepartmentSummary:
    return DepartmentSummary(
        **department.model_dump(exclude={"description", "description_en", "location"})
    )


def _location_of(entry: Resource) -> str:
    """The ``Type/id`` a transaction-response entry's ``response.location`` names."""
    return str(entry.get("response", {}).get("location", ""))
