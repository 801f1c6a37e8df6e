"""The demo's simulated clinic on a real demo database: it calls in turn, never twice, follows
the calling rules, and stops cleanly; ``EmbeddedServer`` runs it only when asked."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Set
from pathlib import Path

import pytest
import requests

from kiosk.api.models import QueueEventKind
from kiosk.server import queue
from kiosk.server.clock import ManualClock
from kiosk.server.db import Connection, Row, Target, connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed_data import FIXED_PATIENTS
from kiosk.server.simulation import SIMULATION_STATION, ClinicPace, SimulatedClinic
from tests.helpers.server import DEMO_NOW

# Visits of a few tenths of a second: a test sees dozens of them.
FAST = ClinicPace(speedup=600.0, recall_chance=0.0, miss_chance=0.0)
DEADLINE_S = 60.0


@pytest.fixture
def conn(demo_db: Path) -> Iterator[Connection]:
    connection = connect(demo_db)
    yield connection
    connection.close()


class Clinics:
    """Simulated clinics on the test's demo database at ``DEMO_NOW``, stopped at the end;
    ``published`` collects what they told the queue bus."""

    def __init__(self, db_path: Target) -> None:
        self._db_path = db_path
        self.made: list[SimulatedClinic] = []
        self.published: list[Set[str]] = []

    def __call__(self, pace: ClinicPace) -> SimulatedClinic:
        clinic = SimulatedClinic(
            self._db_path,
            ManualClock(DEMO_NOW),
            self.published.append,
            pace=pace,
            rng=random.Random(15),
        )
        self.made.append(clinic)
        return clinic


@pytest.fixture
def clinics(demo_db: Path) -> Iterator[Clinics]:
    made = Clinics(demo_db)
    yield made
    for clinic in made.made:
        clinic.stop()


def events_of(conn: Connection, queue_id: str) -> list[Row]:
    return conn.execute(
        "SELECT * FROM queue_events WHERE queue_id = ? ORDER BY id", (queue_id,)
    ).fetchall()


def wait_until(condition: Callable[[], bool], timeout_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the simulated clinic did not get there in time"
        time.sleep(0.05)


def room_queues(conn: Connection) -> list[str]:
    return [
        summary.id
        for summary in queue.list_queues(conn, DEMO_NOW.date()).queues
        if summary.department is not None
    ]


def test_it_admits_patients_once_so_no_room_starts_empty(
    conn: Connection, clinics: Clinics
) -> None:
    wanted = FAST.patients_per_queue
    fixed = {patient.patient_id for patient in FIXED_PATIENTS}
    before = {s.id: s for s in queue.list_queues(conn, DEMO_NOW.date()).queues}
    bookable = {
        queue_id: sum(
            row["patient_id"] not in fixed
            for row in conn.execute(
                "SELECT patient_id FROM appointments WHERE department_id = ? "
                "AND service_date = ? AND status = 'booked'",
                (summary.department.id, DEMO_NOW.date().isoformat()),
            )
        )
        for queue_id, summary in before.items()
        if summary.department is not None
    }
    fixed_appointments = conn.execute(
        "SELECT id, status FROM appointments WHERE patient_id IN "
        f"({', '.join('?' * len(fixed))}) ORDER BY id",
        sorted(fixed),
    ).fetchall()
    clinic = clinics(FAST)
    filled = clinic.admit_patients(conn, DEMO_NOW)
    after = {s.id: s for s in queue.list_queues(conn, DEMO_NOW.date()).queues}
    for queue_id, booked in bookable.items():
        expected = max(before[queue_id].waiting, min(wanted, before[queue_id].waiting + booked))
        assert after[queue_id].waiting == expected, queue_id
    assert filled == {q for q in bookable if after[q].waiting > before[q].waiting}
    assert {s.id for s in after.values() if s.department is None}.isdisjoint(filled)
    assert (
        conn.execute(  # the demo cards' patients keep their scenarios
            "SELECT id, status FROM appointments WHERE patient_id IN "
            f"({', '.join('?' * len(fixed))}) ORDER BY id",
            sorted(fixed),
        ).fetchall()
        == fixed_appointments
    )
    issued = conn.execute(
        "SELECT count(*) FROM queue_events WHERE kind = 'issued' AND actor = ?",
        (SIMULATION_STATION,),
    ).fetchone()[0]
    assert issued == sum(after[q].waiting - before[q].waiting for q in filled)
    assert clinic.admit_patients(conn, DEMO_NOW) == set()  # enough already: nobody more
    assert [s.waiting for s in queue.list_queues(conn, DEMO_NOW.date()).queues] == [
        s.waiting for s in after.values()
    ]


def test_a_fast_clinic_calls_in_turn_never_twice_and_finishes(
    conn: Connection, clinics: Clinics
) -> None:
    clinic = clinics(FAST)
    clinic.admit_patients(conn, DEMO_NOW)
    turn = {
        queue_id: [entry.id for entry in view.waiting]
        for queue_id in room_queues(conn)
        if (view := queue.queue_view(queue.snapshot(conn, queue_id, DEMO_NOW.date()), DEMO_NOW))
    }
    busiest = max(turn, key=lambda queue_id: len(turn[queue_id]))
    assert len(turn[busiest]) >= 3
    clinic.start()
    assert clinic.running

    def finished(queue_id: str) -> set[int]:
        return {
            row["entry_id"]
            for row in events_of(conn, queue_id)
            if row["kind"] == QueueEventKind.done and row["actor"] == SIMULATION_STATION
        }

    wait_until(lambda: set(turn[busiest]) <= finished(busiest))
    clinic.stop()
    assert not clinic.running
    stopped_at = conn.execute("SELECT max(id) FROM queue_events").fetchone()[0]

    for queue_id, waiting in turn.items():
        events = [row for row in events_of(conn, queue_id) if row["actor"] == SIMULATION_STATION]
        calls = [row["entry_id"] for row in events if row["kind"] == QueueEventKind.called]
        assert len(calls) == len(set(calls)), f"{queue_id}: someone was called twice"
        called_from_turn = [entry for entry in calls if entry in waiting]
        assert called_from_turn == waiting[: len(called_from_turn)], f"{queue_id}: out of turn"
        for entry in set(calls):
            steps = [
                row["kind"]
                for row in events
                if row["entry_id"] == entry and row["kind"] != "issued"
            ]
            assert steps == ["called", "serving", "done"][: len(steps)]
    assert any(busiest in changed for changed in clinics.published)
    time.sleep(3 * FAST.tick_s)
    assert conn.execute("SELECT max(id) FROM queue_events").fetchone()[0] == stopped_at


@pytest.mark.parametrize(
    ("pace", "expected"),
    [
        # Nobody comes at first: called again up to the rule's limit, then seen.
        (
            ClinicPace(speedup=600.0, recall_chance=1.0, miss_chance=0.0),
            ["called", "recalled", "recalled", "serving", "done"],
        ),
        # Nobody ever comes: put back a few places, then a no-show (过号).
        (
            ClinicPace(speedup=600.0, recall_chance=0.0, miss_chance=1.0),
            ["called", "requeued", "called", "no_show"],
        ),
    ],
)
def test_recalls_and_misses_follow_the_hospital_rules(
    conn: Connection,
    clinics: Clinics,
    pace: ClinicPace,
    expected: list[str],
) -> None:
    rules = queue.load_rules(conn)
    assert rules.max_recalls == 2
    assert rules.max_misses == 1
    clinic = clinics(pace)
    clinic.admit_patients(conn, DEMO_NOW)
    queue_id = room_queues(conn)[0]
    first = queue.queue_view(queue.snapshot(conn, queue_id, DEMO_NOW.date()), DEMO_NOW).waiting[0]
    clinic.start()

    def steps() -> list[str]:
        return [
            row["kind"]
            for row in events_of(conn, queue_id)
            if row["entry_id"] == first.id and row["actor"] == SIMULATION_STATION
        ]

    wait_until(lambda: len(steps()) >= len(expected))
    clinic.stop()
    assert steps() == expected


def test_the_embedded_server_runs_the_clinic_only_when_asked(demo_db: Path) -> None:
    with EmbeddedServer.start(demo_db, seed_demo=True, clock=ManualClock(DEMO_NOW)) as quiet:
        assert quiet.clinic is None
    conn = connect(demo_db)
    try:
        before = conn.execute("SELECT max(id) FROM queue_events").fetchone()[0]
        area = queue.areas(conn)[0].id
    finally:
        conn.close()
    with EmbeddedServer.start(
        demo_db, seed_demo=True, clock=ManualClock(DEMO_NOW), simulated_clinic=FAST
    ) as server:
        assert server.clinic is not None
        assert server.clinic.running
        board_url = f"{server.url}/api/v1/areas/{area}/board"
        first = requests.get(board_url, timeout=10).json()["version"]
        wait_until(lambda: requests.get(board_url, timeout=10).json()["version"] > first)
        clinic = server.clinic
    assert not clinic.running
    conn = connect(demo_db)
    try:
        after = conn.execute("SELECT max(id) FROM queue_events").fetchone()[0]
        assert after > before
        time.sleep(3 * FAST.tick_s)
        assert conn.execute("SELECT max(id) FROM queue_events").fetchone()[0] == after
    finally:
        conn.close()
