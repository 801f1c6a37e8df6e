"""Visits: who a kiosk may ask about, and how often it may ask.

Identify starts a **visit**: a random token (``secrets.token_urlsafe(32)``; only its SHA-256 is
stored) bound to the kiosk and the patient, valid for ``Limits.visit_lifetime`` or until the
kiosk ends it (``DELETE /api/v1/visits/current`` at the idle wipe or 返回首页). Patient-scoped
calls send it in ``X-Visit-Token`` and are refused with 403 ``visit_token_required`` (missing,
unknown, another kiosk's, ended or expired) or ``wrong_patient``.

Identify is rate limited per kiosk over a sliding window (429 ``too_many_identifications`` with
``Retry-After``); every attempt counts, found or not, so a stolen kiosk token cannot walk
through phone numbers. Refused attempts are kept for the fleet page, which flags a kiosk that
trips the limit repeatedly.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass

from kiosk.api.models import ErrorCode
from kiosk.server.db import (
    Connection,
    from_db_time,
    hash_token,
    lock_key,
    require_transaction,
    to_db_time,
)
from kiosk.server.errors import VISIT_TOKEN_MISSING_MESSAGE, ApiError

# Refused identifications kept this long (the fleet page looks at the last hour).
_ATTEMPTS_KEPT = dt.timedelta(days=1)
RATE_LIMIT_FLAG_WINDOW = dt.timedelta(hours=1)
RATE_LIMIT_FLAG_AFTER = 3  # refused identifications within the window that flag a kiosk


@dataclass(frozen=True)
class Limits:
    """The server's guards against a misused kiosk token (``create_app(limits=...)``)."""

    visit_lifetime: dt.timedelta = dt.timedelta(minutes=15)
    identify_per_window: int = 10
    identify_window: dt.timedelta = dt.timedelta(minutes=1)
    # Fee registrations pending payment one kiosk may hold at once.
    max_pending_registrations: int = 3
    # Copies of a report kiosks may print (the first and one free reprint); then the window.
    kiosk_copies_per_report: int = 2
    # Past payments a kiosk lists for reprinting (票据补打), and the free reprints of each
    # receipt at kiosks; after those the cashier window prints.
    receipt_days: int = 30
    free_receipt_reprints: int = 2

    def __post_init__(self) -> None:
        if self.visit_lifetime <= dt.timedelta(0) or self.identify_window <= dt.timedelta(0):
            raise ValueError("lifetimes and windows must be positive")
        if (
            min(
                self.identify_per_window,
                self.max_pending_registrations,
                self.kiosk_copies_per_report,
                self.receipt_days,
            )
            < 1
        ):
            raise ValueError("limits must be at least 1")
        if self.free_receipt_reprints < 0:
            raise ValueError("free receipt reprints cannot be negative")


# --- visits ---------------------------------------------------------------------------------


def start_visit(
    conn: Connection, kiosk_id: str, patient_id: str, now: dt.datetime, limits: Limits
) -> tuple[str, dt.datetime]:
    """A new visit token for the patient at this kiosk, and when it expires."""
    require_transaction(conn)
    token = secrets.token_urlsafe(32)
    expires_at = now + limits.visit_lifetime
    conn.execute(
        "INSERT INTO visits (token_sha256, kiosk_id, patient_id, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (hash_token(token), kiosk_id, patient_id, to_db_time(now), to_db_time(expires_at)),
    )
    # Expired visits are of no use to anyone: drop them while we are writing anyway.
    stale = conn.execute(
        "SELECT token_sha256, expires_at FROM visits WHERE kiosk_id = ?", (kiosk_id,)
    ).fetchall()
    conn.executemany(
        "DELETE FROM visits WHERE token_sha256 = ?",
        [
            (row["token_sha256"],)
            for row in stale
            if from_db_time(row["expires_at"]) + limits.visit_lifetime < now
        ],
    )
    return token, expires_at


def visit_patient(conn: Connection, kiosk_id: str, token: str | None, now: dt.datetime) -> str:
    """The patient of the kiosk's live visit ``token``; 403 ``visit_token_required`` if none."""
    if not token:
        raise ApiError(403, ErrorCode.visit_token_required, VISIT_TOKEN_MISSING_MESSAGE)
    row = conn.execute(
        "SELECT kiosk_id, patient_id, expires_at, ended_at FROM visits WHERE token_sha256 = ?",
        (hash_token(token),),
    ).fetchone()
    if (
        row is None
        or row["kiosk_id"] != kiosk_id
        or row["ended_at"] is not None
        or now >= from_db_time(row["expires_at"])
    ):
        raise ApiError(
            403,
            ErrorCode.visit_token_required,
            "The visit token is unknown, ended or expired: identify the patient again.",
        )
    return str(row["patient_id"])


def require_visit(
    conn: Connection, kiosk_id: str, token: str | None, patient_id: str, now: dt.datetime
) -> None:
    """403 unless ``token`` is a live visit of this kiosk for ``patient_id``."""
    if visit_patient(conn, kiosk_id, token, now) != patient_id:
        raise ApiError(403, ErrorCode.wrong_patient, "The visit token is another patient's.")


def end_visit(conn: Connection, kiosk_id: str, token: str, now: dt.datetime) -> None:
    """End the kiosk's visit (nothing happens for an unknown or another kiosk's token)."""
    require_transaction(conn)
    conn.execute(
        "UPDATE visits SET ended_at = ? WHERE token_sha256 = ? AND kiosk_id = ? "
        "AND ended_at IS NULL",
        (to_db_time(now), hash_token(token), kiosk_id),
    )


# --- the identify rate limit ----------------------------------------------------------------


def admit_identify(conn: Connection, kiosk_id: str, now: dt.datetime, limits: Limits) -> int | None:
    """Count one identify attempt: None when admitted, else the seconds to wait (the refused
    attempt is recorded for the fleet page). The caller commits either way."""
    lock_key(conn, "identify", kiosk_id)  # one kiosk's attempts counted one at a time
    now_s = now.timestamp()
    window_s = limits.identify_window.total_seconds()
    admitted = [
        float(row[0])
        for row in conn.execute(
            "SELECT at_s FROM identify_attempts WHERE kiosk_id = ? AND limited = 0 AND at_s > ? "
            "ORDER BY at_s",
            (kiosk_id, now_s - window_s),
        )
    ]
    conn.execute(
        "DELETE FROM identify_attempts WHERE kiosk_id = ? AND at_s < ?",
        (kiosk_id, now_s - _ATTEMPTS_KEPT.total_seconds()),
    )
    limited = len(admitted) >= limits.identify_per_window
    conn.execute(
        "INSERT INTO identify_attempts (kiosk_id, at_s, limited) VALUES (?, ?, ?)",
        (kiosk_id, now_s, int(limited)),
    )
    if not limited:
        return None
    oldest_counted = admitted[len(admitted) - limits.identify_per_window]
    return max(1, math.ceil(oldest_counted + window_s - now_s))


def rate_limited_recently(conn: Connection, kiosk_id: str, now: dt.datetime) -> int:
    """How many identifications of the kiosk the rate limit refused in the last hour."""
    row = conn.execute(
        "SELECT count(*) FROM identify_attempts WHERE kiosk_id = ? AND limited = 1 AND at_s > ?",
        (kiosk_id, now.timestamp() - RATE_LIMIT_FLAG_WINDOW.total_seconds()),
    ).fetchone()
    return int(row[0])
