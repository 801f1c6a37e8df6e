"""The electronic queue (电子排队): one queue per consulting room or service point.

The append-only ``queue_events`` table is the truth. ``queue_entries`` is its projection,
written only by ``_record`` in the same transaction as the event it follows from, and
``replay_entries`` rebuilds it from the events alone (a test holds the two equal), so every
waiting-time figure can be computed from the log.

Who is called next is ``call_order``: entries in their queue order, one priority entry (elderly,
disabled, military) after every ``priority_every`` normal calls, so priority is fast and
nobody waits forever. People ahead is the position in that same order, and the estimated wait
multiplies it by the rolling median of the room's recent service times.

Every writer runs inside ``write_transaction`` and holds the queue's row first
(``db.lock_rows``; on SQLite ``BEGIN IMMEDIATE`` holds the file): two stations calling at the
same instant, in one process or in two workers, are serialized and never get the same patient.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import secrets
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.api.models import (
    BoardCall,
    BoardQueue,
    DepartmentSummary,
    DisplayBoard,
    EntryState,
    ErrorCode,
    Location,
    Priority,
    QueueEntry,
    QueueEvent,
    QueueEventKind,
    QueueKind,
    QueueList,
    QueueSummary,
    QueueView,
    TicketStatus,
    TrackStatus,
    WaitingArea,
)
from kiosk.identity import mask_name
from kiosk.server.db import (
    Connection,
    Row,
    from_db_time,
    lock_rows,
    require_transaction,
    to_db_time,
    write_transaction,
)
from kiosk.server.errors import ApiError

LAB_QUEUE_ID = "q-lab"  # where paid blood tests queue (采血处)
ANNOUNCEMENT_PATH = "/api/v1/calls/{call_id}/announcement.wav"
TRACK_PAGE_PATH = "/q/{token}"
TRACK_TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
NOW_CALLING_MAX = 4
RECENT_CALLS = 10
NEXT_NUMBERS = 3
FINISHED_SHOWN = 10
SERVICE_SAMPLES = 20  # the rolling median's window: the room's last 20 finished entries
MIN_SERVICE_SAMPLES = 3  # fewer than this: the queue's configured minutes per patient

_OPEN_STATES = (EntryState.waiting, EntryState.called, EntryState.serving)
# The ticket's own status (the old public JSON, the kiosk) follows its queue entry; a
# transferred entry leaves it to the entry that replaces it.
_TICKET_STATUS = {
    EntryState.waiting.value: TicketStatus.waiting,
    EntryState.called.value: TicketStatus.called,
    EntryState.serving.value: TicketStatus.called,
    EntryState.done.value: TicketStatus.done,
    EntryState.no_show.value: TicketStatus.done,
    EntryState.cancelled.value: TicketStatus.cancelled,
}


@dataclass(frozen=True)
class QueueRules:
    """The hospital's calling rules (``kiosk-server --queue-rules``)."""

    max_recalls: int = 2  # 重呼 per call; then 过号 or done
    miss_requeue_places: int = 3  # a missed call goes back this many places (0: no-show at once)
    max_misses: int = 1  # missed more often than this: no-show
    priority_every: int = 2  # one priority call per this many normal calls
    elderly_age: int = 70  # from the resident ID's birth date


def load_rules(conn: Connection) -> QueueRules:
    """The rules stored in the database (every worker of the server reads the same ones)."""
    known = {field.name for field in dataclasses.fields(QueueRules)}
    stored = {
        row["name"]: int(row["value"])
        for row in conn.execute("SELECT name, value FROM queue_rules")
        if row["name"] in known
    }
    return dataclasses.replace(QueueRules(), **stored)


def save_rules(conn: Connection, rules: QueueRules) -> None:
    """Store the rules (``create_app(queue_rules=…)``, the server's ``--queue-rules``)."""
    with write_transaction(conn):
        for name, value in dataclasses.asdict(rules).items():
            conn.execute(
                "INSERT INTO queue_rules (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, int(value)),
            )


def pharmacy_queue_id(window: int) -> str:
    return f"q-pharmacy-{window}"


def area_id(building_en: str, floor: str) -> str:
    """A waiting area per building floor: ``area-outpatient-2``."""
    return f"area-{building_en.split()[0].lower()}-{floor.lower()}"


class Action(StrEnum):
    """What a station does to an entry (besides calling the next one)."""

    call = "call"  # this entry now, out of turn (a patient back from the lab, say)
    recall = "recall"
    miss = "miss"
    serve = "serve"
    finish = "finish"
    cancel = "cancel"
    transfer = "transfer"
    priority = "priority"


# The states each action starts from; anything else is 409 stale_action.
_ALLOWED_FROM: dict[Action, tuple[EntryState, ...]] = {
    Action.call: (EntryState.waiting,),
    Action.recall: (EntryState.called,),
    Action.miss: (EntryState.called,),
    Action.serve: (EntryState.called,),
    Action.finish: (EntryState.called, EntryState.serving),
    Action.cancel: (EntryState.waiting, EntryState.called),
    Action.transfer: _OPEN_STATES,
    Action.priority: (EntryState.waiting, EntryState.called),
}


# --- writing: events and their projection ---------------------------------------------------


def _record(
    conn: Connection,
    entry: Row,
    kind: QueueEventKind,
    actor: str,
    now: dt.datetime,
    detail: dict[str, Any],
) -> int:
    """Append one event and apply it to the entry's projection; returns the event id."""
    require_transaction(conn)
    cursor = conn.execute(
        "INSERT INTO queue_events (at, queue_id, entry_id, number, kind, actor, detail_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            to_db_time(now),
            entry["queue_id"],
            entry["id"],
            entry["number"],
            kind.value,
            actor,
            json.dumps(detail, ensure_ascii=False, sort_keys=True),
        ),
    )
    event_id = int(cursor.fetchone()[0])
    changes = _apply(dict(entry), kind, to_db_time(now), detail)
    changes["last_event_id"] = event_id
    assignments = ", ".join(f"{column} = ?" for column in changes)
    conn.execute(
        f"UPDATE queue_entries SET {assignments} WHERE id = ?", (*changes.values(), entry["id"])
    )
    state = changes.get("state")
    if entry["ticket_id"] is not None and state in _TICKET_STATUS:
        conn.execute(
            "UPDATE tickets SET status = ? WHERE id = ?",
            (_TICKET_STATUS[state].value, entry["ticket_id"]),
        )
    return event_id


def _apply(
    entry: dict[str, Any], kind: QueueEventKind, at: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """The columns an event changes: the one fold shared by ``_record`` and the replay."""
    match kind:
        case QueueEventKind.issued:
            return {"state": EntryState.waiting.value}
        case QueueEventKind.called:
            return {
                "state": EntryState.called.value,
                "called_at": at,
                "recalls": 0,
                "station_id": detail.get("station"),
            }
        case QueueEventKind.recalled:
            return {"recalls": int(entry["recalls"]) + 1}
        case QueueEventKind.serving:
            return {"state": EntryState.serving.value, "serving_at": at}
        case QueueEventKind.done:
            return {"state": EntryState.done.value, "finished_at": at}
        case QueueEventKind.no_show:
            return {
                "state": EntryState.no_show.value,
                "finished_at": at,
                "misses": int(entry["misses"]) + 1,
            }
        case QueueEventKind.requeued:
            return {
                "state": EntryState.waiting.value,
                "misses": int(entry["misses"]) + 1,
                "sort_key": float(detail["sort_key"]),
                "called_at": None,
                "station_id": None,
            }
        case QueueEventKind.transferred:
            return {"state": EntryState.transferred.value, "finished_at": at}
        case QueueEventKind.cancelled:
            return {"state": EntryState.cancelled.value, "finished_at": at}
        case QueueEventKind.priority_set:
            return {"priority": str(detail["priority"])}


def _new_entry(
    conn: Connection,
    *,
    queue_id: str,
    service_date: dt.date,
    number: str,
    now: dt.datetime,
    actor: str,
    issued_at: dt.datetime,
    priority: Priority,
    track_token: str,
    ticket_id: int | None = None,
    pharmacy_ticket_id: int | None = None,
    patient_id: str | None = None,
    transferred_from: str | None = None,
) -> int:
    """Insert a waiting entry at the end of its queue and record its ``issued`` event."""
    lock_rows(conn, "queues", [queue_id])
    if conn.execute("SELECT 1 FROM queues WHERE id = ?", (queue_id,)).fetchone() is None:
        raise ApiError(404, ErrorCode.not_found, f"No queue {queue_id!r}.")
    last = conn.execute(
        "SELECT max(sort_key) FROM queue_entries WHERE queue_id = ? AND service_date = ?",
        (queue_id, service_date.isoformat()),
    ).fetchone()[0]
    sort_key = float(last or 0) + 1.0
    detail: dict[str, Any] = {
        "ticket_id": ticket_id,
        "pharmacy_ticket_id": pharmacy_ticket_id,
        "patient_id": patient_id,
        "service_date": service_date.isoformat(),
        "priority": priority.value,
        "sort_key": sort_key,
        "track_token": track_token,
        "issued_at": to_db_time(issued_at),
        "transferred_from": transferred_from,
    }
    cursor = conn.execute(
        "INSERT INTO queue_entries (queue_id, service_date, number, ticket_id, "
        "pharmacy_ticket_id, patient_id, track_token, priority, state, sort_key, issued_at, "
        "entered_at, transferred_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?) "
        "RETURNING *",
        (
            queue_id,
            service_date.isoformat(),
            number,
            ticket_id,
            pharmacy_ticket_id,
            patient_id,
            track_token,
            priority.value,
            sort_key,
            to_db_time(issued_at),
            to_db_time(now),
            transferred_from,
        ),
    )
    entry = cursor.fetchone()
    _record(conn, entry, QueueEventKind.issued, actor, now, detail)
    return int(entry["id"])


def format_ticket_number(code: str, seq: int) -> str:
    """Department code + at least three digits: ``A012``."""
    return f"{code}{seq:03d}"


def issue_ticket(
    conn: Connection,
    appointment_id: str,
    now: dt.datetime,
    actor: str = "system",
    *,
    track_token: str | None = None,
) -> int:
    """Issue the next ticket of the appointment's department and day, mark the appointment
    checked in and put the ticket into its room's queue; returns the ticket's row id.

    Inside ``write_transaction``: the counter, the ticket and its queue entry are one step.
    """
    require_transaction(conn)
    apt = conn.execute(
        "SELECT a.department_id, a.service_date, a.patient_id, a.doctor_id, d.code "
        "FROM appointments a JOIN departments d ON d.id = a.department_id WHERE a.id = ?",
        (appointment_id,),
    ).fetchone()
    if apt is None:
        raise KeyError(appointment_id)
    seq = int(
        conn.execute(
            "INSERT INTO ticket_counters (department_id, service_date, last_seq) "
            "VALUES (?, ?, 1) ON CONFLICT (department_id, service_date) "
            "DO UPDATE SET last_seq = ticket_counters.last_seq + 1 RETURNING last_seq",
            (apt["department_id"], apt["service_date"]),
        ).fetchone()[0]
    )
    cursor = conn.execute(
        "INSERT INTO tickets (department_id, service_date, seq, number, appointment_id, "
        "patient_id, doctor_id, status, issued_at, track_token) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?) RETURNING id",
        (
            apt["department_id"],
            apt["service_date"],
            seq,
            format_ticket_number(apt["code"], seq),
            appointment_id,
            apt["patient_id"],
            apt["doctor_id"],
            to_db_time(now),
            track_token or new_track_token(),
        ),
    )
    ticket_id = int(cursor.fetchone()[0])
    conn.execute(
        "UPDATE appointments SET status = 'checked_in', ticket_id = ? WHERE id = ?",
        (ticket_id, appointment_id),
    )
    enqueue_ticket(conn, ticket_id, now, actor)
    return ticket_id


def new_track_token() -> str:
    """The phone page's key: unguessable (144 bits), unrelated to the ticket number."""
    return secrets.token_urlsafe(TRACK_TOKEN_BYTES)


def enqueue_ticket(conn: Connection, ticket_id: int, now: dt.datetime, actor: str) -> int | None:
    """Put a check-in or registration ticket into its department's queue (the first queue of
    the department); None when the department has no queue. Inside a write transaction."""
    ticket = conn.execute(
        "SELECT t.id, t.department_id, t.service_date, t.number, t.patient_id, t.issued_at, "
        "t.track_token, p.birth_date FROM tickets t LEFT JOIN patients p ON p.id = t.patient_id "
        "WHERE t.id = ?",
        (ticket_id,),
    ).fetchone()
    if ticket is None:
        raise KeyError(ticket_id)
    queue = conn.execute(
        "SELECT id FROM queues WHERE department_id = ? ORDER BY sort, id LIMIT 1",
        (ticket["department_id"],),
    ).fetchone()
    if queue is None:
        return None
    service_date = dt.date.fromisoformat(ticket["service_date"])
    return _new_entry(
        conn,
        queue_id=queue["id"],
        service_date=service_date,
        number=ticket["number"],
        now=now,
        actor=actor,
        issued_at=from_db_time(ticket["issued_at"]),
        priority=_priority_by_age(ticket["birth_date"], service_date, load_rules(conn)),
        track_token=ticket["track_token"],
        ticket_id=ticket_id,
        patient_id=ticket["patient_id"],
    )


def enqueue_pharmacy_ticket(
    conn: Connection,
    pharmacy_ticket_id: int,
    queue_id: str,
    now: dt.datetime,
    actor: str,
) -> int:
    """Put a pharmacy ticket into its window's queue. Inside a write transaction."""
    row = conn.execute(
        "SELECT pt.id, pt.service_date, pt.number, pt.issued_at, pt.track_token, "
        "pay.patient_id, p.birth_date FROM pharmacy_tickets pt "
        "JOIN payments pay ON pay.id = pt.payment_id "
        "LEFT JOIN patients p ON p.id = pay.patient_id WHERE pt.id = ?",
        (pharmacy_ticket_id,),
    ).fetchone()
    if row is None:
        raise KeyError(pharmacy_ticket_id)
    service_date = dt.date.fromisoformat(row["service_date"])
    return _new_entry(
        conn,
        queue_id=queue_id,
        service_date=service_date,
        number=row["number"],
        now=now,
        actor=actor,
        issued_at=from_db_time(row["issued_at"]),
        priority=_priority_by_age(row["birth_date"], service_date, load_rules(conn)),
        track_token=row["track_token"],
        pharmacy_ticket_id=pharmacy_ticket_id,
        patient_id=row["patient_id"],
    )


def _priority_by_age(birth_date: str | None, day: dt.date, rules: QueueRules) -> Priority:
    if not birth_date:
        return Priority.none
    born = dt.date.fromisoformat(birth_date)
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return Priority.elderly if age >= rules.elderly_age else Priority.none


def call_next(
    conn: Connection,
    queue_id: str,
    station_id: str,
    now: dt.datetime,
) -> int:
    """Call the next entry of the queue (today); returns its id. 409 queue_empty when nobody
    waits. Inside a write transaction: the choice and the call are one step."""
    lock_rows(conn, "queues", [queue_id])
    if conn.execute("SELECT 1 FROM queues WHERE id = ?", (queue_id,)).fetchone() is None:
        raise ApiError(404, ErrorCode.not_found, f"No queue {queue_id!r}.")
    entry = _next_to_call(conn, queue_id, now.date(), load_rules(conn))
    if entry is None:
        raise ApiError(409, ErrorCode.queue_empty, "Nobody is waiting in this queue.")
    _record(
        conn,
        entry,
        QueueEventKind.called,
        station_id,
        now,
        {"station": station_id, "priority": entry["priority"]},
    )
    return int(entry["id"])


def _next_to_call(conn: Connection, queue_id: str, day: dt.date, rules: QueueRules) -> Row | None:
    """The head of ``call_order`` without ordering the whole queue: the first priority entry
    when its turn has come or no normal entry waits, else the first normal one."""
    first: list[Row | None] = [
        conn.execute(
            _ENTRY_SELECT + "WHERE e.queue_id = ? AND e.service_date = ? AND e.state = 'waiting' "
            f"AND e.priority {operator} 'none' ORDER BY e.sort_key, e.id LIMIT 1",
            (queue_id, day.isoformat()),
        ).fetchone()
        for operator in ("=", "!=")
    ]
    normal, priority = first
    if priority is not None and (
        normal is None or _normal_streak(conn, queue_id, rules) >= rules.priority_every
    ):
        return priority
    return normal


def act(
    conn: Connection,
    entry_id: int,
    action: Action,
    station_id: str,
    now: dt.datetime,
    *,
    to_queue: str | None = None,
    priority: Priority | None = None,
) -> int:
    """Apply a station's action to an entry; returns the entry id (for a transfer, the new
    entry's). 409 stale_action when the entry's state does not allow it."""
    lock_rows(conn, "queues", [entry_queue_id(conn, entry_id), *([to_queue] if to_queue else [])])
    rules = load_rules(conn)
    entry = _entry_row(conn, entry_id)
    state = EntryState(entry["state"])
    if state not in _ALLOWED_FROM[action]:
        raise ApiError(
            409,
            ErrorCode.stale_action,
            f"Entry {entry['number']} is {state.value}; it cannot be {action.value}ed now.",
            details={"state": state.value, "action": action.value},
        )
    match action:
        case Action.call:
            out_of_turn = {"station": station_id, "priority": entry["priority"], "chosen": True}
            _record(conn, entry, QueueEventKind.called, station_id, now, out_of_turn)
        case Action.recall:
            if int(entry["recalls"]) >= rules.max_recalls:
                raise ApiError(
                    409,
                    ErrorCode.recall_limit,
                    f"Recalled {rules.max_recalls} times already.",
                    details={"max_recalls": rules.max_recalls},
                )
            _record(conn, entry, QueueEventKind.recalled, station_id, now, {})
        case Action.miss:
            if int(entry["misses"]) >= rules.max_misses or rules.miss_requeue_places <= 0:
                _record(conn, entry, QueueEventKind.no_show, station_id, now, {})
            else:
                key = _requeue_key(conn, entry, rules.miss_requeue_places)
                detail = {"sort_key": key, "places": rules.miss_requeue_places}
                _record(conn, entry, QueueEventKind.requeued, station_id, now, detail)
        case Action.serve:
            _record(conn, entry, QueueEventKind.serving, station_id, now, {})
        case Action.finish:
            _record(conn, entry, QueueEventKind.done, station_id, now, {})
        case Action.cancel:
            _record(conn, entry, QueueEventKind.cancelled, station_id, now, {})
        case Action.priority:
            assert priority is not None
            _record(
                conn,
                entry,
                QueueEventKind.priority_set,
                station_id,
                now,
                {"priority": priority.value},
            )
        case Action.transfer:
            assert to_queue is not None
            if to_queue == entry["queue_id"]:
                raise ApiError(409, ErrorCode.stale_action, "The entry is already in this queue.")
            new_id = _new_entry(
                conn,
                queue_id=to_queue,
                service_date=dt.date.fromisoformat(entry["service_date"]),
                number=entry["number"],
                now=now,
                actor=station_id,
                issued_at=from_db_time(entry["issued_at"]),
                priority=Priority(entry["priority"]),
                track_token=entry["track_token"],
                ticket_id=entry["ticket_id"],
                pharmacy_ticket_id=entry["pharmacy_ticket_id"],
                patient_id=entry["patient_id"],
                transferred_from=entry["queue_id"],
            )
            moved = {"to_queue": to_queue, "to_entry": new_id}
            _record(conn, entry, QueueEventKind.transferred, station_id, now, moved)
            return new_id
    return entry_id


def _requeue_key(conn: Connection, entry: Row, places: int) -> float:
    """A sort key ``places`` waiting entries (of the same priority class) behind the front."""
    same_class = [
        row
        for row in _waiting(conn, entry["queue_id"], dt.date.fromisoformat(entry["service_date"]))
        if (row["priority"] == Priority.none.value) == (entry["priority"] == Priority.none.value)
    ]
    keys = [float(row["sort_key"]) for row in same_class]
    if len(keys) <= places:
        return (keys[-1] if keys else float(entry["sort_key"])) + 1.0
    return (keys[places - 1] + keys[places]) / 2


# --- the calling order ----------------------------------------------------------------------


def call_order(waiting: Sequence[Row], normal_streak: int, priority_every: int) -> list[Row]:
    """The waiting entries in the order they will be called: queue order, with one priority
    entry after every ``priority_every`` normal calls (``normal_streak`` normal calls since the
    last priority one already happened), and priority entries back to back when no normal
    entry waits."""
    normal = [row for row in waiting if row["priority"] == Priority.none.value]
    priority = [row for row in waiting if row["priority"] != Priority.none.value]
    normal.sort(key=lambda row: float(row["sort_key"]))
    priority.sort(key=lambda row: float(row["sort_key"]))
    order: list[Row] = []
    streak = normal_streak
    n = p = 0
    while n < len(normal) or p < len(priority):
        if p < len(priority) and (streak >= priority_every or n >= len(normal)):
            order.append(priority[p])
            p += 1
            streak = 0
        else:
            order.append(normal[n])
            n += 1
            streak += 1
    return order


def _normal_streak(conn: Connection, queue_id: str, rules: QueueRules) -> int:
    """Normal calls since the last priority call of this queue (at most ``priority_every``)."""
    rows = conn.execute(
        "SELECT detail_json FROM queue_events WHERE queue_id = ? AND kind = 'called' "
        "ORDER BY id DESC LIMIT ?",
        (queue_id, rules.priority_every),
    ).fetchall()
    streak = 0
    for row in rows:
        if json.loads(row["detail_json"]).get("priority", "none") != Priority.none.value:
            break
        streak += 1
    return streak if rows else rules.priority_every


def place_in_call_order(
    *,
    is_priority: bool,
    same_class_before: int,
    normal_waiting: int,
    priority_waiting: int,
    normal_streak: int,
    priority_every: int,
) -> int:
    """How many entries ``call_order`` puts before a waiting entry, from counts alone: priority
    entries are taken once ``priority_every - normal_streak`` normal ones have been (then after
    every ``priority_every``), or back to back when no normal entry is left."""
    first_turn = max(0, priority_every - normal_streak)  # normal entries before the first
    if is_priority:
        turn = first_turn + same_class_before * priority_every
        return same_class_before + min(turn, normal_waiting)
    turns = (
        0
        if same_class_before < first_turn
        else (same_class_before - first_turn) // priority_every + 1
    )
    return same_class_before + min(turns, priority_waiting)


def ahead_and_wait(conn: Connection, entry_id: int) -> tuple[int, int]:
    """People ahead of a waiting entry and its estimated wait in minutes (0, 0 if not
    waiting): the snapshot's figures from one counting query, without ordering the whole queue
    (a check-in's, a registration's and a station's answer)."""
    entry = conn.execute(
        "SELECT queue_id, service_date, state, priority, sort_key FROM queue_entries WHERE id = ?",
        (entry_id,),
    ).fetchone()
    if entry is None or entry["state"] != EntryState.waiting.value:
        return 0, 0
    is_priority = entry["priority"] != Priority.none.value
    before = "(sort_key < ? OR sort_key = ? AND id < ?)"
    counts = conn.execute(
        "SELECT sum(CASE WHEN priority = 'none' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN priority != 'none' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN priority = 'none' AND {before} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN priority != 'none' AND {before} THEN 1 ELSE 0 END) "
        "FROM queue_entries WHERE queue_id = ? AND service_date = ? AND state = 'waiting'",
        (
            *(entry["sort_key"], entry["sort_key"], entry_id) * 2,
            entry["queue_id"],
            entry["service_date"],
        ),
    ).fetchone()
    rules = load_rules(conn)
    ahead = place_in_call_order(
        is_priority=is_priority,
        same_class_before=int(counts[3] if is_priority else counts[2]),
        normal_waiting=int(counts[0]),
        priority_waiting=int(counts[1]),
        normal_streak=_normal_streak(conn, entry["queue_id"], rules),
        priority_every=rules.priority_every,
    )
    queue = conn.execute(
        "SELECT id, minutes_per_patient FROM queues WHERE id = ?", (entry["queue_id"],)
    ).fetchone()  # an entry's queue is never deleted
    return ahead, round(ahead * minutes_per_patient(conn, queue))


def _waiting(conn: Connection, queue_id: str, day: dt.date) -> list[Row]:
    rows: list[Row] = conn.execute(
        _ENTRY_SELECT + "WHERE e.queue_id = ? AND e.service_date = ? AND e.state = 'waiting' "
        "ORDER BY e.sort_key",
        (queue_id, day.isoformat()),
    ).fetchall()
    return rows


def minutes_per_patient(conn: Connection, queue: Row) -> float:
    """The rolling median of the room's last service times (from the call, or from the start
    of the consultation when recorded, to done); the queue's own figure until there are a few."""
    rows = conn.execute(
        "SELECT coalesce(serving_at, called_at) AS started, finished_at FROM queue_entries "
        "WHERE queue_id = ? AND state = 'done' AND finished_at IS NOT NULL "
        "AND coalesce(serving_at, called_at) IS NOT NULL ORDER BY last_event_id DESC LIMIT ?",
        (queue["id"], SERVICE_SAMPLES),
    ).fetchall()
    if len(rows) < MIN_SERVICE_SAMPLES:
        return float(queue["minutes_per_patient"])
    minutes = [
        (from_db_time(row["finished_at"]) - from_db_time(row["started"])).total_seconds() / 60
        for row in rows
    ]
    return round(max(statistics.median(minutes), 0.5), 1)


# --- reading --------------------------------------------------------------------------------

_ENTRY_SELECT = (
    "SELECT e.*, p.name AS patient_name FROM queue_entries e "
    "LEFT JOIN patients p ON p.id = e.patient_id "
)
_QUEUE_SELECT = (
    "SELECT q.*, a.name AS area_name, a.name_en AS area_name_en, "
    "d.code AS dep_code, d.name AS dep_name, d.name_en AS dep_name_en, "
    "d.hint AS dep_hint, d.hint_en AS dep_hint_en "
    "FROM queues q JOIN waiting_areas a ON a.id = q.area_id "
    "LEFT JOIN departments d ON d.id = q.department_id "
)


def _queue_row(conn: Connection, queue_id: str) -> Row | None:
    row: Row | None = conn.execute(_QUEUE_SELECT + "WHERE q.id = ?", (queue_id,)).fetchone()
    return row


def _entry_row(conn: Connection, entry_id: int) -> Row:
    row: Row | None = conn.execute(_ENTRY_SELECT + "WHERE e.id = ?", (entry_id,)).fetchone()
    if row is None:
        raise ApiError(404, ErrorCode.not_found, f"No queue entry {entry_id}.")
    return row


def entry_queue_id(conn: Connection, entry_id: int) -> str:
    """The queue of an entry (404 when there is none), for the station's permission check."""
    return str(_entry_row(conn, entry_id)["queue_id"])


def queue_exists(conn: Connection, queue_id: str) -> bool:
    return _queue_row(conn, queue_id) is not None


def _summary(conn: Connection, queue: Row, day: dt.date) -> QueueSummary:
    waiting = conn.execute(
        "SELECT count(*) FROM queue_entries WHERE queue_id = ? AND service_date = ? "
        "AND state = 'waiting'",
        (queue["id"], day.isoformat()),
    ).fetchone()[0]
    return QueueSummary(
        id=queue["id"],
        kind=QueueKind(queue["kind"]),
        name=queue["name"],
        name_en=queue["name_en"],
        room=queue["room"],
        room_en=queue["room_en"],
        area=WaitingArea(
            id=queue["area_id"], name=queue["area_name"], name_en=queue["area_name_en"]
        ),
        location=_location(queue),
        department=_department(queue),
        waiting=int(waiting),
        minutes_per_patient=minutes_per_patient(conn, queue),
    )


def _location(queue: Row) -> Location:
    return Location(
        building=queue["building"],
        building_en=queue["building_en"],
        floor=queue["floor"],
        room=queue["room"],
        directions=queue["directions"],
        directions_en=queue["directions_en"],
    )


def _department(queue: Row) -> DepartmentSummary | None:
    if queue["department_id"] is None:
        return None
    return DepartmentSummary(
        id=queue["department_id"],
        code=queue["dep_code"],
        name=queue["dep_name"],
        name_en=queue["dep_name_en"],
        hint=queue["dep_hint"],
        hint_en=queue["dep_hint_en"],
    )


def _entry(row: Row, ahead: int = 0, wait_minutes: int = 0) -> QueueEntry:
    return QueueEntry(
        id=row["id"],
        queue_id=row["queue_id"],
        number=row["number"],
        service_date=dt.date.fromisoformat(row["service_date"]),
        display_name=mask_name(row["patient_name"]) if row["patient_name"] else "",
        priority=Priority(row["priority"]),
        state=EntryState(row["state"]),
        recalls=row["recalls"],
        misses=row["misses"],
        people_ahead=ahead,
        estimated_wait_minutes=wait_minutes,
        issued_at=from_db_time(row["issued_at"]),
        entered_at=from_db_time(row["entered_at"]),
        called_at=from_db_time(row["called_at"]) if row["called_at"] else None,
        station_id=row["station_id"],
        transferred_from=row["transferred_from"],
    )


@dataclass(frozen=True)
class QueueSnapshot:
    """One queue's state at one version: what every reader of that queue needs."""

    queue: Row
    summary: QueueSummary
    order: list[Row]  # waiting, in call order
    current: list[Row]  # called or serving, latest call first
    finished: list[Row]
    version: int

    @functools.cached_property
    def _positions(self) -> dict[int, int]:
        return {int(row["id"]): ahead for ahead, row in enumerate(self.order)}

    def ahead_and_wait(self, entry_id: int) -> tuple[int, int]:
        """People ahead of a waiting entry and its estimated wait in minutes (0, 0 if not
        waiting)."""
        ahead = self._positions.get(entry_id)
        if ahead is None:
            return 0, 0
        return ahead, round(ahead * self.summary.minutes_per_patient)


def queue_version(conn: Connection, queue_id: str) -> int:
    row = conn.execute(
        "SELECT max(id) FROM queue_events WHERE queue_id = ?", (queue_id,)
    ).fetchone()
    return int(row[0] or 0)


def snapshot(conn: Connection, queue_id: str, day: dt.date) -> QueueSnapshot:
    queue = _queue_row(conn, queue_id)
    if queue is None:
        raise ApiError(404, ErrorCode.not_found, f"No queue {queue_id!r}.")
    rules = load_rules(conn)
    version = queue_version(conn, queue_id)
    waiting = _waiting(conn, queue_id, day)
    current = conn.execute(
        _ENTRY_SELECT + "WHERE e.queue_id = ? AND e.service_date = ? "
        "AND e.state IN ('called', 'serving') ORDER BY e.called_at DESC, e.id DESC",
        (queue_id, day.isoformat()),
    ).fetchall()
    finished = conn.execute(
        _ENTRY_SELECT + "WHERE e.queue_id = ? AND e.service_date = ? "
        "AND e.state NOT IN ('waiting', 'called', 'serving') "
        "ORDER BY e.last_event_id DESC LIMIT ?",
        (queue_id, day.isoformat(), FINISHED_SHOWN),
    ).fetchall()
    return QueueSnapshot(
        queue=queue,
        summary=_summary(conn, queue, day),
        order=call_order(waiting, _normal_streak(conn, queue_id, rules), rules.priority_every),
        current=list(current),
        finished=list(finished),
        version=version,
    )


def queue_view(snap: QueueSnapshot, now: dt.datetime) -> QueueView:
    per_patient = snap.summary.minutes_per_patient
    return QueueView(
        queue=snap.summary,
        current=[_entry(row) for row in snap.current],
        waiting=[
            _entry(row, ahead, round(ahead * per_patient)) for ahead, row in enumerate(snap.order)
        ],
        finished=[_entry(row) for row in snap.finished],
        version=snap.version,
        server_time=now,
    )


def entry_view(conn: Connection, entry_id: int) -> QueueEntry:
    """One entry with its people ahead and estimated wait, as the station's answer."""
    return _entry(_entry_row(conn, entry_id), *ahead_and_wait(conn, entry_id))


def list_queues(conn: Connection, day: dt.date, ids: Iterable[str] | None = None) -> QueueList:
    rows = conn.execute(_QUEUE_SELECT + "ORDER BY q.sort, q.id").fetchall()
    wanted = None if ids is None else set(ids)
    return QueueList(
        queues=[_summary(conn, row, day) for row in rows if wanted is None or row["id"] in wanted]
    )


def areas(conn: Connection) -> list[WaitingArea]:
    return [
        WaitingArea(id=row["id"], name=row["name"], name_en=row["name_en"])
        for row in conn.execute("SELECT * FROM waiting_areas ORDER BY sort, id")
    ]


def area_queue_ids(conn: Connection, area_id: str) -> list[str] | None:
    """The queues of a waiting area in display order; None for an unknown area."""
    if conn.execute("SELECT 1 FROM waiting_areas WHERE id = ?", (area_id,)).fetchone() is None:
        return None
    return [
        row["id"]
        for row in conn.execute(
            "SELECT id FROM queues WHERE area_id = ? ORDER BY sort, id", (area_id,)
        )
    ]


def area_board(conn: Connection, area_id: str, now: dt.datetime) -> DisplayBoard | None:
    """What the waiting-room TV of an area shows; None for an unknown area."""
    area = conn.execute("SELECT * FROM waiting_areas WHERE id = ?", (area_id,)).fetchone()
    if area is None:
        return None
    queue_ids = area_queue_ids(conn, area_id) or []
    day = now.date()
    snaps = [snapshot(conn, queue_id, day) for queue_id in queue_ids]
    placeholders = ",".join("?" * len(queue_ids)) or "''"
    calls = conn.execute(
        "SELECT ev.id, ev.at, ev.kind, ev.entry_id, ev.queue_id, ev.number, p.name AS "
        "patient_name, e.state FROM queue_events ev JOIN queue_entries e ON e.id = ev.entry_id "
        "LEFT JOIN patients p ON p.id = e.patient_id "
        f"WHERE ev.queue_id IN ({placeholders}) AND ev.kind IN ('called', 'recalled') "
        "AND e.service_date = ? ORDER BY ev.id DESC LIMIT 50",
        (*queue_ids, day.isoformat()),
    ).fetchall()
    queues = {snap.queue["id"]: snap.queue for snap in snaps}
    board_calls = [_board_call(row, queues[row["queue_id"]]) for row in calls]
    now_calling: list[BoardCall] = []
    seen_entries: set[int] = set()
    for call, row in zip(board_calls, calls, strict=True):
        if row["entry_id"] in seen_entries or row["state"] != EntryState.called.value:
            continue
        seen_entries.add(row["entry_id"])
        now_calling.append(call)
    return DisplayBoard(
        area=WaitingArea(id=area["id"], name=area["name"], name_en=area["name_en"]),
        now_calling=now_calling[:NOW_CALLING_MAX],
        recent_calls=board_calls[:RECENT_CALLS],
        queues=[
            BoardQueue(
                queue_id=snap.queue["id"],
                name=snap.queue["name"],
                name_en=snap.queue["name_en"],
                room=snap.queue["room"],
                room_en=snap.queue["room_en"],
                serving=snap.current[0]["number"] if snap.current else None,
                next_numbers=[row["number"] for row in snap.order[:NEXT_NUMBERS]],
                waiting=len(snap.order),
            )
            for snap in snaps
        ],
        version=max((snap.version for snap in snaps), default=0),
        server_time=now,
    )


def _board_call(row: Row, queue: Row) -> BoardCall:
    return BoardCall(
        call_id=row["id"],
        number=row["number"],
        display_name=mask_name(row["patient_name"]) if row["patient_name"] else "",
        queue_id=queue["id"],
        room=queue["room"],
        room_en=queue["room_en"],
        called_at=from_db_time(row["at"]),
        recall=row["kind"] == QueueEventKind.recalled.value,
        announcement_url=ANNOUNCEMENT_PATH.format(call_id=row["id"]),
    )


@dataclass(frozen=True)
class CallText:
    """What an announcement says: from one called/recalled event."""

    number: str
    display_name: str
    room: str
    room_en: str


def call_text(conn: Connection, call_id: int) -> CallText | None:
    """The call of a ``called`` or ``recalled`` event; None for any other id."""
    row = conn.execute(
        "SELECT ev.number, p.name AS patient_name, q.room, q.room_en FROM queue_events ev "
        "JOIN queue_entries e ON e.id = ev.entry_id JOIN queues q ON q.id = ev.queue_id "
        "LEFT JOIN patients p ON p.id = e.patient_id "
        "WHERE ev.id = ? AND ev.kind IN ('called', 'recalled')",
        (call_id,),
    ).fetchone()
    if row is None:
        return None
    return CallText(
        number=row["number"],
        display_name=mask_name(row["patient_name"]) if row["patient_name"] else "",
        room=row["room"],
        room_en=row["room_en"],
    )


def track_entry_id(conn: Connection, token: str) -> int | None:
    """The current entry of a ticket's phone-page token (after a transfer, the newest)."""
    row = conn.execute(
        "SELECT id FROM queue_entries WHERE track_token = ? ORDER BY id DESC LIMIT 1", (token,)
    ).fetchone()
    return None if row is None else int(row["id"])


def track_status(snap: QueueSnapshot, entry: Row, now: dt.datetime) -> TrackStatus:
    ahead, wait = snap.ahead_and_wait(int(entry["id"]))
    queue = snap.queue
    return TrackStatus(
        number=entry["number"],
        service_date=dt.date.fromisoformat(entry["service_date"]),
        state=EntryState(entry["state"]),
        queue_id=queue["id"],
        queue_name=queue["name"],
        queue_name_en=queue["name_en"],
        room=queue["room"],
        room_en=queue["room_en"],
        location=_location(queue),
        department=_department(queue),
        people_ahead=ahead,
        estimated_wait_minutes=wait,
        called_at=from_db_time(entry["called_at"]) if entry["called_at"] else None,
        misses=entry["misses"],
        version=snap.version,
        server_time=now,
    )


def track(conn: Connection, token: str, now: dt.datetime) -> TrackStatus | None:
    entry_id = track_entry_id(conn, token)
    if entry_id is None:
        return None
    entry = _entry_row(conn, entry_id)
    snap = snapshot(conn, entry["queue_id"], dt.date.fromisoformat(entry["service_date"]))
    return track_status(snap, entry, now)


def track_all(conn: Connection, queue_id: str, now: dt.datetime) -> dict[str, TrackStatus]:
    """Every ticket of the queue today by its phone-page token: one read for all the phones
    that follow this queue."""
    snap = snapshot(conn, queue_id, now.date())
    rows = conn.execute(
        _ENTRY_SELECT + "WHERE e.queue_id = ? AND e.service_date = ?",
        (queue_id, now.date().isoformat()),
    ).fetchall()
    return {row["track_token"]: track_status(snap, row, now) for row in rows}


def events(conn: Connection, queue_id: str, after: int, limit: int = 500) -> list[QueueEvent]:
    rows = conn.execute(
        "SELECT * FROM queue_events WHERE queue_id = ? AND id > ? ORDER BY id LIMIT ?",
        (queue_id, after, limit),
    ).fetchall()
    return [
        QueueEvent(
            id=row["id"],
            at=from_db_time(row["at"]),
            queue_id=row["queue_id"],
            entry_id=row["entry_id"],
            number=row["number"],
            kind=QueueEventKind(row["kind"]),
            actor=row["actor"],
            detail=json.loads(row["detail_json"]),
        )
        for row in rows
    ]


# --- the projection from the events alone ---------------------------------------------------

PROJECTED_COLUMNS = (
    "queue_id",
    "service_date",
    "number",
    "ticket_id",
    "pharmacy_ticket_id",
    "patient_id",
    "track_token",
    "priority",
    "state",
    "sort_key",
    "recalls",
    "misses",
    "issued_at",
    "entered_at",
    "called_at",
    "serving_at",
    "finished_at",
    "station_id",
    "transferred_from",
    "last_event_id",
)


def replay_entries(conn: Connection) -> dict[int, dict[str, Any]]:
    """Every entry as the events alone make it: the check that the projection is derived."""
    entries: dict[int, dict[str, Any]] = {}
    for row in conn.execute("SELECT * FROM queue_events ORDER BY id"):
        detail = json.loads(row["detail_json"])
        kind = QueueEventKind(row["kind"])
        if kind is QueueEventKind.issued:
            entries[row["entry_id"]] = {
                "queue_id": row["queue_id"],
                "service_date": detail["service_date"],
                "number": row["number"],
                "ticket_id": detail["ticket_id"],
                "pharmacy_ticket_id": detail["pharmacy_ticket_id"],
                "patient_id": detail["patient_id"],
                "track_token": detail["track_token"],
                "priority": detail["priority"],
                "sort_key": detail["sort_key"],
                "recalls": 0,
                "misses": 0,
                "issued_at": detail["issued_at"],
                "entered_at": row["at"],
                "called_at": None,
                "serving_at": None,
                "finished_at": None,
                "station_id": None,
                "transferred_from": detail["transferred_from"],
            }
        entry = entries[row["entry_id"]]
        entry.update(_apply(entry, kind, row["at"], detail))
        entry["last_event_id"] = row["id"]
    return entries


def projected_entries(conn: Connection) -> dict[int, dict[str, Any]]:
    columns = ", ".join(PROJECTED_COLUMNS)
    return {
        int(row["id"]): {column: row[column] for column in PROJECTED_COLUMNS}
        for row in conn.execute(f"SELECT id, {columns} FROM queue_entries")
    }
