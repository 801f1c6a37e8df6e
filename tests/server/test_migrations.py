"""Schema versions, ``kiosk-server migrate``, ``backup`` and ``restore``, on both engines.

``data/release-474bc09.sql.gz`` is a database made by the last release before migrations were
recorded (commit 474bc09): its demo hospital seeded at ``DEMO_NOW`` and one check-in, dumped
with ``sqlite3``'s ``iterdump``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import sqlite3
from pathlib import Path

import pytest

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server import backup as backups
from kiosk.server import cli, diagnostics, schema
from kiosk.server.db import Target, add_kiosk, connect, open_database, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.insight import figures as fig
from kiosk.server.seed import seed_demo
from tests.helpers.enrolment import new_resident_id, sent_code
from tests.helpers.postgres import TempCluster, database_name
from tests.helpers.server import DEMO_NOW, ApiClient, visit_token

PREVIOUS_RELEASE = Path(__file__).parent / "data" / "release-474bc09.sql.gz"
COUNTED = ("patients", "appointments", "tickets", "queue_entries", "queue_events", "bills")


def _counts(target: Target) -> dict[str, int]:
    conn = connect(target)
    try:
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in COUNTED}
    finally:
        conn.close()


@pytest.fixture
def previous_release_db(tmp_path: Path) -> Path:
    path = tmp_path / "api.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(gzip.decompress(PREVIOUS_RELEASE.read_bytes()).decode("utf-8"))
    conn.close()
    return path


def test_the_previous_release_s_database_is_refused_until_migrated_then_serves(
    previous_release_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _counts(previous_release_db)
    assert before["tickets"] == 8
    assert before["patients"] == 200
    with pytest.raises(schema.SchemaTooOldError, match="kiosk-server migrate"):
        open_database(previous_release_db)
    assert cli.main(["--db", str(previous_release_db)]) == 2
    assert "kiosk-server migrate" in capsys.readouterr().err

    assert cli.main(["migrate", "--db", str(previous_release_db)]) == 0
    out = capsys.readouterr().out
    assert f"schema version 0 → {schema.LATEST_VERSION}" in out
    assert _counts(previous_release_db) == before
    assert cli.main(["migrate", "--db", str(previous_release_db)]) == 0
    assert "none needed" in capsys.readouterr().out

    # It serves as before: a check-in on the migrated data gets the department's next number.
    conn = connect(previous_release_db)
    try:
        booked = conn.execute(
            "SELECT a.id, (SELECT max(seq) FROM tickets t WHERE t.department_id = a.department_id"
            " AND t.service_date = a.service_date) FROM appointments a WHERE a.status = 'booked'"
            " AND a.starts_at > ? ORDER BY a.starts_at LIMIT 1",
            (DEMO_NOW.isoformat(),),
        ).fetchone()
    finally:
        conn.close()
    with EmbeddedServer.start(previous_release_db, seed_demo=False, clock=lambda: DEMO_NOW) as s:
        api = ApiClient(s.url)
        api.session.headers[VISIT_TOKEN_HEADER] = visit_token(
            previous_release_db, appointment_id=booked[0]
        )
        try:
            answer = api.check_in(booked[0])
        finally:
            api.close()
    assert answer.status_code == 200, answer.text
    assert answer.json()["ticket"]["number"].endswith(f"{(booked[1] or 0) + 1:03d}")
    assert _counts(previous_release_db)["tickets"] == before["tickets"] + 1


def test_postgresql_upgrades_from_the_first_recorded_version(
    postgres_cluster: TempCluster,
) -> None:
    url = postgres_cluster.create_database()
    conn = connect(url)
    try:
        assert schema.migrate(conn, now=DEMO_NOW, target=1) == [1]
        seed_demo(conn, DEMO_NOW)
        before = _counts(url)
        with pytest.raises(schema.SchemaTooOldError):
            schema.check(conn)
        assert schema.migrate(conn, now=DEMO_NOW) == [m.version for m in schema.MIGRATIONS[1:]]
        assert schema.check(conn) == schema.LATEST_VERSION
        assert conn.execute("SELECT count(*) FROM kiosk_usage_events").fetchone()[0] == 0
        triggers = {
            row[0]
            for row in conn.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'queue_events'::regclass"
            )
        }
        assert {"queue_events_notify", "queue_events_no_update"} <= triggers
    finally:
        conn.close()
    assert _counts(url) == before
    postgres_cluster.drop_database(database_name(url))


def test_a_version_3_database_with_history_gains_the_insight_tables(
    empty_db: Target,
) -> None:
    conn = connect(empty_db)
    try:
        assert schema.migrate(conn, now=DEMO_NOW, target=3) == [1, 2, 3]
        seed_demo(conn, DEMO_NOW, history_days=3)
        day = DEMO_NOW.date() - dt.timedelta(days=2)
        count = "SELECT count(*) FROM queue_entries WHERE service_date = ?"
        entries = conn.execute(count, (day.isoformat(),)).fetchone()[0]
        assert entries > 0
        assert schema.migrate(conn, now=DEMO_NOW, target=6) == [4, 5, 6]
        figures = fig.wait_figures(fig.queue_days(conn, fig.Filters(day, day)), {})
        assert figures.arrivals == entries
        # Migration 6 on a version 5 database whose visits were folded: its days are filled.
        with write_transaction(conn):
            conn.execute("DROP TABLE insight_queue_days")
            conn.execute("DROP TABLE insight_usage_days")
            conn.execute("DROP TABLE insight_rating_days")
            conn.execute("DELETE FROM schema_version WHERE version = 6")
        assert schema.migrate(conn, now=DEMO_NOW, target=6) == [6]
        assert fig.wait_figures(fig.queue_days(conn, fig.Filters(day, day)), {}) == figures
        use = fig.kiosk_use(fig.usage_events(conn, fig.Filters(day, day)))
        started = conn.execute(
            "SELECT count(*) FROM kiosk_usage_events WHERE kind = 'visit_started' "
            "AND service_date = ?",
            (day.isoformat(),),
        ).fetchone()[0]
        assert use.visits == started
        later = [m.version for m in schema.MIGRATIONS if m.version > 6]
        assert schema.migrate(conn, now=DEMO_NOW) == later
        with write_transaction(conn):
            fig.set_wait_target(conn, "dep-a", 15)
        assert fig.wait_targets(conn) == {"dep-a": 15}
    finally:
        conn.close()


def test_a_version_7_database_gains_the_diagnostics_bundles(empty_db: Target) -> None:
    """Migration 8 on a database in use: its kiosks can be asked for bundles at once."""
    conn = connect(empty_db)
    try:
        assert schema.migrate(conn, now=DEMO_NOW, target=7) == [1, 2, 3, 4, 5, 6, 7]
        add_kiosk(conn, "lobby-east-1", "a-token", now=DEMO_NOW)
        later = [m.version for m in schema.MIGRATIONS if m.version > 7]
        assert schema.migrate(conn, now=DEMO_NOW) == later
        assert schema.check(conn) == schema.LATEST_VERSION
        asked = diagnostics.request_bundle(conn, "lobby-east-1", DEMO_NOW, "test")
        assert asked is not None
        content = b"PK\x05\x06" + bytes(18)  # an empty zip
        received = diagnostics.receive_bundle(
            conn, "lobby-east-1", asked.request_id, content, DEMO_NOW
        )
        assert received is not None
        assert diagnostics.newest_bundle(conn, "lobby-east-1") == (received[0], content)
    finally:
        conn.close()


def test_a_version_7_database_gains_the_first_visit_tables_and_makes_records(
    empty_db: Target,
) -> None:
    conn = connect(empty_db)
    try:
        assert schema.migrate(conn, now=DEMO_NOW, target=7)[-1] == 7
        seed_demo(conn, DEMO_NOW)
        patients = conn.execute("SELECT count(*) FROM patients").fetchone()[0]
        later = [m.version for m in schema.MIGRATIONS if m.version > 7]
        assert schema.migrate(conn, now=DEMO_NOW) == later
        assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == patients
        row = conn.execute(
            "SELECT address, created_at FROM patients WHERE id = 'pat-0001'"
        ).fetchone()
        assert (row["address"], row["created_at"]) == ("", None)
        assert conn.execute("SELECT count(*) FROM phone_codes").fetchone()[0] == 0
    finally:
        conn.close()
    # The migrated database makes a first visit's record.
    with EmbeddedServer.start(empty_db, seed_demo=False, clock=lambda: DEMO_NOW) as server:
        api = ApiClient(server.url)
        try:
            assert api.post("/enrolment/phone-codes", json={"phone": "13900001111"}).ok
            made = api.post(
                "/patients",
                json={
                    "id_number": new_resident_id(),
                    "name": "张三",
                    "phone": "13900001111",
                    "phone_code": sent_code(empty_db, "13900001111"),
                },
                headers={IDEMPOTENCY_HEADER: "first"},
            )
        finally:
            api.close()
    assert made.status_code == 200, made.text


def test_a_version_11_database_gains_receipt_reprints(empty_db: Target) -> None:
    """Migration 12 on a database in use: its receipts can be reprinted."""
    conn = connect(empty_db)
    try:
        assert schema.migrate(conn, now=DEMO_NOW, target=11)[-1] == 11
        seed_demo(conn, DEMO_NOW)
        assert schema.migrate(conn, now=DEMO_NOW) == [12]
        assert conn.execute("SELECT count(*) FROM receipt_reprints").fetchone()[0] == 0
    finally:
        conn.close()
    with EmbeddedServer.start(empty_db, seed_demo=False, clock=lambda: DEMO_NOW) as server:
        api = ApiClient(server.url)
        try:
            patient = api.identify("unpaid_bills")["id"]
            bills = [b["id"] for b in api.get(f"/patients/{patient}/bills").json()["bills"]]
            created = api.post(
                "/payments",
                json={"patient_id": patient, "bill_ids": bills},
                headers={IDEMPOTENCY_HEADER: "pay"},
            ).json()
            api.post(
                f"/payments/{created['id']}/payment-code",
                json={"code": "134567890123456789"},
                headers={IDEMPOTENCY_HEADER: "code"},
            )
            (record,) = api.get(f"/patients/{patient}/receipts").json()["receipts"]
            number = record["receipt"]["receipt_number"]
            copy = api.post(f"/receipts/{number}/reprint", headers={IDEMPOTENCY_HEADER: "copy"})
        finally:
            api.close()
    assert copy.status_code == 200, copy.text
    assert copy.json()["reprint_number"] == 1


def test_a_newer_schema_is_refused_by_the_server_and_by_migrate(
    demo_db: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connect(demo_db)
    try:
        with write_transaction(conn):
            conn.execute(
                "INSERT INTO schema_version (version, summary, migrated_at) VALUES (?, ?, ?)",
                (schema.LATEST_VERSION + 1, "from a later release", DEMO_NOW.isoformat()),
            )
    finally:
        conn.close()
    with pytest.raises(schema.SchemaTooNewError, match="later release"):
        open_database(demo_db)
    assert cli.main(["--db", str(demo_db)]) == 2
    assert "newer than this server knows" in capsys.readouterr().err
    assert cli.main(["migrate", "--db", str(demo_db)]) == 2
    assert "newer than this server knows" in capsys.readouterr().err


def test_a_backup_taken_while_serving_restores_into_an_empty_database(
    live_server: EmbeddedServer,
    api: ApiClient,
    empty_db: Target,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    [appointment] = api.appointments_today("one_in_window")
    assert api.check_in(appointment["id"]).status_code == 200
    served = _counts(live_server.db_path)
    out = tmp_path / "backups" / "kiosk.backup"
    assert cli.main(["backup", str(out), "--db", str(live_server.db_path)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert cli.main(["backup", str(out), "--db", str(live_server.db_path)]) == 2
    assert "exists already" in capsys.readouterr().err

    assert cli.main(["restore", str(out), "--db", str(empty_db)]) == 0
    assert f"schema version {schema.LATEST_VERSION}" in capsys.readouterr().out
    assert _counts(empty_db) == served
    conn = open_database(empty_db)  # this release's schema: no migration needed
    conn.close()

    assert cli.main(["restore", str(out), "--db", str(empty_db)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_a_backup_of_the_other_engine_is_refused(
    empty_db: Target, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.backup"
    foreign.write_bytes(b"PGDMP" if not isinstance(empty_db, str) else b"SQLite format 3\x00")
    assert cli.main(["restore", str(foreign), "--db", str(empty_db)]) == 2
    assert "restore it into the engine it came from" in capsys.readouterr().err
    assert cli.main(["restore", str(tmp_path / "missing"), "--db", str(empty_db)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_database_password_is_never_an_argument(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://kiosk:secret@db.example/kiosk"
    assert cli.main(["--db", url]) == 2
    err = capsys.readouterr().err
    assert "~/.pgpass" in err
    assert "secret" not in err
    monkeypatch.setenv(cli.DB_ENV, url)
    parsed = cli.build_parser().parse_args([])
    assert parsed.db == url  # from the environment: allowed


def test_an_unreachable_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://kiosk@/kiosk?host={tmp_path}"  # a socket directory with no server
    for argv in (["--db", url], ["migrate", "--db", url], ["add-kiosk", "k-1", "--db", url]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("kiosk-server")
        assert "Is the server running" in err


def test_the_database_password_reaches_pg_dump_in_its_environment_not_its_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``ps`` would show of the real pg_dump, seen by a stand-in that records it."""
    seen = tmp_path / "seen"
    stand_in = tmp_path / "bin" / "pg_dump"
    stand_in.parent.mkdir()
    stand_in.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" "$PGPASSWORD" > {seen}\n'
        'for a in "$@"; do case "$a" in --file=*) printf PGDMP > "${a#--file=}";; esac; done\n'
    )
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stand_in.parent}:{os.environ['PATH']}")
    url = f"postgresql://kiosk:s3cret%2Fx@/kiosk?host={tmp_path}"
    backups.backup(url, tmp_path / "out.backup")
    arguments, password = seen.read_text().splitlines()
    assert "s3cret" not in arguments
    assert f"--dbname=postgresql://kiosk@/kiosk?host={tmp_path}" in arguments
    assert password == "s3cret/x"
