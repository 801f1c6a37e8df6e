"""Idempotency keys for state-changing calls (check-in, registrations, payments, feedback).

A key is scoped by (kiosk id, key). With it the server stores a fingerprint of the request
(SHA-256 of method, path and canonical JSON body) and the full answer (status and body), in the
*same* SQLite transaction as the state change, so either both exist or neither does:

- same key, same fingerprint → the stored answer is replayed exactly (status, body, ticket);
- same key, other fingerprint → 422 ``idempotency_conflict``;
- only successful (2xx) answers are stored: a refused attempt (409 too early, …) changed
  nothing, so a retry with the same key is evaluated afresh.

A missing ``Idempotency-Key`` header is a 400 ``bad_request`` (``require_key``). A route
hands its state change to ``idempotent_response``, which does all of the above and answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from kiosk.api.models import IDEMPOTENCY_HEADER, ErrorCode
from kiosk.server.db import Connection, lock_key, to_db_time, write_transaction
from kiosk.server.errors import IDEMPOTENCY_KEY_MAX_LENGTH, ApiError

MAX_KEY_LENGTH = IDEMPOTENCY_KEY_MAX_LENGTH
REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any
    replayed: bool


def require_key(value: str | None) -> str:
    """The header's value, or 400 bad_request when it is missing, empty or unreasonable."""
    if value is None or not value.strip():
        raise ApiError(
            400,
            ErrorCode.bad_request,
            f"The {IDEMPOTENCY_HEADER} header is required for this call.",
            details={"header": IDEMPOTENCY_HEADER},
        )
    value = value.strip()
    if len(value) > MAX_KEY_LENGTH or not value.isprintable() or not value.isascii():
        raise ApiError(
            400,
            ErrorCode.bad_request,
            f"The {IDEMPOTENCY_HEADER} header must be at most {MAX_KEY_LENGTH} printable "
            "ASCII characters.",
            details={"header": IDEMPOTENCY_HEADER},
        )
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 hex of method, path and the canonical JSON of the (parsed) body."""
    text = f"{method.upper()}\n{path}\n{canonical_json(body)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_idempotent(
    conn: Connection,
    *,
    kiosk_id: str,
    key: str,
    method: str,
    path: str,
    body: Any,
    now: dt.datetime,
    action: Callable[[], tuple[int, Any]],
) -> StoredAnswer:
    """Run ``action`` (which changes state and returns status and JSON body) at most once.

    Everything runs in one write transaction holding the key (``lock_key``): the key lookup,
    the action and the storing of its answer. An ``ApiError`` raised by the action rolls
    everything back.
    """
    print_ = fingerprint(method, path, body)
    with write_transaction(conn):
        # A retry racing its own first try waits here, then finds the stored answer.
        lock_key(conn, "idempotency", kiosk_id, key)
        row = conn.execute(
            "SELECT fingerprint, status_code, body FROM idempotency_keys "
            "WHERE kiosk_id = ? AND key = ?",
            (kiosk_id, key),
        ).fetchone()
        if row is not None:
            if row["fingerprint"] != print_:
                raise ApiError(
                    422,
                    ErrorCode.idempotency_conflict,
                    f"This {IDEMPOTENCY_HEADER} was already used for a different request.",
                    details={"header": IDEMPOTENCY_HEADER},
                )
            return StoredAnswer(int(row["status_code"]), json.loads(row["body"]), replayed=True)
        status_code, answer = action()
        if 200 <= status_code < 300:
            conn.execute(
                "INSERT INTO idempotency_keys (kiosk_id, key, fingerprint, status_code, body, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kiosk_id, key, print_, status_code, canonical_json(answer), to_db_time(now)),
            )
        return StoredAnswer(status_code, answer, replayed=False)


def answered(conn: Connection, kiosk_id: str, key: str) -> bool:
    """Whether the key has an answer already (a route that must ask another system before its
    write transaction asks only when not: the retry replays instead)."""
    row = conn.execute(
        "SELECT 1 FROM idempotency_keys WHERE kiosk_id = ? AND key = ?", (kiosk_id, key)
    ).fetchone()
    return row is not None


def idempotent_response(
    request: Request,
    conn: Connection,
    kiosk_id: str,
    key_header: str | None,
    body: Any,
    now: dt.datetime,
    action: Callable[[], tuple[int, Any]],
) -> Response:
    """The answer of an idempotent route: ``action`` run at most once for the request's key
    (400 without one), or the stored answer replayed with ``Idempotent-Replayed: true``.

    ``body`` is the request body as JSON (what the fingerprint covers).
    """
    key = require_key(key_header)
    answer = run_idempotent(
        conn,
        kiosk_id=kiosk_id,
        key=key,
        method=request.method,
        path=request.url.path,
        body=body,
        now=now,
        action=action,
    )
    headers = {REPLAY_HEADER: "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)
