"""Storage of the reference server: connections, transactions, small writers.

One code base for two engines. SQLite (a file path) is the embedded default: WAL mode so
readers never wait for the writer, a busy timeout so concurrent writers queue instead of
failing, and every state change inside ``write_transaction`` (``BEGIN IMMEDIATE``): the write
lock is taken up front, so two kiosks can never interleave the read-then-write of a counter.
PostgreSQL (a ``postgresql://`` URL, see ``pg``) runs the same SQL; there a write transaction is
``BEGIN`` at READ COMMITTED, and the writers whose decision depends on what they read take the
rows they depend on first (``lock_rows``, ``lock_key``), or decide in one statement (``UPDATE
… RETURNING``, ``INSERT … ON CONFLICT``, unique constraints). Nothing relies on a lock held by
one process.

The server's requests borrow connections from a ``Database`` and give them back (no connect
per request). Datetimes are stored as ISO 8601 strings *with* their UTC offset and compared
in Python after parsing, never as strings. Dates are stored as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio
import anyio.to_thread

BUSY_TIMEOUT_MS = 5000
# Connections a server process opens at most: one per thread that runs requests (anyio's
# default of 40), so a busy server reuses every one; see ``Database``.
MAX_CONNECTIONS = 40
RESERVED_FOR_THREADS = 8  # connections only threads may take (``Database.borrowed``)
POOL_WAIT_S = 10.0

# The check-in rules, in one place: a patient may check in from CHECK_IN_OPENS_BEFORE before the
# appointment until CHECK_IN_CLOSES_AFTER after it. Outside that: 409 too_early / too_late.
CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=60)
CHECK_IN_CLOSES_AFTER = dt.timedelta(minutes=30)

# Minutes per waiting patient used for the estimate when a department does not set its own.
DEFAULT_MINUTES_PER_PATIENT = 6

Clock = Callable[[], dt.datetime]

Target = str | os.PathLike[str]
"""Where the data lives: a SQLite file, or a ``postgresql://`` URL."""


def system_clock() -> dt.datetime:
    """The default clock: local time, timezone-aware."""
    return dt.datetime.now().astimezone()


def is_postgres(target: Target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def describe(target: Target) -> str:
    """The target for a log line or an error: a PostgreSQL URL without its password."""
    if not is_postgres(target):
        return str(target)
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(str(target))
    if parts.password is None:
        return str(target)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# --- the connection interface both engines offer ---------------------------------------------


class Row(Protocol):
    """A result row: ``row["column"]`` or ``row[0]``."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the server's code uses of a connection: SQL with ``?`` placeholders, in
    autocommit mode unless inside ``write_transaction``."""

    @property
    def dialect(self) -> str: ...

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...

    def close(self) -> None: ...


class KioskConnection(sqlite3.Connection):
    """A SQLite connection that knows the in-process writer lock of its database file."""

    dialect = "sqlite"
    write_lock: threading.Lock | None = None


_write_locks: dict[Path, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock_for(path: Path) -> threading.Lock:
    key = path.resolve()
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


def connect(target: Target) -> Connection:
    """A new connection in autocommit mode; use ``write_transaction`` for changes.

    The caller closes it. A SQLite connection's ``check_same_thread`` is off because FastAPI
    may open, use and close a request's connection on different worker threads; a connection
    is never used by two requests at once.
    """
    if is_postgres(target):
        from kiosk.server import pg

        return pg.connect(str(target))
    path = Path(target)
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        factory=KioskConnection,
    )
    conn.write_lock = _write_lock_for(path)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")  # an acknowledged commit survives a power cut
    return conn


class PoolExhaustedError(Exception):
    """Every connection of this server process stayed busy for ``POOL_WAIT_S``."""


class Database:
    """The server's data: its target and the connections requests borrow and give back.

    Reusing connections saves a connect per request (for PostgreSQL a socket handshake and
    authentication; for SQLite the file open and its pragmas). At most ``max_open`` exist at
    once, so a PostgreSQL server's ``max_connections`` can be sized: workers × ``max_open``,
    plus one listener per worker. The event loop's callers (the requests, the event streams)
    wait for their turn in ``borrowed`` without holding a thread: a request holds its
    connection while its handler waits for one of the threads that run handlers, so threads
    that waited for connections could leave no thread to finish the requests holding them.
    Fewer turns than connections (``RESERVED_FOR_THREADS``) keep some for the rest. A caller
    that finds them all busy for ``wait_s`` gets ``PoolExhaustedError``, answered 503. A
    connection returned broken or mid-transaction is closed; one broken by a lost database
    also drops the idle ones, which lost it too (a restart of PostgreSQL costs one failed
    request, not one per idle connection).
    """

    def __init__(
        self, target: Target, *, max_open: int = MAX_CONNECTIONS, wait_s: float = POOL_WAIT_S
    ) -> None:
        self.target = target
        self.dialect = "postgresql" if is_postgres(target) else "sqlite"
        self._slots = threading.BoundedSemaphore(max_open)
        self._turns = anyio.Semaphore(max(1, max_open - RESERVED_FOR_THREADS))
        self._max_open = max_open
        self._wait_s = wait_s
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    @asynccontextmanager
    async def borrowed(self) -> AsyncIterator[Connection]:
        """``connection`` for the event loop: its turn awaited there. An idle connection is
        taken and given back right there (no I/O, and a hop to a worker thread and back costs
        a request more than its SQL); opening, waiting for a slot and closing happen in
        worker threads (shielded, so a cancelled request loses none)."""
        try:
            with anyio.fail_after(self._wait_s):
                await self._turns.acquire()
        except TimeoutError:
            raise PoolExhaustedError(f"no connection free for {self._wait_s} s") from None
        try:
            idle = self._take_idle()
            if idle is not None:
                conn = idle
            else:
                with anyio.CancelScope(shield=True):
                    conn = await anyio.to_thread.run_sync(self._take)
            try:
                yield conn
            finally:
                if not self._keep(conn):
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(self._give_back, conn)
        finally:
            self._turns.release()

    def _take_idle(self) -> Connection | None:
        """An idle connection with its slot, without waiting; None when none is idle."""
        if not self._slots.acquire(blocking=False):
            return None
        with self._lock:
            if self._idle:
                return self._idle.pop()
        self._slots.release()
        return None

    def _keep(self, conn: Connection) -> bool:
        """Give a healthy connection back to the idle ones (True), or leave it to
        ``_give_back`` (False): it is closed there."""
        if getattr(conn, "broken", False) or conn.in_transaction:
            return False
        with self._lock:
            if self._closed:
                return False
            self._idle.append(conn)
        self._slots.release()
        return True

    def _take(self) -> Connection:
        if not self._slots.acquire(timeout=self._wait_s):
            raise PoolExhaustedError(f"all {self._max_open} connections busy for {self._wait_s} s")
        try:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            return conn if conn is not None else connect(self.target)
        except BaseException:
            self._slots.release()
            raise

    def _give_back(self, conn: Connection) -> None:
        if self._keep(conn):
            return
        try:
            conn.close()
            if getattr(conn, "broken", False):
                self._close_idle()
        finally:
            self._slots.release()

    def _close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._close_idle()


def run_script(conn: Connection, script: str) -> None:
    """Several DDL statements in the caller's transaction, on either engine.

    (``sqlite3``'s own ``executescript`` would commit the open transaction first.)
    """
    if conn.dialect == "postgresql":
        conn.execute(script)
        return
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")


def open_database(target: Target, *, migrate: bool = False) -> Connection:
    """Connect to ``target``, creating the SQLite file and an empty database's schema.

    An existing database's schema must be this server's (``schema.check``) unless ``migrate``:
    then older schemas are brought up to date (``kiosk-server migrate``, the embedded demo).
    A new SQLite file is owner-only (0600; its WAL files follow its mode), as are the
    directories made for it: the database holds patients' records and the kiosks' token
    hashes.
    """
    from kiosk.server import schema

    if not is_postgres(target):
        _private_file(Path(target))
    conn = connect(target)
    try:
        if conn.dialect == "sqlite":
            conn.execute("PRAGMA journal_mode = WAL")  # kept by the file
        found = schema.schema_version(conn)
        if found is None or migrate:
            schema.migrate(conn, now=system_clock())
        else:
            schema.check(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _private_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if os.name == "posix":
        with contextlib.suppress(OSError):  # someone else's file: leave its mode alone
            os.chmod(path, 0o600)


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """``BEGIN IMMEDIATE`` (SQLite) or ``BEGIN`` (PostgreSQL) … ``COMMIT``, or ``ROLLBACK``
    when the block raises.

    SQLite writers of the same file in this process first queue on a ``threading.Lock``:
    SQLite's own busy handler polls with growing sleeps, which under 50 concurrent writers
    gives a tail of seconds. ``BEGIN IMMEDIATE`` still guards against writers in other
    processes. PostgreSQL needs neither: its writers wait on the rows they lock.
    """
    lock = getattr(conn, "write_lock", None)
    if lock is None:
        yield from _write_transaction(conn)
        return
    with lock:
        yield from _write_transaction(conn)


def _write_transaction(conn: Connection) -> Iterator[Connection]:
    conn.execute("BEGIN" if conn.dialect == "postgresql" else "BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(Exception):  # a lost connection has rolled back already
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def require_transaction(conn: Connection) -> None:
    """Refuse to run outside a write transaction: for writers whose check and the change that
    depends on it must be one atomic step."""
    if not conn.in_transaction:
        raise RuntimeError("needs an open write transaction")


def lock_rows(conn: Connection, table: str, ids: Iterable[object]) -> None:
    """Hold these rows (by ``id``) until the transaction ends, so that what was read of them
    still holds when the change is written.

    PostgreSQL: ``SELECT … FOR UPDATE``, in id order so two writers never wait on each other
    in a circle. SQLite: nothing to do, ``BEGIN IMMEDIATE`` already holds the whole file.
    """
    require_transaction(conn)
    if conn.dialect != "postgresql":
        return
    for ident in sorted(set(ids), key=str):
        conn.execute(f"SELECT 1 FROM {table} WHERE id = ? FOR UPDATE", (ident,))


def lock_key(conn: Connection, *parts: str) -> None:
    """Hold a named lock until the transaction ends: for decisions about rows that may not
    exist yet (an idempotency key's first use, a kiosk's identify attempts).

    PostgreSQL: a transaction-scoped advisory lock on the name's 64-bit hash. SQLite: nothing
    to do (``BEGIN IMMEDIATE``).
    """
    require_transaction(conn)
    if conn.dialect == "postgresql":
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", ("\x1f".join(parts),))


def new_id(prefix: str) -> str:
    """A random id for a row a kiosk creates: ``reg-`` plus 16 hex digits, for example."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def is_empty(conn: Connection) -> bool:
    """True when the database holds no hospital data yet (no departments)."""
    return conn.execute("SELECT 1 FROM departments LIMIT 1").fetchone() is None


# --- time -----------------------------------------------------------------------------------


def to_db_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return value.isoformat()


def from_db_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# --- kiosks ---------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_kiosk(
    conn: Connection,
    kiosk_id: str,
    token: str,
    *,
    now: dt.datetime | None = None,
    location: str | None = None,
) -> None:
    """Register a kiosk with its bearer token (only the SHA-256 is stored); replaces the token
    of an existing kiosk with the same id. ``location`` (where it stands, for the staff who
    answer its calls) is kept when not given."""
    if not kiosk_id or not token:
        raise ValueError("kiosk id and token must not be empty")
    created = to_db_time(now or system_clock())
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO kiosks (id, token_sha256, created_at, location) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET token_sha256 = excluded.token_sha256, "
            "location = CASE WHEN ? = 1 THEN excluded.location ELSE kiosks.location END",
            (kiosk_id, hash_token(token), created, location or "", location is not None),
        )


def kiosk_for_token(conn: Connection, token: str) -> str | None:
    row = conn.execute(
        "SELECT id FROM kiosks WHERE token_sha256 = ?", (hash_token(token),)
    ).fetchone()
    return None if row is None else str(row["id"])


# --- appointments and tickets ---------------------------------------------------------------


def insert_appointment(
    conn: Connection,
    *,
    appointment_id: str,
    patient_id: str,
    doctor_id: str,
    starts_at: dt.datetime,
    duration: dt.timedelta = dt.timedelta(minutes=15),
    status: str = "booked",
    session_id: str | None = None,
) -> None:
    """Add one appointment (the department is the doctor's). No transaction of its own."""
    row = conn.execute("SELECT department_id FROM doctors WHERE id = ?", (doctor_id,)).fetchone()
    if row is None:
        raise KeyError(doctor_id)
    conn.execute(
        "INSERT INTO appointments (id, patient_id, department_id, doctor_id, session_id, "
        "service_date, starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            appointment_id,
            patient_id,
            row["department_id"],
            doctor_id,
            session_id,
            starts_at.date().isoformat(),
            to_db_time(starts_at),
            to_db_time(starts_at + duration),
            status,
        ),
    )


def next_counter(conn: Connection, name: str) -> int:
    """Increment and return the named counter (1 the first time). Inside a write transaction."""
    if not conn.in_transaction:
        raise RuntimeError("next_counter needs an open write transaction")
    row = conn.execute(
        "INSERT INTO counters (name, last) VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET last = counters.last + 1 RETURNING last",
        (name,),
    ).fetchone()
    return int(row[0])
