"""The ``--fhir-config`` TOML file: where the hospital's FHIR server is and how to read it.

Every key is optional except the base URL (from the file or ``--fhir-base-url``). A bad file
raises ``FhirConfigError`` whose one-line message names the key, so ``kiosk-server`` can print
it instead of a traceback. Secrets are never in the file: a bearer token is read from a file or
an environment variable, a SMART client's private key from a file.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from kiosk.api.models import IdentifierKind

AuthKind = Literal["none", "bearer", "smart"]
SMART_ALGORITHMS = ("RS384", "ES384")

# China's identifier systems (WS 364 / the national health information OIDs).
DEFAULT_IDENTIFIER_SYSTEMS: dict[IdentifierKind, str] = {
    IdentifierKind.id_card: "urn:oid:2.16.156.10011.1.3",  # resident ID card
    IdentifierKind.health_qr: "urn:oid:2.16.156.10011.1.19",  # (electronic) health card
    IdentifierKind.patient_card: "urn:oid:2.16.156.10011.1.11",  # outpatient number
}
DEFAULT_FEE_EXTENSION = "http://hospital.example/fhir/StructureDefinition/registration-fee"
DEFAULT_ITEM_CATEGORY_SYSTEM = "http://hospital.example/fhir/CodeSystem/item-category"


class FhirConfigError(ValueError):
    """A ``--fhir-config`` problem, worded as one line that names the key."""


@dataclass(frozen=True)
class Auth:
    """How requests prove who the server is: nothing, a bearer token, or SMART backend services
    (a JWT signed with ``private_key_file`` traded at ``token_url`` for an access token)."""

    kind: AuthKind = "none"
    token: str = ""
    client_id: str = ""
    token_url: str = ""
    private_key_file: Path | None = None
    key_id: str = ""
    algorithm: str = "RS384"
    scope: str = (
        "system/*.read system/Appointment.write system/Slot.write system/Invoice.write"
        " system/Patient.write"
    )


@dataclass(frozen=True)
class DepartmentMapping:
    """One server department and the FHIR things that mean it: a HealthcareService id, a
    Location id or a specialty ``system|code``; the other fields override what FHIR says."""

    department_id: str
    code: str = ""
    name: str = ""
    name_en: str = ""
    healthcare_service: str = ""
    location: str = ""
    specialty: str = ""
    building: str = ""
    floor: str = ""
    room: str = ""
    fee_cents: int | None = None


@dataclass(frozen=True)
class FhirConfig:
    base_url: str
    auth: Auth = field(default_factory=Auth)
    ca_file: Path | None = None
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    cache_seconds: float = 60.0
    time_zone: dt.tzinfo = field(default_factory=lambda: zoneinfo.ZoneInfo("Asia/Shanghai"))
    create_encounter: bool = False
    identifier_systems: Mapping[IdentifierKind, str] = field(
        default_factory=lambda: dict(DEFAULT_IDENTIFIER_SYSTEMS)
    )
    fee_extension: str = DEFAULT_FEE_EXTENSION
    item_category_system: str = DEFAULT_ITEM_CATEGORY_SYSTEM
    departments: tuple[DepartmentMapping, ...] = ()


_TOP_KEYS = {
    "base_url", "time_zone", "cache_seconds", "create_encounter", "timeouts", "tls", "auth",
    "identifiers", "codes", "departments",
}  # fmt: skip
_AUTH_KEYS = {
    "type", "token_file", "token_env", "client_id", "token_url", "private_key_file", "key_id",
    "algorithm", "scope",
}  # fmt: skip
_DEPARTMENT_KEYS = {f for f in DepartmentMapping.__dataclass_fields__ if f != "department_id"}


def load_config(path: Path | None, base_url: str | None = None) -> FhirConfig:
    """The configuration from ``path`` (or none), with ``base_url`` taking precedence."""
    data: dict[str, object] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FhirConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise FhirConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return _parse(data, base_url, path.parent if path else Path.cwd())
    except FhirConfigError as exc:
        raise FhirConfigError(f"{path}: {exc}" if path else str(exc)) from None


def _parse(data: Mapping[str, object], base_url: str | None, here: Path) -> FhirConfig:
    _no_unknown(data, _TOP_KEYS, "")
    url = base_url or _string(data, "base_url", "")
    if not url:
        raise FhirConfigError("base_url: missing (set it in the file or pass --fhir-base-url)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FhirConfigError(f"base_url: {url!r} is not an http(s) URL")
    timeouts = _table(data, "timeouts")
    _no_unknown(timeouts, {"connect_s", "read_s"}, "timeouts.")
    tls = _table(data, "tls")
    _no_unknown(tls, {"ca_file"}, "tls.")
    ca_file = _existing_file(tls, "ca_file", "tls.", here)
    zone_name = _string(data, "time_zone", "") or "Asia/Shanghai"
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise FhirConfigError(f"time_zone: unknown time zone {zone_name!r}") from None
    return FhirConfig(
        base_url=url.rstrip("/"),
        auth=_auth(_table(data, "auth"), here),
        ca_file=ca_file,
        connect_timeout_s=_seconds(timeouts, "connect_s", "timeouts.", 3.0),
        read_timeout_s=_seconds(timeouts, "read_s", "timeouts.", 10.0),
        cache_seconds=_seconds(data, "cache_seconds", "", 60.0, allow_zero=True),
        time_zone=zone,
        create_encounter=_boolean(data, "create_encounter", "", default=False),
        identifier_systems=_identifiers(_table(data, "identifiers")),
        fee_extension=_string(_table(data, "codes"), "fee_extension", "codes.")
        or DEFAULT_FEE_EXTENSION,
        item_category_system=_codes_item_category(_table(data, "codes")),
        departments=_departments(data.get("departments", {})),
    )


def _auth(table: Mapping[str, object], here: Path) -> Auth:
    _no_unknown(table, _AUTH_KEYS, "auth.")
    kind = _string(table, "type", "auth.") or "none"
    if kind == "none":
        return Auth()
    if kind == "bearer":
        return Auth(kind="bearer", token=_bearer_token(table, here))
    if kind == "smart":
        if not all(importlib.util.find_spec(name) for name in ("jwt", "cryptography")):
            raise FhirConfigError(
                "auth.type = 'smart' signs with PyJWT and cryptography, which this "
                "installation lacks: pip install 'hospital-kiosk[fhir-smart]'"
            )
        for key in ("client_id", "token_url", "private_key_file"):
            if not _string(table, key, "auth."):
                raise FhirConfigError(f"auth.{key}: missing (needed for auth.type = 'smart')")
        algorithm = _string(table, "algorithm", "auth.") or "RS384"
        if algorithm not in SMART_ALGORITHMS:
            raise FhirConfigError(
                f"auth.algorithm: {algorithm!r} is not one of {', '.join(SMART_ALGORITHMS)}"
            )
        token_url = _string(table, "token_url", "auth.")
        if urlsplit(token_url).scheme not in ("http", "https"):
            raise FhirConfigError(f"auth.token_url: {token_url!r} is not an http(s) URL")
        return Auth(
            kind="smart",
            client_id=_string(table, "client_id", "auth."),
            token_url=token_url,
            private_key_file=_existing_file(table, "private_key_file", "auth.", here),
            key_id=_string(table, "key_id", "auth."),
            algorithm=algorithm,
            scope=_string(table, "scope", "auth.") or Auth.scope,
        )
    raise FhirConfigError(f"auth.type: {kind!r} is not one of none, bearer, smart")


def _bearer_token(table: Mapping[str, object], here: Path) -> str:
    token_file = _existing_file(table, "token_file", "auth.", here)
    token_env = _string(table, "token_env", "auth.")
    if (token_file is None) == (not token_env):
        raise FhirConfigError(
            "auth.token_file: give exactly one of auth.token_file or auth.token_env "
            "for auth.type = 'bearer'"
        )
    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise FhirConfigError(f"auth.token_file: {token_file} is empty")
        return token
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise FhirConfigError(f"auth.token_env: the environment variable {token_env} is not set")
    return token


def _identifiers(table: Mapping[str, object]) -> dict[IdentifierKind, str]:
    kinds = {kind.value for kind in IdentifierKind if kind is not IdentifierKind.phone}
    _no_unknown(table, kinds, "identifiers.")
    systems = dict(DEFAULT_IDENTIFIER_SYSTEMS)
    for name in table:
        system = _string(table, name, "identifiers.")
        if not system:
            raise FhirConfigError(f"identifiers.{name}: empty identifier system")
        systems[IdentifierKind(name)] = system
    return systems


def _codes_item_category(table: Mapping[str, object]) -> str:
    _no_unknown(table, {"fee_extension", "item_category"}, "codes.")
    return _string(table, "item_category", "codes.") or DEFAULT_ITEM_CATEGORY_SYSTEM


def _departments(value: object) -> tuple[DepartmentMapping, ...]:
    if not isinstance(value, dict):
        raise FhirConfigError("departments: must be a table of [departments.ID] tables")
    mappings = []
    for department_id, table in value.items():
        where = f"departments.{department_id}."
        if not isinstance(table, dict):
            raise FhirConfigError(f"departments.{department_id}: must be a table")
        _no_unknown(table, _DEPARTMENT_KEYS, where)
        strings = {
            key: _string(table, key, where) for key in _DEPARTMENT_KEYS if key != "fee_cents"
        }
        if not (strings["healthcare_service"] or strings["location"] or strings["specialty"]):
            raise FhirConfigError(
                f"{where}healthcare_service: a department needs healthcare_service, "
                "location or specialty to be matched by"
            )
        if strings["specialty"] and "|" not in strings["specialty"]:
            raise FhirConfigError(f"{where}specialty: must be SYSTEM|CODE")
        fee = table.get("fee_cents")
        if fee is not None and (not isinstance(fee, int) or isinstance(fee, bool) or fee < 0):
            raise FhirConfigError(f"{where}fee_cents: must be a whole number of cents ≥ 0")
        mappings.append(DepartmentMapping(department_id=department_id, fee_cents=fee, **strings))
    return tuple(mappings)


# --- typed reads ------------------------------------------------------------------------------


def _no_unknown(table: Mapping[str, object], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise FhirConfigError(f"{where}{key}: unknown key")


def _table(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise FhirConfigError(f"{key}: must be a table ([{key}])")
    return value


def _string(data: Mapping[str, object], key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise FhirConfigError(f"{where}{key}: must be a string")
    return value.strip()


def _boolean(data: Mapping[str, object], key: str, where: str, *, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise FhirConfigError(f"{where}{key}: must be true or false")
    return value


def _seconds(
    data: Mapping[str, object], key: str, where: str, default: float, *, allow_zero: bool = False
) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FhirConfigError(f"{where}{key}: must be a number of seconds")
    if value < 0 or (value == 0 and not allow_zero):
        least = "0 or more" if allow_zero else "more than 0"
        raise FhirConfigError(f"{where}{key}: must be {least} seconds")
    return float(value)


def _existing_file(data: Mapping[str, object], key: str, where: str, here: Path) -> Path | None:
    name = _string(data, key, where)
    if not name:
        return None
    path = Path(name) if Path(name).is_absolute() else here / name
    if not path.is_file():
        raise FhirConfigError(f"{where}{key}: no such file {path}")
    return path
