"""Shared fixtures: a live reference server on loopback with the demo hospital, and a client.

- ``live_server``: an ``EmbeddedServer`` (``.url``, ``.port``, ``.db_path``) over a fresh copy
  of the seeded demo database (SQLite; in tests/server, each test on SQLite and on
  PostgreSQL, see ``db_engine``); ``live_server.clock`` is a ``ManualClock`` starting at
  ``DEMO_NOW`` (``.now``, ``.set(dt)``, ``.advance(timedelta)``) that the server reads.
- ``api``: ``tests.helpers.server.ApiClient`` (a ``requests.Session`` with the ``demo-token``
  bearer token).
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from kiosk.server.clock import ManualClock
from kiosk.server.db import Target, add_kiosk, connect, open_database
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import seed_demo
from tests.helpers.cups import CupsServer, running_cups, why_cups_cannot_run
from tests.helpers.fhir_server import FhirTestServer, running_fhir_server
from tests.helpers.postgres import TempCluster, database_name
from tests.helpers.server import DEMO_NOW, ApiClient

PG_TEMPLATE = "kiosk_demo_template"
ENGINES = ("sqlite", "postgresql")
# The server's own tests, and the kiosk's client against it: on both engines.
ON_BOTH_ENGINES = ("tests/server/", "tests/security/", "tests/backend/")


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
    if QCoreApplication.instance() is not None:
        # Widgets closed by the previous test are only deleteLater()'d; finish that now.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    yield
    gc.collect()


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


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[TempCluster]:
    """A PostgreSQL cluster of this test session's own (about a second to start)."""
    cluster = TempCluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def demo_pg_template(postgres_cluster: TempCluster) -> str:
    """The demo hospital seeded once per session in PostgreSQL: a template database."""
    url = postgres_cluster.create_database(PG_TEMPLATE)
    conn = open_database(url)
    try:
        seed_demo(conn, DEMO_NOW)
    finally:
        conn.close()
    return PG_TEMPLATE


@pytest.fixture
def db_engine() -> str:
    """The engine under the server in this test: SQLite, or each engine in turn for the
    server's own tests (``pytest_generate_tests``)."""
    return "sqlite"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The server's tests (``ON_BOTH_ENGINES``) run once on SQLite and once on PostgreSQL;
    ``@pytest.mark.engines("sqlite")`` names the engines of a test that needs fewer."""
    if "db_engine" not in metafunc.fixturenames:
        return
    named = metafunc.definition.get_closest_marker("engines")
    if named is not None:
        metafunc.parametrize("db_engine", named.args)
        return
    path = metafunc.definition.path.relative_to(Path(__file__).parent.parent).as_posix()
    if path.startswith(ON_BOTH_ENGINES):
        metafunc.parametrize("db_engine", ENGINES)


@pytest.fixture
def demo_db(request: pytest.FixtureRequest, db_engine: str, tmp_path: Path) -> Iterator[Target]:
    """A private copy of the seeded demo database: a SQLite file, or a PostgreSQL URL."""
    if db_engine == "postgresql":
        cluster: TempCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(template=request.getfixturevalue("demo_pg_template"))
        yield url
        cluster.drop_database(database_name(url))
        return
    path = tmp_path / "kiosk-api.sqlite3"
    shutil.copyfile(request.getfixturevalue("demo_db_template"), path)
    yield path


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, db_engine: str, tmp_path: Path) -> Iterator[Target]:
    """A new, empty database of the engine under test: a file not made yet, or a database of
    the session's cluster."""
    if db_engine != "postgresql":
        yield tmp_path / "empty.sqlite3"
        return
    cluster: TempCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(database_name(url))


@pytest.fixture
def live_server(demo_db: Target) -> Iterator[EmbeddedServer]:
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


@pytest.fixture
def other_kiosk(live_server: EmbeddedServer) -> Iterator[ApiClient]:
    """A second kiosk of the same hospital, with its own token."""
    conn = connect(live_server.db_path)
    try:
        add_kiosk(conn, "lobby-west-2", "other-token")
    finally:
        conn.close()
    client = ApiClient(live_server.url, token="other-token")
    yield client
    client.close()


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirTestServer]:
    """sekmet-fhir on loopback, started once per session (tests/helpers/fhir_server.py)."""
    yield from running_fhir_server(tmp_path_factory.mktemp("fhir"))


@pytest.fixture(scope="session")
def _cups_session() -> Iterator[CupsServer]:
    reason = why_cups_cannot_run()
    if reason:
        pytest.skip(f"no real CUPS here: {reason}")
    with running_cups() as server:
        yield server


@pytest.fixture
def cups(_cups_session: CupsServer) -> CupsServer:
    """A real cupsd (started once per session) with a cups-pdf queue, enabled and empty."""
    _cups_session.reset_queue()
    return _cups_session
