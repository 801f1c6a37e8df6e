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
import zipfile
from collections import deque
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version

from kiosk import __version__
from kiosk.api.models import DeviceState
from kiosk.config import KioskConfig

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


def system_facts(config: KioskConfig, uptime_s: float, log_path: Path) -> dict[str, str]:
    disk = shutil.disk_usage(log_path.parent if log_path.parent.exists() else Path.home())
    return {
        "kiosk": config.kiosk.id,
        "version": __version__,
        "uptime": str(dt.timedelta(seconds=round(uptime_s))),
        "host": socket.gethostname(),
        "addresses": ", ".join(addresses()) or "-",
        "system": platform.platform(),
        "python": platform.python_version(),
        "qt": pyside_version,
        "disk free": f"{disk.free / 2**30:.1f} GiB of {disk.total / 2**30:.1f} GiB",
        "log file": str(log_path),
    }


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
            json.dumps([d.model_dump() for d in devices], indent=2, ensure_ascii=False),
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
