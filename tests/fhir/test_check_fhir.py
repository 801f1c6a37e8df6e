"""``kiosk-server check-fhir``: what a hospital's FHIR server supports, one line each; the exit
code says whether the server can use it (0), misses something (1) or cannot reach it (2)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.server.cli import main
from tests.helpers.fhir_server import FhirTestServer, free_port


def test_sekmet_fhir_has_everything(
    fhir_server: FhirTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-fhir", "--fhir-base-url", fhir_server.base_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{fhir_server.base_url}: FHIR 4.0.1"
    assert "ok       Patient: identify by card (Patient?identifier=SYSTEM|VALUE)" in out
    assert "ok       system: book in one transaction Bundle" in out
    assert (
        "ok       Patient: first visit: make a record (create, If-None-Exist on the resident"
        " ID) (optional)" in out
    )
    assert "ok       Appointment: book: find a booking by its key (Appointment?identifier=)" in out
    assert all(line.startswith("ok ") for line in out[1:])
    assert len(out) == 21


def test_the_encounter_is_checked_when_configured(
    fhir_server: FhirTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "fhir.toml"
    config.write_text(f'base_url = "{fhir_server.base_url}"\ncreate_encounter = true\n')
    assert main(["check-fhir", "--fhir-config", str(config)]) == 0
    assert "ok       Encounter: check-in Encounter (conditional create)" in capsys.readouterr().out


class _Capability(BaseHTTPRequestHandler):
    body: dict[str, Any]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        data = json.dumps(self.body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def serve_capability() -> Iterator[Any]:
    """Serve a given CapabilityStatement on loopback; returns the base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(body: dict[str, Any]) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Capability,), {"body": body}))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/fhir"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_server_without_json_patch_or_versioning_misses_check_in(
    fhir_server: FhirTestServer, serve_capability: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capability = requests.get(f"{fhir_server.base_url}/metadata", timeout=10).json()
    capability["patchFormat"] = []
    for resource in capability["rest"][0]["resource"]:
        if resource["type"] == "Slot":
            resource["versioning"] = "versioned"  # no If-Match on update
        if resource["type"] == "Appointment":
            resource["searchInclude"] = []
    url = serve_capability(capability)
    assert main(["check-fhir", "--fhir-base-url", url]) == 1
    out = capsys.readouterr().out
    assert "missing  Appointment: check in (JSON Patch with If-Match)" in out
    assert "missing  Slot: book: Slot to busy (update with If-Match)" in out
    assert (
        "absent   Appointment: doctors and rooms along (_include=Appointment:actor) (optional)"
        in (out)
    )
    assert "ok       Patient: identify by phone (Patient?phone=)" in out


def test_something_that_is_not_a_capability_statement_is_1(
    serve_capability: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve_capability({"resourceType": "Patient", "id": "x"})
    assert main(["check-fhir", "--fhir-base-url", url]) == 1
    assert "is not a CapabilityStatement" in capsys.readouterr().err


def test_an_unreachable_server_is_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/fhir"
    assert main(["check-fhir", "--fhir-base-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk-server check-fhir: FHIR server unreachable for GET metadata")
    assert err.count("\n") == 1


def test_a_bad_config_is_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "fhir.toml"
    config.write_text('[auth]\ntype = "kerberos"\n')
    assert main(["check-fhir", "--fhir-base-url", "http://127.0.0.1:9/fhir",
                 "--fhir-config", str(config)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err == f"kiosk-server check-fhir: {config}: auth.type: 'kerberos' is not one of none, "\
        "bearer, smart\n"  # fmt: skip


def test_the_installed_command(fhir_server: FhirTestServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.server.cli", "check-fhir", "--fhir-base-url",
         fhir_server.base_url],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ok       Invoice: mark a bill paid (JSON Patch with If-Match)" in done.stdout
