"""kiosk-server: argument checks, seeding, and a real run in a subprocess."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time

import pytest
import requests

from kiosk.server import cli
from kiosk.server.db import kiosk_for_token, open_database
from kiosk.server.stations import sign_in


def test_refuses_a_remote_address_without_allow_remote(tmp_path, capsys):
    assert cli.main(["--db", str(tmp_path / "x.sqlite3"), "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--allow-remote" in err
    assert not (tmp_path / "x.sqlite3").exists()


def test_db_is_required(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


def test_bad_kiosk_id(tmp_path, capsys):
    assert cli.main(["add-kiosk", "no spaces/or slashes", "--db", str(tmp_path / "x.sqlite3")]) == 2
    assert "invalid kiosk id" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["add-kiosk", "lobby-1"])  # --db is required
    assert exc.value.code == 2


def test_unreadable_admin_token_file(tmp_path, capsys):
    argv = ["--db", str(tmp_path / "x.sqlite3"), "--admin-token-file", str(tmp_path / "none")]
    assert cli.main(argv) == 2
    assert "admin token file" in capsys.readouterr().err
    (tmp_path / "empty").write_text("\n")
    argv[-1] = str(tmp_path / "empty")
    assert cli.main(argv) == 2
    assert "is empty" in capsys.readouterr().err


def test_seeds_once_adds_kiosks_and_serves(tmp_path, capsys, monkeypatch):
    served: list[dict[str, object]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(kwargs))
    db = tmp_path / "api.sqlite3"
    argv = ["--db", str(db), "--seed-demo", "--port", "9123"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "demo-token" in out
    assert "Seeded" in out
    assert cli.main(["add-kiosk", "lobby-east-1", "--db", str(db)]) == 0
    token = capsys.readouterr().out.strip()
    [kwargs] = served
    assert {k: kwargs[k] for k in ("host", "port", "access_log", "proxy_headers")} == {
        "host": "127.0.0.1",
        "port": 9123,
        "access_log": False,
        "proxy_headers": False,
    }
    assert cli.main(["--db", str(db), "--seed-demo", "--allow-remote", "--host", "0.0.0.0"]) == 0
    assert "not seeding" in capsys.readouterr().out
    conn = open_database(db)
    try:
        assert kiosk_for_token(conn, token) == "lobby-east-1"
        assert kiosk_for_token(conn, "demo-token") == "demo-kiosk"
        assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 200
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_real_server_process(tmp_path):
    port = _free_port()
    command = [sys.executable, "-m", "kiosk.server.cli", "--db", str(tmp_path / "api.sqlite3")]
    command += ["--seed-demo", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        try:
            deadline = time.monotonic() + 20
            with requests.Session() as session:
                while True:
                    try:
                        response = session.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                        break
                    except requests.ConnectionError:
                        assert process.poll() is None, "kiosk-server exited"
                        assert time.monotonic() < deadline, "kiosk-server did not come up"
                        time.sleep(0.05)
                assert response.json()["status"] == "ok"
                departments = session.get(
                    f"http://127.0.0.1:{port}/api/v1/departments",
                    headers={"Authorization": "Bearer demo-token"},
                    timeout=5,
                )
                assert departments.status_code == 200
        finally:
            process.terminate()
            process.wait(10)


def test_add_station_takes_the_password_on_stdin_and_signs_in(
    demo_db, demo_now, capsys, monkeypatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    argv = ["add-station", "room-201", "--db", str(demo_db), "--queue", "q-dep-a"]
    assert cli.main([*argv, "--name", "内科 201诊室"]) == 0
    assert "room-201" in capsys.readouterr().out
    conn = open_database(demo_db)
    try:
        signed_in = sign_in(conn, "room-201", "a-long-password", demo_now)
        assert signed_in is not None
        assert signed_in[2].queues == ["q-dep-a"]
        assert sign_in(conn, "room-201", "demo", demo_now) is None
        stored = conn.execute("SELECT password_hash FROM stations WHERE id = 'room-201'")
        assert "a-long-password" not in stored.fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("password", "queue", "message"),
    [
        ("short\n", "q-dep-a", "at least 8 characters"),
        ("a-long-password\n", "q-nowhere", "unknown queue(s): q-nowhere"),
    ],
)
def test_add_station_refuses_short_passwords_and_unknown_queues(
    demo_db, capsys, monkeypatch, password, queue, message
):
    monkeypatch.setattr("sys.stdin", io.StringIO(password))
    assert cli.main(["add-station", "room-201", "--db", str(demo_db), "--queue", queue]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("max_recals = 3\n", "unknown queue rule(s)"),
        ("max_recalls = 'two'\n", "must be a whole number"),
        ("priority_every = 0\n", "at least 1"),
        ("max_recalls = \n", "cannot read the queue rules"),
    ],
)
def test_bad_queue_rules_are_refused_before_serving(tmp_path, capsys, rules, message):
    path = tmp_path / "rules.toml"
    path.write_text(rules, encoding="utf-8")
    assert cli.main(["--db", str(tmp_path / "x.sqlite3"), "--queue-rules", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_identify_limit_flag_reaches_every_worker_and_refuses_zero(tmp_path, capsys, monkeypatch):
    import uvicorn

    limits = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **kwargs: limits.append(cli.worker_app().state.limits)
    )
    db = tmp_path / "api.sqlite3"
    assert cli.main(["--db", str(db), "--identify-per-minute", "5000"]) == 0
    assert [limit.identify_per_window for limit in limits] == [5000]
    assert cli.main(["--db", str(db), "--identify-per-minute", "0"]) == 2
    assert "--identify-per-minute must be at least 1" in capsys.readouterr().err
    assert len(limits) == 1


def test_receipt_reprint_flags_reach_every_worker_and_refuse_nonsense(
    tmp_path, capsys, monkeypatch
):
    import uvicorn

    limits = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **kwargs: limits.append(cli.worker_app().state.limits)
    )
    db = tmp_path / "api.sqlite3"
    flags = ["--receipt-days", "7", "--free-receipt-reprints", "0"]
    assert cli.main(["--db", str(db), *flags]) == 0
    assert [(x.receipt_days, x.free_receipt_reprints) for x in limits] == [(7, 0)]
    assert cli.main(["--db", str(db), "--receipt-days", "0"]) == 2
    assert "--receipt-days must be at least 1" in capsys.readouterr().err
    assert cli.main(["--db", str(db), "--free-receipt-reprints", "-1"]) == 2
    assert len(limits) == 1
