"""Calling stations: the accounts doctors and nurses sign in with to call their queues.

An admin creates a station (``kiosk-server add-station``) with the queues it calls; its
password is stored as a salted scrypt hash. Signing in gives a random bearer token (only its
SHA-256 is stored) for ``STATION_SESSION_LIFETIME``: the REST API takes it as
``Authorization: Bearer``, the staff page as the ``kiosk_station`` cookie. Failed sign-ins
are limited per station so a password cannot be guessed at speed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque

from kiosk.api.models import Station
from kiosk.server.db import Connection, Row, from_db_time, hash_token, to_db_time, write_transaction

STATION_SESSION_LIFETIME = dt.timedelta(hours=12)  # a clinic day; signed out at night
STATION_COOKIE = "kiosk_station"
FAILED_SIGN_INS_ALLOWED = 5  # per station and FAILED_SIGN_IN_WINDOW_S, then 429
FAILED_SIGN_IN_WINDOW_S = 60.0
# scrypt's cost: about 30 ms and 16 MiB per check on the 2-core test machine.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash (a random salt unless given: the demo's is fixed)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate.hex(), digest)


def add_station(
    conn: Connection,
    station_id: str,
    password: str,
    queues: list[str],
    *,
    name: str,
    now: dt.datetime,
) -> None:
    """Create or replace a station (its password, queues and name). The queues must exist."""
    if not station_id or not password or not queues:
        raise ValueError("a station needs an id, a password and at least one queue")
    unknown = [
        queue
        for queue in queues
        if conn.execute("SELECT 1 FROM queues WHERE id = ?", (queue,)).fetchone() is None
    ]
    if unknown:
        raise ValueError(f"unknown queue(s): {', '.join(unknown)}")
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO stations (id, name, password_hash, queues_json, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            "password_hash = excluded.password_hash, queues_json = excluded.queues_json",
            (
                station_id,
                name or station_id,
                hash_password(password),
                json.dumps(queues),
                to_db_time(now),
            ),
        )
        # A new password ends the sessions signed in with the old one.
        conn.execute(
            "UPDATE station_sessions SET ended_at = ? WHERE station_id = ? AND ended_at IS NULL",
            (to_db_time(now), station_id),
        )


def _station(row: Row) -> Station:
    return Station(id=row["id"], name=row["name"], queues=json.loads(row["queues_json"]))


def get_station(conn: Connection, station_id: str) -> Station | None:
    row = conn.execute("SELECT * FROM stations WHERE id = ?", (station_id,)).fetchone()
    return None if row is None else _station(row)


class SignInLimiter:
    """Failed sign-ins per station in the last minute (in memory: a restart forgives)."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, station_id: str) -> int | None:
        with self._lock:
            failures = self._recent(station_id)
            if len(failures) < FAILED_SIGN_INS_ALLOWED:
                return None
            return max(1, int(failures[0] + FAILED_SIGN_IN_WINDOW_S - time.monotonic()) + 1)

    def failed(self, station_id: str) -> None:
        with self._lock:
            self._recent(station_id).append(time.monotonic())

    def _recent(self, station_id: str) -> deque[float]:
        failures = self._failures.setdefault(station_id, deque())
        while failures and failures[0] < time.monotonic() - FAILED_SIGN_IN_WINDOW_S:
            failures.popleft()
        return failures


def sign_in(
    conn: Connection, station_id: str, password: str, now: dt.datetime
) -> tuple[str, dt.datetime, Station] | None:
    """A new session token for the station, or None for an unknown station or wrong password
    (the same answer for both, after the same work)."""
    row = conn.execute("SELECT * FROM stations WHERE id = ?", (station_id,)).fetchone()
    stored = row["password_hash"] if row is not None else _DUMMY_HASH
    if not password_matches(password, stored) or row is None:
        return None
    token = secrets.token_urlsafe(32)
    expires_at = now + STATION_SESSION_LIFETIME
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO station_sessions (token_sha256, station_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (hash_token(token), station_id, to_db_time(now), to_db_time(expires_at)),
        )
    return token, expires_at, _station(row)


def station_for_token(conn: Connection, token: str, now: dt.datetime) -> Station | None:
    row = conn.execute(
        "SELECT s.*, ss.expires_at, ss.ended_at FROM station_sessions ss "
        "JOIN stations s ON s.id = ss.station_id WHERE ss.token_sha256 = ?",
        (hash_token(token),),
    ).fetchone()
    if row is None or row["ended_at"] is not None or from_db_time(row["expires_at"]) <= now:
        return None
    return _station(row)


def sign_out(conn: Connection, token: str, now: dt.datetime) -> None:
    with write_transaction(conn):
        conn.execute(
            "UPDATE station_sessions SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL",
            (to_db_time(now), hash_token(token)),
        )


_DUMMY_HASH = hash_password(secrets.token_hex(8))  # unknown stations cost a real check too
