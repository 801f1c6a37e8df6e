"""Same-day registration under load: 30 kiosks at once for one session with 20 slots.

Each kiosk has its own token and client and registers its own patient for the same free
session, all released together by a barrier: exactly 20 must get a ticket, 10 must be refused
``session_full``, and no two tickets may share a number.
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
from kiosk.backend.errors import BackendRejectedError
from kiosk.server import db
from kiosk.server.db import Target
from kiosk.server.embedded import EmbeddedServer

KIOSKS = 30
SLOTS = 20
SESSION_ID = "bench-session"

Figure = tuple[str, float, str]


def _add_workload(db_path: Target, now: dt.datetime) -> list[tuple[str, str]]:
    """A free session of SLOTS slots that is open now, and one token per simulated kiosk."""
    conn = db.connect(db_path)
    try:
        doctor, department = conn.execute(
            "SELECT id, department_id FROM doctors ORDER BY id LIMIT 1"
        ).fetchone()
        patients = [
            (row[0], row[1])
            for row in conn.execute(
                "SELECT id, id_number FROM patients WHERE id_number IS NOT NULL ORDER BY id "
                "LIMIT ?",
                (KIOSKS,),
            )
        ]
        with db.write_transaction(conn):
            conn.execute(
                "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
                "starts_at, ends_at, slots_total, slots_left, fee_cents) "
                "VALUES (?, ?, ?, ?, 'morning', ?, ?, ?, ?, 0)",
                (
                    SESSION_ID,
                    doctor,
                    department,
                    now.date().isoformat(),
                    db.to_db_time(now - dt.timedelta(minutes=5)),
                    db.to_db_time(now + dt.timedelta(hours=3)),
                    SLOTS,
                    SLOTS,
                ),
            )
        for kiosk in range(KIOSKS):
            db.add_kiosk(conn, f"bench-{kiosk:02d}", f"bench-token-{kiosk:02d}")
        return patients
    finally:
        conn.close()


def collect() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        db_path = Path(scratch) / "bench.sqlite3"
        with EmbeddedServer.start(db_path, seed_demo=True) as server:
            patients = _add_workload(db_path, server.clock())
            latencies: list[float] = []
            tickets: list[tuple[str, str, str]] = []
            refused: Counter[str] = Counter()
            failures = 0
            lock = threading.Lock()
            start_together = threading.Barrier(KIOSKS)

            def kiosk(number: int) -> None:
                nonlocal failures
                client = KioskApiClient(
                    server.url, f"bench-token-{number:02d}", f"bench-{number:02d}"
                )
                patient_id, id_number = patients[number]
                try:
                    try:
                        client.identify(IdentifierKind.id_card, id_number)  # the visit
                        identified = True
                    except Exception:
                        identified = False
                    start_together.wait()
                    if not identified:
                        with lock:
                            failures += 1
                        return
                    began = time.perf_counter()
                    try:
                        result = client.register(
                            patient_id, SESSION_ID, idempotency_key=new_idempotency_key()
                        )
                    except BackendRejectedError as error:
                        with lock:
                            latencies.append(time.perf_counter() - began)
                            refused[error.code] += 1
                        return
                    except Exception:
                        with lock:
                            failures += 1
                        return
                    ticket = result.registration.ticket
                    with lock:
                        latencies.append(time.perf_counter() - began)
                        if ticket is not None:
                            tickets.append(
                                (
                                    ticket.department.id,
                                    ticket.service_date.isoformat(),
                                    ticket.number,
                                )
                            )
                finally:
                    client.close()

            threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(KIOSKS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

    duplicates = sum(count - 1 for count in Counter(tickets).values() if count > 1)
    quantiles = statistics.quantiles(latencies, n=100)
    return [
        ("concurrent registrations", KIOSKS, f"kiosks for {SLOTS} slots"),
        ("registrations succeeded", len(tickets), "tickets"),
        ("refused session_full", refused["session_full"], "registrations"),
        ("duplicate ticket numbers", duplicates, "tickets"),
        ("registration latency p50", quantiles[49] * 1000, "ms"),
        ("registration latency p99", quantiles[98] * 1000, "ms"),
        ("failed requests", failures + sum(refused.values()) - refused["session_full"], "requests"),
    ]
