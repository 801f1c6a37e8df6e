"""PostgreSQL away for a moment (a restart, a failover): the kiosk gets a clear 503 it retries,
and nothing is lost or doubled once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kiosk.api.models import ErrorBody, ErrorCode
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendServerError
from kiosk.server.db import Target, connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN
from tests.helpers.postgres import TempCluster, database_name
from tests.helpers.server import ApiClient

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"])


@contextmanager
def database_away(cluster: TempCluster, url: str) -> Iterator[None]:
    """No new connections to the server's database, and its open ones cut, as in a restart."""
    name = database_name(url)
    admin = connect(cluster.url("postgres"))
    try:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", (name,)
        )
        yield
    finally:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        admin.close()


def _tickets_of(target: Target, appointment_id: str) -> int:
    conn = connect(target)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM tickets WHERE appointment_id = ?", (appointment_id,)
            ).fetchone()[0]
        )
    finally:
        conn.close()


def test_a_check_in_while_the_database_is_away_is_a_503_then_one_ticket(
    live_server: EmbeddedServer, api: ApiClient, postgres_cluster: TempCluster
) -> None:
    assert isinstance(live_server.db_path, str)
    [appointment] = api.appointments_today("one_in_window")
    with database_away(postgres_cluster, live_server.db_path):
        answer = api.check_in(appointment["id"], key="while-away")
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        body = ErrorBody.model_validate(answer.json())
        assert body.error.code == ErrorCode.database_unavailable
        assert api.get("/health").status_code == 200  # the server itself is up

        # What the kiosk does with it: a server error it may retry, never a crash.
        kiosk = KioskApiClient(live_server.url, DEMO_TOKEN, DEMO_KIOSK_ID)
        try:
            with pytest.raises(BackendServerError):
                kiosk.departments()
        finally:
            kiosk.close()
    assert _tickets_of(live_server.db_path, appointment["id"]) == 0

    first = api.check_in(appointment["id"], key="while-away")
    again = api.check_in(appointment["id"], key="while-away")
    assert first.status_code == 200, first.text
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _tickets_of(live_server.db_path, appointment["id"]) == 1
