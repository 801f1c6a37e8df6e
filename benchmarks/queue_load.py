"""Electronic queueing under load: ``kiosk-server`` in its own process, followed by 20
waiting-room displays and 500 phone pages over server-sent events on loopback.

One room's queue holds the 500 phones' tickets (issued with the core's own functions before the
server starts); its waiting area's board is open on 20 displays. That room's station calls the
next patient ``CALLS`` times, one call after the other has reached everyone: the latency of a
call is the time from sending ``call-next`` to a display receiving the board that shows the
new number (to a phone receiving its status of the queue after that call). All 520 streams are
read by one asyncio process on raw sockets, so the figures include a loaded client on the same
two cores. The server's ``/health`` floor, measured in the same run, is the reference.

Then two stations call one other queue of 2,000 waiting patients 1,000 times each, at once:
afterwards the queue's event log (REST API) must show every patient called exactly once.
Last, bad input (``BAD_INPUTS``, also ``tests/server/test_queue_bad_input.py``) must get a
4xx ``ErrorBody`` and change nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks.reliability.server import (
    HOST,
    REPO,
    SERVER,
    ServerProcess,
    seeded_database,
    server_environment,
)
from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER, ErrorBody, ErrorCode
from kiosk.server import db, queue
from kiosk.server.db import Connection, Target

DISPLAYS = 20
PHONES = 500
CALLS = 100
RACE_STATIONS = 2
RACE_CALLS_PER_STATION = 1_000
HEALTH_REQUESTS = 2_000  # split over as many clients as racing stations
UPDATE_TIMEOUT_S = 10.0  # a call's updates not there by then count as missing
CONNECT_TIMEOUT_S = 120.0
BENCH_PASSWORD = "bench-station-password"
REQUEST_TIMEOUT_S = 30

Figure = tuple[str, float, str]


# --- the workload, written before the server starts -----------------------------------------


@dataclass(frozen=True)
class Workload:
    followed_queue: str  # the 500 phones' queue, shown on the 20 displays
    area: str  # the displays' waiting area
    phone_tokens: list[str]
    raced_queue: str  # 2,000 waiting, two stations
    station: str  # the bench's station: calls both queues
    race_partner: str  # the raced queue's second station


def _issue_tickets(
    conn: Connection, department_id: str, count: int, now: dt.datetime, prefix: str
) -> list[str]:
    """``count`` check-ins for today in the department: appointments, then tickets issued by
    the core (``queue.issue_ticket`` puts each into the room's queue); their phone tokens."""
    doctor = conn.execute(
        "SELECT id FROM doctors WHERE department_id = ? ORDER BY id LIMIT 1", (department_id,)
    ).fetchone()["id"]
    patients = [row["id"] for row in conn.execute("SELECT id FROM patients ORDER BY id")]
    tokens = []
    with db.write_transaction(conn):
        for index in range(count):
            appointment_id = f"{prefix}-{index:05d}"
            db.insert_appointment(
                conn,
                appointment_id=appointment_id,
                patient_id=patients[index % len(patients)],
                doctor_id=doctor,
                starts_at=now + dt.timedelta(minutes=30),
            )
            ticket_id = queue.issue_ticket(conn, appointment_id, now, actor="bench")
            tokens.append(
                conn.execute(
                    "SELECT track_token FROM tickets WHERE id = ?", (ticket_id,)
                ).fetchone()["track_token"]
            )
    return tokens


def _waiting_today(conn: Connection, queue_id: str, day: dt.date) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM queue_entries WHERE queue_id = ? AND service_date = ? "
            "AND state = 'waiting'",
            (queue_id, day.isoformat()),
        ).fetchone()[0]
    )


def prepare(db_path: Target) -> Workload:
    """The demo hospital, the phones' 500 tickets, the race's 2,000 and the bench's stations."""
    conn = seeded_database(db_path)
    try:
        now = db.system_clock()
        followed, raced = conn.execute(
            "SELECT id, department_id, area_id FROM queues WHERE kind = 'room' "
            "ORDER BY sort, id LIMIT 2"
        ).fetchall()
        tokens = _issue_tickets(conn, followed["department_id"], PHONES, now, "bench-phone")
        race_size = RACE_STATIONS * RACE_CALLS_PER_STATION
        already = _waiting_today(conn, raced["id"], now.date())
        _issue_tickets(conn, raced["department_id"], race_size - already, now, "bench-race")
        station, partner = "bench-station", "bench-race-partner"
    finally:
        conn.close()
    add_station_cli(db_path, station, [followed["id"], raced["id"]])
    add_station_cli(db_path, partner, [raced["id"]])
    return Workload(
        followed_queue=followed["id"],
        area=followed["area_id"],
        phone_tokens=tokens,
        raced_queue=raced["id"],
        station=station,
        race_partner=partner,
    )


def add_station_cli(db_path: Target, station_id: str, queues: list[str]) -> None:
    """A station made the deployed way: ``kiosk-server add-station``, password on stdin."""
    subprocess.run(
        [*SERVER, "add-station", station_id, "--db", str(db_path), "--name", station_id]
        + [argument for queue_id in queues for argument in ("--queue", queue_id)],
        input=BENCH_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=server_environment(),
        cwd=REPO,
        timeout=120,
        check=True,
    )


# --- HTTP helpers ---------------------------------------------------------------------------


def sign_in(session: requests.Session, base_url: str, station: str, password: str) -> str:
    """A station's bearer token (``POST /stations/session``)."""
    response = session.post(
        f"{base_url}{API_PREFIX}/stations/session",
        json={"station": station, "password": password},
        timeout=REQUEST_TIMEOUT_S,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def call_next(
    session: requests.Session, base_url: str, token: str, queue_id: str
) -> requests.Response:
    return session.post(
        f"{base_url}{API_PREFIX}/queues/{queue_id}/call-next",
        headers={"Authorization": f"Bearer {token}", IDEMPOTENCY_HEADER: str(uuid.uuid4())},
        timeout=REQUEST_TIMEOUT_S,
    )


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in KiB, from ``/proc/<pid>/status``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def quantile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


@dataclass(frozen=True)
class Floor:
    requests_per_s: float
    latency_p50_s: float


def health_floor(base_url: str, clients: int, total: int) -> Floor:
    """``GET /api/v1/health`` from ``clients`` keep-alive connections at once."""
    latencies: list[float] = []
    lock = threading.Lock()
    start_together = threading.Barrier(clients)

    def client() -> None:
        mine: list[float] = []
        with requests.Session() as session:
            session.get(f"{base_url}{API_PREFIX}/health", timeout=REQUEST_TIMEOUT_S)  # connect
            start_together.wait()
            for _ in range(total // clients):
                began = time.perf_counter()
                session.get(
                    f"{base_url}{API_PREFIX}/health", timeout=REQUEST_TIMEOUT_S
                ).raise_for_status()
                mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return Floor(len(latencies) / elapsed, statistics.median(latencies))


# --- 520 event streams on raw sockets -------------------------------------------------------


@dataclass
class Stream:
    """One ``EventSource`` as a browser holds it: its path and every event with its arrival."""

    path: str
    events: list[tuple[float, str]] = field(default_factory=list)  # (perf_counter, data)


@dataclass
class Round:
    """The streams that have had an event since a call was sent."""

    expected: int
    reached: set[int] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self, index: int) -> None:
        self.reached.add(index)
        if len(self.reached) >= self.expected:
            self.done.set()


class Streams:
    """Holds ``Stream`` connections open and tells the current ``Round`` of each event."""

    def __init__(self, port: int, paths: list[str]) -> None:
        self.port = port
        self.streams = [Stream(path) for path in paths]
        self.round: Round | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.failures: list[str] = []

    def start(self) -> Round:
        """Connect all; the returned round completes when each has had its first event."""
        self.round = Round(len(self.streams))
        self._tasks = [
            asyncio.create_task(self._follow(index, stream))
            for index, stream in enumerate(self.streams)
        ]
        return self.round

    def next_round(self) -> Round:
        self.round = Round(len(self.streams))
        return self.round

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _follow(self, index: int, stream: Stream) -> None:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(HOST, self.port)
            writer.write(
                f"GET {stream.path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                "Accept: text/event-stream\r\n\r\n".encode("ascii")
            )
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            if not head.startswith("http/1.1 200") or "transfer-encoding: chunked" not in head:
                self.failures.append(f"{stream.path}: {head.splitlines()[0]}")
                return
            pending = ""
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.failures.append(f"{stream.path}: the stream ended")
                    return
                pending += (await reader.readexactly(size + 2))[:-2].decode("utf-8")
                while "\n\n" in pending:
                    block, pending = pending.split("\n\n", 1)
                    data = [line[5:].strip() for line in block.split("\n") if line[:5] == "data:"]
                    if data:
                        stream.events.append((time.perf_counter(), "\n".join(data)))
                        if self.round is not None:
                            self.round.arrived(index)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            self.failures.append(f"{stream.path}: {error!r}")
        finally:
            if writer is not None:
                writer.close()


@dataclass(frozen=True)
class Call:
    sent: float  # perf_counter just before the request
    number: str  # the ticket number called
    marks: list[int]  # each stream's event count when the call was sent


@dataclass
class Latencies:
    display: list[float] = field(default_factory=list)
    phone: list[float] = field(default_factory=list)
    call_answer: list[float] = field(default_factory=list)
    missing_display: int = 0
    missing_phone: int = 0


def _display_latency(stream: Stream, call: Call, mark: int) -> tuple[float, int] | None:
    """Arrival after the call of the first board showing its number now calling, and the
    call's id (the queue's version after it)."""
    for arrived, data in stream.events[mark:]:
        board = json.loads(data)
        for shown in board["now_calling"]:
            if shown["number"] == call.number:
                return arrived - call.sent, int(shown["call_id"])
    return None


def _phone_latency(stream: Stream, call: Call, mark: int, call_id: int) -> float | None:
    """Arrival after the call of the first status made at or after it."""
    for arrived, data in stream.events[mark:]:
        if int(json.loads(data)["version"]) >= call_id:
            return arrived - call.sent
    return None


def _measure(calls: list[Call], displays: list[Stream], phones: list[Stream]) -> Latencies:
    found = Latencies()
    for call in calls:
        call_ids = set()
        for index, stream in enumerate(displays):
            shown = _display_latency(stream, call, call.marks[index])
            if shown is None:
                found.missing_display += 1
                continue
            found.display.append(shown[0])
            call_ids.add(shown[1])
        if len(call_ids) != 1:
            found.missing_phone += len(phones)
            continue
        call_id = call_ids.pop()
        for index, stream in enumerate(phones, start=len(displays)):
            latency = _phone_latency(stream, call, call.marks[index], call_id)
            if latency is None:
                found.missing_phone += 1
            else:
                found.phone.append(latency)
    return found


@dataclass(frozen=True)
class FollowResult:
    latencies: Latencies
    connected_s: float
    rss_connected_kib: int
    rss_after_calls_kib: int
    peak_kib: int
    stream_failures: list[str]


async def _follow_and_call(server: ServerProcess, work: Workload, token: str) -> FollowResult:
    paths = [f"{API_PREFIX}/areas/{work.area}/events"] * DISPLAYS
    paths += [f"{API_PREFIX}/track/{t}/events" for t in work.phone_tokens]
    streams = Streams(server.port, paths)
    began = time.perf_counter()
    first = streams.start()
    try:
        await asyncio.wait_for(first.done.wait(), CONNECT_TIMEOUT_S)
        connected_s = time.perf_counter() - began
        rss_connected, _ = rss_kib(server.pid)
        calls: list[Call] = []
        answers: list[float] = []
        with requests.Session() as session:
            for _ in range(CALLS):
                this_round = streams.next_round()
                marks = [len(stream.events) for stream in streams.streams]

                def send() -> tuple[float, requests.Response]:
                    sent = time.perf_counter()
                    return sent, call_next(session, server.url, token, work.followed_queue)

                sent, response = await asyncio.to_thread(send)
                answers.append(time.perf_counter() - sent)
                response.raise_for_status()
                calls.append(Call(sent, response.json()["number"], marks))
                try:
                    await asyncio.wait_for(this_round.done.wait(), UPDATE_TIMEOUT_S)
                except TimeoutError:
                    pass  # counted as missing below
        rss_after, peak = rss_kib(server.pid)
    finally:
        await streams.close()
    latencies = _measure(calls, streams.streams[:DISPLAYS], streams.streams[DISPLAYS:])
    latencies.call_answer = answers
    return FollowResult(
        latencies=latencies,
        connected_s=connected_s,
        rss_connected_kib=rss_connected,
        rss_after_calls_kib=rss_after,
        peak_kib=peak,
        stream_failures=streams.failures,
    )


# --- two stations, one queue ----------------------------------------------------------------


@dataclass(frozen=True)
class RaceResult:
    calls: int
    statuses: Counter[int]
    seconds: float
    latencies: list[float]
    called_twice: int  # entries with more than one ``called`` event
    skipped: int  # entries still waiting although as many calls succeeded as were waiting
    answered_twice: int  # one entry handed to two calls' answers


def _all_events(session: requests.Session, base_url: str, token: str, queue_id: str) -> list[Any]:
    events: list[Any] = []
    while True:
        after = events[-1]["id"] if events else 0
        response = session.get(
            f"{base_url}{API_PREFIX}/queues/{queue_id}/events",
            params={"after": after, "limit": 1000},
            headers={"Authorization": f"Bearer {token}"},
            timeout=REQUEST_TIMEOUT_S,
        )
        response.raise_for_status()
        page = response.json()["events"]
        if not page:
            return events
        events += page


def race(base_url: str, work: Workload) -> RaceResult:
    with requests.Session() as session:
        tokens = [
            sign_in(session, base_url, work.station, BENCH_PASSWORD),
            sign_in(session, base_url, work.race_partner, BENCH_PASSWORD),
        ]
        before = _all_events(session, base_url, tokens[0], work.raced_queue)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    called: list[int] = []
    lock = threading.Lock()
    start_together = threading.Barrier(RACE_STATIONS)

    def station(token: str) -> None:
        mine: list[tuple[int, float, int | None]] = []
        with requests.Session() as own:
            own.get(f"{base_url}{API_PREFIX}/health", timeout=REQUEST_TIMEOUT_S)  # connect
            start_together.wait()
            for _ in range(RACE_CALLS_PER_STATION):
                began = time.perf_counter()
                response = call_next(own, base_url, token, work.raced_queue)
                entry = response.json().get("id") if response.status_code == 200 else None
                mine.append((response.status_code, time.perf_counter() - began, entry))
        with lock:
            for status, latency, entry in mine:
                statuses[status] += 1
                latencies.append(latency)
                if entry is not None:
                    called.append(int(entry))

    threads = [threading.Thread(target=station, args=(token,)) for token in tokens]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    with requests.Session() as session:
        after = _all_events(session, base_url, tokens[0], work.raced_queue)[len(before) :]
        view = session.get(
            f"{base_url}{API_PREFIX}/queues/{work.raced_queue}",
            headers={"Authorization": f"Bearer {tokens[0]}"},
            timeout=REQUEST_TIMEOUT_S,
        ).json()
    calls_per_entry = Counter(e["entry_id"] for e in after if e["kind"] == "called")
    return RaceResult(
        calls=RACE_STATIONS * RACE_CALLS_PER_STATION,
        statuses=statuses,
        seconds=seconds,
        latencies=latencies,
        called_twice=sum(1 for count in calls_per_entry.values() if count > 1),
        skipped=len(view["waiting"]),
        answered_twice=len(called) - len(set(called)),
    )


# --- bad input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """What the bad input aims at: a station's token, the queue it calls with someone
    waiting (and that entry), and an empty queue it also calls."""

    token: str
    queue_with_waiting: str
    waiting_entry: int
    empty_queue: str


@dataclass(frozen=True)
class BadInput:
    method: str
    path: str  # under /api/v1
    status: int
    code: ErrorCode
    bearer: str | None = None
    body: dict[str, Any] | None = None


FORGED_TOKEN = "A" * 24  # the shape of a phone token (144 bits, URL-safe), issued to nobody

BAD_INPUTS: dict[str, Callable[[Targets], BadInput]] = {
    "call-next on an unknown queue": lambda t: BadInput(
        "POST", "/queues/q-no-such-room/call-next", 403, ErrorCode.not_your_queue, t.token
    ),
    "transfer to an unknown queue": lambda t: BadInput(
        "POST",
        f"/queue-entries/{t.waiting_entry}/transfer",
        404,
        ErrorCode.not_found,
        t.token,
        {"to_queue": "q-no-such-room"},
    ),
    "action on an unknown entry": lambda t: BadInput(
        "POST", "/queue-entries/999999999/finish", 404, ErrorCode.not_found, t.token
    ),
    "stale action: finish a patient still waiting": lambda t: BadInput(
        "POST", f"/queue-entries/{t.waiting_entry}/finish", 409, ErrorCode.stale_action, t.token
    ),
    "stale action: recall a patient never called": lambda t: BadInput(
        "POST", f"/queue-entries/{t.waiting_entry}/recall", 409, ErrorCode.stale_action, t.token
    ),
    "call-next on an empty queue": lambda t: BadInput(
        "POST", f"/queues/{t.empty_queue}/call-next", 409, ErrorCode.queue_empty, t.token
    ),
    "call-next with a forged station token": lambda t: BadInput(
        "POST",
        f"/queues/{t.queue_with_waiting}/call-next",
        401,
        ErrorCode.unauthorized,
        "forged-" + t.token[::-1],
    ),
    "phone status with a forged token": lambda t: BadInput(
        "GET", f"/track/{FORGED_TOKEN}", 404, ErrorCode.not_found
    ),
    "phone event stream with a forged token": lambda t: BadInput(
        "GET", f"/track/{FORGED_TOKEN}/events", 404, ErrorCode.not_found
    ),
    "phone status with a malformed token": lambda t: BadInput(
        "GET", "/track/not-a-token", 422, ErrorCode.validation_failed
    ),
    "board of an unknown waiting area": lambda t: BadInput(
        "GET", "/areas/area-no-such-floor/events", 404, ErrorCode.not_found
    ),
}


def send_bad_input(session: requests.Session, base_url: str, bad: BadInput) -> requests.Response:
    headers = {IDEMPOTENCY_HEADER: str(uuid.uuid4())} if bad.method == "POST" else {}
    if bad.bearer is not None:
        headers["Authorization"] = f"Bearer {bad.bearer}"
    return session.request(
        bad.method,
        f"{base_url}{API_PREFIX}{bad.path}",
        headers=headers,
        json=bad.body,
        timeout=REQUEST_TIMEOUT_S,
    )


def refusal_problem(response: requests.Response, bad: BadInput) -> str | None:
    """None when the answer is the expected clear refusal; else what is wrong with it."""
    try:
        body = ErrorBody.model_validate_json(response.content)
    except ValueError:
        return f"{response.status_code} without an ErrorBody: {response.text[:200]!r}"
    if (response.status_code, body.error.code) != (bad.status, bad.code.value):
        return f"{response.status_code} {body.error.code}, expected {bad.status} {bad.code.value}"
    return None


def queue_state(db_path: Target) -> str:
    """A digest of every queue entry and event: equal before and after means nothing changed."""
    conn = db.connect(db_path)
    try:
        digest = hashlib.sha256()
        for table in ("queue_entries", "queue_events"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY id"):
                digest.update(repr(tuple(row)).encode("utf-8"))
        return digest.hexdigest()
    finally:
        conn.close()


def find_targets(db_path: Target, day: dt.date, station_queues: list[str], token: str) -> Targets:
    """Of the station's queues, one with a waiting patient (the first of them) and one with
    nobody waiting."""
    conn = db.connect(db_path)
    try:
        waiting = {queue_id: _waiting_today(conn, queue_id, day) for queue_id in station_queues}
        busy = next(q for q, count in waiting.items() if count)
        empty = next(q for q, count in waiting.items() if not count)
        entry = conn.execute(
            "SELECT id FROM queue_entries WHERE queue_id = ? AND service_date = ? "
            "AND state = 'waiting' ORDER BY id LIMIT 1",
            (busy, day.isoformat()),
        ).fetchone()["id"]
        return Targets(token, busy, int(entry), empty)
    finally:
        conn.close()


@dataclass(frozen=True)
class BadInputResult:
    sent: int
    refused_clearly: int
    server_errors: int
    state_changed: bool
    problems: list[str]


def bad_input(base_url: str, db_path: Target, work: Workload) -> BadInputResult:
    with requests.Session() as session:
        token = sign_in(session, base_url, work.station, BENCH_PASSWORD)
        targets = find_targets(
            db_path, db.system_clock().date(), [work.followed_queue, work.raced_queue], token
        )
        before = queue_state(db_path)
        problems = []
        server_errors = 0
        for what, make in BAD_INPUTS.items():
            bad = make(targets)
            response = send_bad_input(session, base_url, bad)
            server_errors += response.status_code >= 500
            problem = refusal_problem(response, bad)
            if problem is not None:
                problems.append(f"{what}: {problem}")
        after = queue_state(db_path)
    return BadInputResult(
        sent=len(BAD_INPUTS),
        refused_clearly=len(BAD_INPUTS) - len(problems),
        server_errors=server_errors,
        state_changed=before != after,
        problems=problems,
    )


# --- the run --------------------------------------------------------------------------------


def collect() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-queue-") as scratch:
        db_path = Path(scratch) / "bench.sqlite3"
        work = prepare(db_path)
        with ServerProcess(db_path, Path(scratch) / "server.log") as server:
            health = health_floor(server.url, RACE_STATIONS, HEALTH_REQUESTS)
            rss_idle, _ = rss_kib(server.pid)
            with requests.Session() as session:
                token = sign_in(session, server.url, work.station, BENCH_PASSWORD)
            followed = asyncio.run(_follow_and_call(server, work, token))
            raced = race(server.url, work)
            refused = bad_input(server.url, db_path, work)
    for problem in followed.stream_failures[:5] + refused.problems:
        print(f"queue_load: {problem}")
    lat = followed.latencies
    display_p50, display_p99 = quantile(lat.display, 50), quantile(lat.display, 99)
    phone_p50, phone_p99 = quantile(lat.phone, 50), quantile(lat.phone, 99)
    race_rate = raced.calls / raced.seconds
    health_p50, health_rate = health.latency_p50_s, health.requests_per_s
    streams, rss_after = DISPLAYS + PHONES, followed.rss_after_calls_kib
    ms = 1000
    return [
        ("event streams open (displays + phones)", streams, "streams"),
        ("time to open all and get their first event", followed.connected_s, "s"),
        ("calls, one station (each waits for all updates)", CALLS, "calls"),
        ("call-next answer p50", quantile(lat.call_answer, 50) * ms, "ms"),
        (f"call-to-display latency p50 ({DISPLAYS} displays)", display_p50 * ms, "ms"),
        ("call-to-display latency p99", display_p99 * ms, "ms"),
        (f"call-to-phone latency p50 ({PHONES} phones, same queue)", phone_p50 * ms, "ms"),
        ("call-to-phone latency p99", phone_p99 * ms, "ms"),
        (f"display updates missing (of {DISPLAYS} per call)", lat.missing_display, "updates"),
        (f"phone updates missing (of {PHONES} per call)", lat.missing_phone, "updates"),
        ("streams that failed", len(followed.stream_failures), "streams"),
        (f"/health floor p50, {RACE_STATIONS} clients (reference)", health_p50 * ms, "ms"),
        (f"/health floor, {RACE_STATIONS} clients (reference)", health_rate, "requests/s"),
        ("call-to-display p50 / /health p50", display_p50 / health_p50, "x"),
        ("call-to-phone p99 / /health p50", phone_p99 / health_p50, "x"),
        ("server RSS idle", rss_idle / 1024, "MiB"),
        (f"server RSS, {streams} streams open", followed.rss_connected_kib / 1024, "MiB"),
        (f"server RSS, {streams} streams, after the calls", rss_after / 1024, "MiB"),
        ("server peak RSS (VmHWM)", followed.peak_kib / 1024, "MiB"),
        (f"race: calls, {RACE_STATIONS} stations at once on one queue", raced.calls, "calls"),
        ("race: answered 200", raced.statuses[200], "calls"),
        ("race: patients called twice", raced.called_twice, "patients"),
        ("race: patients skipped (still waiting)", raced.skipped, "patients"),
        ("race: one patient in two answers", raced.answered_twice, "patients"),
        ("race: answers >= 500", sum(n for s, n in raced.statuses.items() if s >= 500), "calls"),
        ("race: call-next throughput", race_rate, "calls/s"),
        ("race: call-next latency p50", quantile(raced.latencies, 50) * ms, "ms"),
        ("race: call-next latency p99", quantile(raced.latencies, 99) * ms, "ms"),
        ("race: throughput / /health floor", race_rate / health_rate, "x"),
        ("bad input: requests", refused.sent, "requests"),
        ("bad input: clear 4xx with ErrorBody and its code", refused.refused_clearly, "requests"),
        ("bad input: answers >= 500", refused.server_errors, "requests"),
        ("bad input: queue entries or events changed", int(refused.state_changed), "changes"),
    ]
