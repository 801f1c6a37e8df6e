"""PostgreSQL away for a moment (a restart, a failover): the kiosk gets a clear 503 it retries,
and nothing is lost or doubled once the database is back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kiosk.api.models import ErrorBody, ErrorCode
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendServerError
from kiosk.server.app import create_app
from kiosk.server.db import MAX_CONNECTIONS, Database, PoolExhaustedError, Target, connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.errors import database_unavailable_handler
from kiosk.server.pg import OperationalError
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN
from tests.helpers.postgres import TempCluster, database_name
from tests.helpers.server import ApiClient

pytestmark = pytest.mark.engines("postgresql")


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


def test_a_lost_database_costs_one_request_then_fresh_connections_serve(
    demo_db: Target, postgres_cluster: TempCluster
) -> None:
    assert isinstance(demo_db, str)
    database = Database(demo_db)
    try:
        with database.connection() as a, database.connection() as b, database.connection() as c:
            opened = {id(a), id(b), id(c)}
        with database_away(postgres_cluster, demo_db):
            pass  # every open connection is cut; new ones are allowed again
        with database.connection() as conn:
            assert id(conn) in opened
            with pytest.raises(OperationalError):
                conn.execute("SELECT 1")
        with database.connection() as conn:  # not another of the dead ones
            assert id(conn) not in opened
            assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 200
    finally:
        database.close()


@pytest.mark.engines("sqlite", "postgresql")
def test_a_request_that_finds_every_connection_busy_is_answered_503_not_left_hanging(
    demo_db: Target,
) -> None:
    database = Database(demo_db, max_open=1, wait_s=0.2)
    try:
        with database.connection(), pytest.raises(PoolExhaustedError):
            with database.connection():
                pass
        with database.connection() as conn:  # free again
            conn.execute("SELECT 1")
    finally:
        database.close()
    app = create_app(demo_db)
    assert app.exception_handlers[PoolExhaustedError] is database_unavailable_handler
    app.state.database.close()


@pytest.mark.engines("sqlite", "postgresql")
def test_twice_as_many_requests_as_connections_are_all_answered(
    live_server: EmbeddedServer,
) -> None:
    """Requests hold their connection while waiting for a handler thread; waiting for a
    connection must not hold a thread, or 40 waiting threads leave none to finish them."""
    clients = 2 * MAX_CONNECTIONS
    start = threading.Barrier(clients)
    statuses: list[int] = []

    def kiosk() -> None:
        api = ApiClient(live_server.url)
        try:
            start.wait(timeout=30)
            for _ in range(5):
                statuses.append(api.get("/departments").status_code)
        finally:
            api.close()

    threads = [threading.Thread(target=kiosk) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert statuses == [200] * (clients * 5)
