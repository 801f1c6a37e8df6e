"""What the hospital's system must still be told: an outbox of writes to a remote clinical source.

A write to the hospital's FHIR server cannot share a transaction with the server's own
database, so each one the server owes is first a row here, written in the same local
transaction as the change that makes it owed, and then carried out after the commit, again
and again with a growing pause until the hospital's system took it:

- ``settle_bill``: a bill copied from the hospital (``clinical_copies.keep_bills``) has a row
  that is not due; the payment that pays it makes it due (``bills_paid``), and the invoice is
  then balanced there.
- ``booking``: before a registration books a slot there, a row with the booking's key, due
  after ``BOOKING_GRACE`` (``booking_started``). The registration recorded here takes it over
  (``booking_recorded``: no longer due). If the registration is cancelled (its fee never paid,
  ``registration_cancelled``) or was never recorded (the server died between the booking and
  its own commit), the booking is cancelled there and its slot freed.

``run_due`` carries out the due writes; the routes call it for the rows they just made due, and
``HospitalWriter`` calls it every few seconds so that nothing waits for a patient to come back.
Rows are claimed with a lease, so several server processes never send the same write at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Sequence

from kiosk.server import holds
from kiosk.server.clinical import ClinicalError, RecordNotFoundError, RemoteClinicalSource
from kiosk.server.db import Connection, Target, connect, to_db_time, write_transaction

_LOG = logging.getLogger(__name__)

BOOKING_GRACE = dt.timedelta(minutes=10)  # longer than any registration request can take
LEASE = dt.timedelta(minutes=2)  # a claimed write is another process's to retry after this
FIRST_RETRY = dt.timedelta(seconds=30)
LAST_RETRY = dt.timedelta(minutes=15)
BATCH = 50
INTERVAL_S = 15.0
_BOOKING_KEYS = uuid.UUID("6f1c7d2e-8a4b-4c7e-9d1a-2b3c4d5e6f70")


def booking_key(kiosk_id: str, idempotency_key: str) -> str:
    """The key a registration's booking carries at the hospital: the same for every retry of
    one request (its Idempotency-Key), so a retry finds the booking instead of making another."""
    return uuid.uuid5(_BOOKING_KEYS, kiosk_id + "\n" + idempotency_key).urn


def _epoch(moment: dt.datetime) -> float:
    return moment.timestamp()


def bill_copied(conn: Connection, bill_id: str) -> None:
    """A bill that is the hospital's invoice: its settlement is owed once it is paid."""
    conn.execute(
        "INSERT INTO hospital_writes (kind, ref) VALUES ('settle_bill', ?) "
        "ON CONFLICT (kind, ref) DO NOTHING",
        (bill_id,),
    )


def bills_paid(conn: Connection, bill_ids: Sequence[str], now: dt.datetime) -> None:
    """Inside the payment's transaction: the hospital's invoices among ``bill_ids`` are due."""
    if bill_ids:
        marks = ", ".join("?" * len(bill_ids))
        conn.execute(
            "UPDATE hospital_writes SET owed_at = ?, due_at = ? WHERE kind = 'settle_bill' "
            f"AND done_at IS NULL AND ref IN ({marks})",
            (to_db_time(now), _epoch(now), *bill_ids),
        )


def booking_started(conn: Connection, key: str, now: dt.datetime) -> None:
    """Before booking at the hospital: a booking nobody records is cancelled there later."""
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO hospital_writes (kind, ref, owed_at, due_at) "
            "VALUES ('booking', ?, ?, ?) ON CONFLICT (kind, ref) DO NOTHING",
            (key, to_db_time(now), _epoch(now + BOOKING_GRACE)),
        )


def booking_refused(conn: Connection, key: str) -> None:
    """The hospital booked nothing under ``key`` (full, over, unknown): nothing to undo."""
    with write_transaction(conn):
        conn.execute(
            "DELETE FROM hospital_writes WHERE kind = 'booking' AND ref = ? "
            "AND registration_id IS NULL",
            (key,),
        )


def booking_recorded(conn: Connection, key: str, registration_id: str) -> None:
    """Inside the registration's transaction: the booking is the registration's now."""
    conn.execute(
        "UPDATE hospital_writes SET registration_id = ?, due_at = NULL "
        "WHERE kind = 'booking' AND ref = ?",
        (registration_id, key),
    )


def registration_cancelled(conn: Connection, registration_id: str, now: dt.datetime) -> None:
    """Inside the transaction that cancels it: the registration's booking there is undone."""
    conn.execute(
        "UPDATE hospital_writes SET owed_at = ?, due_at = ? WHERE kind = 'booking' "
        "AND registration_id = ? AND done_at IS NULL",
        (to_db_time(now), _epoch(now), registration_id),
    )


def waiting(conn: Connection) -> tuple[int, dt.datetime | None]:
    """How many writes the hospital's system has not taken yet, and since when the oldest."""
    rows = conn.execute(
        "SELECT owed_at FROM hospital_writes "
        "WHERE done_at IS NULL AND due_at IS NOT NULL AND attempts > 0"
    ).fetchall()
    owed = [dt.datetime.fromisoformat(row[0]) for row in rows]
    return len(owed), min(owed, default=None)


def run_due(
    conn: Connection,
    remote: RemoteClinicalSource,
    now: dt.datetime,
    refs: Sequence[str] | None = None,
) -> int:
    """Carry out the writes that are due (only those among ``refs``, due or waiting for their
    next try, when given); returns how many the hospital's system took."""
    if refs is not None and not refs:
        return 0
    if refs is None:
        rows = conn.execute(
            "SELECT id, kind, ref, registration_id, due_at, attempts FROM hospital_writes "
            "WHERE due_at IS NOT NULL AND due_at <= ? AND done_at IS NULL "
            "ORDER BY due_at LIMIT ?",
            (_epoch(now), BATCH),
        ).fetchall()
    else:
        marks = ", ".join("?" * len(refs))
        rows = conn.execute(
            "SELECT id, kind, ref, registration_id, due_at, attempts FROM hospital_writes "
            f"WHERE due_at IS NOT NULL AND done_at IS NULL AND ref IN ({marks})",
            tuple(refs),
        ).fetchall()
    taken = 0
    for row in rows:
        with write_transaction(conn):
            claimed = conn.execute(
                "UPDATE hospital_writes SET due_at = ?, attempts = attempts + 1 "
                "WHERE id = ? AND due_at = ? AND done_at IS NULL",
                (_epoch(now + LEASE), row["id"], row["due_at"]),
            ).rowcount
        if not claimed:
            continue  # another process has it
        try:
            outcome = _carry_out(conn, remote, row["kind"], row["ref"], row["registration_id"])
        except ClinicalError as exc:
            pause = min(LAST_RETRY, FIRST_RETRY * 2 ** int(row["attempts"]))
            _LOG.warning(
                "the hospital's system did not take %s %s: %s", row["kind"], row["ref"], exc
            )
            with write_transaction(conn):
                conn.execute(
                    "UPDATE hospital_writes SET due_at = ?, last_error = ? WHERE id = ?",
                    (_epoch(now + pause), str(exc)[:500], row["id"]),
                )
            continue
        with write_transaction(conn):
            conn.execute(
                "UPDATE hospital_writes SET due_at = NULL, done_at = ?, last_error = ? "
                "WHERE id = ?",
                (to_db_time(now), outcome, row["id"]),
            )
        taken += 1
    return taken


def _carry_out(
    conn: Connection,
    remote: RemoteClinicalSource,
    kind: str,
    ref: str,
    registration_id: str | None,
) -> str:
    """One write; what is worth noting about it ('' when it simply went through)."""
    if kind == "settle_bill":
        try:
            remote.mark_bill_paid(ref)
        except RecordNotFoundError:
            return "the invoice is gone at the hospital"
        return ""
    if registration_id is not None:
        status = conn.execute(
            "SELECT status FROM registrations WHERE id = ?", (registration_id,)
        ).fetchone()
        if status is not None and status[0] != "cancelled":
            return "kept: the registration holds it"
    return "" if remote.cancel_booking(ref) else "nothing was booked"


class HospitalWriter:
    """A daemon thread that writes lapsed registrations down and runs the due writes every
    ``interval_s``; :meth:`start` once, :meth:`stop`."""

    def __init__(
        self,
        target: Target,
        remote: RemoteClinicalSource,
        clock: Callable[[], dt.datetime],
        interval_s: float = INTERVAL_S,
    ) -> None:
        self._target = target
        self._remote = remote
        self._clock = clock
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hospital-writes", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout_s)

    def run_once(self) -> int:
        """One round: release lapsed registrations, then the due writes; how many went out."""
        conn = connect(self._target)
        try:
            now = self._clock()
            with write_transaction(conn):
                holds.release_lapsed(conn, now)
            return run_due(conn, self._remote, now)
        finally:
            conn.close()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self.run_once()
            except Exception:  # the next round starts afresh; the rows stay due
                _LOG.exception("a round of writes to the hospital's system failed")
