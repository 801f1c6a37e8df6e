"""The kiosk's one configuration file, read once into frozen typed objects.

Nothing else in the kiosk reads the environment or the file: ``app.py`` calls
:func:`load_config` and hands the pieces to what needs them. Every problem is reported at
once with its key path, so IT staff fix a bad file in one round.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

APP_NAME = "hospital-kiosk"
CONFIG_ENV_VAR = "KIOSK_CONFIG"
CONFIG_FILE_NAME = "kiosk.toml"

Language = Literal["zh_CN", "en"]
PrinterKind = Literal["usb", "serial", "network", "file", "cups", "win32raw", "simulated"]
ReaderKind = Literal["keyboard", "serial", "pcsc", "command", "simulated"]
FontCoverage = Literal["gb2312", "gbk", "gb18030"]
Theme = Literal["standard", "high_contrast"]

PositiveSeconds = Annotated[float, Field(gt=0, le=600)]

# Tokens that kiosk.example.toml and the docs show in place of a real one.
PLACEHOLDER_TOKENS = frozenset({"change-me", "changeme", "…", "...", "<token>"})


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists each one as ``key.path: reason``."""

    def __init__(self, problems: Sequence[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        count = len(self.problems)
        heading = f"{where}{count} problem{'s' if count != 1 else ''} in the configuration"
        super().__init__(heading + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _service_names() -> tuple[str, ...]:
    # The registry knows the services' flows; the devices import this module, so it is read
    # when a configuration is checked, not when this module is imported.
    from kiosk.services import service_names

    return service_names()


class KioskSection(_Section):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    hospital_name: Annotated[str, Field(min_length=1, max_length=80)] = "示例市第一人民医院"
    hospital_name_en: Annotated[str, Field(max_length=120)] = ""
    language: Language = "zh_CN"
    # Tiles on the home screen, in this order; the names are those of kiosk/services.py.
    services: tuple[str, ...] = Field(default_factory=_service_names)
    service_window: Annotated[str, Field(max_length=80)] = "1"
    theme: Theme = "standard"

    @field_validator("services")
    @classmethod
    def _known_services_once(cls, services: tuple[str, ...]) -> tuple[str, ...]:
        known = _service_names()
        unknown = [name for name in services if name not in known]
        if unknown:
            raise ValueError(
                f"unknown service {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
            )
        if len(set(services)) != len(services):
            raise ValueError("lists a service more than once")
        return services


class BackendSection(_Section):
    # Declared before url so that url's check can read it.
    allow_insecure_http: bool = False
    url: str
    token: Annotated[str, Field(min_length=1, max_length=512)]
    ca_bundle: Path | None = None
    connect_timeout_s: PositiveSeconds = 3.0
    read_timeout_s: PositiveSeconds = 10.0
    # The longest a whole call may take, however slowly the answer trickles in.
    deadline_s: PositiveSeconds = 15.0

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str, info: ValidationInfo) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        insecure_allowed = info.data.get("allow_insecure_http", False)
        if parts.scheme == "http" and not _is_loopback(parts.hostname) and not insecure_allowed:
            raise ValueError(
                "http:// to another machine sends this kiosk's token and patients' ID numbers in"
                " cleartext; use https://, or set allow_insecure_http = true on a network"
                " you trust"
            )
        return url.rstrip("/")

    @field_validator("token")
    @classmethod
    def _not_the_placeholder(cls, token: str) -> str:
        if token.strip().lower() in PLACEHOLDER_TOKENS:
            raise ValueError(
                f"{token!r} is the example's placeholder; put this kiosk's own token here"
            )
        return token

    @field_validator("deadline_s")
    @classmethod
    def _not_shorter_than_a_read(cls, deadline_s: float, info: ValidationInfo) -> float:
        read_timeout_s = info.data.get("read_timeout_s")
        if read_timeout_s is not None and deadline_s < read_timeout_s:
            raise ValueError(f"must be at least read_timeout_s ({read_timeout_s:g} s)")
        return deadline_s

    @field_validator("ca_bundle", mode="before")
    @classmethod
    def _empty_means_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("ca_bundle")
    @classmethod
    def _ca_bundle_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"file {str(path)!r} does not exist")
        return path


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class IdleSection(_Section):
    warn_after_s: Annotated[float, Field(ge=10, le=3600)] = 60.0
    # WCAG 2.2.1: at least 20 seconds to ask for more time.
    countdown_s: Annotated[float, Field(ge=20, le=600)] = 20.0


class PrinterSection(_Section):
    kind: PrinterKind = "simulated"
    # network
    host: str = ""
    port: Annotated[int, Field(ge=1, le=65535)] = 9100
    # serial
    device: str = ""
    baudrate: Annotated[int, Field(ge=1200, le=921600)] = 9600
    flow_control: Literal["none", "rtscts", "xonxoff"] = "none"
    # usb
    vendor_id: Annotated[int, Field(ge=0, le=0xFFFF)] = 0
    product_id: Annotated[int, Field(ge=0, le=0xFFFF)] = 0
    # file
    path: str = ""
    # cups, win32raw
    name: str = ""
    # simulated
    spool_dir: str = ""
    timeout_s: Annotated[float, Field(gt=0, le=30)] = 3.0
    paper_width_mm: Literal[58, 80] = 80
    encoding: Literal["gb18030", "gbk", "big5", "utf-8", "cp437", "cp850", "cp1252"] = "gb18030"
    font_coverage: FontCoverage = "gb18030"
    raster_only: bool = False
    native_qr: bool = True
    status_poll_s: Annotated[float, Field(ge=1, le=600)] = 10.0

    @model_validator(mode="after")
    def _required_for_kind(self) -> PrinterSection:
        required: dict[str, tuple[str, ...]] = {
            "network": ("host",),
            "serial": ("device",),
            "usb": ("vendor_id", "product_id"),
            "file": ("path",),
            "cups": ("name",),
            "win32raw": ("name",),
        }
        missing = [key for key in required.get(self.kind, ()) if not getattr(self, key)]
        if missing:
            raise ValueError(f"kind {self.kind!r} needs {', '.join(missing)}")
        return self


class ReportPrinterSection(_Section):
    """The A4 printer for lab and imaging reports, a CUPS queue; "none": reports are shown,
    and printed at the window."""

    kind: Literal["none", "cups", "simulated"] = "none"
    # cups: the CUPS server (host:port, spoken to over IPP) and the queue's name
    server: str = "localhost:631"
    name: str = ""
    duplex: bool = True
    job_timeout_s: Annotated[float, Field(ge=10, le=600)] = 120.0
    # simulated: where the printed PDFs go
    spool_dir: str = ""

    @model_validator(mode="after")
    def _required_for_kind(self) -> ReportPrinterSection:
        if self.kind == "cups" and not self.name:
            raise ValueError("kind 'cups' needs name (the CUPS queue)")
        if self.kind == "cups" and not re.fullmatch(
            r"[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}", self.server
        ):
            raise ValueError("server must be host:port (CUPS listens on localhost:631)")
        return self


class CardDispenserSection(_Section):
    """The patient-card dispenser (发卡机) of first visits; "none": the card number is printed
    on the slip and the card is collected at the window."""

    kind: Literal["none", "simulated", "serial"] = "none"
    # serial: the port (COM3, /dev/ttyUSB0, a /dev/serial/by-id/… link) and its speed
    port: str = ""
    baud: Annotated[int, Field(ge=1200, le=115200)] = 9600
    address: Annotated[int, Field(ge=0, le=15)] = 0

    @model_validator(mode="after")
    def _required_for_kind(self) -> CardDispenserSection:
        if self.kind == "serial" and not self.port:
            raise ValueError("kind 'serial' needs port")
        return self


class ReaderSection(_Section):
    kind: ReaderKind
    name: str = ""
    # serial
    device: str = ""
    baudrate: Annotated[int, Field(ge=1200, le=921600)] = 9600
    frame_pattern: str = ""
    # command
    command: tuple[str, ...] = ()
    # keyboard wedge
    max_key_interval_ms: Annotated[int, Field(ge=1, le=200)] = 50
    min_burst_length: Annotated[int, Field(ge=2, le=128)] = 6
    terminator: Literal["enter", "tab"] = "enter"
    # pcsc
    reader_name: str = ""

    @field_validator("frame_pattern")
    @classmethod
    def _frame_pattern_compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern

    @model_validator(mode="after")
    def _required_for_kind(self) -> ReaderSection:
        if self.kind == "serial" and not self.device:
            raise ValueError("kind 'serial' needs device")
        if self.kind == "command" and not self.command:
            raise ValueError("kind 'command' needs command (a list: program and arguments)")
        return self


class IdentifiersSection(_Section):
    """How raw reader input becomes an identifier; the defaults fit the demo hospital."""

    health_qr_prefix: Annotated[str, Field(min_length=1, max_length=32)] = "EHC:"
    patient_card_pattern: str = r"^HC\d{8}$"
    insurance_card_pattern: str = r"^SI\d{14}$"
    # The medical insurance e-voucher QR (医保电子凭证): the server exchanges it with the
    # insurance platform; the default fits the reference server's simulated platform.
    insurance_qr_pattern: str = r"^\d{6}EC[0-9A-F]{32}$"
    max_length: Annotated[int, Field(ge=8, le=512)] = 128

    @field_validator("patient_card_pattern", "insurance_card_pattern", "insurance_qr_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern


class TechnicianSection(_Section):
    pin_hash: str = ""

    @field_validator("pin_hash")
    @classmethod
    def _made_by_hash_pin(cls, value: str) -> str:
        parts = value.split("$")
        if value and (len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[1].isdigit()):
            raise ValueError("is not a hash made by `kiosk hash-pin`")
        return value


class LoggingSection(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    directory: str = ""


class KioskConfig(_Section):
    """The whole configuration. ``source`` names the file it came from, for messages."""

    kiosk: KioskSection
    backend: BackendSection
    idle: IdleSection = IdleSection()
    printer: PrinterSection = PrinterSection()
    report_printer: ReportPrinterSection = ReportPrinterSection()
    card_dispenser: CardDispenserSection = CardDispenserSection()
    readers: tuple[ReaderSection, ...] = (ReaderSection(kind="keyboard"),)
    identifiers: IdentifiersSection = IdentifiersSection()
    technician: TechnicianSection = TechnicianSection()
    logging: LoggingSection = LoggingSection()
    demo: bool = False
    source: str = ""


def _key_path(location: Sequence[int | str]) -> str:
    """``("readers", 1, "kind")`` → ``readers[1].kind``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def _problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        location = [part for part in item["loc"] if part not in ("function-after",)]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{_key_path(location)}: {message}")
    return problems


def parse_config(data: Mapping[str, Any], source: str = "") -> KioskConfig:
    """Validate already-parsed TOML data; raises :class:`ConfigError` listing every problem."""
    if "source" in data or "demo" in data:
        raise ConfigError(["source/demo: not settable in a file"], source)
    try:
        config = KioskConfig.model_validate(dict(data))
    except ValidationError as error:
        raise ConfigError(_problems(error), source) from None
    return config.model_copy(update={"source": source})


def load_config(path: str | os.PathLike[str]) -> KioskConfig:
    """Read and validate one TOML file (and refuse one that others may change)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(["file not found"], str(file)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"cannot read the file: {error}"], str(file)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"not valid TOML: {error}"], str(file)) from None
    problems = _writable_secrets(file, data)
    try:
        config = parse_config(data, str(file))
    except ConfigError as error:
        raise ConfigError(problems + error.problems, str(file)) from None
    if problems:
        raise ConfigError(problems, str(file))
    return config


def _writable_secrets(file: Path, data: Mapping[str, Any]) -> list[str]:
    """A file holding secrets that group or others may write: anyone of them could point the
    kiosk at their own server (with patients' IDs) or set their own technician PIN."""
    if os.name != "posix":
        return []
    try:
        mode = file.stat().st_mode
    except OSError:
        return []
    if not mode & (stat.S_IWGRP | stat.S_IWOTH):
        return []
    secrets = [
        f"{section}.{key}"
        for section, key in (("backend", "token"), ("technician", "pin_hash"))
        if isinstance(data.get(section), Mapping) and data[section].get(key)
    ]
    return [
        f"{key}: the file is writable by group or others ({stat.filemode(mode)}), so they could"
        f" change this secret and where the kiosk connects; run chmod go-w {file}"
        for key in secrets
    ]


def config_search_path(cli_path: str | None, environ: Mapping[str, str]) -> list[Path]:
    """Where to look, in order: ``--config``, ``$KIOSK_CONFIG``, the platform config dirs."""
    if cli_path:
        return [Path(cli_path)]
    if environ.get(CONFIG_ENV_VAR):
        return [Path(environ[CONFIG_ENV_VAR])]
    return [
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE_NAME,
        Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE_NAME,
    ]


def find_and_load_config(cli_path: str | None, environ: Mapping[str, str]) -> KioskConfig:
    """Load the first existing file of :func:`config_search_path`."""
    candidates = config_search_path(cli_path, environ)
    if cli_path or environ.get(CONFIG_ENV_VAR):
        return load_config(candidates[0])
    for candidate in candidates:
        if candidate.is_file():
            return load_config(candidate)
    searched = ", ".join(str(c) for c in candidates)
    raise ConfigError([f"no configuration file found (looked in {searched}); use --config PATH"])


DEMO_PIN = "246810"
# hash_pin(DEMO_PIN) made once; the demo's technician PIN is printed in the README.
DEMO_PIN_HASH = (
    "pbkdf2_sha256$300000$PSGbEC9B2VeHIRj4eRm45w==$mGAA7vETLUX4finCjcvRs8bdSQPhnTG+Ivwb2SEKTg0="
)


def demo_config(backend_url: str, spool_dir: Path) -> KioskConfig:
    """The configuration ``kiosk --demo`` runs with: embedded server, simulated devices."""
    return KioskConfig(
        kiosk=KioskSection(id="demo-kiosk", hospital_name_en="Demo City First People's Hospital"),
        backend=BackendSection(url=backend_url, token="demo-token"),
        printer=PrinterSection(kind="simulated", spool_dir=str(spool_dir)),
        report_printer=ReportPrinterSection(kind="simulated", spool_dir=str(spool_dir / "reports")),
        card_dispenser=CardDispenserSection(kind="simulated"),
        readers=(ReaderSection(kind="keyboard"), ReaderSection(kind="simulated")),
        technician=TechnicianSection(pin_hash=DEMO_PIN_HASH),
        demo=True,
        source="(demo)",
    )


def app_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def app_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def app_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
