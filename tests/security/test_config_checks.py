"""Finding 8: the configuration refuses what would leak tokens or patients' IDs, and the kiosk's
own files (journal, logs, the server's database) are private to its user."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import EXIT_USAGE, main
from kiosk.config import ConfigError, demo_config, load_config, parse_config
from kiosk.journal import Journal
from kiosk.logs import configure_logging
from kiosk.server.db import open_database

EXAMPLE = Path(__file__).resolve().parents[2] / "kiosk.example.toml"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def config_data(url: str, token: str = "kiosk-token", **backend: object) -> dict[str, object]:
    return {"kiosk": {"id": "k1"}, "backend": {"url": url, "token": token, **backend}}


def problems_of(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return caught.value.problems


@pytest.mark.parametrize(
    "url", ["http://kiosk-api.hospital.example", "http://his.hospital.example:8080"]
)
def test_cleartext_http_to_another_machine_is_refused(url: str) -> None:
    [problem] = problems_of(config_data(url))
    assert problem.startswith("backend.url: ")
    assert "cleartext" in problem
    assert "token" in problem
    assert "allow_insecure_http" in problem
    allowed = parse_config(config_data(url, allow_insecure_http=True))
    assert allowed.backend.url == url


@pytest.mark.parametrize(
    "url",
    [
        "https://kiosk-api.hospital.example",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
        "http://127.5.0.1",
    ],
)
def test_https_and_loopback_http_are_fine(url: str) -> None:
    assert parse_config(config_data(url)).backend.url == url


def test_demo_config_still_passes(tmp_path: Path) -> None:
    assert demo_config("http://127.0.0.1:8765", tmp_path).backend.url == "http://127.0.0.1:8765"


@pytest.mark.parametrize("token", ["change-me", "CHANGE-ME", "…", "changeme"])
def test_the_placeholder_token_is_refused(token: str) -> None:
    [problem] = problems_of(config_data("https://api.example", token))
    assert problem.startswith("backend.token: ")
    assert "placeholder" in problem


def test_the_example_file_is_refused_until_its_token_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "example.toml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    copy.chmod(0o600)
    assert main(["check-config", str(copy)]) == EXIT_USAGE
    assert "backend.token: 'change-me' is the example's placeholder" in capsys.readouterr().err
    own = tmp_path / "kiosk.toml"
    own.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('"change-me"', '"a-real-token"'),
        encoding="utf-8",
    )
    own.chmod(0o600)
    assert load_config(own).backend.token == "a-real-token"


@posix_only
@pytest.mark.parametrize("mode", [0o664, 0o646, 0o666, 0o620])
def test_a_config_with_secrets_that_others_may_change_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\nid = "k1"\n[backend]\nurl = "https://api.example"\ntoken = "secret"\n'
        '[technician]\npin_hash = "pbkdf2_sha256$1000$c2FsdA==$aGFzaA=="\n',
        encoding="utf-8",
    )
    path.chmod(mode)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["backend.token", "technician.pin_hash"]
    assert all("writable by group or others" in p and "chmod go-w" in p for p in problems)
    path.chmod(0o644)  # readable is the admin's choice; writable by others is not
    assert load_config(path).backend.token == "secret"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_the_journal_is_private(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "data" / "journal.sqlite3")
    try:
        journal.record_payment("pay-1", "key", "pat-1", ("bill-1",), 100)
        assert mode_of(tmp_path / "data") == 0o700
        files = sorted((tmp_path / "data").iterdir())
        assert files  # the database and its WAL files
        assert {f.name: mode_of(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        journal.close()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@posix_only
def test_the_log_files_are_private(tmp_path: Path, restore_logging: None) -> None:
    base = demo_config("http://127.0.0.1:9", tmp_path / "spool")
    config = base.model_copy(
        update={"logging": base.logging.model_copy(update={"directory": str(tmp_path / "logs")})}
    )
    path = configure_logging(config, to_stderr=False)
    logging.getLogger("kiosk.test").warning("hello")
    for handler in logging.getLogger().handlers:
        handler.flush()
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            handler.doRollover()  # the rotated file and the new one stay private too
    logging.getLogger("kiosk.test").warning("again")
    assert mode_of(path.parent) == 0o700
    files = sorted(path.parent.iterdir())
    assert len(files) == 2
    assert {f.name: mode_of(f) for f in files} == {f.name: 0o600 for f in files}


@posix_only
def test_the_server_database_is_private(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "server" / "kiosk-api.sqlite3")
    try:
        conn.execute("SELECT 1").fetchall()
        files = sorted((tmp_path / "server").iterdir())
        assert files
        assert {f.name: mode_of(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        conn.close()
