"""The server's tests run on both engines: every test that uses the demo database runs once on
SQLite and once on PostgreSQL (a cluster of the session's own, ``postgres_cluster``).

A test about SQLite alone says so with ``@sqlite_only``.
"""

from __future__ import annotations

import pytest

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=ENGINES)
def db_engine(request: pytest.FixtureRequest) -> str:
    engine: str = request.param
    return engine
