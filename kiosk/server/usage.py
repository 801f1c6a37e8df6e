"""The kiosks' usage events: stored once per kiosk and event id, for the insight pages.

A kiosk sends its events in batches from its outbox and sends a batch again when it did not
hear the answer; ``INSERT … ON CONFLICT (kiosk_id, event_id) DO NOTHING`` makes the second
copy a no-op on both engines, and ``RETURNING`` counts what was new.

``service_date`` is the date of ``at`` in the offset the kiosk sent it with: the kiosk's own
local day, which is the hospital's (a kiosk runs on the hospital's clock).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from kiosk.api.models import UsageEvent
from kiosk.server.db import Connection, to_db_time, write_transaction

# A full batch of 500 events with details near their limit; the other calls keep 64 KB.
USAGE_BODY_BYTES = 1024 * 1024
# Rows per INSERT statement: a full batch of 500 is five statements, each well under the
# engines' limits on bound parameters.
_ROWS_PER_STATEMENT = 100
_COLUMNS = "(kiosk_id, event_id, visit_id, at, service_date, kind, detail_json, received_at)"
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)"


def store_events(
    conn: Connection, kiosk_id: str, events: Sequence[UsageEvent], now: dt.datetime
) -> int:
    """Store the events not stored before, in one transaction; how many were new."""
    received_at = to_db_time(now)
    rows = [
        (
            kiosk_id,
            event.event_id,
            event.visit_id,
            to_db_time(event.at),
            event.at.date().isoformat(),
            event.kind.value,
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
            received_at,
        )
        for event in events
    ]
    stored = 0
    with write_transaction(conn):
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start : start + _ROWS_PER_STATEMENT]
            cursor = conn.execute(
                f"INSERT INTO kiosk_usage_events {_COLUMNS} VALUES "
                + ", ".join([_ROW] * len(chunk))
                + " ON CONFLICT (kiosk_id, event_id) DO NOTHING RETURNING id",
                [value for row in chunk for value in row],
            )
            stored += len(cursor.fetchall())
    return stored
