"""The ``--fhir-config`` file: a good one read in full, every bad one refused in one line that
names the key."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from kiosk.api.models import IdentifierKind
from kiosk.server.fhir.config import (
    DEFAULT_IDENTIFIER_SYSTEMS,
    FhirConfigError,
    load_config,
)

GOOD = """
base_url = "https://his.example/fhir/r4/"
time_zone = "Asia/Urumqi"
cache_seconds = 30
create_encounter = true

[timeouts]
connect_s = 2
read_s = 7.5

[tls]
ca_file = "his-ca.pem"

[auth]
type = "bearer"
token_file = "his.token"

[identifiers]
patient_card = "urn:oid:1.2.156.112604.1.2.1"

[codes]
fee_extension = "http://his.example/fee"
item_category = "http://his.example/category"

[departments.dep-a]
code = "A"
name_en = "Internal Medicine"
healthcare_service = "hs-internal"
room = "201"
fee_cents = 5000

[departments.dep-b]
specialty = "urn:oid:2.16.156.10011.2.3.1.1|07"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "his-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    (tmp_path / "his.token").write_text("secret-token\n", encoding="utf-8")
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    path = tmp_path / "fhir.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_file_is_read_with_paths_relative_to_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.base_url == "https://his.example/fhir/r4"
    assert config.auth.kind == "bearer"
    assert config.auth.token == "secret-token"
    assert config.ca_file == tmp_path / "his-ca.pem"
    assert (config.connect_timeout_s, config.read_timeout_s) == (2.0, 7.5)
    assert config.cache_seconds == 30
    assert config.create_encounter is True
    assert config.time_zone.utcoffset(dt.datetime(2026, 1, 1)) == dt.timedelta(hours=6)
    assert config.identifier_systems[IdentifierKind.patient_card] == "urn:oid:1.2.156.112604.1.2.1"
    assert config.identifier_systems[IdentifierKind.id_card] == "urn:oid:2.16.156.10011.1.3"
    assert config.fee_extension == "http://his.example/fee"
    assert config.item_category_system == "http://his.example/category"
    first, second = config.departments
    assert (first.department_id, first.code, first.healthcare_service, first.room) == (
        "dep-a",
        "A",
        "hs-internal",
        "201",
    )
    assert first.fee_cents == 5000
    assert second.specialty.endswith("|07")
    assert second.fee_cents is None


def test_no_file_needs_only_the_base_url_and_uses_china_s_identifier_systems() -> None:
    config = load_config(None, "http://127.0.0.1:8080/fhir")
    assert config.base_url == "http://127.0.0.1:8080/fhir"
    assert config.auth.kind == "none"
    assert dict(config.identifier_systems) == DEFAULT_IDENTIFIER_SYSTEMS
    assert config.identifier_systems[IdentifierKind.health_qr] == "urn:oid:2.16.156.10011.1.19"
    assert config.identifier_systems[IdentifierKind.patient_card] == "urn:oid:2.16.156.10011.1.11"


def test_the_command_line_base_url_wins_over_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), "http://127.0.0.1:9/fhir")
    assert config.base_url == "http://127.0.0.1:9/fhir"


def test_a_bearer_token_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIS_TOKEN", "from-env")
    path = write(tmp_path, 'base_url = "http://h.example/fhir"\n[auth]\ntype = "bearer"\n'
                 'token_env = "HIS_TOKEN"\n')  # fmt: skip
    assert load_config(path).auth.token == "from-env"


def test_smart_backend_services(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'base_url = "http://h.example/fhir"\n[auth]\ntype = "smart"\nclient_id = "kiosk-hub"\n'
        'token_url = "http://h.example/auth/token"\nprivate_key_file = "key.pem"\n'
        'key_id = "k1"\nalgorithm = "ES384"\n',
    )
    auth = load_config(path).auth
    assert (auth.kind, auth.client_id, auth.key_id, auth.algorithm) == (
        "smart",
        "kiosk-hub",
        "k1",
        "ES384",
    )
    assert auth.private_key_file == tmp_path / "key.pem"


def test_smart_without_its_signing_libraries_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in the packaged kiosk, which leaves PyJWT and cryptography out."""
    path = write(
        tmp_path,
        'base_url = "http://h.example/fhir"\n[auth]\ntype = "smart"\nclient_id = "c"\n'
        'token_url = "http://h.example/t"\nprivate_key_file = "key.pem"\n',
    )
    present = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "jwt" else present(name)
    )
    with pytest.raises(FhirConfigError, match=r"pip install 'hospital-kiosk\[fhir-smart\]'"):
        load_config(path)


BASE = 'base_url = "http://h.example/fhir"\n'


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "base_url: missing"),
        ('base_url = "ftp://h.example/fhir"\n', "base_url: 'ftp://h.example/fhir' is not an http"),
        ("base_url = 3\n", "base_url: must be a string"),
        (BASE + "colour = 1\n", "colour: unknown key"),
        (BASE + 'timeouts = "fast"\n', "timeouts: must be a table"),
        (BASE + "[timeouts]\nconnect_s = 0\n", "timeouts.connect_s: must be more than 0"),
        (BASE + '[timeouts]\nread_s = "10"\n', "timeouts.read_s: must be a number"),
        (BASE + "[timeouts]\nread_s = nan\n", "timeouts.read_s: must be a number"),
        (BASE + "[timeouts]\nwrite_s = 1\n", "timeouts.write_s: unknown key"),
        (BASE + "cache_seconds = -1\n", "cache_seconds: must be 0 or more seconds"),
        (BASE + 'create_encounter = "yes"\n', "create_encounter: must be true or false"),
        (BASE + 'time_zone = "Mars/Olympus"\n', "time_zone: unknown time zone"),
        (BASE + '[tls]\nca_file = "missing.pem"\n', "tls.ca_file: no such file"),
        (BASE + '[auth]\ntype = "basic"\n', "auth.type: 'basic' is not one of"),
        (BASE + '[auth]\ntype = "bearer"\n', "auth.token_file: give exactly one of"),
        (
            BASE + '[auth]\ntype = "bearer"\ntoken_file = "his.token"\ntoken_env = "X"\n',
            "auth.token_file: give exactly one of",
        ),
        (
            BASE + '[auth]\ntype = "bearer"\ntoken_env = "KIOSK_NO_SUCH_VARIABLE"\n',
            "auth.token_env: the environment variable KIOSK_NO_SUCH_VARIABLE is not set",
        ),
        (BASE + '[auth]\ntype = "bearer"\ntoken = "inline"\n', "auth.token: unknown key"),
        (BASE + '[auth]\ntype = "smart"\n', "auth.client_id: missing"),
        (
            BASE + '[auth]\ntype = "smart"\nclient_id = "c"\ntoken_url = "http://a.example/t"\n'
            'private_key_file = "key.pem"\nalgorithm = "HS256"\n',
            "auth.algorithm: 'HS256' is not one of RS384, ES384",
        ),
        (
            BASE + '[auth]\ntype = "smart"\nclient_id = "c"\ntoken_url = "a.example/t"\n'
            'private_key_file = "key.pem"\n',
            "auth.token_url: 'a.example/t' is not an http(s) URL",
        ),
        (BASE + '[identifiers]\nphone = "x"\n', "identifiers.phone: unknown key"),
        (BASE + '[identifiers]\nid_card = ""\n', "identifiers.id_card: empty identifier system"),
        (BASE + "[codes]\nitem_category = 1\n", "codes.item_category: must be a string"),
        (BASE + 'departments = "A"\n', "departments: must be a table"),
        (BASE + '[departments.dep-a]\nroom = "201"\n', "departments.dep-a.healthcare_service:"),
        (
            BASE + '[departments.dep-a]\nspecialty = "07"\n',
            "departments.dep-a.specialty: must be SYSTEM|CODE",
        ),
        (
            BASE + '[departments.dep-a]\nlocation = "room-1"\nfee_cents = 12.5\n',
            "departments.dep-a.fee_cents: must be a whole number",
        ),
        (
            BASE + '[departments.dep-a]\nlocation = "room-1"\nwing = "east"\n',
            "departments.dep-a.wing: unknown key",
        ),
        ("base_url = \n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FhirConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert key in message


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FhirConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_an_empty_token_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + '[auth]\ntype = "bearer"\ntoken_file = "his.token"\n')
    (tmp_path / "his.token").write_text("\n", encoding="utf-8")
    with pytest.raises(FhirConfigError, match=r"auth\.token_file: .* is empty"):
        load_config(path)
