"""Shared fixtures: a live reference server on loopback with the demo hospital, and a client.

- ``live_server``: an ``EmbeddedServer`` (``.url``, ``.port``, ``.db_path``) over a fresh copy
  of the seeded demo database; ``live_server.clock`` is a ``ManualClock`` starting at
  ``DEMO_NOW`` (``.now``, ``.set(dt)``, ``.advance(timedelta)``) that the server reads.
- ``api``: ``ApiClient`` (a ``requests.Session`` with the ``demo-token`` bearer token).
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QCoreApplication, QEvent

from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER
from kiosk.server.clock import ManualClock
from kiosk.server.db import open_database
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_TOKEN, seed_demo

# A Monday morning in Beijing time: every demo scenario is in its intended state.
DEMO_NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TIMEOUT_S = 10


class ApiClient:
    """A ``requests.Session`` bound to one server and token; paths are under ``/api/v1``."""

    def __init__(self, base_url: str, token: str | None = DEMO_TOKEN) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def identify(self, scenario: str) -> dict[str, Any]:
        """The patient JSON of a ``DEMO_IDENTITIES`` scenario (asserts 200)."""
        ident = DEMO_IDENTITIES[scenario]
        response = self.post("/patients/identify", json={"kind": ident.kind, "value": ident.value})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def appointments_today(self, scenario: str) -> list[dict[str, Any]]:
        patient = self.identify(scenario)
        response = self.get(f"/patients/{patient['id']}/appointments")
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()["appointments"]
        return result

    def check_in(
        self, appointment_id: str, *, key: str | None = None, json: Any = None
    ) -> requests.Response:
        headers = {IDEMPOTENCY_HEADER: key or uuid.uuid4().hex}
        return self.post(
            f"/appointments/{appointment_id}/check-in",
            json={} if json is None else json,
            headers=headers,
        )

    def close(self) -> None:
        self.session.close()


@pytest.fixture(autouse=True)
def _private_app_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's kiosk journal (and anything else in the app data dir) lives in tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """Collect each test's reference cycles here, on the main thread.

    Left to chance, the cyclic collector may run on a worker thread (a backend call, the print
    worker) and delete a Qt object there, which crashes Qt.
    """
    _delete_closed_widgets()
    yield
    gc.collect()


def _delete_closed_widgets() -> None:
    """Widgets closed by the previous test are only deleteLater()'d; finish that now."""
    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo hospital seeded once per session at ``DEMO_NOW``; copy it, don't write it."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite3"
    conn = open_database(path)
    try:
        seed_demo(conn, DEMO_NOW)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded demo database."""
    path = tmp_path / "kiosk-api.sqlite3"
    shutil.copyfile(demo_db_template, path)
    return path


@pytest.fixture
def live_server(demo_db: Path) -> Iterator[EmbeddedServer]:
    """The reference server on 127.0.0.1:<free port> over the demo hospital, at ``DEMO_NOW``."""
    clock = ManualClock(DEMO_NOW)
    with EmbeddedServer.start(demo_db, seed_demo=True, clock=clock) as server:
        yield server


@pytest.fixture
def manual_clock(live_server: EmbeddedServer) -> ManualClock:
    clock = live_server.clock
    assert isinstance(clock, ManualClock)
    return clock


@pytest.fixture
def api(live_server: EmbeddedServer) -> Iterator[ApiClient]:
    client = ApiClient(live_server.url)
    yield client
    client.close()


@pytest.fixture
def anonymous_api(live_server: EmbeddedServer) -> Iterator[ApiClient]:
    client = ApiClient(live_server.url, token=None)
    yield client
    client.close()


@pytest.fixture
def demo_now() -> dt.datetime:
    """The time the demo database was seeded at and ``live_server``'s clock starts at."""
    return DEMO_NOW
