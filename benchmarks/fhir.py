"""The server on the hospital's FHIR server: identify, appointments and check-in latency through
a real FHIR R4 server on loopback (sekmet-fhir, as in the tests), next to the ``/health`` floor
of the same server, and the FHIR requests each call makes (check-in target: at most 3).

One kiosk, one request at a time, so the latencies are the FHIR round trips the server adds,
not queueing: each of ``PATIENTS`` patients is identified by resident ID, reads today's
appointments and checks in for the one due in 20 minutes. The directory (services, roles,
schedules, places) is read before the first measurement, as a running server has it cached.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server.clock import ManualClock
from kiosk.server.db import open_database
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.fhir.config import DepartmentMapping, FhirConfig
from kiosk.server.fhir.source import FhirClinicalSource
from kiosk.server.visits import Limits
from tests.helpers.fhir_server import (
    RESIDENT_ID_SYSTEM,
    hospital_resources,
    load_hospital,
    start_fhir_server,
    stop_fhir_server,
)
from tests.helpers.server import ApiClient

Figure = tuple[str, float, str]
PATIENTS = 100
HEALTH_SAMPLES = 200
INTERNAL = DepartmentMapping(
    department_id="dep-a", code="A", name_en="Internal Medicine", healthcare_service="hs-internal"
)


def _id_card(index: int) -> str:
    return f"11010519800101{index:04d}"


def _load_patients(base_url: str, now: dt.datetime) -> None:
    """``PATIENTS`` patients, each with an appointment 20 minutes from now, in one transaction."""
    template = next(r for r in hospital_resources(now) if r["id"] == "apt-soon")
    start = now + dt.timedelta(minutes=20)
    resources: list[dict[str, Any]] = []
    for index in range(PATIENTS):
        resources.append(
            {
                "resourceType": "Patient",
                "id": f"bench-{index}",
                "identifier": [{"system": RESIDENT_ID_SYSTEM, "value": _id_card(index)}],
                "name": [{"text": "测试患者"}],
            }
        )
        resources.append(
            {
                **template,
                "id": f"bench-apt-{index}",
                "start": start.isoformat(),
                "end": (start + dt.timedelta(minutes=15)).isoformat(),
                "participant": [
                    {"actor": {"reference": f"Patient/bench-{index}"}, "status": "accepted"},
                    *template["participant"][1:],
                ],
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for r in resources
        ],
    }
    answer = requests.post(
        base_url, json=bundle, headers={"Content-Type": "application/fhir+json"}, timeout=120
    )
    answer.raise_for_status()


def _timed(
    into: list[float], call: Callable[..., requests.Response], path: str, **kwargs: Any
) -> requests.Response:
    started = time.perf_counter()
    answer = call(path, **kwargs)
    into.append(time.perf_counter() - started)
    answer.raise_for_status()
    return answer


def _latency_rows(name: str, samples: list[float]) -> list[Figure]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return [(f"{name} p50", cuts[49] * 1000, "ms"), (f"{name} p99", cuts[98] * 1000, "ms")]


def _measure(server: EmbeddedServer, source: FhirClinicalSource) -> list[Figure]:
    client = ApiClient(server.url)
    health: list[float] = []
    identify: list[float] = []
    appointments: list[float] = []
    check_in: list[float] = []
    requests_per: dict[str, list[int]] = {"identify": [], "appointments": [], "check-in": []}
    try:
        source.directory()  # as a running server has it cached
        for _ in range(HEALTH_SAMPLES):
            _timed(health, client.get, "/health")
        for index in range(PATIENTS):
            before = source.client.requests_made
            found = _timed(
                identify,
                client.post,
                "/patients/identify",
                json={"kind": "id_card", "value": _id_card(index)},
            ).json()
            client.session.headers[VISIT_TOKEN_HEADER] = found["visit_token"]
            after_identify = source.client.requests_made
            _timed(appointments, client.get, f"/patients/{found['id']}/appointments")
            after_list = source.client.requests_made
            _timed(
                check_in,
                client.post,
                f"/appointments/bench-apt-{index}/check-in",
                headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
            )
            requests_per["identify"].append(after_identify - before)
            requests_per["appointments"].append(after_list - after_identify)
            requests_per["check-in"].append(source.client.requests_made - after_list)
    finally:
        client.close()
    figures = [
        *_latency_rows("/health (floor)", health),
        *_latency_rows("identify", identify),
        *_latency_rows("appointments", appointments),
        *_latency_rows("check-in", check_in),
    ]
    for name, counts in requests_per.items():
        figures.append((f"FHIR requests per {name} (max)", max(counts), "requests"))
    return figures


def collect() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-fhir-bench-") as workdir:
        (Path(workdir) / "fhir").mkdir()
        fhir_server = start_fhir_server(Path(workdir) / "fhir")
        try:
            now = load_hospital(fhir_server.base_url).now
            _load_patients(fhir_server.base_url, now)
            clock = ManualClock(now)
            config = FhirConfig(
                base_url=fhir_server.base_url, cache_seconds=600, departments=(INTERNAL,)
            )
            source = FhirClinicalSource(config, clock=clock)
            db_path = Path(workdir) / "kiosk.db"
            open_database(db_path).close()
            with EmbeddedServer.start(
                db_path,
                seed_demo=True,
                clock=clock,
                limits=Limits(identify_per_window=PATIENTS * 10),
                clinical=source,
            ) as server:
                figures = _measure(server, source)
            source.client.close()
        finally:
            stop_fhir_server(fhir_server)
    return figures


if __name__ == "__main__":
    for figure in collect():
        print(figure)
