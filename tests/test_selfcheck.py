"""``kiosk self-check`` against the live server, a dead one, a printer out of paper, and a
machine without the sound server's client library."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.cli import EXIT_FAILURE, EXIT_OK, main
from kiosk.server.embedded import EmbeddedServer


def write_config(tmp_path: Path, url: str, printer: str = "") -> Path:
    spool = tmp_path / "spool"
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "demo-kiosk"\n[backend]\nurl = "{url}"\ntoken = "demo-token"\n'
        f"[printer]\n{printer or f'kind = {chr(34)}simulated{chr(34)}'}\n"
        f'spool_dir = "{spool}"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)  # holds a token: refused if others may change it
    return path


def test_all_well(
    qapp: QApplication,
    live_server: EmbeddedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, live_server.url)
    assert main(["self-check", "--config", str(config)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert "13 departments" in out
    assert "first frame" in out
    # This machine has libpulse0 but no sound server running: loaded, and silent.
    assert any(line.split()[:2] == ["ok", "sound"] for line in out.splitlines())


def test_sound_library_missing(
    qapp: QApplication,
    live_server: EmbeddedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The package takes libpulse0 from the machine (build.spec): where it is missing, Qt
    Multimedia cannot load, and the installer is told so instead of a silent kiosk."""
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # what a failed load raises
    config = write_config(tmp_path, live_server.url)
    assert main(["self-check", "--config", str(config)]) == EXIT_FAILURE
    failed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1
    assert failed[0].split()[1] == "sound"
    assert "QtMultimedia cannot load" in failed[0]


def test_backend_down(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, f"http://127.0.0.1:{port}")
    assert main(["self-check", "--config", str(config)]) == EXIT_FAILURE
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("FAIL")] == ["backend"]


def test_wrong_token(
    qapp: QApplication,
    live_server: EmbeddedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, live_server.url)
    config.write_text(config.read_text().replace("demo-token", "wrong"), encoding="utf-8")
    assert main(["self-check", "--config", str(config)]) == EXIT_FAILURE
    assert "unauthorized" in capsys.readouterr().out
