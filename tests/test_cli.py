"""The installer-facing commands: exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.cli import (
    EXIT_NO_DISPLAY,
    EXIT_OK,
    EXIT_USAGE,
    build_parser,
    display_problem,
    main,
)

VALID = """
[kiosk]
id = "lobby-east-1"

[backend]
url = "https://kiosk-api.hospital.example"
token = "secret"
"""

THREE_MISTAKES = """
[kiosk]
id = "lobby-east-1"
colour = "blue"                 # unknown key

[backend]
url = "ftp://kiosk-api"         # not http(s)
token = "secret"

[idle]
countdown_s = 5                 # below WCAG's 20 s
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)  # a file with a token that others may change is refused (any umask)
    return path


def test_check_config_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(write(tmp_path, VALID))]) == EXIT_OK
    assert "valid" in capsys.readouterr().out


def test_check_config_names_every_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config", str(write(tmp_path, THREE_MISTAKES))]) == EXIT_USAGE
    message = capsys.readouterr().err
    assert "3 problems" in message
    assert "kiosk.colour: unknown key" in message
    assert "backend.url: 'ftp://kiosk-api' is not an http:// or https:// URL" in message
    assert "idle.countdown_s: Input should be greater than or equal to 20" in message


def test_check_config_missing_ca_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = VALID + 'ca_bundle = "/nonexistent/ca.pem"\n'
    assert main(["check-config", str(write(tmp_path, text))]) == EXIT_USAGE
    assert "backend.ca_bundle: file '/nonexistent/ca.pem' does not exist" in capsys.readouterr().err


def test_check_config_bad_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(write(tmp_path, "[kiosk\nid=1"))]) == EXIT_USAGE
    assert "not valid TOML" in capsys.readouterr().err


def test_check_config_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(tmp_path / "nope.toml")]) == EXIT_USAGE
    assert "file not found" in capsys.readouterr().err


def test_example_config_is_valid_once_its_token_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (Path(__file__).resolve().parent.parent / "kiosk.example.toml").read_text("utf-8")
    assert main(["check-config", str(write(tmp_path, text))]) == EXIT_USAGE
    assert capsys.readouterr().err.count("\n  - backend.token: ") == 1  # the placeholder
    text = text.replace('token = "change-me"', 'token = "t-1"')
    assert main(["check-config", str(write(tmp_path, text))]) == EXIT_OK


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, True),
        ({"DISPLAY": ":0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
    ],
)
def test_display_problem(environ: dict[str, str], problem: bool) -> None:
    assert (display_problem(environ, "linux") is not None) == problem


def test_no_display_is_one_line_and_non_zero(tmp_path: Path) -> None:
    config = write(tmp_path, VALID)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    finished = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == EXIT_NO_DISPLAY
    assert finished.stderr.strip().count("\n") == 0
    assert "no display" in finished.stderr


def test_missing_config_is_usage_error(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    finished = subprocess.run(
        [sys.executable, "-m", "kiosk.cli"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == EXIT_USAGE
    assert "no configuration file found" in finished.stderr


def test_the_demo_runs_its_simulated_clinic_unless_told_not_to() -> None:
    assert build_parser().parse_args(["--demo"]).simulated_clinic is True
    quiet = build_parser().parse_args(["--demo", "--no-simulated-clinic"])
    assert quiet.simulated_clinic is False
