"""Finding 6: an acknowledged ticket or payment must survive an OS crash or a power cut.

In WAL mode ``synchronous = NORMAL`` may roll back the last transactions on power loss;
``FULL`` syncs the WAL on every commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from kiosk.server import db
from kiosk.server.db import Connection, Target, connect, open_database
from kiosk.server.embedded import EmbeddedServer

# SQLite's own sync setting; PostgreSQL's durability is its server's (synchronous_commit).
pytestmark = pytest.mark.engines("sqlite")

FULL = 2


def _synchronous(conn: Connection) -> int:
    value: int = conn.execute("PRAGMA synchronous").fetchone()[0]
    return value


def test_every_server_connection_syncs_fully(tmp_path: Path) -> None:
    path = tmp_path / "api.sqlite3"
    conn = open_database(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert _synchronous(conn) == FULL
    finally:
        conn.close()
    conn = connect(path)
    try:
        assert _synchronous(conn) == FULL
    finally:
        conn.close()


def test_the_running_server_uses_full_sync(
    live_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connections the request handlers borrow (``db.Database``) are made by ``connect``."""
    seen: list[int] = []
    original = connect

    def spy(path: Target) -> Connection:
        conn = original(path)
        seen.append(_synchronous(conn))
        return conn

    monkeypatch.setattr(db, "connect", spy)
    response = requests.get(
        f"{live_server.url}/api/v1/departments",
        headers={"Authorization": "Bearer demo-token"},
        timeout=10,
    )
    assert response.status_code == 200
    assert seen
    assert set(seen) == {FULL}
