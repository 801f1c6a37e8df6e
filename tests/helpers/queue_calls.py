"""Calling patients as a station does, over the REST API of the live server (the demo
stations: id = queue id without ``q-``, password ``demo``)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import requests

from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER
from kiosk.server.db import connect
from tests.helpers.server import TIMEOUT_S

DEMO_STATION_PASSWORD = "demo"


def station_session(base_url: str, station_id: str) -> str:
    """A bearer token of the demo station ``station_id``."""
    response = requests.post(
        f"{base_url}{API_PREFIX}/stations/session",
        json={"station": station_id, "password": DEMO_STATION_PASSWORD},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _post(base_url: str, token: str, path: str, json: Any = None) -> dict[str, Any]:
    response = requests.post(
        f"{base_url}{API_PREFIX}{path}",
        json=json,
        headers={"Authorization": f"Bearer {token}", IDEMPOTENCY_HEADER: uuid.uuid4().hex},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def call_next(base_url: str, token: str, queue_id: str) -> dict[str, Any]:
    """Call-next (asserts 200): the called ``QueueEntry``."""
    return _post(base_url, token, f"/queues/{queue_id}/call-next")


def act(base_url: str, token: str, entry_id: int, action: str) -> dict[str, Any]:
    """``recall``, ``miss``, ``serve``, ``finish`` or ``cancel`` an entry (asserts 200)."""
    return _post(base_url, token, f"/queue-entries/{entry_id}/{action}")


def call_until(base_url: str, token: str, queue_id: str, number: str) -> dict[str, Any]:
    """Call the queue until ``number`` is called, seeing everyone before it (serve, finish)."""
    for _ in range(200):
        entry = call_next(base_url, token, queue_id)
        if entry["number"] == number:
            return entry
        act(base_url, token, entry["id"], "serve")
        act(base_url, token, entry["id"], "finish")
    raise AssertionError(f"{number} was never called in {queue_id}")


def area_of(base_url: str, token: str, queue_id: str) -> str:
    """The waiting area whose display shows ``queue_id``."""
    response = requests.get(
        f"{base_url}{API_PREFIX}/queues/{queue_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["queue"]["area"]["id"])


def latest_call_id(db_path: Path, entry_id: int, kind: str = "called") -> int:
    """The id of the entry's latest event of ``kind`` (a call's id names its announcement)."""
    conn = connect(db_path)
    try:
        row = conn.execute(
            "SELECT max(id) FROM queue_events WHERE entry_id = ? AND kind = ?", (entry_id, kind)
        ).fetchone()
    finally:
        conn.close()
    assert row[0] is not None, (entry_id, kind)
    return int(row[0])
