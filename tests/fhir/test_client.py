"""The FHIR REST client: its interactions against sekmet-fhir, and every way a FHIR server can
fail it (down, slow, an OperationOutcome, a version conflict), each a typed error."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kiosk.api.models import IdentifierKind
from kiosk.server.clinical import (
    RecordConflictError,
    RecordNotFoundError,
    RecordRejectedError,
    SourceTimeoutError,
    SourceUnavailableError,
)
from kiosk.server.fhir.client import FhirClient, version_of
from kiosk.server.fhir.config import Auth, FhirConfig
from kiosk.server.fhir.source import FhirClinicalSource
from tests.helpers.fhir_server import FhirTestServer, Hospital, free_port


@pytest.fixture
def client(fhir_server: FhirTestServer, hospital: Hospital) -> Iterator[FhirClient]:
    made = FhirClient(FhirConfig(base_url=fhir_server.base_url))
    yield made
    made.close()


def test_read_search_include_and_the_request_count(client: FhirClient) -> None:
    assert client.read("Patient", "pat-zhang")["name"][0]["text"] == "张三"
    result = client.search(
        "Appointment", [("patient", "Patient/pat-zhang"), ("_include", "Appointment:actor")]
    )
    assert {r["id"] for r in result.matches} >= {"apt-soon", "apt-cancelled", "apt-later"}
    assert {"Practitioner/doc-li", "Location/room-201", "HealthcareService/hs-internal"} <= set(
        result.included_by_reference()
    )
    assert client.requests_made == 2


def test_search_follows_next_links_to_the_last_page(client: FhirClient) -> None:
    result = client.search("Slot", [("schedule", "Schedule/sch-li"), ("_count", "3")])
    assert len(result.matches) == 8
    assert len({s["id"] for s in result.matches}) == 8
    assert client.requests_made == 3


def test_a_next_link_to_another_server_is_refused(client: FhirClient) -> None:
    with pytest.raises(RecordRejectedError, match="another server"):
        client._own_url("http://elsewhere.example/fhir/Slot?page=2")


def test_a_missing_resource_is_not_found(client: FhirClient) -> None:
    with pytest.raises(RecordNotFoundError, match="Patient/nobody: HTTP 404"):
        client.read("Patient", "nobody")


def test_an_operation_outcome_is_rejected_with_its_text(
    client: FhirClient, fhir_server: FhirTestServer
) -> None:
    with pytest.raises(RecordRejectedError, match=r"HTTP 400: error structure: .*Slot\.schedule"):
        client.create({"resourceType": "Slot", "status": "free"})


def test_a_stale_version_is_a_conflict(client: FhirClient) -> None:
    slot = client.read("Slot", "slot-li-0815")
    with pytest.raises(RecordConflictError, match="HTTP 412"):
        client.update({**slot, "status": "busy"}, version="999")
    assert client.read("Slot", "slot-li-0815")["status"] == "free"


def test_a_412_is_read_again_and_tried_once_more(
    client: FhirClient, fhir_server: FhirTestServer
) -> None:
    """Someone else writes the invoice between our read and our patch: we read it again and
    our change lands on their version."""
    calls: list[str] = []

    def balance(current: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append(version_of(current))
        if len(calls) == 1:
            other = {**current, "note": [{"text": "收费处已核对"}]}
            requests.put(f"{fhir_server.base_url}/Invoice/inv-lab", json=other, timeout=10)
        return [{"op": "replace", "path": "/status", "value": "balanced"}]

    result = client.change("Invoice", "inv-lab", balance)
    assert calls == [calls[0], str(int(calls[0]) + 1)]
    assert result["status"] == "balanced"
    assert result["note"][0]["text"] == "收费处已核对"


def test_a_second_412_is_a_clear_conflict_and_writes_nothing(
    client: FhirClient, fhir_server: FhirTestServer
) -> None:
    def always_beaten(current: dict[str, Any]) -> list[dict[str, Any]]:
        requests.put(f"{fhir_server.base_url}/Invoice/inv-lab", json=current, timeout=10)
        return [{"op": "replace", "path": "/status", "value": "balanced"}]

    with pytest.raises(RecordConflictError, match="Invoice/inv-lab: HTTP 412"):
        client.change("Invoice", "inv-lab", always_beaten)
    assert client.read("Invoice", "inv-lab")["status"] == "issued"


def test_a_transaction_is_all_or_nothing(client: FhirClient) -> None:
    slot = client.read("Slot", "slot-li-0830")
    entries = [
        {
            "resource": {**slot, "status": "busy"},
            "request": {"method": "PUT", "url": "Slot/slot-li-0830"},
        },
        {
            "resource": {"resourceType": "Slot", "status": "free"},  # no schedule: invalid
            "request": {"method": "POST", "url": "Slot"},
        },
    ]
    with pytest.raises(RecordRejectedError):
        client.transaction(entries)
    assert client.read("Slot", "slot-li-0830")["status"] == "free"


# --- a FHIR server that is down or slow -------------------------------------------------------


def test_a_server_that_is_down_is_unavailable() -> None:
    client = FhirClient(FhirConfig(base_url=f"http://127.0.0.1:{free_port()}/fhir"))
    with pytest.raises(SourceUnavailableError, match="unreachable for GET Patient/x"):
        client.read("Patient", "x")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback socket that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_server_that_never_answers_times_out_in_the_configured_time(silent_port: int) -> None:
    config = FhirConfig(base_url=f"http://127.0.0.1:{silent_port}/fhir", read_timeout_s=0.5)
    source = FhirClinicalSource(config)
    started = time.monotonic()
    with pytest.raises(SourceTimeoutError, match="did not answer GET Patient in time"):
        source.find_patient(IdentifierKind.phone, "13800138000", dt.date.today())
    assert time.monotonic() - started < 5
    assert isinstance(SourceTimeoutError("x"), SourceUnavailableError)


# --- auth -------------------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """A loopback stand-in for a hospital gateway: records headers, serves a token endpoint
    that checks the SMART client's signed JWT with its public key."""

    seen: list[dict[str, str]]
    public_key: bytes

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        self._send(200, {"resourceType": "Patient", "id": "x", "meta": {"versionId": "1"}})

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        token_url = f"http://{self.headers['Host']}/token"
        try:
            claims = jwt.decode(
                form["client_assertion"][0], self.public_key, algorithms=["RS384"],
                audience=token_url,
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            self._send(401, {"error": "invalid_client", "error_description": str(exc)})
            return
        assert form["grant_type"] == ["client_credentials"]
        self._send(200, {"access_token": f"granted-to-{claims['sub']}", "expires_in": 300})


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[str, list[dict[str, str]], Path]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "kiosk-hub.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    seen: list[dict[str, str]] = []
    handler = type(
        "Handler",
        (_Recorder,),
        {
            "seen": seen,
            "public_key": key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        },
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen, key_file
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_bearer_token_is_sent_on_every_request(
    gateway: tuple[str, list[dict[str, str]], Path],
) -> None:
    url, seen, _ = gateway
    client = FhirClient(FhirConfig(base_url=f"{url}/fhir", auth=Auth(kind="bearer", token="t0k")))
    client.read("Patient", "x")
    client.read("Patient", "x")
    assert [h["Authorization"] for h in seen] == ["Bearer t0k", "Bearer t0k"]


def test_smart_backend_services_trades_a_signed_jwt_for_a_token_once(
    gateway: tuple[str, list[dict[str, str]], Path],
) -> None:
    url, seen, key_file = gateway
    auth = Auth(
        kind="smart", client_id="kiosk-hub", token_url=f"{url}/token", private_key_file=key_file
    )
    client = FhirClient(FhirConfig(base_url=f"{url}/fhir", auth=auth))
    client.read("Patient", "x")
    client.read("Patient", "x")
    assert [h["Authorization"] for h in seen] == ["Bearer granted-to-kiosk-hub"] * 2
    assert client.requests_made == 2  # token requests are not FHIR requests


def test_a_smart_client_the_token_endpoint_refuses_is_unavailable(
    gateway: tuple[str, list[dict[str, str]], Path], tmp_path: Path
) -> None:
    url, seen, _ = gateway
    other = tmp_path / "other.pem"
    other.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    auth = Auth(
        kind="smart", client_id="intruder", token_url=f"{url}/token", private_key_file=other
    )
    client = FhirClient(FhirConfig(base_url=f"{url}/fhir", auth=auth))
    with pytest.raises(SourceUnavailableError, match="refused the client: HTTP 401"):
        client.read("Patient", "x")
    assert seen == []


# --- TLS --------------------------------------------------------------------------------------


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, issuer: x509.Certificate | None, issuer_key: Any
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(
            issuer.subject
            if issuer
            else x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        )
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def https_gateway(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTPS server whose certificate the hospital's own CA signed."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate("Hospital Test CA", ca_key, None, ca_key)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = _certificate("127.0.0.1", key, ca, ca_key)
    ca_file = tmp_path / "his-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = tmp_path / "server.pem"
    chain.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    handler = type("Handler", (_Recorder,), {"seen": [], "public_key": b""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/fhir", ca_file
    server.shutdown()
    server.server_close()
    thread.join()


def test_tls_with_the_hospital_s_ca_file(https_gateway: tuple[str, Path]) -> None:
    url, ca_file = https_gateway
    client = FhirClient(FhirConfig(base_url=url, ca_file=ca_file))
    assert client.read("Patient", "x")["id"] == "x"


def test_tls_without_the_ca_file_is_unavailable(https_gateway: tuple[str, Path]) -> None:
    url, _ = https_gateway
    client = FhirClient(FhirConfig(base_url=url))
    with pytest.raises(SourceUnavailableError, match="unable to get local issuer certificate"):
        client.read("Patient", "x")
