"""EmbeddedServer: start, serve, stop cleanly; bounded start-up; concurrent same-key retries."""

from __future__ import annotations

import threading

import pytest
import requests

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server.embedded import EmbeddedServer


def test_start_seeds_serves_and_stops(tmp_path):
    db_path = tmp_path / "fresh.sqlite3"
    with EmbeddedServer.start(db_path, seed_demo=True) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.db_path == db_path
        with requests.Session() as session:
            response = session.get(f"{server.url}/api/v1/health", timeout=10)
            assert response.status_code == 200
            departments = session.get(
                f"{server.url}/api/v1/departments",
                headers={"Authorization": "Bearer demo-token"},
                timeout=10,
            )
            assert len(departments.json()["departments"]) >= 10
    server.stop()  # idempotent
    with requests.Session() as session, pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/api/v1/health", timeout=2)


def test_without_seed_the_database_is_empty_but_served(tmp_path):
    with EmbeddedServer.start(tmp_path / "empty.sqlite3", seed_demo=False) as server:
        with requests.Session() as session:
            response = session.get(
                f"{server.url}/api/v1/departments",
                headers={"Authorization": "Bearer demo-token"},
                timeout=10,
            )
    assert response.status_code == 401  # no demo kiosk either


def test_a_failed_start_up_raises_runtime_error(tmp_path, monkeypatch):
    import uvicorn

    def broken_run(self, sockets=None):
        raise OSError("no event loop for you")

    monkeypatch.setattr(uvicorn.Server, "run", broken_run)
    with pytest.raises(RuntimeError, match=r"did not start.*no event loop"):
        EmbeddedServer.start(tmp_path / "x.sqlite3", seed_demo=False)


def test_concurrent_retries_with_one_key_get_one_ticket(api, live_server):
    (appointment,) = api.appointments_today("one_in_window")
    url = api.url(f"/appointments/{appointment['id']}/check-in")
    barrier = threading.Barrier(10)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def retry() -> None:
        with requests.Session() as session:
            barrier.wait(timeout=10)
            response = session.post(
                url,
                json={},
                headers={
                    "Authorization": "Bearer demo-token",
                    IDEMPOTENCY_HEADER: "one-key",
                    VISIT_TOKEN_HEADER: api.session.headers[VISIT_TOKEN_HEADER],
                },
                timeout=30,
            )
            with lock:
                answers.append((response.status_code, response.json()["ticket"]["number"]))

    threads = [threading.Thread(target=retry) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 10
    assert {status for status, _ in answers} == {200}
    assert len({number for _, number in answers}) == 1
