"""What a technician needs to know, gathered without widgets: system facts, the configuration
with its secrets hidden, the last log lines, and the diagnostics bundle.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import socket
import ssl
import struct
import zipfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6 import __version__ as pyside_version

from kiosk import __version__
from kiosk.api.models import DeviceState
from kiosk.config import ConfigError, KioskConfig, load_config

HIDDEN = "(hidden)"
_SECRET_KEYS = {"token", "pin_hash"}


def redacted_config(config: KioskConfig) -> dict[str, Any]:
    """The configuration as data, with every secret replaced."""
    data = config.model_dump(mode="json", exclude={"source", "demo"})

    def hide(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (HIDDEN if key in _SECRET_KEYS and value else hide(value))
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [hide(item) for item in node]
        return node

    return dict(hide(data))


def config_text(config: KioskConfig) -> str:
    lines = [f"# {config.source or '(built in)'}"]
    for section, values in redacted_config(config).items():
        if isinstance(values, list):
            for item in values:
                lines.append(f"\n[[{section}]]")
                lines += [
                    f"{key} = {json.dumps(value, ensure_ascii=False)}"
                    for key, value in item.items()
                ]
        else:
            lines.append(f"\n[{section}]")
            lines += [
                f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()
            ]
    return "\n".join(lines)


def addresses() -> list[str]:
    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(info[4][0]))
    except OSError:
        pass
    return sorted(found)


def memory_text() -> str:
    """Free and total memory where the system tells (POSIX sysconf), else "-"."""
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        free = os.sysconf("SC_AVPHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        return "-"
    return f"{free / 2**30:.1f} GiB / {total / 2**30:.1f} GiB"


def system_facts(config: KioskConfig, uptime_s: float, log_path: Path) -> dict[str, str]:
    """Keys are stable (the bundle's system.json); the screen words them."""
    disk = shutil.disk_usage(log_path.parent if log_path.parent.exists() else Path.home())
    return {
        "kiosk": config.kiosk.id,
        "version": __version__,
        "uptime": str(dt.timedelta(seconds=round(uptime_s))),
        "host": socket.gethostname(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "qt": pyside_version,
        "disk free": f"{disk.free / 2**30:.1f} GiB / {disk.total / 2**30:.1f} GiB",
        "memory free": memory_text(),
        "config file": config.source or "-",
        "log file": str(log_path),
    }


def config_check(config: KioskConfig) -> str:
    """What ``kiosk check-config`` says of the file the kiosk started from (read again now);
    empty when the configuration is built in (the demo) and there is no file to check."""
    if config.demo or not config.source:
        return ""
    try:
        loaded = load_config(config.source)
    except ConfigError as error:
        return str(error)
    return f"{config.source}: valid (kiosk {loaded.kiosk.id}, backend {loaded.backend.url})"


@dataclass(frozen=True)
class NetworkFacts:
    host: str
    dns: str
    tls_expiry: str
    addresses: str
    gateway: str


def network_facts(backend_url: str, ca_bundle: str, timeout_s: float = 3.0) -> NetworkFacts:
    """The backend host's DNS answer, its certificate's expiry (https), our addresses and
    default gateway. Blocking: run it off the GUI thread."""
    parts = urlsplit(backend_url)
    host = parts.hostname or ""
    try:
        answers = {str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 443)}
        dns = ", ".join(sorted(answers))
    except OSError as error:
        dns = f"{type(error).__name__}: {error}"
    tls = "-"
    if parts.scheme == "https":
        tls = certificate_expiry(host, parts.port or 443, ca_bundle, timeout_s)
    return NetworkFacts(host, dns, tls, ", ".join(addresses()) or "-", default_gateway())


def certificate_expiry(host: str, port: int, ca_bundle: str, timeout_s: float) -> str:
    context = ssl.create_default_context(cafile=ca_bundle or None)
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                certificate = tls.getpeercert()
    except (OSError, ssl.SSLError) as error:
        return f"{type(error).__name__}: {error}"
    not_after = certificate.get("notAfter") if certificate else None
    if not isinstance(not_after, str):
        return "-"
    expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), dt.UTC)
    return expires.astimezone().strftime("%Y-%m-%d %H:%M")


def default_gateway(route_table: Path = Path("/proc/net/route")) -> str:
    """Linux's default route, read from the kernel's table; "-" elsewhere."""
    try:
        lines = route_table.read_text(encoding="ascii").splitlines()[1:]
    except OSError:
        return "-"
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            return socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
    return "-"


def last_log_lines(log_path: Path, count: int = 200) -> list[str]:
    if not log_path.exists():
        return []
    with log_path.open(encoding="utf-8", errors="replace") as file:
        return [line.rstrip("\n") for line in deque(file, maxlen=count)]


def export_bundle(
    target_dir: Path,
    config: KioskConfig,
    log_path: Path,
    devices: list[DeviceState],
    facts: dict[str, str],
) -> Path:
    """A zip of the logs, the configuration without secrets and the device states."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    bundle = target_dir / f"kiosk-{config.kiosk.id}-diagnostics-{stamp}.zip"
    target_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.toml", config_text(config))
        archive.writestr(
            "devices.json",
            json.dumps([d.model_dump(mode="json") for d in devices], indent=2, ensure_ascii=False),
        )
        archive.writestr("system.json", json.dumps(facts, indent=2, ensure_ascii=False))
        for path in sorted(log_path.parent.glob(log_path.name + "*")):
            archive.write(path, f"logs/{path.name}")
    return bundle


def removable_folders() -> list[Path]:
    """Where a USB stick is likely mounted (Linux) plus drive roots on Windows."""
    candidates: list[Path] = []
    for root in (Path("/media"), Path("/run/media"), Path("/mnt")):
        if root.is_dir():
            candidates += [p for p in (*root.glob("*"), *root.glob("*/*")) if os.path.ismount(p)]
    if platform.system() == "Windows":
        candidates += [Path(f"{letter}:/") for letter in "DEFGHIJ" if Path(f"{letter}:/").exists()]
    return list(dict.fromkeys(candidates))
