"""FHIR R4 resources (JSON dicts) → the Kiosk API's domain values, and nothing else: no I/O.

Names come from ``Patient.name``/``Practitioner.name`` (the Chinese ``text``, else family and
given) and patients' are masked as the built-in store masks them. Departments come from
``HealthcareService`` through the configured mapping, buildings/floors/rooms from the
``Location.partOf`` chain, sessions from a ``Schedule``'s slots of one half-day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.api.models import (
    Appointment,
    AppointmentStatus,
    Bill,
    BillItem,
    BillStatus,
    Department,
    DepartmentSummary,
    DoctorSummary,
    IdentifierKind,
    ItemCategory,
    Location,
    Patient,
    ScheduleSession,
    SessionPeriod,
)
from kiosk.identity import mask_id_number, mask_name
from kiosk.server.db import CHECK_IN_CLOSES_AFTER, CHECK_IN_OPENS_BEFORE
from kiosk.server.fhir.config import DepartmentMapping, FhirConfig

Resource = dict[str, Any]
References = Mapping[str, Resource]  # "Type/id" → resource

# R4 AppointmentStatus → the API's four states.
APPOINTMENT_STATUSES: dict[str, AppointmentStatus] = {
    "proposed": AppointmentStatus.booked,
    "pending": AppointmentStatus.booked,
    "booked": AppointmentStatus.booked,
    "waitlist": AppointmentStatus.booked,
    "arrived": AppointmentStatus.checked_in,
    "checked-in": AppointmentStatus.checked_in,
    "fulfilled": AppointmentStatus.completed,
    "cancelled": AppointmentStatus.cancelled,
    "noshow": AppointmentStatus.cancelled,
    "entered-in-error": AppointmentStatus.cancelled,
}
# R4 InvoiceStatus → the API's (a payment's lock is the server's own).
INVOICE_STATUSES = {"issued": BillStatus.unpaid, "balanced": BillStatus.paid}
# Location.physicalType codes (location-physical-type) for the three levels the kiosk shows.
BUILDING_TYPES = {"bu", "si", "wi"}
FLOOR_TYPES = {"lvl"}
ROOM_TYPES = {"ro", "area", "bd"}
AFTERNOON_FROM = dt.time(12, 0)
EVENING_FROM = dt.time(18, 0)


def reference_key(reference: object) -> str:
    """``"Type/id"`` of a Reference (absolute URLs and ``_history`` cut off), else ``""``."""
    if not isinstance(reference, dict):
        return ""
    value = str(reference.get("reference", ""))
    if "/_history/" in value:
        value = value.split("/_history/")[0]
    parts = value.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else ""


def reference_id(reference: object, kind: str) -> str:
    key = reference_key(reference)
    return key.partition("/")[2] if key.startswith(kind + "/") else ""


def instant(value: object, zone: dt.tzinfo) -> dt.datetime | None:
    """A FHIR instant/dateTime in the hospital's time zone (a date alone: its midnight)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def money_cents(money: object) -> int:
    if not isinstance(money, dict):
        return 0
    try:
        return int((Decimal(str(money.get("value", 0))) * 100).to_integral_value())
    except InvalidOperation:
        return 0


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" or "\U00020000" <= c <= "\U0003134f" for c in text)


def human_name(resource: Resource) -> str:
    """The official (else first) name: its ``text``, else family and given (张三, not 张 三;
    John Smith for Latin names)."""
    names = [n for n in resource.get("name", []) if isinstance(n, dict)]
    if not names:
        return ""
    name = next((n for n in names if n.get("use") == "official"), names[0])
    if name.get("text"):
        return str(name["text"]).strip()
    family = str(name.get("family", "")).strip()
    given = [str(g).strip() for g in name.get("given", [])]
    if _has_cjk(family + "".join(given)):
        return family + "".join(given)
    return " ".join([*given, family]).strip()


def codeable_text(concept: object) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display"):
            return str(coding["display"])
    return ""


def codings(concepts: object) -> list[tuple[str, str]]:
    if isinstance(concepts, dict):
        concepts = [concepts]
    if not isinstance(concepts, list):
        return []
    return [
        (str(c.get("system", "")), str(c.get("code", "")))
        for concept in concepts
        if isinstance(concept, dict)
        for c in concept.get("coding", [])
    ]


def _age(birth: str, today: dt.date) -> int | None:
    try:
        year = int(birth[:4])
        month = int(birth[5:7]) if len(birth) >= 7 else 1
        day = int(birth[8:10]) if len(birth) >= 10 else 1
    except ValueError:
        return None
    return today.year - year - ((today.month, today.day) < (month, day))


def patient(resource: Resource, config: FhirConfig, today: dt.date) -> Patient:
    id_system = config.identifier_systems.get(IdentifierKind.id_card, "")
    id_number = next(
        (
            str(i.get("value", ""))
            for i in resource.get("identifier", [])
            if i.get("system") == id_system
        ),
        "",
    )
    birth = resource.get("birthDate")
    return Patient(
        id=str(resource["id"]),
        display_name=mask_name(human_name(resource)),
        masked_id_number=mask_id_number(id_number) if id_number else "",
        gender=str(resource.get("gender", "")),
        age=_age(birth, today) if isinstance(birth, str) else None,
    )


# --- places -----------------------------------------------------------------------------------


def location(location_key: str, places: References, override: DepartmentMapping | None) -> Location:
    """Building, floor and room from a Location and its ``partOf`` chain (the leaf is the
    room and the top the building when the physical types do not say)."""
    chain: list[Resource] = []
    key = location_key
    while key in places and len(chain) < 8 and places[key] not in chain:
        chain.append(places[key])
        key = reference_key(places[key].get("partOf"))
    levels: dict[str, str] = {}
    for place in chain:
        kinds = {code for _, code in codings(place.get("physicalType"))}
        name = str(place.get("name", ""))
        for level, codes in (("building", BUILDING_TYPES), ("floor", FLOOR_TYPES)):
            if kinds & codes:
                levels.setdefault(level, name)
        if kinds & ROOM_TYPES:
            levels.setdefault("room", name)
    if chain:
        levels.setdefault("room", str(chain[0].get("name", "")))
        if len(chain) > 1:
            levels.setdefault("building", str(chain[-1].get("name", "")))
    directions = str(chain[0].get("description", "")) if chain else ""
    return Location(
        building=(override.building if override else "") or levels.get("building", ""),
        floor=(override.floor if override else "") or levels.get("floor", ""),
        room=(override.room if override else "") or levels.get("room", ""),
        directions=directions,
    )


# --- departments ------------------------------------------------------------------------------


def department_mapping(
    config: FhirConfig,
    *,
    service_id: str = "",
    location_id: str = "",
    specialties: Sequence[tuple[str, str]] = (),
) -> DepartmentMapping | None:
    """The configured department for a HealthcareService, a Location or a specialty code."""
    codes = {f"{system}|{code}" for system, code in specialties}
    for mapping in config.departments:
        if service_id and mapping.healthcare_service == service_id:
            return mapping
    for mapping in config.departments:
        if location_id and mapping.location == location_id:
            return mapping
    for mapping in config.departments:
        if mapping.specialty and mapping.specialty in codes:
            return mapping
    return None


def department_summary(
    service: Resource | None, mapping: DepartmentMapping | None, fallback_name: str = ""
) -> DepartmentSummary:
    """A HealthcareService as the API's department (mapped: the server's id and code)."""
    codes = codings(service.get("specialty")) if service else []
    service_id = str(service["id"]) if service else ""
    name = (mapping.name if mapping else "") or (str(service.get("name", "")) if service else "")
    return DepartmentSummary(
        id=mapping.department_id if mapping else service_id,
        code=(mapping.code if mapping else "") or (codes[0][1] if codes else service_id),
        name=name or fallback_name,
        name_en=mapping.name_en if mapping else "",
        hint=str(service.get("comment", "")) if service else "",
    )


def department(service: Resource, config: FhirConfig, places: References) -> Department:
    location_key = reference_key((service.get("location") or [None])[0])
    mapping = department_mapping(
        config,
        service_id=str(service["id"]),
        location_id=location_key.partition("/")[2],
        specialties=codings(service.get("specialty")),
    )
    summary = department_summary(service, mapping)
    return Department(
        **summary.model_dump(),
        description=str(service.get("extraDetails", "")),
        location=location(location_key, places, mapping),
    )


def doctor(practitioner: Resource | None, role: Resource | None) -> DoctorSummary:
    """A Practitioner as the API's doctor; the title is its role's code (主任医师)."""
    title = codeable_text((role.get("code") or [None])[0]) if role else ""
    return DoctorSummary(
        id=str(practitioner["id"]) if practitioner else "",
        name=human_name(practitioner) if practitioner else "",
        title=title,
    )


def role_of(roles: Sequence[Resource], practitioner_id: str) -> Resource | None:
    """The PractitionerRole of a practitioner (for the doctor's title)."""
    for role in roles:
        if reference_id(role.get("practitioner"), "Practitioner") == practitioner_id:
            return role
    return None


# --- appointments -----------------------------------------------------------------------------


def patient_of(resource: Resource) -> str:
    """The id of the Patient taking part in an Appointment."""
    for participant in resource.get("participant", []):
        patient_id = reference_id(participant.get("actor"), "Patient")
        if patient_id:
            return patient_id
    return ""


def appointment(
    resource: Resource, config: FhirConfig, known: References, roles: Sequence[Resource]
) -> Appointment | None:
    """An Appointment as the API's; its department from a participant HealthcareService, a
    Location or a specialty through the mapping (else the service's own name). None for one
    without a start (a proposal): the kiosk cannot check it in."""
    zone = config.time_zone
    start, end = instant(resource.get("start"), zone), instant(resource.get("end"), zone)
    if start is None:
        return None
    actors = [reference_key(p.get("actor")) for p in resource.get("participant", [])]
    service_key = next((a for a in actors if a.startswith("HealthcareService/")), "")
    location_key = next((a for a in actors if a.startswith("Location/")), "")
    practitioner_key = next((a for a in actors if a.startswith("Practitioner/")), "")
    department_map = department_mapping(
        config,
        service_id=service_key.partition("/")[2],
        location_id=location_key.partition("/")[2],
        specialties=codings(resource.get("specialty")),
    )
    service = known.get(service_key)
    if service is None and department_map and department_map.healthcare_service:
        service = known.get(f"HealthcareService/{department_map.healthcare_service}")
    if not location_key and service is not None:
        location_key = reference_key((service.get("location") or [None])[0])
    fallback = codeable_text((resource.get("serviceType") or [None])[0]) or codeable_text(
        (resource.get("specialty") or [None])[0]
    )
    practitioner_id = practitioner_key.partition("/")[2]
    return Appointment(
        id=str(resource["id"]),
        patient_id=patient_of(resource),
        department=department_summary(service, department_map, fallback),
        doctor=doctor(known.get(practitioner_key), role_of(roles, practitioner_id))
        if practitioner_key in known
        else DoctorSummary(id=practitioner_id, name="", title=""),
        starts_at=start,
        ends_at=end or start,
        location=location(location_key, known, department_map),
        check_in_opens_at=start - CHECK_IN_OPENS_BEFORE,
        check_in_closes_at=start + CHECK_IN_CLOSES_AFTER,
        status=APPOINTMENT_STATUSES.get(str(resource.get("status")), AppointmentStatus.cancelled),
    )


# --- sessions ---------------------------------------------------------------------------------


def period_of(start: dt.datetime) -> SessionPeriod:
    if start.time() < AFTERNOON_FROM:
        return SessionPeriod.morning
    if start.time() < EVENING_FROM:
        return SessionPeriod.afternoon
    return SessionPeriod.evening


def session_id(schedule_id: str, day: dt.date, period: SessionPeriod) -> str:
    return f"{schedule_id}.{day:%Y%m%d}.{period.value}"


def parse_session_id(value: str) -> tuple[str, dt.date, SessionPeriod] | None:
    schedule_id, _, rest = value.rpartition(".")
    schedule_id, _, day = schedule_id.rpartition(".")
    try:
        return schedule_id, dt.datetime.strptime(day, "%Y%m%d").date(), SessionPeriod(rest)
    except ValueError:
        return None


def schedule_fee_cents(schedule: Resource, config: FhirConfig) -> int:
    for extension in schedule.get("extension", []):
        if extension.get("url") == config.fee_extension:
            return money_cents(extension.get("valueMoney"))
    return 0


def sessions(
    schedule: Resource, slots: Sequence[Resource], fee_cents: int, zone: dt.tzinfo
) -> list[ScheduleSession]:
    """The schedule's slots grouped into half-day sessions; ``slots_left`` counts free ones."""
    groups: dict[tuple[dt.date, SessionPeriod], list[tuple[dt.datetime, dt.datetime, str]]] = {}
    for slot in slots:
        start, end = instant(slot.get("start"), zone), instant(slot.get("end"), zone)
        status = str(slot.get("status", ""))
        if start is None or end is None or status == "entered-in-error":
            continue
        groups.setdefault((start.date(), period_of(start)), []).append((start, end, status))
    result = []
    for (day, period), members in groups.items():
        result.append(
            ScheduleSession(
                id=session_id(str(schedule["id"]), day, period),
                period=period,
                starts_at=min(start for start, _, _ in members),
                ends_at=max(end for _, end, _ in members),
                slots_total=len(members),
                slots_left=sum(1 for _, _, status in members if status == "free"),
                fee_cents=fee_cents,
            )
        )
    return sorted(result, key=lambda session: session.starts_at)


# --- bills ------------------------------------------------------------------------------------


def _category(concept: object, system: str) -> ItemCategory:
    for coding_system, code in codings(concept):
        if coding_system == system and code in ItemCategory.__members__:
            return ItemCategory(code)
    return ItemCategory.treatment


def bill(invoice: Resource, config: FhirConfig) -> Bill:
    """An Invoice as the API's bill: line items' ``base`` components are what they cost,
    ``deduction`` components what insurance pays."""
    items: list[BillItem] = []
    insurance = 0
    for line in invoice.get("lineItem", []):
        concept = line.get("chargeItemCodeableConcept")
        name = codeable_text(concept) or str(line.get("chargeItemReference", {}).get("display", ""))
        amount = 0
        quantity = Decimal(1)
        for component in line.get("priceComponent", []):
            if component.get("type") == "base":
                amount += money_cents(component.get("amount"))
                quantity = Decimal(str(component.get("factor", 1)))
            elif component.get("type") == "deduction":
                insurance += money_cents(component.get("amount"))
        items.append(
            BillItem(
                name=name,
                category=_category(concept, config.item_category_system),
                quantity=float(quantity),
                unit_price_cents=int(amount / quantity) if quantity else amount,
                amount_cents=amount,
            )
        )
    total = (
        sum(item.amount_cents for item in items)
        if items
        else money_cents(invoice.get("totalGross"))
    )
    issuer = invoice.get("issuer", {})
    issuer_name = str(issuer.get("display", "")) or str(
        issuer.get("identifier", {}).get("value", "")
    )
    created = instant(invoice.get("date"), config.time_zone) or instant(
        invoice.get("meta", {}).get("lastUpdated"), config.time_zone
    )
    insurance = min(insurance, total)
    return Bill(
        id=str(invoice["id"]),
        created_at=created or dt.datetime.fromtimestamp(0, config.time_zone),
        department=DepartmentSummary(
            id=reference_id(issuer, "Organization") or issuer_name,
            code="",
            name=issuer_name,
        ),
        title=codeable_text(invoice.get("type")) or (items[0].name if items else issuer_name),
        status=INVOICE_STATUSES.get(str(invoice.get("status")), BillStatus.unpaid),
        items=items,
        total_cents=total,
        insurance_cents=insurance,
        self_pay_cents=total - insurance,
    )
