"""What ``kiosk-server check-fhir`` reports: each FHIR interaction the clinical source uses,
and whether the hospital's CapabilityStatement says the server supports it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.server.fhir.client import JSON_PATCH
from kiosk.server.fhir.config import FhirConfig


@dataclass(frozen=True)
class Need:
    """One interaction: ``interaction`` on ``resource`` (``""``: a system interaction) with
    these search parameters or ``_include``; ``required=False`` only makes it faster."""

    label: str
    resource: str
    interaction: str
    params: tuple[str, ...] = ()
    include: str = ""
    required: bool = True


def needs(config: FhirConfig) -> list[Need]:
    found = [
        Need("identify by card (Patient?identifier=SYSTEM|VALUE)", "Patient", "search-type",
             ("identifier",)),
        Need("identify by phone (Patient?phone=)", "Patient", "search-type", ("phone",)),
        Need("read a patient", "Patient", "read"),
        Need("a patient's appointments (Appointment?patient=&date=)", "Appointment",
             "search-type", ("patient", "date")),
        Need("doctors and rooms along (_include=Appointment:actor)", "Appointment",
             "search-type", include="Appointment:actor", required=False),
        Need("read an appointment", "Appointment", "read"),
        Need("check in (JSON Patch with If-Match)", "Appointment", "patch"),
        Need("departments (HealthcareService?active=)", "HealthcareService", "search-type",
             ("active",)),
        Need("buildings, floors, rooms (Location)", "Location", "search-type"),
        Need("doctors' titles (PractitionerRole, _include practitioner)", "PractitionerRole",
             "search-type", include="PractitionerRole:practitioner"),
        Need("schedules (Schedule?active=)", "Schedule", "search-type", ("active",)),
        Need("a day's slots (Slot?schedule.actor=&start=)", "Slot", "search-type",
             ("schedule", "start")),
        Need("book: Slot to busy (update with If-Match)", "Slot", "update"),
        Need("book: create the Appointment", "Appointment", "create"),
        Need("book: find a booking by its key (Appointment?identifier=)", "Appointment",
             "search-type", ("identifier",)),
        Need("cancel an unpaid booking (Appointment update with If-Match)", "Appointment",
             "update"),
        Need("book in one transaction Bundle", "", "transaction"),
        Need("open bills (Invoice?subject=&status=)", "Invoice", "search-type",
             ("subject", "status")),
        Need("mark a bill paid (JSON Patch with If-Match)", "Invoice", "patch"),
        Need("first visit: make a record (create, If-None-Exist on the resident ID)",
             "Patient", "create", required=False),
    ]  # fmt: skip
    if config.create_encounter:
        found.append(Need("check-in Encounter (conditional create)", "Encounter", "create"))
    return found


def _server_rest(capability: Mapping[str, Any]) -> Mapping[str, Any]:
    for rest in capability.get("rest", []):
        if rest.get("mode") == "server":
            found: Mapping[str, Any] = rest
            return found
    return {}


def supported(need: Need, capability: Mapping[str, Any]) -> bool:
    rest = _server_rest(capability)
    if not need.resource:
        return any(i.get("code") == need.interaction for i in rest.get("interaction", []))
    resource = next((r for r in rest.get("resource", []) if r.get("type") == need.resource), None)
    if resource is None:
        return False
    codes = {i.get("code") for i in resource.get("interaction", [])}
    if need.interaction not in codes:
        return False
    if need.interaction in ("update", "patch") and resource.get("versioning") != (
        "versioned-update"
    ):
        return False  # no If-Match: two kiosks could overwrite each other
    if need.interaction == "patch" and JSON_PATCH not in capability.get("patchFormat", []):
        return False
    params = {p.get("name") for p in resource.get("searchParam", [])}
    if not set(need.params) <= params:
        return False
    includes = set(resource.get("searchInclude", []))
    return not need.include or need.include in includes or "*" in includes


def report(config: FhirConfig, capability: Mapping[str, Any]) -> tuple[list[str], bool]:
    """One line per interaction (``ok`` / ``missing``, ``optional`` when it may be), and
    whether every required one is there."""
    lines = []
    complete = True
    for need in needs(config):
        ok = supported(need, capability)
        complete = complete and (ok or not need.required)
        mark = "ok     " if ok else ("missing" if need.required else "absent ")
        suffix = "" if need.required else " (optional)"
        lines.append(f"{mark}  {need.resource or 'system'}: {need.label}{suffix}")
    return lines, complete
