"""The README's reliability figures come from ``benchmarks/reliability``; this runs a small
version of each of its parts (against ``kiosk-server`` in its own process, on loopback) so the
harness cannot rot, and checks that its verifier does see a lost or a doubled write.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.reliability import SMALL, Report, crash, run
from benchmarks.reliability.server import ServerProcess, seeded_database
from kiosk.server import db


@pytest.fixture(scope="module")
def report() -> Report:
    return run(SMALL)


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
def test_writes_across_kill_9_are_neither_lost_nor_doubled(report: Report) -> None:
    crashed = report.crashed
    assert crashed.writes >= SMALL.writes
    assert crashed.kills >= 2, crashed  # at least one while writing, and the last one
    assert set(crashed.by_kind) == {"check_in", "feedback", "registration", "payment", "cancel"}
    assert (crashed.lost, crashed.duplicated, crashed.mismatched) == (0, 0, 0), crashed.problems
    assert not crashed.refused, crashed.problems


@pytest.mark.slow
def test_every_write_holds_a_30_way_race(report: Report) -> None:
    assert len(report.raced) == 11
    for race in report.raced:
        assert race.requests == 30, race
        assert race.held, race
    assert report.held, report.table()


def test_the_verifier_sees_a_lost_and_a_doubled_write(tmp_path: Path) -> None:
    conn = db.open_database(tmp_path / "api.sqlite3")
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
    conn = db.connect(tmp_path / "api.sqlite3")
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
