"""SQLite storage of the reference server: schema, connections, transactions, small writers.

One connection per request (``connect``), WAL mode so readers never wait for the writer, a busy
timeout so concurrent writers queue instead of failing, and every state change inside
``write_transaction`` (``BEGIN IMMEDIATE``): the write lock is taken up front, so two kiosks can
never interleave the read-then-write of a ticket counter.

Datetimes are stored as ISO 8601 strings *with* their UTC offset and compared in Python after
parsing, never as strings. Dates are stored as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 5000

# The check-in rules, in one place: a patient may check in from CHECK_IN_OPENS_BEFORE before the
# appointment until CHECK_IN_CLOSES_AFTER after it. Outside that: 409 too_early / too_late.
CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=60)
CHECK_IN_CLOSES_AFTER = dt.timedelta(minutes=30)

# Minutes per waiting patient used for the estimate when a department does not set its own.
DEFAULT_MINUTES_PER_PATIENT = 6

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The default clock: local time, timezone-aware."""
    return dt.datetime.now().astimezone()


SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (
    id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_heartbeat_at TEXT,
    version TEXT NOT NULL DEFAULT '',
    uptime_s REAL,
    devices_json TEXT NOT NULL DEFAULT '[]',
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 2 AND code = upper(code)),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    hint TEXT NOT NULL DEFAULT '',
    hint_en TEXT NOT NULL DEFAULT '',
    building TEXT NOT NULL,
    building_en TEXT NOT NULL DEFAULT '',
    floor TEXT NOT NULL,
    room TEXT NOT NULL,
    directions TEXT NOT NULL DEFAULT '',
    directions_en TEXT NOT NULL DEFAULT '',
    minutes_per_patient INTEGER NOT NULL DEFAULT 6,
    sort INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doctors (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments(id),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    clinic_level TEXT
);
CREATE INDEX IF NOT EXISTS doctors_department ON doctors(department_id);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    doctor_id TEXT NOT NULL REFERENCES doctors(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    service_date TEXT NOT NULL,
    period TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    slots_total INTEGER NOT NULL,
    slots_left INTEGER NOT NULL,
    fee_cents INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_department_date ON sessions(department_id, service_date);
CREATE TABLE IF NOT EXISTS patients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT '',
    birth_date TEXT,
    id_number TEXT UNIQUE,
    phone TEXT,
    insurance_card TEXT UNIQUE,
    patient_card TEXT UNIQUE,
    health_qr TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS patients_phone ON patients(phone);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id TEXT NOT NULL REFERENCES departments(id),
    service_date TEXT NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    appointment_id TEXT REFERENCES appointments(id),
    patient_id TEXT REFERENCES patients(id),
    doctor_id TEXT REFERENCES doctors(id),
    status TEXT NOT NULL DEFAULT 'waiting',
    issued_at TEXT NOT NULL,
    UNIQUE (department_id, service_date, number),
    UNIQUE (department_id, service_date, seq)
);
CREATE INDEX IF NOT EXISTS tickets_number ON tickets(number, service_date);
CREATE TABLE IF NOT EXISTS ticket_counters (
    department_id TEXT NOT NULL REFERENCES departments(id),
    service_date TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (department_id, service_date)
);
CREATE TABLE IF NOT EXISTS appointments (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    doctor_id TEXT NOT NULL REFERENCES doctors(id),
    session_id TEXT REFERENCES sessions(id),
    service_date TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'booked',
    ticket_id INTEGER REFERENCES tickets(id)
);
CREATE INDEX IF NOT EXISTS appointments_patient_date ON appointments(patient_id, service_date);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    kiosk_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, key)
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bills (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'paid')),
    insurance_cents INTEGER NOT NULL DEFAULT 0 CHECK (insurance_cents >= 0),
    created_at TEXT NOT NULL,
    paid_at TEXT,
    payment_id TEXT
);
CREATE INDEX IF NOT EXISTS bills_patient ON bills(patient_id, status);
CREATE TABLE IF NOT EXISTS bill_items (
    bill_id TEXT NOT NULL REFERENCES bills(id),
    seq INTEGER NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    quantity REAL NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    unit_en TEXT NOT NULL DEFAULT '',
    unit_price_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (bill_id, seq)
);
CREATE TABLE IF NOT EXISTS registrations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    status TEXT NOT NULL,
    fee_cents INTEGER NOT NULL,
    bill_id TEXT REFERENCES bills(id),
    appointment_id TEXT REFERENCES appointments(id),
    kiosk_id TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS registrations_once
    ON registrations(patient_id, session_id) WHERE status != 'cancelled';
CREATE INDEX IF NOT EXISTS registrations_bill ON registrations(bill_id);
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    kiosk_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    decided_at TEXT,
    receipt_number TEXT UNIQUE,
    pay_token TEXT,
    pay_csrf TEXT,
    wallet TEXT
);
CREATE TABLE IF NOT EXISTS payment_bills (
    payment_id TEXT NOT NULL REFERENCES payments(id),
    bill_id TEXT NOT NULL REFERENCES bills(id),
    sort INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (payment_id, bill_id)
);
CREATE INDEX IF NOT EXISTS payment_bills_bill ON payment_bills(bill_id);
CREATE TABLE IF NOT EXISTS pharmacy_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    service_date TEXT NOT NULL,
    number TEXT NOT NULL,
    window_name TEXT NOT NULL,
    window_name_en TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    location_en TEXT NOT NULL DEFAULT '',
    items_json TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    UNIQUE (service_date, number)
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    tags_json TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    context TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS visits (
    token_sha256 TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX IF NOT EXISTS visits_kiosk ON visits(kiosk_id);
CREATE TABLE IF NOT EXISTS identify_attempts (
    kiosk_id TEXT NOT NULL,
    at_s REAL NOT NULL,
    limited INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS identify_attempts_kiosk ON identify_attempts(kiosk_id, at_s);
CREATE TABLE IF NOT EXISTS prices (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    unit_en TEXT NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL,
    insurance_covered INTEGER NOT NULL DEFAULT 0,
    sort INTEGER NOT NULL DEFAULT 0,
    pinyin TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS facilities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    building TEXT NOT NULL,
    building_en TEXT NOT NULL DEFAULT '',
    floor TEXT NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    sort INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS staff_calls (
    id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
    screen TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'acknowledged', 'cancelled')),
    called_at TEXT NOT NULL,
    acknowledged_at TEXT,
    cancelled_at TEXT
);
CREATE INDEX IF NOT EXISTS staff_calls_status ON staff_calls(status, called_at);
CREATE TABLE IF NOT EXISTS waiting_areas (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    sort INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS queues (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('room', 'lab', 'pharmacy', 'cashier')),
    area_id TEXT NOT NULL REFERENCES waiting_areas(id),
    department_id TEXT REFERENCES departments(id),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL,
    room_en TEXT NOT NULL DEFAULT '',
    building TEXT NOT NULL,
    building_en TEXT NOT NULL DEFAULT '',
    floor TEXT NOT NULL,
    directions TEXT NOT NULL DEFAULT '',
    directions_en TEXT NOT NULL DEFAULT '',
    minutes_per_patient INTEGER NOT NULL DEFAULT 6,
    sort INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queues_department ON queues(department_id);
CREATE TABLE IF NOT EXISTS queue_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id TEXT NOT NULL REFERENCES queues(id),
    service_date TEXT NOT NULL,
    number TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    pharmacy_ticket_id INTEGER REFERENCES pharmacy_tickets(id),
    patient_id TEXT REFERENCES patients(id),
    track_token TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'none'
        CHECK (priority IN ('none', 'elderly', 'disabled', 'military')),
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN
        ('waiting', 'called', 'serving', 'done', 'no_show', 'transferred', 'cancelled')),
    sort_key REAL NOT NULL,
    recalls INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0,
    issued_at TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    called_at TEXT,
    serving_at TEXT,
    finished_at TEXT,
    station_id TEXT,
    transferred_from TEXT,
    last_event_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_entries_queue ON queue_entries(queue_id, service_date, state);
CREATE INDEX IF NOT EXISTS queue_entries_track ON queue_entries(track_token);
CREATE INDEX IF NOT EXISTS queue_entries_ticket ON queue_entries(ticket_id);
CREATE TABLE IF NOT EXISTS queue_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    queue_id TEXT NOT NULL REFERENCES queues(id),
    entry_id INTEGER NOT NULL REFERENCES queue_entries(id),
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS queue_events_queue ON queue_events(queue_id, id);
CREATE INDEX IF NOT EXISTS queue_events_kind ON queue_events(queue_id, kind, id);
CREATE TRIGGER IF NOT EXISTS queue_events_no_update BEFORE UPDATE ON queue_events
BEGIN SELECT RAISE(ABORT, 'queue_events is append-only'); END;
CREATE TRIGGER IF NOT EXISTS queue_events_no_delete BEFORE DELETE ON queue_events
BEGIN SELECT RAISE(ABORT, 'queue_events is append-only'); END;
CREATE TABLE IF NOT EXISTS queue_rules (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    queues_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS station_sessions (
    token_sha256 TEXT PRIMARY KEY,
    station_id TEXT NOT NULL REFERENCES stations(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
"""

# Columns added after the first release: (table, column, declaration) for older files.
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("departments", "hint", "TEXT NOT NULL DEFAULT ''"),
    ("departments", "hint_en", "TEXT NOT NULL DEFAULT ''"),
    ("prices", "pinyin", "TEXT NOT NULL DEFAULT ''"),  # initials of the name: amxljn
    ("payments", "pay_token", "TEXT"),  # the payment page's own secret (not the payment id)
    ("payments", "pay_csrf", "TEXT"),  # the CSRF token of the payment page's form
    ("doctors", "clinic_level", "TEXT"),  # 号别: a ClinicLevel value, NULL when not known
    ("kiosks", "location", "TEXT NOT NULL DEFAULT ''"),  # shown with the kiosk's staff calls
    ("payments", "wallet", "TEXT"),  # the wallet whose payment code paid; NULL: the QR page
    ("tickets", "track_token", "TEXT"),  # the phone page's key (/q/{token}), see queue.py
    ("pharmacy_tickets", "track_token", "TEXT"),
)
# Indexes on added columns: created after the columns exist.
_ADDED_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS payments_pay_token ON payments(pay_token)",
    "CREATE INDEX IF NOT EXISTS payments_kiosk ON payments(kiosk_id)",
    "CREATE INDEX IF NOT EXISTS registrations_pending ON registrations(status, kiosk_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS tickets_track_token ON tickets(track_token)",
)


class KioskConnection(sqlite3.Connection):
    """A connection that knows the in-process writer lock of its database file."""

    write_lock: threading.Lock | None = None


_write_locks: dict[Path, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock_for(path: Path) -> threading.Lock:
    key = path.resolve()
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


def connect(path: Path) -> sqlite3.Connection:
    """A new connection in autocommit mode; use ``write_transaction`` for changes.

    The caller closes it. ``check_same_thread`` is off because FastAPI may open, use and close a
    request's connection on different worker threads; a connection is never shared by two
    requests.
    """
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


def init_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index that does not exist yet (idempotent)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA)
    for table, column, declaration in _ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    for statement in _ADDED_INDEXES:
        conn.execute(statement)


def open_database(path: Path) -> sqlite3.Connection:
    """Connect to ``path`` (creating the file and its schema when needed).

    A new file is owner-only (0600; its WAL files follow its mode), as are the directories
    made for it: the database holds patients' records and the kiosks' token hashes.
    """
    _private_file(path)
    conn = connect(path)
    try:
        init_schema(conn)
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
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` when the block raises.

    Writers of the same file in this process first queue on a ``threading.Lock``: SQLite's own
    busy handler polls with growing sleeps, which under 50 concurrent writers gives a tail of
    seconds. ``BEGIN IMMEDIATE`` still guards against writers in other processes.
    """
    lock = getattr(conn, "write_lock", None)
    if lock is None:
        yield from _write_transaction(conn)
        return
    with lock:
        yield from _write_transaction(conn)


def _write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def require_transaction(conn: sqlite3.Connection) -> None:
    """Refuse to run outside a write transaction: for writers whose check and the change that
    depends on it must be one atomic step."""
    if not conn.in_transaction:
        raise RuntimeError("needs an open write transaction")


def new_id(prefix: str) -> str:
    """A random id for a row a kiosk creates: ``reg-`` plus 16 hex digits, for example."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def is_empty(conn: sqlite3.Connection) -> bool:
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
    conn: sqlite3.Connection,
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
            "location = CASE WHEN ? THEN excluded.location ELSE location END",
            (kiosk_id, hash_token(token), created, location or "", location is not None),
        )


def kiosk_for_token(conn: sqlite3.Connection, token: str) -> str | None:
    row = conn.execute(
        "SELECT id FROM kiosks WHERE token_sha256 = ?", (hash_token(token),)
    ).fetchone()
    return None if row is None else str(row["id"])


# --- appointments and tickets ---------------------------------------------------------------


def insert_appointment(
    conn: sqlite3.Connection,
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


def next_counter(conn: sqlite3.Connection, name: str) -> int:
    """Increment and return the named counter (1 the first time). Inside a write transaction."""
    if not conn.in_transaction:
        raise RuntimeError("next_counter needs an open write transaction")
    row = conn.execute(
        "INSERT INTO counters (name, last) VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET last = last + 1 RETURNING last",
        (name,),
    ).fetchone()
    return int(row[0])
