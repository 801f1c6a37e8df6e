"""The README's reliability figures come from ``benchmarks/reliability``; this runs a small
version of each of its parts (against ``kiosk-server`` in its own process, on loopback) so the
harness cannot rot, and checks that its verifier does see a lost or a doubled write.

Every part runs on SQLite; the writes across ``kill -9``, the 30-way races and the verifier run
on PostgreSQL too (the session's cluster, a database per part). Fuzzing and the identify guesses
stay on SQLite here: they test the API, not the storage, and ``python -m benchmarks.reliability
--engine postgresql`` runs them on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.reliability import ENGINES, SMALL, Report, crash, races, run
from benchmarks.reliability.server import ServerProcess, seeded_database
from kiosk.server import db
from kiosk.server.db import Target
from tests.helpers.postgres import TempCluster, database_name


@dataclass(frozen=True)
class Writes:
    """What the storage must hold: the writes across kill -9 and the 30-way races."""

    crashed: crash.CrashResult
    raced: list[races.Race]


@pytest.fixture(scope="module")
def report() -> Report:
    return run(SMALL)


@pytest.fixture(scope="module")
def postgres_writes(
    postgres_cluster: TempCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writes]:
    scratch = tmp_path_factory.mktemp("reliability-postgresql")
    crash_db, races_db = postgres_cluster.create_database(), postgres_cluster.create_database()
    yield Writes(
        crash.run(SMALL.writes, crash_db, scratch, SMALL.kill_after_s),
        races.run(SMALL.race_rounds, races_db, scratch),
    )
    for url in (crash_db, races_db):
        postgres_cluster.drop_database(database_name(url))


@pytest.fixture(params=list(ENGINES))
def writes(request: pytest.FixtureRequest) -> Writes:
    if request.param == "postgresql":
        postgres: Writes = request.getfixturevalue("postgres_writes")
        return postgres
    report: Report = request.getfixturevalue("report")
    return Writes(report.crashed, report.raced)


@pytest.mark.slow
def test_fuzzing_reaches_the_live_server_without_server_errors(report: Report) -> None:
    fuzzed = report.fuzzed
    assert fuzzed.requests >= 30, fuzzed  # every operation at least once
    assert fuzzed.server_errors == 0, fuzzed.statuses
    assert fuzzed.conformance_failures == 0, fuzzed.failure_report
    assert {200, 404} <= set(fuzzed.statuses), fuzzed.statuses


@pytest.mark.slow
def test_identity_guesses_meet_the_rate_limit(report: Report) -> None:
    for attack in report.guessed:
        assert attack.attempts == SMALL.guesses
        assert attack.statuses[429] > 0, attack
        assert set(attack.statuses) <= {404, 429, 200}, attack
        assert 0 < attack.most_answered_per_window <= 10, attack
        assert attack.missing_retry_after == 0
    alone, spread = report.guessed
    assert alone.attempts - alone.statuses[429] <= 10
    assert spread.attempts - spread.statuses[429] <= 10 * spread.kiosks


@pytest.mark.slow
def test_writes_across_kill_9_are_neither_lost_nor_doubled(writes: Writes) -> None:
    crashed = writes.crashed
    assert crashed.writes >= SMALL.writes
    assert crashed.kills >= 2, crashed  # at least one while writing, and the last one
    assert set(crashed.by_kind) == {"check_in", "feedback", "registration", "payment", "cancel"}
    assert (crashed.lost, crashed.duplicated, crashed.mismatched) == (0, 0, 0), crashed.problems
    assert not crashed.refused, crashed.problems


@pytest.mark.slow
def test_every_write_holds_a_30_way_race(writes: Writes) -> None:
    assert len(writes.raced) == 11
    for race in writes.raced:
        assert race.requests == 30, race
        assert race.held, race


@pytest.mark.slow
def test_every_part_held(report: Report) -> None:
    assert report.held, report.table()


def test_the_verifier_sees_a_lost_and_a_doubled_write(empty_db: Target) -> None:
    conn = db.open_database(empty_db)
    try:
        with db.write_transaction(conn):
            conn.execute(
                "INSERT INTO feedback (kiosk_id, rating, received_at) VALUES ('k', 3, '2025')"
            )
            conn.execute(
                "INSERT INTO feedback (kiosk_id, rating, received_at) VALUES ('k', 3, '2025')"
            )
            conn.execute(
                "INSERT INTO idempotency_keys (kiosk_id, key, fingerprint, status_code, body, "
                "created_at) VALUES ('k', 'kept', '', 201, '{\"id\":\"fb-1\"}', '2025')"
            )
        acknowledged = [
            crash.Write("feedback", "kept", "/feedback", {}, answer={"id": "fb-1"}),
            crash.Write("feedback", "gone", "/feedback", {}, answer={"id": "fb-9"}),
        ]
        client = crash.Client("k", "", [("p", "c")], {}, {}, writes=acknowledged)
        result = crash.CrashResult()
        crash._verify(conn, [client], result)
    finally:
        conn.close()
    assert result.lost == 1  # the key "gone" and its feedback are missing
    assert result.duplicated == 0  # two rows for two acknowledged writes
    client.writes = acknowledged[:1]
    result = crash.CrashResult()
    conn = db.connect(empty_db)
    try:
        crash._verify(conn, [client], result)
    finally:
        conn.close()
    assert result.duplicated == 1  # two rows for one acknowledged write


def test_a_failing_harness_leaves_no_server_behind(tmp_path: Path) -> None:
    seeded_database(tmp_path / "api.sqlite3").close()
    server = ServerProcess(tmp_path / "api.sqlite3", tmp_path / "server.log")

    def failing_harness() -> None:
        with server:
            raise RuntimeError(f"harness failed while serving from {server.pid}")

    with pytest.raises(RuntimeError, match="harness failed") as failed:
        failing_harness()
    pid = int(str(failed.value).rsplit(" ", 1)[1])
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process of its group is left
