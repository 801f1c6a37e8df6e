"""Diagnostics bundles: an admin asks a kiosk for one on the fleet page, the kiosk sends it.

The request is a row of ``diagnostics_bundles``; while it is open (not received), every
heartbeat's answer carries its id, so the kiosk learns of it within one beat and uploads its
zip with ``uploadDiagnosticsBundle``. A kiosk has at most one open request: pressing the
button again while one waits changes nothing. The first bundle received for a request is the
one kept; a resend (the answer was lost) is answered with the same receipt and stores nothing.
Only each kiosk's newest zip is kept (older rows keep their times and sizes).

Bundles live in the database rather than in files under a data directory: a PostgreSQL
deployment's workers on several hosts all serve the download, the bundle is stored in the same
transaction as its receipt, and ``kiosk-server backup`` carries it. The size cap bounds it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import uuid
import zipfile

from kiosk.api.models import MAX_DIAGNOSTICS_BUNDLE_BYTES, DiagnosticsBundleStatus, ErrorCode
from kiosk.server.db import (
    Connection,
    Row,
    from_db_time,
    lock_key,
    lock_rows,
    to_db_time,
    write_transaction,
)
from kiosk.server.errors import ApiError

_COLUMNS = "id, kiosk_id, seq, requested_at, requested_by, received_at, size_bytes, sha256"


def _status(row: Row) -> DiagnosticsBundleStatus:
    return DiagnosticsBundleStatus(
        request_id=row["id"],
        kiosk_id=row["kiosk_id"],
        requested_at=from_db_time(row["requested_at"]),
        requested_by=row["requested_by"],
        received_at=from_db_time(row["received_at"]) if row["received_at"] else None,
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
    )


def _newest(rows: list[Row]) -> Row | None:
    """The row asked for last (by its number: two requests may share a clock reading)."""
    return max(rows, key=lambda row: int(row["seq"]), default=None)


def open_request_id(conn: Connection, kiosk_id: str) -> str | None:
    """The id of the request the kiosk has not answered yet, if any (for its heartbeat)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM diagnostics_bundles WHERE kiosk_id = ? AND received_at IS NULL",
        (kiosk_id,),
    ).fetchall()
    newest = _newest(rows)
    return None if newest is None else str(newest["id"])


def request_bundle(
    conn: Connection, kiosk_id: str, now: dt.datetime, requested_by: str
) -> DiagnosticsBundleStatus | None:
    """Ask ``kiosk_id`` for a bundle (or keep the request already waiting); None for a kiosk
    the server does not know."""
    with write_transaction(conn):
        lock_key(conn, "diagnostics", kiosk_id)
        if conn.execute("SELECT 1 FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone() is None:
            return None
        waiting = open_request_id(conn, kiosk_id)
        if waiting is None:
            waiting = f"diag-{uuid.uuid4().hex}"
            last = conn.execute(
                "SELECT max(seq) FROM diagnostics_bundles WHERE kiosk_id = ?", (kiosk_id,)
            ).fetchone()
            conn.execute(
                "INSERT INTO diagnostics_bundles "
                "(id, kiosk_id, seq, requested_at, requested_by) VALUES (?, ?, ?, ?, ?)",
                (waiting, kiosk_id, int(last[0] or 0) + 1, to_db_time(now), requested_by[:200]),
            )
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM diagnostics_bundles WHERE id = ?", (waiting,)
        ).fetchone()
    return _status(row)


def decode_bundle(content_base64: str) -> bytes:
    """The zip an upload carries: 413 above the cap, 422 for anything but base64 of a zip."""
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("content_base64", "not base64") from None
    if len(content) > MAX_DIAGNOSTICS_BUNDLE_BYTES:
        raise ApiError(
            413,
            ErrorCode.payload_too_large,
            f"The bundle is {len(content)} bytes; at most {MAX_DIAGNOSTICS_BUNDLE_BYTES} "
            "are taken.",
            details={"limit_bytes": MAX_DIAGNOSTICS_BUNDLE_BYTES, "size_bytes": len(content)},
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        raise _invalid("content_base64", "not a zip archive") from None
    return content


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        ErrorCode.validation_failed,
        details=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


def receive_bundle(
    conn: Connection, kiosk_id: str, request_id: str, content: bytes, now: dt.datetime
) -> tuple[DiagnosticsBundleStatus, bool] | None:
    """Store the bundle of an open request once; ``(receipt, replayed)``, where a resend of
    an answered request replays the first receipt. None when this kiosk was never asked
    under ``request_id``."""
    with write_transaction(conn):
        lock_rows(conn, "diagnostics_bundles", [request_id])
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM diagnostics_bundles WHERE id = ? AND kiosk_id = ?",
            (request_id, kiosk_id),
        ).fetchone()
        if row is None:
            return None
        if row["received_at"]:
            return _status(row), True
        conn.execute(
            "UPDATE diagnostics_bundles SET received_at = ?, size_bytes = ?, sha256 = ?, "
            "content = ? WHERE id = ?",
            (
                to_db_time(now),
                len(content),
                hashlib.sha256(content).hexdigest(),
                content,
                request_id,
            ),
        )
        # Only the newest zip of a kiosk is kept: the table stays small.
        conn.execute(
            "UPDATE diagnostics_bundles SET content = NULL "
            "WHERE kiosk_id = ? AND id <> ? AND content IS NOT NULL",
            (kiosk_id, request_id),
        )
        stored = conn.execute(
            f"SELECT {_COLUMNS} FROM diagnostics_bundles WHERE id = ?", (request_id,)
        ).fetchone()
    return _status(stored), False


def latest_by_kiosk(conn: Connection) -> dict[str, DiagnosticsBundleStatus]:
    """Each kiosk's latest request, for the fleet page."""
    by_kiosk: dict[str, list[Row]] = {}
    for row in conn.execute(f"SELECT {_COLUMNS} FROM diagnostics_bundles"):
        by_kiosk.setdefault(row["kiosk_id"], []).append(row)
    return {
        kiosk_id: _status(newest)
        for kiosk_id, rows in by_kiosk.items()
        if (newest := _newest(rows)) is not None
    }


def newest_bundle(conn: Connection, kiosk_id: str) -> tuple[DiagnosticsBundleStatus, bytes] | None:
    """The kiosk's newest received bundle and its zip."""
    row = conn.execute(
        f"SELECT {_COLUMNS}, content FROM diagnostics_bundles "
        "WHERE kiosk_id = ? AND content IS NOT NULL",
        (kiosk_id,),
    ).fetchone()
    if row is None:
        return None
    return _status(row), bytes(row["content"])
