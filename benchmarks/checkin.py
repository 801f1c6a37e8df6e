"""Check-in under load: 50 kiosks at once against the reference server on loopback.

Every kiosk has its own token and client and checks in its own share of appointments spread
over three departments, so all of them compete for the same ticket counters. A tenth of the
check-ins are sent twice with the same Idempotency-Key, as a kiosk does after a lost answer.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from kiosk.api.models import IdentifierKind
from kiosk.backend.client import KioskApiClient, new_idempotency_key
from kiosk.server import db
from kiosk.server.db import Target
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.visits import Limits

KIOSKS = 50
CHECK_INS_PER_KIOSK = 20
DEPARTMENTS = 3
REPEAT_EVERY = 10

Figure = tuple[str, float, str]


def _add_workload(db_path: Target, now: dt.datetime) -> list[tuple[str, str]]:
    """Appointments inside their check-in window (with the ID number that identifies each
    one's patient), and one token per simulated kiosk."""
    conn = db.connect(db_path)
    try:
        departments = conn.execute(
            "SELECT d.id, (SELECT id FROM doctors WHERE department_id = d.id LIMIT 1) AS doctor"
            " FROM departments d ORDER BY d.sort LIMIT ?",
            (DEPARTMENTS,),
        ).fetchall()
        patients = [
            (row[0], row[1])
            for row in conn.execute(
                "SELECT id, id_number FROM patients WHERE id_number IS NOT NULL ORDER BY id"
            )
        ]
        starts = now + dt.timedelta(minutes=15)
        ids = []
        with db.write_transaction(conn):
            for index in range(KIOSKS * CHECK_INS_PER_KIOSK):
                department, doctor = departments[index % len(departments)]
                appointment_id = f"bench-{index:05d}"
                conn.execute(
                    "INSERT INTO appointments (id, patient_id, department_id, doctor_id,"
                    " service_date, starts_at, ends_at, status) VALUES (?,?,?,?,?,?,?, 'booked')",
                    (
                        appointment_id,
                        patients[index % len(patients)][0],
                        department,
                        doctor,
                        starts.date().isoformat(),
                        starts.isoformat(),
                        (starts + dt.timedelta(minutes=15)).isoformat(),
                    ),
                )
                ids.append((appointment_id, patients[index % len(patients)][1]))
        for kiosk in range(KIOSKS):
            db.add_kiosk(conn, f"bench-{kiosk:02d}", f"bench-token-{kiosk:02d}")
        return ids
    finally:
        conn.close()


def collect() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        db_path = Path(scratch) / "bench.sqlite3"
        # Each check-in is its own visit (identify, then check in): the identify rate limit
        # is for one lobby kiosk's patients, not for this load generator.
        limits = Limits(identify_per_window=1_000_000)
        with EmbeddedServer.start(db_path, seed_demo=True, limits=limits) as server:
            appointments = _add_workload(db_path, dt.datetime.now().astimezone())
            latencies: list[float] = []
            tickets: list[tuple[str, str, str]] = []
            replay_mismatches = 0
            failures = 0
            lock = threading.Lock()
            start_together = threading.Barrier(KIOSKS)

            def kiosk(number: int) -> None:
                nonlocal replay_mismatches, failures
                client = KioskApiClient(
                    server.url, f"bench-token-{number:02d}", f"bench-{number:02d}"
                )
                mine = appointments[number::KIOSKS]
                start_together.wait()
                try:
                    for index, (appointment_id, id_number) in enumerate(mine):
                        try:
                            client.identify(IdentifierKind.id_card, id_number)
                        except Exception:
                            with lock:
                                failures += 1
                            continue
                        key = new_idempotency_key()
                        sends = 2 if index % REPEAT_EVERY == 0 else 1
                        answers = []
                        for _ in range(sends):
                            began = time.perf_counter()
                            try:
                                answers.append(client.check_in(appointment_id, idempotency_key=key))
                            except Exception:
                                with lock:
                                    failures += 1
                                continue
                            with lock:
                                latencies.append(time.perf_counter() - began)
                        if not answers:
                            continue
                        ticket = answers[0].ticket
                        with lock:
                            tickets.append(
                                (
                                    ticket.department.id,
                                    ticket.service_date.isoformat(),
                                    ticket.number,
                                )
                            )
                            replay_mismatches += sum(a != answers[0] for a in answers[1:])
                finally:
                    client.close()

            threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(KIOSKS)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began

    duplicates = sum(count - 1 for count in Counter(tickets).values() if count > 1)
    quantiles = statistics.quantiles(latencies, n=100)
    return [
        ("concurrent kiosks", KIOSKS, "kiosks"),
        ("check-ins issued", len(tickets), "tickets"),
        ("check-in throughput", len(latencies) / elapsed, "requests/s"),
        ("check-in latency p50", quantiles[49] * 1000, "ms"),
        ("check-in latency p99", quantiles[98] * 1000, "ms"),
        ("duplicate ticket numbers", duplicates, "tickets"),
        ("retries answered with a different ticket", replay_mismatches, "check-ins"),
        ("failed requests", failures, "requests"),
    ]
