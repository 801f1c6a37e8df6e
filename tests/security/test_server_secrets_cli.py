"""Finding 10: no token on the command line (``ps`` shows every process's argv).

The admin token comes from a file or the environment; ``kiosk-server add-kiosk ID --db PATH``
makes a kiosk's token, prints it once and stores only its SHA-256.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from kiosk.server import cli
from kiosk.server.db import Target, kiosk_for_token, open_database
from kiosk.server.seed import DEMO_TOKEN

ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "kiosk.server.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _add_kiosk(db: Target, kiosk_id: str) -> tuple[list[str], str]:
    argv = [*SERVER, "add-kiosk", kiosk_id, "--db", str(db)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    token = result.stdout.strip()
    return argv, token


def test_add_kiosk_prints_a_new_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = tmp_path / "api.sqlite3"
    argv, token = _add_kiosk(db, "lobby-east-1")
    assert len(token) >= 40, token
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
    assert not any(token in part for part in argv)
    _, other = _add_kiosk(db, "lobby-east-2")
    assert other != token
    conn = open_database(db)
    try:
        assert kiosk_for_token(conn, token) == "lobby-east-1"
        assert kiosk_for_token(conn, other) == "lobby-east-2"
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("api."))
    assert token.encode() not in stored
    assert other.encode() not in stored


def test_the_demo_token_is_stored_hashed_and_still_works(tmp_path: Path) -> None:
    db = tmp_path / "api.sqlite3"
    conn = open_database(db)
    try:
        from kiosk.server.seed import seed_demo
        from tests.helpers.server import DEMO_NOW

        seed_demo(conn, DEMO_NOW)
        assert kiosk_for_token(conn, DEMO_TOKEN) == "demo-kiosk"
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    assert DEMO_TOKEN.encode() not in db.read_bytes()


def test_old_token_flags_are_refused_with_a_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)  # never serve here
    db = str(tmp_path / "api.sqlite3")
    assert cli.main(["--db", db, "--admin-token", "T"]) == 2
    assert "--admin-token-file" in capsys.readouterr().err
    assert cli.main(["--db", db, "--add-kiosk", "a:b"]) == 2
    assert "add-kiosk" in capsys.readouterr().err


@pytest.fixture
def admin_token_file(tmp_path: Path) -> Path:
    path = tmp_path / "admin-token"
    path.write_text("file-admin-secret\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@contextmanager
def _serve(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            yield process
        finally:
            process.terminate()
            process.wait(10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/api/v1/health", timeout=2)
            return
        except requests.ConnectionError:
            assert process.poll() is None, "kiosk-server exited"
            assert time.monotonic() < deadline, "kiosk-server did not come up"
            time.sleep(0.05)


def _argv_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.parametrize("source", ["file", "environment"])
def test_the_admin_token_never_appears_in_argv(
    tmp_path: Path, admin_token_file: Path, source: str
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [*SERVER, "--db", str(tmp_path / "api.sqlite3"), "--seed-demo", "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if source == "file":
        argv += ["--admin-token-file", str(admin_token_file)]
        token = "file-admin-secret"
    else:
        env["KIOSK_SERVER_ADMIN_TOKEN"] = token = "env-admin-secret"
    with _serve(argv, env) as process:
        _wait_until_up(url, process)
        assert token not in _argv_of(process.pid)
        fleet = requests.get(
            f"{url}/admin/kiosks?format=json",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert fleet.status_code == 200
        assert requests.get(f"{url}/admin/kiosks?format=json", timeout=5).status_code == 401


def test_a_kiosk_added_from_the_command_line_authenticates(tmp_path: Path) -> None:
    db = tmp_path / "api.sqlite3"
    _, token = _add_kiosk(db, "lobby-east-1")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [*SERVER, "--db", str(db), "--port", str(port)]
    with _serve(argv, {**os.environ, "PYTHONPATH": str(ROOT)}) as process:
        _wait_until_up(url, process)
        beat = requests.post(
            f"{url}/api/v1/kiosks/lobby-east-1/heartbeat",
            json={"version": "1", "uptime_s": 1, "devices": []},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert beat.status_code == 200, beat.text
        wrong = requests.get(
            f"{url}/api/v1/departments", headers={"Authorization": "Bearer nope"}, timeout=5
        )
        assert wrong.status_code == 401


def test_the_documented_commands_take_no_token_in_argv() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deployment = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for text in (readme, deployment):
        assert "--admin-token " not in text
        assert "--admin-token T" not in text
        assert "ID:TOKEN" not in text
        assert "--add-kiosk" not in text
        assert "?token=" not in text
    assert "kiosk-server add-kiosk" in readme
    assert "--admin-token-file" in readme
