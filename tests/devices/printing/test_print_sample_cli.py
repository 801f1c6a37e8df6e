"""``kiosk print-sample``: a sample on a working printer, one line and exit 1 otherwise."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kiosk.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main

if TYPE_CHECKING:
    from tests.helpers.printing import LoopbackPrinter


def write_config(tmp_path: Path, printer: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\nid = "k1"\n[backend]\nurl = "http://127.0.0.1:9"\ntoken = "t"\n'
        f"[printer]\n{printer}\n",
        encoding="utf-8",
    )
    return path


def test_sample_on_a_working_network_printer(
    tmp_path: Path, loopback_printer: LoopbackPrinter, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path, f'kind = "network"\nhost = "127.0.0.1"\nport = {loopback_printer.port}'
    )
    assert main(["print-sample", "--config", str(config), "--template", "checkin"]) == EXIT_OK
    deadline = time.monotonic() + 3
    while b"\x1d(k" not in bytes(loopback_printer.received) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b"\x1d(k" in bytes(loopback_printer.received)
    assert "printed the checkin sample" in capsys.readouterr().out


@pytest.mark.parametrize("state", ["paper_out", "cover_open"])
def test_sample_refused_with_one_line_reason(
    tmp_path: Path,
    loopback_printer: LoopbackPrinter,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    loopback_printer.state = state
    config = write_config(
        tmp_path, f'kind = "network"\nhost = "127.0.0.1"\nport = {loopback_printer.port}'
    )
    started = time.monotonic()
    assert main(["print-sample", "--config", str(config)]) == EXIT_FAILURE
    assert time.monotonic() - started < 5
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert state in error
    assert loopback_printer.received == bytearray()


def test_sample_on_an_unreachable_printer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, f'kind = "network"\nhost = "127.0.0.1"\nport = {port}')
    started = time.monotonic()
    assert main(["print-sample", "--config", str(config)]) == EXIT_FAILURE
    assert time.monotonic() - started < 5
    assert "offline" in capsys.readouterr().err


def test_sample_on_the_simulated_printer(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    config = write_config(tmp_path, f'kind = "simulated"\nspool_dir = "{spool}"')
    assert main(["print-sample", "--config", str(config), "--template", "receipt"]) == EXIT_OK
    assert len(list(spool.glob("*.bin"))) == 1
    assert len(list(spool.glob("*.png"))) == 1


def test_sample_with_a_bad_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'kind = "network"')
    assert main(["print-sample", "--config", str(config)]) == EXIT_USAGE
