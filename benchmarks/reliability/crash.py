"""Part 3: writes while the server is killed with ``kill -9`` at random moments.

Kiosk clients (threads, each its own kiosk token and patients) write in a cycle: check-in,
feedback, free registration, payment, cancel of that payment, feedback; every write carries
its own Idempotency-Key. A killer thread ``kill -9``s the server's process group at random
moments and starts it again on the same database. A client that gets no answer (refused
connection, reset, timeout) sends the same request with the same key again until it gets one.

Afterwards the database is read: every acknowledged write must be there (0 lost) and have
happened once (0 duplicated), and the key's stored answer must be the answer the client got.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks.reliability.server import (
    ServerProcess,
    add_kiosk_cli,
    add_kiosks,
    add_patients,
    seeded_database,
)
from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server import db
from kiosk.server.db import Connection, Target

CLIENTS = 2
PATIENTS_PER_CLIENT = 8  # each identified once: under the identify limit of 10 a minute
CYCLE = ("check_in", "feedback", "registration", "payment", "cancel", "feedback")
SESSIONS = 40
RETRY_PAUSE_S = 0.05
GIVE_UP_S = 120.0


@dataclass
class Write:
    kind: str
    key: str
    path: str
    body: Any
    answer: Any = None
    status: int = 0
    attempts: int = 0


@dataclass
class CrashResult:
    writes: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    kills: int = 0
    interrupted: int = 0  # writes whose request got no answer at least once
    refused: Counter[int] = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    mismatched: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class Client:
    kiosk_id: str
    token: str
    patients: list[tuple[str, str]]
    appointments: dict[str, list[str]]  # patient id -> appointment ids
    bills: dict[str, str]  # patient id -> bill id
    visits: dict[str, str] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)


def _prepare(conn: Connection, writes: int) -> list[Client]:
    """Patients, appointments open for check-in, free sessions, unpaid bills, and kiosks."""
    now = db.system_clock()
    pairs = conn.execute(
        "SELECT id, department_id FROM doctors WHERE id IN "
        "(SELECT min(id) FROM doctors GROUP BY department_id) ORDER BY department_id"
    ).fetchall()
    cycles_per_patient = writes // (len(CYCLE) * CLIENTS * PATIENTS_PER_CLIENT) + 2
    starts = now + dt.timedelta(minutes=20)
    kiosks = add_kiosks(conn, "crash", CLIENTS - 1)
    clients = []
    with db.write_transaction(conn):
        for index in range(SESSIONS):
            doctor, department = pairs[index % len(pairs)]
            conn.execute(
                "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
                "starts_at, ends_at, slots_total, slots_left, fee_cents) "
                "VALUES (?, ?, ?, ?, 'afternoon', ?, ?, 1000, 1000, 0)",
                (
                    f"crash-s{index:02d}",
                    doctor,
                    department,
                    now.date().isoformat(),
                    db.to_db_time(now - dt.timedelta(minutes=5)),
                    db.to_db_time(now + dt.timedelta(hours=4)),
                ),
            )
    for number in range(CLIENTS):
        patients = add_patients(conn, f"crash{number}", PATIENTS_PER_CLIENT)
        appointments: dict[str, list[str]] = {}
        bills: dict[str, str] = {}
        with db.write_transaction(conn):
            for patient_id, _ in patients:
                appointments[patient_id] = []
                for index in range(cycles_per_patient):
                    doctor, department = pairs[index % len(pairs)]
                    appointment_id = f"{patient_id}-a{index:04d}"
                    conn.execute(
                        "INSERT INTO appointments (id, patient_id, department_id, doctor_id, "
                        "service_date, starts_at, ends_at, status) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 'booked')",
                        (
                            appointment_id,
                            patient_id,
                            department,
                            doctor,
                            starts.date().isoformat(),
                            db.to_db_time(starts),
                            db.to_db_time(starts + dt.timedelta(minutes=15)),
                        ),
                    )
                    appointments[patient_id].append(appointment_id)
                bill_id = f"{patient_id}-bill"
                conn.execute(
                    "INSERT INTO bills (id, patient_id, department_id, title, status, "
                    "insurance_cents, created_at) VALUES (?, ?, ?, '检验费', 'unpaid', 0, ?)",
                    (bill_id, patient_id, pairs[0][1], db.to_db_time(now)),
                )
                conn.execute(
                    "INSERT INTO bill_items (bill_id, seq, name, category, quantity, "
                    "unit_price_cents, amount_cents) VALUES (?, 1, '血常规', 'lab', 1, 2500, 2500)",
                    (bill_id,),
                )
                bills[patient_id] = bill_id
        kiosk_id, token = kiosks[number - 1] if number else ("", "")
        clients.append(Client(kiosk_id, token, patients, appointments, bills))
    return clients


class Killer(threading.Thread):
    """``kill -9`` the server as soon as the first write was acknowledged (``under_way``), then
    at random moments, starting it again each time, until told to stop.

    The first kill waits for no timer: on a quiet machine every write could be acknowledged
    before the first random uptime ended, and no kill would hit a write at all."""

    def __init__(self, server: ServerProcess, seed: int, after_s: tuple[float, float]) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.after_s = after_s
        self.rng = random.Random(seed)
        self.under_way = threading.Event()
        self.done = threading.Event()
        self.kills = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.under_way.wait()
            pause_s = 0.0
            while not self.done.wait(pause_s):
                self.server.kill()
                self.kills += 1
                self.server.start()
                pause_s = self.rng.uniform(*self.after_s)
        except BaseException as exc:  # reported by the harness, not lost in a thread
            self.error = exc


def _send(
    session: requests.Session, url: str, method: str, body: Any, headers: dict[str, str]
) -> tuple[requests.Response | None, bool]:
    """One attempt: the answer, or None and True when the request got no answer."""
    try:
        return session.request(method, url, json=body, headers=headers, timeout=10), False
    except requests.RequestException:
        return None, True


def _drive(
    client: Client,
    url: str,
    target: int,
    result: CrashResult,
    lock: threading.Lock,
    under_way: threading.Event,
) -> None:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {client.token}"

        def until_answered(
            method: str, path: str, body: Any, headers: dict[str, str]
        ) -> tuple[requests.Response, bool]:
            interrupted = False
            deadline = time.monotonic() + GIVE_UP_S
            while time.monotonic() < deadline:
                response, lost = _send(session, f"{url}{API_PREFIX}{path}", method, body, headers)
                interrupted |= lost
                if response is not None:
                    return response, interrupted
                time.sleep(RETRY_PAUSE_S)
            raise RuntimeError(f"no answer to {method} {path} within {GIVE_UP_S:.0f} s")

        for patient_id, card in client.patients:
            response, _ = until_answered(
                "POST", "/patients/identify", {"kind": "patient_card", "value": card}, {}
            )
            response.raise_for_status()
            client.visits[patient_id] = response.json()["visit_token"]

        sessions_left = {
            p: [f"crash-s{n:02d}" for n in range(SESSIONS)] for p, _ in client.patients
        }
        payment_of: dict[str, str] = {}
        step = 0
        while len(client.writes) < target:
            kind = CYCLE[step % len(CYCLE)]
            patient_id = client.patients[(step // len(CYCLE)) % len(client.patients)][0]
            step += 1
            body: dict[str, Any]
            if kind == "check_in":
                path, body = f"/appointments/{client.appointments[patient_id].pop()}/check-in", {}
            elif kind == "registration":
                path = "/registrations"
                body = {"patient_id": patient_id, "session_id": sessions_left[patient_id].pop()}
            elif kind == "payment":
                path, body = (
                    "/payments",
                    {"patient_id": patient_id, "bill_ids": [client.bills[patient_id]]},
                )
            elif kind == "cancel":
                path, body = f"/payments/{payment_of[patient_id]}/cancel", {}
            else:
                path, body = "/feedback", {"rating": 1 + step % 5, "context": "checkin"}
            write = Write(kind, uuid.uuid4().hex, path, body)
            headers = {IDEMPOTENCY_HEADER: write.key, VISIT_TOKEN_HEADER: client.visits[patient_id]}
            response, interrupted = until_answered("POST", path, body, headers)
            write.status = response.status_code
            write.answer = response.json()
            if kind == "payment" and response.ok:
                payment_of[patient_id] = write.answer["id"]
            with lock:
                result.interrupted += interrupted
                if response.ok:
                    client.writes.append(write)
                    result.by_kind[kind] += 1
                    under_way.set()
                else:
                    result.refused[response.status_code] += 1
                    result.problems.append(
                        f"{kind} {path}: {response.status_code} {response.text[:200]}"
                    )
                    if len(result.problems) > 20:
                        raise RuntimeError("too many refused writes: " + "; ".join(result.problems))


def _verify(conn: Connection, clients: list[Client], result: CrashResult) -> None:
    """Count lost, duplicated and mismatched writes from the database."""

    def one(sql: str, *args: Any) -> int:
        return int(conn.execute(sql, args).fetchone()[0])

    for client in clients:
        stored = {
            row["key"]: json.loads(row["body"])
            for row in conn.execute(
                "SELECT key, body FROM idempotency_keys WHERE kiosk_id = ?", (client.kiosk_id,)
            )
        }
        for write in client.writes:
            if write.key not in stored:
                result.lost += 1
                result.problems.append(f"lost {write.kind} {write.key}")
                continue
            if stored[write.key] != write.answer:
                result.mismatched += 1
            answer = write.answer
            if write.kind == "check_in":
                appointment_id = write.path.split("/")[2]
                found = one("SELECT count(*) FROM tickets WHERE appointment_id = ?", appointment_id)
                same = one(
                    "SELECT count(*) FROM tickets t JOIN appointments a ON a.ticket_id = t.id "
                    "WHERE a.id = ? AND t.number = ?",
                    appointment_id,
                    answer["ticket"]["number"],
                )
                result.lost += found == 0 or same == 0
                result.duplicated += max(0, found - 1)
            elif write.kind == "registration":
                found = one(
                    "SELECT count(*) FROM registrations WHERE patient_id = ? AND session_id = ?",
                    write.body["patient_id"],
                    write.body["session_id"],
                )
                result.lost += (
                    one(
                        "SELECT count(*) FROM registrations WHERE id = ? AND status = 'confirmed'",
                        answer["registration"]["id"],
                    )
                    == 0
                )
                result.duplicated += max(0, found - 1)
            elif write.kind == "payment":
                result.lost += one("SELECT count(*) FROM payments WHERE id = ?", answer["id"]) == 0
            elif write.kind == "cancel":
                result.lost += (
                    one(
                        "SELECT count(*) FROM payments WHERE id = ? AND status = 'cancelled'",
                        answer["id"],
                    )
                    == 0
                )
            elif write.kind == "feedback":
                feedback_id = int(answer["id"].removeprefix("fb-"))
                result.lost += one("SELECT count(*) FROM feedback WHERE id = ?", feedback_id) == 0
        # Every effect made by these clients, against the writes they had acknowledged.
        kinds = Counter(write.kind for write in client.writes)
        patients = [p for p, _ in client.patients]
        marks = ",".join("?" * len(patients))
        payments = one(f"SELECT count(*) FROM payments WHERE patient_id IN ({marks})", *patients)
        feedback = one("SELECT count(*) FROM feedback WHERE kiosk_id = ?", client.kiosk_id)
        result.duplicated += max(0, payments - kinds["payment"])
        result.duplicated += max(0, feedback - kinds["feedback"])
        result.lost += max(0, kinds["payment"] - payments) + max(0, kinds["feedback"] - feedback)


def run(
    writes: int,
    target: Target,
    scratch: Path,
    kill_after_s: tuple[float, float],
    seed: int = 14,
) -> CrashResult:
    """``writes`` acknowledged writes into the new database ``target`` while the server is
    killed after a random uptime in ``kill_after_s`` each time (its log goes to ``scratch``)."""
    conn = seeded_database(target)
    try:
        clients = _prepare(conn, writes)
    finally:
        conn.close()
    clients[0].kiosk_id = "crash-kiosk"
    clients[0].token = add_kiosk_cli(target, "crash-kiosk")
    result = CrashResult()
    lock = threading.Lock()
    share = -(-writes // CLIENTS)
    began = time.monotonic()
    with ServerProcess(target, scratch / "crash-server.log") as server:
        killer = Killer(server, seed, kill_after_s)
        errors: list[BaseException] = []

        def drive(client: Client) -> None:
            try:
                _drive(client, server.url, share, result, lock, killer.under_way)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=drive, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        killer.start()
        try:
            for thread in threads:
                thread.join()
        finally:
            killer.done.set()
            killer.under_way.set()  # no write was acknowledged: the killer stops too
            killer.join()
        result.kills = killer.kills
        if killer.error is not None:
            raise killer.error
        if errors:
            raise errors[0]
        # The last word: one more kill -9, then read what the restarted server kept.
        server.kill()
        result.kills += 1
        server.start()
        requests.get(f"{server.url}{API_PREFIX}/health", timeout=10).raise_for_status()
    result.seconds = time.monotonic() - began
    result.writes = sum(len(client.writes) for client in clients)
    conn = db.connect(target)
    try:
        _verify(conn, clients, result)
    finally:
        conn.close()
    return result
