"""The kiosk's own durable memory: a small SQLite file in the app data dir.

Two things must survive a timeout, a crash or a power cut:

- **Pending payments.** A payment is written here *before* its QR code is shown, with the
  Idempotency-Key that created it. On the next start every unfinished one is reconciled with
  the server: paid ones whose receipt the printer has not finished get it printed, the rest
  are cancelled.
- **Report print jobs.** A report's job is written here before it goes to CUPS (its job id
  once CUPS answers) and removed when its "printed" message is in the outbox: on the next start
  a job CUPS completed is recorded once, and one still waiting is cancelled (never sent again).
- **Receipt reprints not printed yet.** A reprint (票据补打) is counted by the server before
  it prints; its Idempotency-Key is kept here, per receipt, until the printer finished the copy.
  Asking again for that receipt (a printer fault, a lost answer, a kiosk stopped before
  printing) sends the same key, so the server replays the copy it counted instead of counting
  another.
- **The outbox.** Messages that may wait (feedback, usage events) are kept until the server
  has taken them; each keeps its Idempotency-Key (a usage event its event id) so a resend
  after a lost answer is not a duplicate.

Every write is one committed transaction (WAL, synchronous=FULL): when a method returns, the
record is on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.private_files import private_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_payments (
    payment_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    patient_name TEXT NOT NULL DEFAULT '',
    bill_ids TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    receipt_printed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS report_jobs (
    idempotency_key TEXT PRIMARY KEY,
    report_id TEXT NOT NULL,
    pages INTEGER NOT NULL,
    job_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS receipt_reprints (
    receipt_number TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True)
class PendingPayment:
    payment_id: str
    idempotency_key: str
    patient_id: str
    patient_name: str  # as the server sent it, already masked; for the receipt
    bill_ids: tuple[str, ...]
    amount_cents: int
    created_at: dt.datetime
    state: str
    receipt_printed: bool


@dataclass(frozen=True)
class ReportJob:
    """A report sent to CUPS whose end the kiosk has not seen yet (``job_id`` None: the
    kiosk stopped before CUPS answered)."""

    idempotency_key: str
    report_id: str
    pages: int
    job_id: int | None


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    kind: str
    idempotency_key: str
    body: dict[str, Any]
    attempts: int


class Journal:
    """Thread-safe: one connection guarded by a lock (the writes are tiny and rare)."""

    def __init__(self, path: Path) -> None:
        # Owner-only: SQLite gives its WAL and shared-memory files the database file's mode.
        private_file(path)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.executescript(SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(pending_payments)")}
        if "patient_name" not in columns:  # a journal written by version 0.1
            self._conn.execute(
                "ALTER TABLE pending_payments ADD COLUMN patient_name TEXT NOT NULL DEFAULT ''"
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- payments ----------------------------------------------------------------------------

    def record_payment(
        self,
        payment_id: str,
        idempotency_key: str,
        patient_id: str,
        bill_ids: tuple[str, ...],
        amount_cents: int,
        patient_name: str = "",
    ) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO pending_payments (payment_id, idempotency_key, patient_id,"
                " patient_name, bill_ids, amount_cents, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    payment_id,
                    idempotency_key,
                    patient_id,
                    patient_name,
                    json.dumps(list(bill_ids)),
                    amount_cents,
                    _now(),
                ),
            )

    def unfinished_payments(self) -> list[PendingPayment]:
        """Payments whose outcome is not settled, or whose receipt was not printed yet."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT payment_id, idempotency_key, patient_id, patient_name, bill_ids,"
                " amount_cents,"
                " created_at, state, receipt_printed FROM pending_payments"
                " WHERE state = 'pending' OR (state = 'paid' AND receipt_printed = 0)"
                " ORDER BY created_at"
            ).fetchall()
        return [
            PendingPayment(
                row[0],
                row[1],
                row[2],
                row[3],
                tuple(json.loads(row[4])),
                row[5],
                dt.datetime.fromisoformat(row[6]),
                row[7],
                bool(row[8]),
            )
            for row in rows
        ]

    def settle_payment(self, payment_id: str, state: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE pending_payments SET state = ? WHERE payment_id = ?", (state, payment_id)
            )

    def receipt_due(self, payment_id: str) -> bool:
        """The payment's receipt has not been printed yet (as far as the printer reported)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT receipt_printed FROM pending_payments WHERE payment_id = ?", (payment_id,)
            ).fetchone()
        return row is None or not row[0]

    def mark_receipt_printed(self, payment_id: str) -> bool:
        """Called once the printer has finished the receipt: True the first time only.

        Marked after the printing, not before: a crash in between leaves it unmarked and
        reconciliation prints it on the next start (printed once, unless the crash falls
        between the printer finishing and this mark)."""
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE pending_payments SET receipt_printed = 1"
                " WHERE payment_id = ? AND receipt_printed = 0",
                (payment_id,),
            )
            return cursor.rowcount == 1

    # -- report print jobs -------------------------------------------------------------------

    def record_report_job(self, idempotency_key: str, report_id: str, pages: int) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO report_jobs (idempotency_key, report_id, pages, created_at)"
                " VALUES (?, ?, ?, ?)",
                (idempotency_key, report_id, pages, _now()),
            )

    def set_report_job_id(self, idempotency_key: str, job_id: int) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE report_jobs SET job_id = ? WHERE idempotency_key = ?",
                (job_id, idempotency_key),
            )

    def report_jobs(self) -> list[ReportJob]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT idempotency_key, report_id, pages, job_id FROM report_jobs"
                " ORDER BY created_at"
            ).fetchall()
        return [ReportJob(row[0], row[1], row[2], row[3]) for row in rows]

    def finish_report_job(
        self, idempotency_key: str, printed: tuple[str, dict[str, Any]] | None
    ) -> None:
        """Forget the job, and queue its ``(kind, body)`` "printed" message with its key in
        the same transaction when it printed."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                if printed is not None:
                    kind, body = printed
                    self._conn.execute(
                        "INSERT OR IGNORE INTO outbox (kind, idempotency_key, body, created_at)"
                        " VALUES (?, ?, ?, ?)",
                        (kind, idempotency_key, json.dumps(body, ensure_ascii=False), _now()),
                    )
                self._conn.execute(
                    "DELETE FROM report_jobs WHERE idempotency_key = ?", (idempotency_key,)
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- receipt reprints --------------------------------------------------------------------

    def reprint_key(self, receipt_number: str, new_key: str) -> str:
        """The key of the receipt's reprint not printed yet, or ``new_key`` kept as it."""
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO receipt_reprints (receipt_number, idempotency_key,"
                " created_at) VALUES (?, ?, ?)",
                (receipt_number, new_key, _now()),
            )
            row = self._conn.execute(
                "SELECT idempotency_key FROM receipt_reprints WHERE receipt_number = ?",
                (receipt_number,),
            ).fetchone()
        return str(row[0])

    def reprint_done(self, receipt_number: str) -> None:
        """The copy is out of the printer (or the server refused it, counting nothing): the
        next reprint of the receipt is a new one."""
        with self._lock:
            self._conn.execute(
                "DELETE FROM receipt_reprints WHERE receipt_number = ?", (receipt_number,)
            )

    # -- outbox ------------------------------------------------------------------------------

    def enqueue(self, kind: str, idempotency_key: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO outbox (kind, idempotency_key, body, created_at)"
                " VALUES (?, ?, ?, ?)",
                (kind, idempotency_key, json.dumps(body, ensure_ascii=False), _now()),
            )

    def enqueue_all(self, kind: str, messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Several ``(idempotency key, body)`` messages of one kind in one transaction."""
        now = _now()
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    "INSERT OR IGNORE INTO outbox (kind, idempotency_key, body, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [
                        (kind, key, json.dumps(body, ensure_ascii=False), now)
                        for key, body in messages
                    ],
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def outbox(
        self, limit: int = 20, *, kind: str | None = None, excluding: Collection[str] = ()
    ) -> list[OutboxMessage]:
        """The oldest messages: of one ``kind`` if given, else of every kind but ``excluding``."""
        kinds = [kind] if kind is not None else list(excluding)
        test = "kind = ?" if kind is not None else f"kind NOT IN ({', '.join('?' * len(kinds))})"
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, kind, idempotency_key, body, attempts FROM outbox"
                f" WHERE {test} ORDER BY id LIMIT ?",
                (*kinds, limit),
            ).fetchall()
        return [OutboxMessage(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def delivered(self, *message_ids: int) -> None:
        with self._lock:
            self._conn.executemany(
                "DELETE FROM outbox WHERE id = ?", [(message_id,) for message_id in message_ids]
            )

    def delivery_failed(self, message_id: int, error: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:200], message_id),
            )


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat()
