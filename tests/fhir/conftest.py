"""The FHIR tests' hospital, source and a record of everything the adapter sends."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from kiosk.server.clock import ManualClock
from kiosk.server.fhir.config import DepartmentMapping, FhirConfig, load_config
from kiosk.server.fhir.source import FhirClinicalSource
from tests.helpers.fhir_server import BEIJING, FhirTestServer, Hospital, load_hospital

DATA = Path(__file__).parent / "data"
INTERNAL = DepartmentMapping(
    department_id="dep-a", code="A", name_en="Internal Medicine", healthcare_service="hs-internal"
)


def r4_codes(code_system_file: str) -> set[str]:
    """The codes of one of the official R4 code systems vendored in data/."""
    system = json.loads((DATA / code_system_file).read_text(encoding="utf-8"))
    return {concept["code"] for concept in system["concept"]}


def validate_r4(resource: dict[str, Any]) -> None:
    """Parse with fhirclient's R4 (4.0.1) models: unknown elements, wrong types and missing
    required elements raise; every resource of a Bundle is checked too."""
    FHIRElementFactory.instantiate(resource["resourceType"], resource)
    for entry in resource.get("entry", []):
        if "resource" in entry:
            validate_r4(entry["resource"])


@dataclass
class Sent:
    """Every request the adapter made: (method, URL, JSON body) and its query parameters."""

    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    params: list[list[tuple[str, str]]] = field(default_factory=list)

    def bodies(self, method: str) -> list[Any]:
        return [body for m, _, body in self.requests if m == method and body is not None]


@pytest.fixture
def hospital(fhir_server: FhirTestServer) -> Hospital:
    """The hospital put back as it was, at its fixed mid-morning ``hospital.now``."""
    return load_hospital(fhir_server.base_url)


@pytest.fixture
def clock(hospital: Hospital) -> ManualClock:
    """The reference server's clock: the hospital's morning, whatever the real time is."""
    return ManualClock(hospital.now)


@pytest.fixture
def config(fhir_server: FhirTestServer) -> FhirConfig:
    base = load_config(None, fhir_server.base_url)
    return FhirConfig(
        base_url=base.base_url, cache_seconds=60, departments=(INTERNAL,), read_timeout_s=10
    )


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
def source(
    config: FhirConfig, hospital: Hospital, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FhirClinicalSource]:
    """The adapter on the test hospital; what it sends is recorded in ``sent``."""
    # Early in the hospital's day: its sessions (08:00, 14:00) have not ended yet.
    early = dt.datetime.combine(hospital.today, dt.time(7), BEIJING)
    made = record(FhirClinicalSource(config, clock=lambda: early), sent, monkeypatch)
    yield made
    made.client.close()


def record(
    source: FhirClinicalSource, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> FhirClinicalSource:
    """Record in ``sent`` every request ``source`` makes (it still goes to the server)."""
    original = source.client._session.request

    def recording(method: str, url: str, **kwargs: Any) -> requests.Response:
        sent.requests.append((method, url, kwargs.get("json")))
        sent.params.append(list(kwargs.get("params") or []))
        return original(method, url, **kwargs)

    monkeypatch.setattr(source.client._session, "request", recording)
    return source
