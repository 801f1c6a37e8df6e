"""A real third-party FHIR R4 server on loopback for the FHIR tests, and the hospital it holds.

``sekmet-fhir`` (PyPI, pure Python, FastAPI + SQLite) runs as a subprocess bound to 127.0.0.1 on
a free port with its simulator off (it would otherwise answer our appointments by itself) and
its store in a temporary directory. The hospital is loaded THROUGH the FHIR API, as one
transaction Bundle of PUTs with fixed ids, so every test can put it back as it was.

What sekmet-fhir 0.1.1 does, checked by hand against this file's data: identifier and phone
token search (exact match: no partial phone numbers), chained ``schedule.actor`` (two levels
too), ``_include`` (``Appointment:actor``), ``date`` prefixes, ``_count`` paging with
``next`` links, versioned update and JSON Patch with ``If-Match`` (412 on a stale version),
``ifMatch``/``ifNoneExist`` inside transactions, transactions with rollback, and a
CapabilityStatement listing it. Where it differs: unknown search parameters are ignored
(400 only with ``Prefer: handling=strict``), and its CapabilityStatement says
``conditionalRead: not-supported`` although ``If-None-Match`` answers 304.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

START_TIMEOUT_S = 60
BEIJING = dt.timezone(dt.timedelta(hours=8))
# The tests' hospital stands at a fixed mid-morning: with the real time, an appointment "in
# 40 minutes" fell on tomorrow after 23:20 Beijing time and the tests failed by the clock.
HOSPITAL_NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING)

RESIDENT_ID_SYSTEM = "urn:oid:2.16.156.10011.1.3"
HEALTH_CARD_SYSTEM = "urn:oid:2.16.156.10011.1.19"
OUTPATIENT_NUMBER_SYSTEM = "urn:oid:2.16.156.10011.1.11"
SPECIALTY_SYSTEM = "urn:oid:2.16.156.10011.2.3.1.1"  # clinical department codes
FEE_EXTENSION = "http://hospital.example/fhir/StructureDefinition/registration-fee"
ITEM_CATEGORY_SYSTEM = "http://hospital.example/fhir/CodeSystem/item-category"


@dataclass(frozen=True)
class FhirTestServer:
    """A running sekmet-fhir: its FHIR base URL and the process to stop."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_fhir_server(workdir: Path) -> FhirTestServer:
    """Start sekmet-fhir in ``workdir`` and wait until ``/metadata`` answers."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/fhir"
    settings = workdir / "settings.yaml"
    settings.write_text(
        f"base_url: {base_url}\nhost: 127.0.0.1\nport: {port}\n"
        f"data_dir: {workdir / 'data'}\n"
        "simulator: {enabled: false}\nlog_inbound: false\n",
        encoding="utf-8",
    )
    log_path = workdir / "sekmet.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "sekmet.main:app_factory", "--factory"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=workdir,
            env={**os.environ, "SEKMET_CONFIG": str(settings)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sekmet-fhir exited: {log_path.read_text(errors='replace')}")
        try:
            if requests.get(f"{base_url}/metadata", timeout=2).status_code == 200:
                return FhirTestServer(base_url, process, log_path)
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    stop_fhir_server(FhirTestServer(base_url, process, log_path))
    raise RuntimeError(f"sekmet-fhir did not answer /metadata within {START_TIMEOUT_S} s")


def stop_fhir_server(server: FhirTestServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def running_fhir_server(workdir: Path) -> Iterator[FhirTestServer]:
    """The body of the session fixture: start, yield, terminate."""
    server = start_fhir_server(workdir)
    try:
        yield server
    finally:
        stop_fhir_server(server)


# --- the hospital -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hospital:
    """What ``load_hospital`` put on the FHIR server, for tests to compare with."""

    now: dt.datetime
    bundle: dict[str, Any]

    @property
    def today(self) -> dt.date:
        return self.now.date()


def _ref(kind: str, rid: str, display: str = "") -> dict[str, str]:
    return {"reference": f"{kind}/{rid}", **({"display": display} if display else {})}


def _code(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _time(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def _location(rid: str, name: str, physical: str, part_of: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": rid,
        "status": "active",
        "name": name,
        "physicalType": _code(
            "http://terminology.hl7.org/CodeSystem/location-physical-type", physical, physical
        ),
    }
    if part_of:
        resource["partOf"] = _ref("Location", part_of)
    return resource


def _patient(
    rid: str, name: str, family: str, given: str, ids: dict[str, str], phone: str, gender: str
) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": rid,
        "identifier": [{"system": system, "value": value} for system, value in ids.items()],
        "name": [{"use": "official", "text": name, "family": family, "given": [given]}],
        "telecom": [{"system": "phone", "value": phone, "use": "mobile"}],
        "gender": gender,
        "birthDate": "1990-03-07",
    }


def _appointment(
    rid: str, status: str, start: dt.datetime, patient: str, doctor: str, service: str
) -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "id": rid,
        "status": status,
        "specialty": [_code(SPECIALTY_SYSTEM, "03", "内科")],
        "start": _time(start),
        "end": _time(start + dt.timedelta(minutes=15)),
        "participant": [
            {"actor": _ref("Patient", patient), "status": "accepted"},
            {"actor": _ref("Practitioner", doctor), "status": "accepted"},
            {"actor": _ref("HealthcareService", service), "status": "accepted"},
            {"actor": _ref("Location", "room-201"), "status": "accepted"},
        ],
    }


def _invoice(
    rid: str, patient: str, when: dt.datetime, items: list[tuple[str, str, int, int]]
) -> dict[str, Any]:
    """``items``: (name, category, amount in cents, insurance share in cents)."""
    line_items = []
    for sequence, (name, category, amount, insurance) in enumerate(items, start=1):
        components: list[dict[str, Any]] = [
            {"type": "base", "factor": 1, "amount": {"value": amount / 100, "currency": "CNY"}}
        ]
        if insurance:
            components.append(
                {
                    "type": "deduction",
                    "code": {"text": "医保统筹"},
                    "amount": {"value": insurance / 100, "currency": "CNY"},
                }
            )
        line_items.append(
            {
                "sequence": sequence,
                "chargeItemCodeableConcept": _code(ITEM_CATEGORY_SYSTEM, category, name),
                "priceComponent": components,
            }
        )
    return {
        "resourceType": "Invoice",
        "id": rid,
        "status": "issued",
        "subject": _ref("Patient", patient),
        "date": _time(when),
        "issuer": _ref("Organization", "org-internal", "内科"),
        "lineItem": line_items,
        "totalGross": {"value": sum(i[2] for i in items) / 100, "currency": "CNY"},
    }


def hospital_resources(now: dt.datetime) -> list[dict[str, Any]]:
    """The hospital around ``now``: two departments, two doctors, sessions and appointments."""
    today = now.date()
    morning = dt.datetime.combine(today, dt.time(8, 0), BEIJING)
    afternoon = dt.datetime.combine(today, dt.time(14, 0), BEIJING)
    resources: list[dict[str, Any]] = [
        {"resourceType": "Organization", "id": "org-internal", "name": "内科"},
        _location("bld-outpatient", "门诊楼", "bu", None),
        _location("floor-2", "2层", "lvl", "bld-outpatient"),
        _location("room-201", "201诊室", "ro", "floor-2"),
        _location("floor-3", "3层", "lvl", "bld-outpatient"),
        _location("room-305", "305诊室", "ro", "floor-3"),
        {
            "resourceType": "HealthcareService",
            "id": "hs-internal",
            "active": True,
            "name": "内科",
            "specialty": [_code(SPECIALTY_SYSTEM, "03", "内科")],
            "location": [_ref("Location", "room-201")],
        },
        {
            "resourceType": "HealthcareService",
            "id": "hs-pediatrics",
            "active": True,
            "name": "儿科",
            "specialty": [_code(SPECIALTY_SYSTEM, "07", "儿科")],
            "location": [_ref("Location", "room-305")],
        },
        {
            "resourceType": "Practitioner",
            "id": "doc-li",
            "name": [{"text": "李明", "family": "李", "given": ["明"]}],
        },
        {
            "resourceType": "Practitioner",
            "id": "doc-wang",
            "name": [{"text": "王芳", "family": "王", "given": ["芳"]}],
        },
        {
            "resourceType": "PractitionerRole",
            "id": "role-li",
            "active": True,
            "practitioner": _ref("Practitioner", "doc-li"),
            "code": [{"text": "主任医师"}],
            "healthcareService": [_ref("HealthcareService", "hs-internal")],
        },
        {
            "resourceType": "PractitionerRole",
            "id": "role-wang",
            "active": True,
            "practitioner": _ref("Practitioner", "doc-wang"),
            "code": [{"text": "主治医师"}],
            "healthcareService": [_ref("HealthcareService", "hs-pediatrics")],
        },
        {
            "resourceType": "Schedule",
            "id": "sch-li",
            "active": True,
            "extension": [{"url": FEE_EXTENSION, "valueMoney": {"value": 50, "currency": "CNY"}}],
            "actor": [_ref("Practitioner", "doc-li"), _ref("HealthcareService", "hs-internal")],
        },
        {
            "resourceType": "Schedule",
            "id": "sch-wang",
            "active": True,
            "actor": [_ref("Practitioner", "doc-wang"), _ref("HealthcareService", "hs-pediatrics")],
        },
        _patient(
            "pat-zhang",
            "张三",
            "张",
            "三",
            {
                RESIDENT_ID_SYSTEM: "110101199003071234",
                HEALTH_CARD_SYSTEM: "HC20260001",
                OUTPATIENT_NUMBER_SYSTEM: "MZ0001",
            },
            "13800138000",
            "male",
        ),
        _patient(
            "pat-ouyang",
            "欧阳娜娜",
            "欧阳",
            "娜娜",
            {RESIDENT_ID_SYSTEM: "110101199203041248"},
            "13900139000",
            "female",
        ),
        _appointment(
            "apt-soon",
            "booked",
            now + dt.timedelta(minutes=20),
            "pat-zhang",
            "doc-li",
            "hs-internal",
        ),
        _appointment(
            "apt-cancelled",
            "cancelled",
            now + dt.timedelta(minutes=40),
            "pat-zhang",
            "doc-li",
            "hs-internal",
        ),
        _appointment(
            "apt-later", "booked", now + dt.timedelta(hours=3), "pat-zhang", "doc-li", "hs-internal"
        ),
        _invoice(
            "inv-lab",
            "pat-zhang",
            now - dt.timedelta(hours=1),
            [("血常规", "lab", 2500, 1500), ("挂号费", "registration", 5000, 0)],
        ),
        _invoice("inv-drug", "pat-zhang", now, [("阿莫西林胶囊", "drug", 3680, 0)]),
    ]
    for doctor, schedule, base in (
        ("li", "sch-li", morning),
        ("li", "sch-li", afternoon),
        ("wang", "sch-wang", afternoon),
    ):
        for index in range(4):
            start = base + dt.timedelta(minutes=15 * index)
            resources.append(
                {
                    "resourceType": "Slot",
                    "id": f"slot-{doctor}-{start:%H%M}",
                    "schedule": _ref("Schedule", schedule),
                    "status": "busy" if index == 0 else "free",
                    "start": _time(start),
                    "end": _time(start + dt.timedelta(minutes=15)),
                }
            )
    return resources


def hospital_bundle(now: dt.datetime) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{resource['resourceType']}-{resource['id']}",
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
            }
            for resource in hospital_resources(now)
        ],
    }


def load_hospital(base_url: str, now: dt.datetime = HOSPITAL_NOW) -> Hospital:
    """Put the hospital on the server as it is at ``now`` (Beijing time), through the API."""
    moment = now.astimezone(BEIJING).replace(microsecond=0)
    bundle = hospital_bundle(moment)
    response = requests.post(
        base_url,
        json=bundle,
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
        timeout=30,
    )
    response.raise_for_status()
    return Hospital(moment, bundle)
