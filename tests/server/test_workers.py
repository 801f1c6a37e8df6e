"""Several workers on PostgreSQL, as deployed: ``kiosk-server --db postgresql://… --workers 2
--seed-demo`` in its own process group on a free loopback port.

It serves the demo kiosk API, the staff page and waiting-room display streams at once; a
station's call reaches every display stream whichever worker holds it (LISTEN/NOTIFY); and when
one worker is killed with ``kill -9`` in the middle of a burst of check-ins, uvicorn starts a new
one, the other keeps serving, and every acknowledged check-in exists exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from benchmarks.reliability.server import (
    SERVER,
    ServerProcess,
    add_kiosks,
    add_patients,
    server_environment,
)
from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server.db import Connection, connect, insert_appointment, system_clock, write_transaction
from kiosk.server.seed import DEMO_STATION_PASSWORD, DEMO_TOKEN
from tests.helpers.postgres import TempCluster, database_name

WORKERS = 2
QUEUE = "q-dep-a"
STATION = "dep-a"
MOST_STREAMS = 16  # opened one by one until both workers hold some
PUSH_WITHIN_S = 5.0
CLIENTS = 6  # check-in threads, each a kiosk of its own (the identify limit is per kiosk)
PATIENTS_PER_CLIENT = 2
APPOINTMENTS_PER_PATIENT = 8
KILL_AFTER = 15  # acknowledged check-ins before the kill -9
GIVE_UP_S = 60.0
TIMEOUT_S = 10


@dataclass
class Database:
    cluster: TempCluster
    url: str

    def connect(self) -> Connection:
        return connect(self.url)


@pytest.fixture
def database(postgres_cluster: TempCluster) -> Iterator[Database]:
    url = postgres_cluster.create_database()
    yield Database(postgres_cluster, url)
    postgres_cluster.drop_database(database_name(url))


@pytest.fixture
def server(database: Database, tmp_path: Path) -> Iterator[ServerProcess]:
    """Two workers over an empty database the server seeds; the group is killed afterwards."""
    with ServerProcess(
        database.url, tmp_path / "server.log", workers=WORKERS, seed_demo=True
    ) as running:
        try:
            yield running
        finally:
            running.kill()


def _workers(server: ServerProcess) -> set[int]:
    """The uvicorn parent's worker processes (its children but multiprocessing's resource
    tracker)."""
    children = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    workers = set()
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if b"spawn_main" in command:
            workers.add(int(pid))
    return workers


def _connections_served(pid: int, port: int) -> int:
    """How many open client connections to ``port`` process ``pid`` holds (Linux ``/proc``)."""
    sockets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if link.startswith("socket:["):
            sockets.add(link.removeprefix("socket:[").removesuffix("]"))
    served = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        established = fields[3] == "01"
        served += local_port == port and established and fields[9] in sockets
    return served


def _listening_workers(database: Database) -> int:
    """Server connections LISTENing for queue events: one per worker holding a stream."""
    conn = connect(database.cluster.url("postgres"))
    try:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND query LIKE 'LISTEN %'",
            (database_name(database.url),),
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


class Display(threading.Thread):
    """A waiting-room display: one event stream of an area, each board kept with the moment
    it arrived, until the server ends the stream."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.boards: list[tuple[float, dict[str, Any]]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with requests.get(self.url, stream=True, timeout=TIMEOUT_S + 20) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith(b"data:"):
                        self.boards.append((time.monotonic(), json.loads(line[5:])))
        except requests.RequestException:
            pass  # the server ended the stream
        except BaseException as exc:  # reported by the test
            self.error = exc

    def called_at(self, number: str) -> float | None:
        """When a board first showed ``number`` being called."""
        for at, board in list(self.boards):
            if number in {entry["number"] for entry in board["now_calling"]}:
                return at
        return None


def _until(condition: Any, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within_s:.0f} s: {what}")
        time.sleep(0.05)


def _appointments(
    conn: Connection, patients: list[str], per_patient: int, *, department: str | None = None
) -> dict[str, list[str]]:
    """Booked appointments 20 minutes from now (open for check-in), spread over departments."""
    if department is None:
        doctors = [
            str(row[0])
            for row in conn.execute(
                "SELECT min(id) FROM doctors GROUP BY department_id ORDER BY min(id)"
            )
        ]
    else:
        doctors = [
            str(conn.execute(
                "SELECT min(id) FROM doctors WHERE department_id = ?", (department,)
            ).fetchone()[0])
        ]  # fmt: skip
    starts = system_clock() + dt.timedelta(minutes=20)
    booked: dict[str, list[str]] = {}
    with write_transaction(conn):
        for patient_id in patients:
            booked[patient_id] = []
            for index in range(per_patient):
                appointment_id = f"{patient_id}-a{index:02d}"
                insert_appointment(
                    conn,
                    appointment_id=appointment_id,
                    patient_id=patient_id,
                    doctor_id=doctors[index % len(doctors)],
                    starts_at=starts,
                )
                booked[patient_id].append(appointment_id)
    return booked


def test_kiosks_a_staff_page_and_displays_at_once_and_a_call_reaches_every_worker(
    server: ServerProcess, database: Database
) -> None:
    api = f"{server.url}{API_PREFIX}"
    conn = database.connect()
    try:
        area, department = conn.execute(
            "SELECT area_id, department_id FROM queues WHERE id = ?", (QUEUE,)
        ).fetchone()
        [(walk_in, card)] = add_patients(conn, "walk", 1)
        [appointment] = _appointments(conn, [walk_in], 1, department=department)[walk_in]
    finally:
        conn.close()

    displays: list[Display] = []
    try:
        # Displays, opened until both workers hold some.
        while len(displays) < MOST_STREAMS and (
            len(displays) < 4 or _listening_workers(database) < WORKERS
        ):
            display = Display(f"{api}/areas/{area}/events")
            display.start()
            displays.append(display)
            _until(lambda d=display: d.boards or d.error, 30, "the display's first board")
            assert display.error is None, display.error
        assert _listening_workers(database) == WORKERS, f"{len(displays)} streams on one worker"

        # The demo kiosk checks a patient in.
        kiosk = requests.Session()
        kiosk.headers["Authorization"] = f"Bearer {DEMO_TOKEN}"
        identified = kiosk.post(
            f"{api}/patients/identify",
            json={"kind": "patient_card", "value": card},
            timeout=TIMEOUT_S,
        )
        assert identified.status_code == 200, identified.text
        checked_in = kiosk.post(
            f"{api}/appointments/{appointment}/check-in",
            headers={
                IDEMPOTENCY_HEADER: uuid.uuid4().hex,
                VISIT_TOKEN_HEADER: identified.json()["visit_token"],
            },
            timeout=TIMEOUT_S,
        )
        assert checked_in.status_code == 200, checked_in.text
        kiosk.close()

        # A nurse signs in on the staff page and calls the next patient from it.
        with requests.Session() as browser:
            signed_in = browser.post(
                f"{server.url}/staff/login",
                data={"station": STATION, "password": DEMO_STATION_PASSWORD},
                headers={"Origin": server.url},
                allow_redirects=False,
                timeout=TIMEOUT_S,
            )
            assert signed_in.status_code == 303, signed_in.text
            page = browser.get(f"{server.url}/staff", timeout=TIMEOUT_S)
            assert 'id="staff"' in page.text  # signed in, whichever worker answers
            calling = time.monotonic()
            called = browser.post(
                f"{api}/queues/{QUEUE}/call-next",
                headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex, "Origin": server.url},
                timeout=TIMEOUT_S,
            )
        assert called.status_code == 200, called.text
        number = called.json()["number"]
        _until(
            lambda: all(display.called_at(number) for display in displays),
            PUSH_WITHIN_S + 5,
            f"every display shows {number} called",
        )
        delays = [(display.called_at(number) or math.inf) - calling for display in displays]
        assert min(delays) > 0, delays  # no board showed it before the call
        assert max(delays) < PUSH_WITHIN_S, delays
        print(
            f"{len(displays)} display streams on {WORKERS} workers saw {number} called within "
            f"{min(delays):.2f}–{max(delays):.2f} s"
        )
        assert not [display.error for display in displays if display.error]
    finally:
        server.kill()  # ends the streams at once
        for display in displays:
            display.join(5)


@dataclass
class CheckIn:
    appointment_id: str
    key: str
    visit: str
    status: int = 0
    answer: Any = None


@dataclass
class Client:
    kiosk_id: str
    token: str
    patients: list[tuple[str, str]]
    appointments: dict[str, list[str]]
    done: list[CheckIn] = field(default_factory=list)
    unanswered: int = 0  # attempts that got no answer and were sent again with the same key

    def run(self, api: str, acknowledged: list[CheckIn], lock: threading.Lock) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {self.token}"

            def until_answered(path: str, body: Any, headers: dict[str, str]) -> Any:
                deadline = time.monotonic() + GIVE_UP_S
                while time.monotonic() < deadline:
                    try:
                        return session.post(
                            f"{api}{path}", json=body, headers=headers, timeout=TIMEOUT_S
                        )
                    except requests.RequestException:
                        with lock:
                            self.unanswered += 1
                        time.sleep(0.05)
                raise AssertionError(f"no answer to {path} within {GIVE_UP_S:.0f} s")

            for patient_id, card in self.patients:
                identified = until_answered(
                    "/patients/identify", {"kind": "patient_card", "value": card}, {}
                )
                assert identified.status_code == 200, identified.text
                visit = identified.json()["visit_token"]
                for appointment_id in self.appointments[patient_id]:
                    check_in = CheckIn(appointment_id, uuid.uuid4().hex, visit)
                    answer = until_answered(
                        f"/appointments/{appointment_id}/check-in",
                        {},
                        {IDEMPOTENCY_HEADER: check_in.key, VISIT_TOKEN_HEADER: visit},
                    )
                    check_in.status, check_in.answer = answer.status_code, answer.json()
                    self.done.append(check_in)
                    if answer.ok:
                        with lock:
                            acknowledged.append(check_in)


def test_kill_9_of_one_worker_mid_burst_loses_and_doubles_no_check_in(
    server: ServerProcess, database: Database
) -> None:
    began = time.monotonic()
    api = f"{server.url}{API_PREFIX}"
    _until(lambda: len(_workers(server)) == WORKERS, 30, "both workers started")
    conn = database.connect()
    try:
        kiosks = add_kiosks(conn, "burst", CLIENTS)
        clients = []
        for number, (kiosk_id, token) in enumerate(kiosks):
            patients = add_patients(conn, f"burst{number}", PATIENTS_PER_CLIENT)
            booked = _appointments(conn, [p for p, _ in patients], APPOINTMENTS_PER_PATIENT)
            clients.append(Client(kiosk_id, token, patients, booked))
    finally:
        conn.close()
    total = CLIENTS * PATIENTS_PER_CLIENT * APPOINTMENTS_PER_PATIENT

    acknowledged: list[CheckIn] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def drive(client: Client) -> None:
        try:
            client.run(api, acknowledged, lock)
        except BaseException as exc:
            errors.append(exc)

    workers = _workers(server)
    threads = [threading.Thread(target=drive, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    try:
        _until(lambda: len(acknowledged) >= KILL_AFTER or errors, 60, "the burst under way")
        held = {pid: _connections_served(pid, server.port) for pid in workers}
        victim = max(held, key=lambda pid: held[pid])
        os.kill(victim, signal.SIGKILL)
        killed_after = len(acknowledged)
    finally:
        for thread in threads:
            thread.join(GIVE_UP_S + 30)
    assert not errors, errors
    assert held[victim] >= 1, held  # the killed worker was serving some of the kiosks
    assert killed_after < total, "the kill came after the burst"
    _until(
        lambda: len(_workers(server)) == WORKERS and victim not in _workers(server),
        30,
        "uvicorn replaced the killed worker",
    )

    refused = [c for client in clients for c in client.done if c.status != 200]
    assert not refused, [(c.appointment_id, c.status, c.answer) for c in refused]
    assert len(acknowledged) == total
    unanswered = sum(client.unanswered for client in clients)
    assert unanswered >= 1, "no request was cut off by the kill"

    conn = database.connect()
    try:
        for check_in in acknowledged:
            tickets = conn.execute(
                "SELECT t.number, a.ticket_id = t.id FROM tickets t JOIN appointments a "
                "ON a.id = t.appointment_id WHERE t.appointment_id = ?",
                (check_in.appointment_id,),
            ).fetchall()
            assert [tuple(row) for row in tickets] == [(check_in.answer["ticket"]["number"], 1)]
        burst_tickets = conn.execute(
            "SELECT count(*), count(DISTINCT department_id || ' ' || number) FROM tickets "
            "WHERE patient_id LIKE 'burst%'"
        ).fetchone()
    finally:
        conn.close()
    assert tuple(burst_tickets) == (total, total)  # nothing doubled, every number its own

    # Every acknowledged check-in sent again with its key: the same ticket.
    by_kiosk = {client.kiosk_id: client for client in clients}
    for client in by_kiosk.values():
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {client.token}"
            for check_in in client.done:
                replay = session.post(
                    f"{api}/appointments/{check_in.appointment_id}/check-in",
                    headers={IDEMPOTENCY_HEADER: check_in.key, VISIT_TOKEN_HEADER: check_in.visit},
                    json={},
                    timeout=TIMEOUT_S,
                )
                assert (replay.status_code, replay.json()) == (200, check_in.answer)
    seconds = time.monotonic() - began
    print(
        f"{total} check-ins by {CLIENTS} kiosks, kill -9 of worker {victim} (serving "
        f"{held[victim]} of {sum(held.values())} connections) after {killed_after}; "
        f"{unanswered} attempts unanswered and retried; 0 lost, 0 doubled; {seconds:.1f} s"
    )
    assert seconds < 60


def test_several_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    database = tmp_path / "api.sqlite3"
    refused = subprocess.run(
        [*SERVER, "--db", str(database), "--workers", "2"],
        capture_output=True,
        text=True,
        env=server_environment(),
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "--workers needs PostgreSQL" in refused.stderr
    assert "one writer at a time" in refused.stderr
    assert not database.exists()
