"""The Kiosk API under load, measured honestly: ``kiosk-server`` in its own process (as
deployed), the simulated kiosks in separate load-generator processes, every figure next to the
server's ``/health`` floor measured by the same generators at the same concurrency in the same
run.

One run per configuration (engine and number of kiosks) goes through five phases, each started
by every kiosk at once (a barrier across the generator processes), each kiosk a thread with its
own token and keep-alive ``requests.Session``:

1. ``health``: ``GET /api/v1/health`` (the framework floor);
2. ``identify``: each kiosk identifies its share of the patients by patient card;
3. ``check-in``: each of those patients' appointment is checked in with the visit token;
   afterwards every tenth is sent again with the same Idempotency-Key (not timed), which must
   answer the same ticket;
4. ``registration``: each patient registers for a free same-day session of the department;
   each session has ``SLOTS_SHORT`` places fewer than patients asking, so the last ones must be
   refused ``session_full`` and no session may give more places than it has;
5. ``queue call``: the departments' demo stations call the next patient (the tickets of the
   phases before), each kiosk thread calling as one department's station.

Throughput is requests over the phase's wall time (first request sent to last answer, across
processes: ``time.perf_counter`` is the system's monotonic clock); latencies are per request.
Nothing lost, nothing doubled: every acknowledged ticket number is distinct per department and
day, and matches a ticket in the database; every called queue entry is distinct.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import math
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier as ProcessBarrier
from pathlib import Path
from typing import Any

import requests

from benchmarks.reliability.server import ServerProcess, add_kiosks, add_patients, seeded_database
from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server import db
from kiosk.server.db import Target
from kiosk.server.seed import DEMO_STATION_PASSWORD, demo_station_id
from tests.helpers.postgres import TempCluster

KIOSK_COUNTS = (50, 200)
GENERATOR_PROCESSES = 2
DEPARTMENTS = 3
# Requests per phase, shared out over the kiosks: sized for a few seconds a phase.
HEALTH_REQUESTS = 2_000
PATIENTS = 800  # one identify, one check-in and one registration each
QUEUE_CALLS = 400
REPLAY_EVERY = 10
SLOTS_SHORT = 10  # places per session fewer than the patients asking for it
REQUEST_TIMEOUT_S = 60
PHASE_TIMEOUT_S = 300  # a phase takes well under a minute; longer is a stalled server
PHASES = ("health", "identify", "check-in", "registration", "queue call")

Figure = tuple[str, float, str]


# --- the plan: who does what, written before the server starts ------------------------------


@dataclass(frozen=True)
class PatientPlan:
    patient_id: str
    card: str
    appointment_id: str  # today's, inside its check-in window
    session_id: str  # the free same-day session to register for


@dataclass(frozen=True)
class KioskPlan:
    kiosk_id: str
    token: str
    patients: tuple[PatientPlan, ...]
    health_requests: int
    queue_id: str
    queue_calls: int
    station_token: str = ""  # filled in once the server runs (stations sign in over HTTP)


@dataclass(frozen=True)
class Workload:
    kiosks: list[KioskPlan]
    queues: list[str]  # each department's first queue, where its tickets wait
    sessions: dict[str, int]  # session id: places


def _write_workload(target: Target, kiosks: int, now: dt.datetime) -> Workload:
    """The demo hospital plus the bench's patients, appointments, sessions and kiosks."""
    conn = seeded_database(target)
    try:
        departments = conn.execute(
            "SELECT d.id, (SELECT id FROM doctors WHERE department_id = d.id ORDER BY id LIMIT 1),"
            " (SELECT id FROM queues WHERE department_id = d.id ORDER BY sort, id LIMIT 1)"
            " FROM departments d ORDER BY d.sort, d.id LIMIT ?",
            (DEPARTMENTS,),
        ).fetchall()
        patients = add_patients(conn, "bench", PATIENTS)
        starts = now + dt.timedelta(minutes=15)
        sessions = {
            f"bench-session-{index}": sum(1 for n in range(PATIENTS) if n % DEPARTMENTS == index)
            - SLOTS_SHORT
            for index in range(DEPARTMENTS)
        }
        plans = []
        with db.write_transaction(conn):
            for index, (department, doctor, _queue) in enumerate(departments):
                session_id = f"bench-session-{index}"
                conn.execute(
                    "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
                    "starts_at, ends_at, slots_total, slots_left, fee_cents) "
                    "VALUES (?, ?, ?, ?, 'morning', ?, ?, ?, ?, 0)",
                    (
                        session_id,
                        doctor,
                        department,
                        now.date().isoformat(),
                        db.to_db_time(now - dt.timedelta(minutes=5)),
                        db.to_db_time(now + dt.timedelta(hours=3)),
                        sessions[session_id],
                        sessions[session_id],
                    ),
                )
            for number, (patient_id, card) in enumerate(patients):
                department, doctor, _queue = departments[number % DEPARTMENTS]
                appointment_id = f"bench-apt-{number:05d}"
                db.insert_appointment(
                    conn,
                    appointment_id=appointment_id,
                    patient_id=patient_id,
                    doctor_id=doctor,
                    starts_at=starts,
                )
                plans.append(
                    PatientPlan(
                        patient_id, card, appointment_id, f"bench-session-{number % DEPARTMENTS}"
                    )
                )
        queues = [str(row[2]) for row in departments]
        tokens = add_kiosks(conn, "bench", kiosks)
    finally:
        conn.close()
    return Workload(
        kiosks=[
            KioskPlan(
                kiosk_id=kiosk_id,
                token=token,
                patients=tuple(plans[number::kiosks]),
                health_requests=_share(HEALTH_REQUESTS, kiosks, number),
                queue_id=queues[number % DEPARTMENTS],
                queue_calls=_share(QUEUE_CALLS, kiosks, number),
            )
            for number, (kiosk_id, token) in enumerate(tokens)
        ],
        queues=queues,
        sessions=sessions,
    )


def _share(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` split as evenly as whole numbers allow."""
    return total // parts + (1 if index < total % parts else 0)


def _sign_in_stations(base_url: str, queues: list[str]) -> dict[str, str]:
    """A bearer token for each queue's demo station, signed in once (the scrypt check is the
    sign-in's cost, not the calls')."""
    tokens = {}
    with requests.Session() as session:
        for queue_id in queues:
            response = session.post(
                f"{base_url}{API_PREFIX}/stations/session",
                json={"station": demo_station_id(queue_id), "password": DEMO_STATION_PASSWORD},
                timeout=REQUEST_TIMEOUT_S,
            )
            response.raise_for_status()
            tokens[queue_id] = str(response.json()["token"])
    return tokens


# --- one load-generator process ---------------------------------------------------------------


@dataclass
class Sample:
    """What the kiosks of one process measured in one phase."""

    latencies: list[float] = field(default_factory=list)
    started: float = math.inf
    finished: float = -math.inf
    failures: Counter[str] = field(default_factory=Counter)  # by status and error code
    outcomes: list[Any] = field(default_factory=list)  # tickets, refusals, called entries
    errors: list[str] = field(default_factory=list)  # a generator's own bugs
    resent: int = 0  # requests sent again after their connection dropped

    def fail(self, response: requests.Response) -> None:
        """Count an answer that should not have come, by its status and error code."""
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = ""
        self.failures[f"{response.status_code} {code}".strip()] += 1

    def add(self, other: Sample) -> None:
        self.latencies += other.latencies
        self.started = min(self.started, other.started)
        self.finished = max(self.finished, other.finished)
        self.failures.update(other.failures)
        self.resent += other.resent
        self.outcomes += other.outcomes
        self.errors += other.errors


def _ticket_key(ticket: dict[str, Any]) -> tuple[str, str, str]:
    return (str(ticket["department"]["id"]), str(ticket["service_date"]), str(ticket["number"]))


class _Kiosk:
    """One simulated kiosk: its plan, its keep-alive session, and what it learnt on the way
    (visit tokens, check-in answers to replay)."""

    def __init__(self, base_url: str, plan: KioskPlan) -> None:
        self.api = f"{base_url}{API_PREFIX}"
        self.plan = plan
        self.session = requests.Session()
        self.visit_tokens: dict[str, str] = {}  # patient id: visit token
        self.check_ins: list[tuple[str, str, dict[str, Any]]] = []  # (appointment, key, answer)

    def run(self, phase: str, sample: Sample) -> None:
        steps: dict[str, Callable[[Sample], None]] = {
            "health": self.health,
            "identify": self.identify,
            "check-in": self.check_in,
            "replay": self.replay,
            "registration": self.register,
            "queue call": self.call_next,
        }
        steps[phase](sample)

    def _send(
        self, sample: Sample, method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> requests.Response | None:
        """One timed request; None (a failure counted) when no answer came.

        A connection that drops before any answer is sent once more, as a kiosk's client
        does (every call here is safe to repeat: a read, an identify, or a write with its
        Idempotency-Key): uvicorn closes a keep-alive connection idle for 5 s, and a kiosk
        that finished a phase early may send on it just as it closes. The latency counts
        from the first send.
        """
        began = time.perf_counter()
        sample.started = min(sample.started, began)
        for attempt in (1, 2):
            try:
                response = self.session.request(
                    method, self.api + path, headers=headers, timeout=REQUEST_TIMEOUT_S, **kwargs
                )
                break
            except requests.ConnectionError:
                if attempt == 2:
                    sample.failures["ConnectionError"] += 1
                    return None
                sample.resent += 1
            except requests.RequestException as exc:
                sample.failures[type(exc).__name__] += 1
                return None
        ended = time.perf_counter()
        sample.finished = max(sample.finished, ended)
        sample.latencies.append(ended - began)
        return response

    def _kiosk_headers(self, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.plan.token}", **more}

    def health(self, sample: Sample) -> None:
        for _ in range(self.plan.health_requests):
            response = self._send(sample, "GET", "/health", {})
            if response is not None and response.status_code != 200:
                sample.fail(response)

    def identify(self, sample: Sample) -> None:
        for patient in self.plan.patients:
            response = self._send(
                sample,
                "POST",
                "/patients/identify",
                self._kiosk_headers(),
                json={"kind": "patient_card", "value": patient.card},
            )
            if response is None:
                continue
            if response.status_code != 200 or response.json()["id"] != patient.patient_id:
                sample.fail(response)
                continue
            self.visit_tokens[patient.patient_id] = str(response.json()["visit_token"])

    def check_in(self, sample: Sample) -> None:
        for patient in self.plan.patients:
            key = uuid.uuid4().hex
            response = self._send(
                sample,
                "POST",
                f"/appointments/{patient.appointment_id}/check-in",
                self._visit_headers(patient, key),
                json={},
            )
            if response is None:
                continue
            if response.status_code != 200:
                sample.fail(response)
                continue
            answer = response.json()
            self.check_ins.append((patient.appointment_id, key, answer))
            sample.outcomes.append(_ticket_key(answer["ticket"]))

    def replay(self, sample: Sample) -> None:
        """Every tenth check-in again, as after a lost answer: outcome 1 when the answer
        differs from the first."""
        patients = {patient.appointment_id: patient for patient in self.plan.patients}
        for appointment_id, key, first in self.check_ins[::REPLAY_EVERY]:
            response = self._send(
                sample,
                "POST",
                f"/appointments/{appointment_id}/check-in",
                self._visit_headers(patients[appointment_id], key),
                json={},
            )
            if response is None:
                continue
            sample.outcomes.append(int(response.status_code != 200 or response.json() != first))

    def register(self, sample: Sample) -> None:
        for patient in self.plan.patients:
            response = self._send(
                sample,
                "POST",
                "/registrations",
                self._visit_headers(patient, uuid.uuid4().hex),
                json={"patient_id": patient.patient_id, "session_id": patient.session_id},
            )
            if response is None:
                continue
            body = response.json()
            if response.status_code == 200 and body["registration"]["ticket"] is not None:
                ticket = body["registration"]["ticket"]
                sample.outcomes.append(("ticket", patient.session_id, _ticket_key(ticket)))
            elif response.status_code == 409 and body["error"]["code"] == "session_full":
                sample.outcomes.append(("session_full", patient.session_id, None))
            else:
                sample.fail(response)

    def call_next(self, sample: Sample) -> None:
        headers = {"Authorization": f"Bearer {self.plan.station_token}"}
        for _ in range(self.plan.queue_calls):
            response = self._send(
                sample,
                "POST",
                f"/queues/{self.plan.queue_id}/call-next",
                {**headers, IDEMPOTENCY_HEADER: uuid.uuid4().hex},
            )
            if response is None:
                continue
            if response.status_code != 200:
                sample.fail(response)
                continue
            sample.outcomes.append(int(response.json()["id"]))

    def _visit_headers(self, patient: PatientPlan, key: str) -> dict[str, str]:
        return self._kiosk_headers(
            **{
                VISIT_TOKEN_HEADER: self.visit_tokens.get(patient.patient_id, ""),
                IDEMPOTENCY_HEADER: key,
            }
        )

    def close(self) -> None:
        self.session.close()


def _run_phase(phase: str, kiosks: list[_Kiosk], processes_ready: ProcessBarrier) -> Sample:
    """Every kiosk of this process runs the phase in its own thread, released together with
    the other processes' kiosks."""

    def all_processes_ready() -> None:
        processes_ready.wait()

    threads_ready = threading.Barrier(len(kiosks), action=all_processes_ready)
    samples = [Sample() for _ in kiosks]

    def kiosk_thread(kiosk: _Kiosk, sample: Sample) -> None:
        threads_ready.wait(timeout=PHASE_TIMEOUT_S)
        try:
            kiosk.run(phase, sample)
        except Exception as exc:  # a bug in the generator must not pass for a slow server
            sample.errors.append(f"{kiosk.plan.kiosk_id}: {exc!r}")

    threads = [
        threading.Thread(target=kiosk_thread, args=(kiosk, sample))
        for kiosk, sample in zip(kiosks, samples, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Sample()
    for sample in samples:
        total.add(sample)
    return total


def _generator(
    pipe: Connection, processes_ready: ProcessBarrier, base_url: str, plans: list[KioskPlan]
) -> None:
    """A load-generator process: runs each phase the parent names until it sends None."""
    kiosks = [_Kiosk(base_url, plan) for plan in plans]
    try:
        while (phase := pipe.recv()) is not None:
            pipe.send(_run_phase(phase, kiosks, processes_ready))
    finally:
        for kiosk in kiosks:
            kiosk.close()


@contextmanager
def load_generators(base_url: str, plans: list[KioskPlan]) -> Iterator[Callable[[str], Sample]]:
    """``GENERATOR_PROCESSES`` processes sharing the kiosks; yields ``run(phase)``, which runs
    the phase on all of them at once and merges what they measured."""
    context = multiprocessing.get_context("spawn")  # nothing of this process's threads
    processes_ready = context.Barrier(GENERATOR_PROCESSES, timeout=PHASE_TIMEOUT_S)
    pipes = []
    processes = []
    for index in range(GENERATOR_PROCESSES):
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_generator,
            args=(child_end, processes_ready, base_url, plans[index::GENERATOR_PROCESSES]),
            daemon=True,
        )
        process.start()
        pipes.append(parent_end)
        processes.append(process)

    def run(phase: str) -> Sample:
        for pipe in pipes:
            pipe.send(phase)
        total = Sample()
        for pipe, process in zip(pipes, processes, strict=True):
            if not pipe.poll(PHASE_TIMEOUT_S):
                raise RuntimeError(f"load generator {process.pid} gave no answer for {phase}")
            total.add(pipe.recv())
        if total.errors:
            raise RuntimeError(f"{phase}: the load generator failed: {total.errors[:3]}")
        return total

    try:
        yield run
    finally:
        for pipe in pipes:
            with contextlib.suppress(OSError):  # that generator is gone already
                pipe.send(None)
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


# --- one measured run -------------------------------------------------------------------------


def cpu_s(*, process_group: int | None = None, parent: int | None = None) -> float:
    """CPU seconds (user and system) used so far by every process of a process group (the
    server and all its workers), or by a process and its children (a cluster's postmaster
    and its backends, each in a session of its own), from ``/proc/<pid>/stat``."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii")
        except OSError:  # gone meanwhile
            continue
        pid = int(stat.parent.name)
        fields = text.rpartition(")")[2].split()  # after the command name, which may hold spaces
        ppid, pgrp = int(fields[1]), int(fields[2])  # fields 4 and 5
        if pgrp == process_group or parent in (pid, ppid):
            # fields 14 to 17: utime, stime, and those of its children that have ended
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class PhaseFigures:
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float  # the server's CPU time per request
    database_cpu_ms: float  # PostgreSQL's (its own processes)


@dataclass(frozen=True)
class LoadRun:
    """Everything one configuration measured."""

    setup: Setup
    phases: dict[str, PhaseFigures]
    failures: Counter[str]  # by status and error code
    resent: int  # requests sent again after their connection dropped
    duplicate_tickets: int  # same number twice in one department and day
    tickets_not_stored: int  # acknowledged, yet not in the database
    replays_differing: int  # same Idempotency-Key, another answer
    replays: int
    registrations: int
    refused_session_full: int
    places: int
    overbooked_sessions: int  # sessions that gave more places than they had
    calls_doubled: int  # queue entries called twice

    def ratio(self, phase: str) -> float:
        return self.phases[phase].requests_per_s / self.phases["health"].requests_per_s


def _figures(sample: Sample, server_cpu_s: float, database_cpu_s: float) -> PhaseFigures:
    quantiles = statistics.quantiles(sample.latencies, n=100, method="inclusive")
    return PhaseFigures(
        requests=len(sample.latencies),
        requests_per_s=len(sample.latencies) / (sample.finished - sample.started),
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
        server_cpu_ms=server_cpu_s * 1000 / len(sample.latencies),
        database_cpu_ms=database_cpu_s * 1000 / len(sample.latencies),
    )


def _stored_tickets(target: Target, tickets: list[tuple[str, str, str]]) -> int:
    """How many of the acknowledged tickets the database holds."""
    conn = db.connect(target)
    try:
        stored = {
            (str(row[0]), str(row[1]), str(row[2]))
            for row in conn.execute("SELECT department_id, service_date, number FROM tickets")
        }
    finally:
        conn.close()
    return sum(ticket in stored for ticket in tickets)


@dataclass(frozen=True)
class Setup:
    """One configuration: the engine under the server, the kiosks, the server's workers."""

    engine: str  # SQLITE or POSTGRESQL
    kiosks: int
    workers: int = 1

    @property
    def label(self) -> str:
        workers = f" {self.workers} worker{'s' if self.workers > 1 else ''}"
        return f"{self.engine}{workers if self.engine == POSTGRESQL else ''}, {self.kiosks} kiosks"


SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
SETUPS = tuple(
    Setup(engine, kiosks, workers)
    for engine, workers in ((SQLITE, 1), (POSTGRESQL, 1), (POSTGRESQL, 2))
    for kiosks in KIOSK_COUNTS
)


@contextmanager
def _database(engine: str, scratch: Path) -> Iterator[tuple[Target, Path | None]]:
    """A fresh database (and, for PostgreSQL, its cluster's data directory): a SQLite file,
    or a database in a throwaway cluster that syncs its commits as SQLite does."""
    if engine == SQLITE:
        yield scratch / "load.sqlite3", None
        return
    cluster = TempCluster.start(durable=True)
    try:
        yield cluster.create_database(), cluster.data
    finally:
        cluster.stop()


def _postmaster(data: Path | None) -> int | None:
    """The process id of a cluster's postmaster."""
    if data is None:
        return None
    return int((data / "postmaster.pid").read_text(encoding="ascii").split()[0])


@functools.cache
def measure(setup: Setup) -> LoadRun:
    """One run of every phase (cached: ``checkin`` and ``registration`` report the same
    run)."""
    with tempfile.TemporaryDirectory(prefix="kiosk-load-") as scratch_dir:
        scratch = Path(scratch_dir)
        with _database(setup.engine, scratch) as (target, cluster_data):
            workload = _write_workload(target, setup.kiosks, db.system_clock())
            arguments = ["--identify-per-minute", str(PATIENTS + 1)]
            log = scratch / "server.log"
            postmaster = _postmaster(cluster_data)
            with ServerProcess(target, log, workers=setup.workers, arguments=arguments) as server:
                station_tokens = _sign_in_stations(server.url, workload.queues)
                plans = [
                    dataclasses.replace(plan, station_token=station_tokens[plan.queue_id])
                    for plan in workload.kiosks
                ]
                samples: dict[str, Sample] = {}
                cpu: dict[str, tuple[float, float]] = {}
                with load_generators(server.url, plans) as run:
                    for phase in (*PHASES[:3], "replay", *PHASES[3:]):
                        before = _cpu(server.pid, postmaster)
                        samples[phase] = run(phase)
                        after = _cpu(server.pid, postmaster)
                        cpu[phase] = (after[0] - before[0], after[1] - before[1])
            replays = samples.pop("replay")
            check_ins: list[tuple[str, str, str]] = samples["check-in"].outcomes
            registered = [o for o in samples["registration"].outcomes if o[0] == "ticket"]
            tickets = check_ins + [o[2] for o in registered]
            stored = _stored_tickets(target, tickets)
    given = Counter(session for _, session, _ in registered)
    called = Counter(samples["queue call"].outcomes)
    return LoadRun(
        setup=setup,
        phases={phase: _figures(samples[phase], *cpu[phase]) for phase in PHASES},
        failures=sum((sample.failures for sample in [*samples.values(), replays]), Counter()),
        resent=sum(sample.resent for sample in [*samples.values(), replays]),
        duplicate_tickets=sum(n - 1 for n in Counter(tickets).values()),
        tickets_not_stored=len(tickets) - stored,
        replays_differing=sum(replays.outcomes),
        replays=len(replays.outcomes),
        registrations=len(registered),
        refused_session_full=sum(o[0] == "session_full" for o in samples["registration"].outcomes),
        places=sum(workload.sessions.values()),
        overbooked_sessions=sum(given[s] > places for s, places in workload.sessions.items()),
        calls_doubled=sum(n - 1 for n in called.values()),
    )


def _cpu(server_group: int, postmaster: int | None) -> tuple[float, float]:
    """CPU seconds so far of the server's processes and of the database's (0 for SQLite,
    which runs inside the server)."""
    database = cpu_s(parent=postmaster) if postmaster is not None else 0.0
    return cpu_s(process_group=server_group), database


def phase_rows(run: LoadRun, phase: str) -> list[Figure]:
    """A phase's throughput, its ratio to the floor (not for the floor itself), p50, p99 and
    the server's CPU time per request."""
    label = f"{run.setup.label}: {phase}"
    figures = run.phases[phase]
    rows: list[Figure] = [(f"{label} throughput", figures.requests_per_s, "requests/s")]
    if phase != "health":
        rows.append((f"{label} / health floor", run.ratio(phase), "ratio"))
    rows += [
        (f"{label} p50", figures.p50_ms, "ms"),
        (f"{label} p99", figures.p99_ms, "ms"),
        (f"{label} server CPU", figures.server_cpu_ms, "ms/request"),
    ]
    if run.setup.engine == POSTGRESQL:
        rows.append((f"{label} PostgreSQL CPU", figures.database_cpu_ms, "ms/request"))
    return rows


def runs() -> list[LoadRun]:
    return [measure(setup) for setup in SETUPS]
