"""The diagnostics bundle an admin asks for on the fleet page, made to fit its size cap.

What the technician's export holds (the configuration without secrets, the device states and
counters, the system's versions and facts) plus the crash summaries, the recent warnings, the
last hour's heartbeats and the newest log lines. Every text goes through the log masking once
more (``kiosk.logs.redact``), so a log written by an older release or a slip elsewhere still
leaves no ID, phone or card number, health-QR payload or patient name. The zip never exceeds
the cap: the oldest log lines are dropped until it fits, and ``bundle.json`` says how many.
Blocking (files, compression): run it off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.api.models import MAX_DIAGNOSTICS_BUNDLE_BYTES, DeviceState
from kiosk.config import KioskConfig
from kiosk.diagnostics import facts
from kiosk.logs import DEFAULT_QR_PREFIXES, redact

LOG_MEMBER = "logs/kiosk.log"
# Read at most this much of the rotated logs (newest first): more could never fit the cap.
MAX_LOG_BYTES_READ = 16 * 1024 * 1024
_ROTATED = re.compile(r"\.(\d+)$")
_LINES_PER_WRITE = 500


class BundleTooLargeError(Exception):
    """Even without any log line the bundle is above the cap."""


@dataclass(frozen=True)
class BundleParts:
    """What the bundle holds from memory, taken on the GUI thread when the request came."""

    request_id: str
    config: KioskConfig
    log_path: Path
    uptime_s: float
    devices: Sequence[DeviceState] = ()
    crashes: Sequence[tuple[dt.datetime, str]] = ()
    problems: Sequence[str] = ()
    # (seconds ago, round trip in ms or None, error type) per heartbeat of the last hour
    heartbeats: Sequence[tuple[float, float | None, str]] = ()
    clock_offset_s: float | None = None
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())


def log_lines(log_path: Path, max_bytes: int = MAX_LOG_BYTES_READ) -> list[str]:
    """The lines of the log and its rotated files (``kiosk.log.5`` … ``kiosk.log``), oldest
    first; of the newest ``max_bytes`` only."""
    files = [p for p in log_path.parent.glob(log_path.name + "*") if p.is_file()]

    def age(path: Path) -> int:
        found = _ROTATED.search(path.name)
        return int(found.group(1)) if found and path.name != log_path.name else 0

    chunks: list[list[str]] = []
    budget = max_bytes
    for path in sorted(files, key=age):  # newest first
        if budget <= 0:
            break
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if len(data) > budget:
            data = data[len(data) - budget :]
            data = data[data.find(b"\n") + 1 :]  # no half line
        budget -= len(data)
        chunks.append(data.decode("utf-8", errors="replace").splitlines())
    return [line for chunk in reversed(chunks) for line in chunk]


def build_bundle(parts: BundleParts, cap: int = MAX_DIAGNOSTICS_BUNDLE_BYTES) -> bytes:
    """The zip, at most ``cap`` bytes: the oldest log lines go first when it is too large."""
    prefixes = tuple(
        dict.fromkeys((*DEFAULT_QR_PREFIXES, parts.config.identifiers.health_qr_prefix))
    )

    def masked(text: str) -> str:
        return "\n".join(redact(line, prefixes) for line in text.splitlines())

    lines = [redact(line, prefixes) for line in log_lines(parts.log_path)]
    fixed = {name: masked(text) for name, text in _fixed_files(parts).items()}
    keep = len(lines)
    while True:
        manifest = _manifest(parts, cap, kept=keep, dropped=len(lines) - keep)
        data, log_size = _zip(fixed, manifest, lines[len(lines) - keep :])
        if len(data) <= cap:
            return data
        if keep == 0:
            raise BundleTooLargeError(f"{len(data)} bytes without any log line (cap {cap})")
        # Cut the share of the compressed log that is too much, and a little more.
        share = (len(data) - cap) / max(log_size, 1)
        keep = max(0, min(keep - 1, int(keep * (1 - share) * 0.97)))


def _fixed_files(parts: BundleParts) -> dict[str, str]:
    config = parts.config
    system = facts.system_facts(config, parts.uptime_s, parts.log_path)
    system["config check"] = facts.config_check(config) or "built-in configuration"
    crashes = [f"{when.isoformat(timespec='seconds')} {summary}" for when, summary in parts.crashes]
    backend: dict[str, Any] = {
        "url": config.backend.url,
        "clock_offset_s": parts.clock_offset_s,
        "heartbeats": [
            {
                "seconds_ago": round(ago),
                "round_trip_ms": None if ms is None else round(ms, 1),
                "error": error,
            }
            for ago, ms, error in parts.heartbeats
        ],
    }
    devices = [device.model_dump(mode="json") for device in parts.devices]
    return {
        "config.toml": facts.config_text(config),
        "devices.json": json.dumps(devices, indent=2, ensure_ascii=False),
        "system.json": json.dumps(system, indent=2, ensure_ascii=False),
        "backend.json": json.dumps(backend, indent=2, ensure_ascii=False),
        "crashes.txt": "\n".join(crashes) or "(no crash since the kiosk started)",
        "problems.txt": "\n".join(parts.problems) or "(no recent warnings or errors)",
    }


def _manifest(parts: BundleParts, cap: int, *, kept: int, dropped: int) -> str:
    return json.dumps(
        {
            "request_id": parts.request_id,
            "kiosk": parts.config.kiosk.id,
            "made_at": parts.made_at.isoformat(timespec="seconds"),
            "cap_bytes": cap,
            "log_lines_kept": kept,
            "log_lines_dropped_oldest": dropped,
        },
        indent=2,
    )


def _zip(fixed: dict[str, str], manifest: str, lines: list[str]) -> tuple[bytes, int]:
    """The archive and the compressed size of its log."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.json", manifest)
        for name, text in fixed.items():
            archive.writestr(name, text)
        # In small pieces: one 12 MB join and encode would hold the GIL, and so the GUI
        # thread, for tens of milliseconds.
        with archive.open(LOG_MEMBER, "w") as member:
            for start in range(0, len(lines), _LINES_PER_WRITE):
                piece = lines[start : start + _LINES_PER_WRITE]
                member.write(("\n".join(piece) + "\n").encode("utf-8"))
        log_size = archive.getinfo(LOG_MEMBER).compress_size
    return buffer.getvalue(), log_size
