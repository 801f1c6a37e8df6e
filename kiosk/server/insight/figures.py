"""The management figures, computed from the server's own records: the queue's event log
(``queue_events`` with its projection ``queue_entries``), the patients' ratings (``feedback``)
and what the kiosks report of their use (``kiosk_usage_events``).

Definitions (the pages repeat them):

- **Wait**: from check-in (or the transfer into this queue) to the *first* call. A recall
  neither ends nor restarts the wait; the patient was already called (Qmatic's rule: a recall
  counts from the last call).
- **Service time**: from the start of the consultation when the station recorded it, else from
  the last call or recall (the one the patient answered), to done.
- **No-show rate**: entries that ended as no-show among those that ended (done or no-show).
- **Service level**: the share of called entries whose wait was within their department's
  target (``insight_targets``, else ``DEFAULT_TARGET_MINUTES``).
- **Percentiles**: ``percentiles`` below, the only place they are computed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from kiosk.server.db import Connection, Row, from_db_time, lock_key, write_transaction

DEFAULT_TARGET_MINUTES = 30
MAX_RANGE_DAYS = 366
COMMENTS_SHOWN = 50


def percentiles(values: Sequence[float], points: Sequence[int]) -> list[float]:
    """The ``points`` (whole percents, 1–99) of ``values`` by linear interpolation between the
    closest ranks: ``statistics.quantiles(values, n=100, method="inclusive")``, the same as
    PostgreSQL's ``percentile_cont`` (rank ``(n - 1) * p``). One value is every percentile."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return [float(values[0]) for _ in points]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return [float(cuts[point - 1]) for point in points]


@dataclass(frozen=True)
class Filters:
    """A date range (both days included) and an optional department."""

    start: dt.date
    end: dt.date
    department_id: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


# --- waiting ---------------------------------------------------------------------------------


class QueueVisit(NamedTuple):  # a tuple: a page reads some 100,000 of them
    """One queue entry's waiting figures, as its events tell them (``insight_queue_visits``).
    A slot is weekday × 24 + hour (Monday 0) in the server's local time."""

    queue_id: str
    department_id: str | None
    day: dt.date
    state: str
    wait_s: float | None  # None: never called
    service_s: float | None  # None: not done, or no start recorded
    arrived_slot: int
    called_slot: int | None


_FOLD_SQL = (
    "SELECT q.id, q.queue_id, qu.department_id, q.service_date, q.entered_at, q.state,"
    " q.serving_at, q.finished_at,"
    " (SELECT e.at FROM queue_events e WHERE e.entry_id = q.id AND e.kind = 'called'"
    "  ORDER BY e.id LIMIT 1) AS first_called_at,"
    " (SELECT e.at FROM queue_events e WHERE e.entry_id = q.id"
    "  AND e.kind IN ('called', 'recalled') ORDER BY e.id DESC LIMIT 1) AS last_called_at"
    " FROM queue_entries q JOIN queues qu ON qu.id = q.queue_id WHERE q.id IN "
)
_FOLD_CHUNK = 500
# On PostgreSQL an event may commit after one with a higher id (ids are taken before the
# commit): each refresh folds again the entries of this many events below the last mark (the
# fold is idempotent), far more than the writes in flight at any moment.
REFOLD_MARGIN = 1000
_UPSERT = (
    "INSERT INTO insight_queue_visits (entry_id, queue_id, department_id, service_date, state,"
    " wait_s, service_s, arrived_slot, called_slot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (entry_id) DO UPDATE SET state = excluded.state, wait_s = excluded.wait_s,"
    " service_s = excluded.service_s, called_slot = excluded.called_slot"
)


def _time(value: str | None) -> dt.datetime | None:
    return from_db_time(value) if value else None


def _slot(moment: dt.datetime) -> int:
    return moment.weekday() * 24 + moment.hour


def _fold(row: Row) -> tuple[object, ...]:
    """An entry's facts from its projection and its first and last calls."""
    entered = from_db_time(row["entered_at"])
    first_called = _time(row["first_called_at"])
    started = _time(row["serving_at"]) or _time(row["last_called_at"])
    finished = _time(row["finished_at"])
    wait = None if first_called is None else max(0.0, (first_called - entered).total_seconds())
    service = None
    if row["state"] == "done" and started is not None and finished is not None:
        service = max(0.0, (finished - started).total_seconds())
    return (
        row["id"],
        row["queue_id"],
        row["department_id"],
        row["service_date"],
        row["state"],
        wait,
        service,
        _slot(entered),
        None if first_called is None else _slot(first_called),
    )


def _folded_up_to(conn: Connection) -> int:
    row = conn.execute(
        "SELECT last_id FROM insight_progress WHERE name = 'queue_events'"
    ).fetchone()
    return int(row[0]) if row else 0


def _newest_event(conn: Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM queue_events").fetchone()[0])


def refresh_queue_visits(conn: Connection) -> int:
    """Fold the events written since the last refresh into ``insight_queue_visits``; returns
    how many entries changed. One refresher at a time (the others wait, then find nothing)."""
    if _folded_up_to(conn) >= _newest_event(conn):
        return 0  # nothing new: no write lock taken
    with write_transaction(conn):
        lock_key(conn, "insight_queue_visits")
        done, newest = _folded_up_to(conn), _newest_event(conn)
        if newest <= done:
            return 0
        entries = [
            int(r[0])
            for r in conn.execute(
                "SELECT DISTINCT entry_id FROM queue_events WHERE id > ? AND id <= ?",
                (max(0, done - REFOLD_MARGIN), newest),
            ).fetchall()
        ]
        for first in range(0, len(entries), _FOLD_CHUNK):
            chunk = entries[first : first + _FOLD_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = conn.execute(f"{_FOLD_SQL}({marks})", chunk).fetchall()
            conn.executemany(_UPSERT, [_fold(r) for r in rows])
        conn.execute(
            "INSERT INTO insight_progress (name, last_id) VALUES ('queue_events', ?) "
            "ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id",
            (newest,),
        )
        return len(entries)


def queue_visits(conn: Connection, filters: Filters) -> list[QueueVisit]:
    """The entries of the range, brought up to the newest event first."""
    refresh_queue_visits(conn)
    sql = (
        "SELECT queue_id, department_id, service_date, state, wait_s, service_s, arrived_slot,"
        " called_slot FROM insight_queue_visits WHERE service_date >= ? AND service_date <= ?"
    )
    params = [filters.start.isoformat(), filters.end.isoformat()]
    if filters.department_id is not None:
        sql += " AND department_id = ?"
        params.append(filters.department_id)
    days: dict[str, dt.date] = {}
    visits = []
    for row in conn.execute(sql, params).fetchall():
        day = days.get(row[2]) or days.setdefault(row[2], dt.date.fromisoformat(row[2]))
        visits.append(QueueVisit(row[0], row[1], day, row[3], row[4], row[5], row[6], row[7]))
    return visits


def wait_targets(conn: Connection) -> dict[str, int]:
    """The departments' wait targets in minutes (those not set use the default)."""
    rows = conn.execute("SELECT department_id, minutes FROM insight_targets").fetchall()
    return {row["department_id"]: int(row["minutes"]) for row in rows}


def set_wait_target(conn: Connection, department_id: str, minutes: int) -> None:
    conn.execute(
        "INSERT INTO insight_targets (department_id, minutes) VALUES (?, ?) "
        "ON CONFLICT (department_id) DO UPDATE SET minutes = excluded.minutes",
        (department_id, minutes),
    )


@dataclass(frozen=True)
class WaitFigures:
    """The waiting figures of a group of queue entries (``None``: nothing to measure)."""

    arrivals: int
    called: int
    wait_p50_min: float | None
    wait_p90_min: float | None
    wait_max_min: float | None
    service_p50_min: float | None
    no_show_rate: float | None
    service_level: float | None


def wait_figures(visits: Iterable[QueueVisit], targets: dict[str, int]) -> WaitFigures:
    arrivals = called = within = done = no_show = 0
    waits: list[float] = []
    services: list[float] = []
    for visit in visits:
        arrivals += 1
        wait = visit.wait_s
        if wait is not None:
            called += 1
            waits.append(wait / 60)
            target = targets.get(visit.department_id or "", DEFAULT_TARGET_MINUTES)
            within += wait <= target * 60
        service = visit.service_s
        if service is not None:
            services.append(service / 60)
        done += visit.state == "done"
        no_show += visit.state == "no_show"
    p50, p90 = percentiles(waits, (50, 90)) if waits else (None, None)
    return WaitFigures(
        arrivals=arrivals,
        called=called,
        wait_p50_min=p50,
        wait_p90_min=p90,
        wait_max_min=max(waits) if waits else None,
        service_p50_min=percentiles(services, (50,))[0] if services else None,
        no_show_rate=no_show / (done + no_show) if done + no_show else None,
        service_level=within / called if called else None,
    )


def weekday_hour_counts(
    visits: Iterable[QueueVisit],
) -> tuple[Counter[tuple[int, int]], Counter[tuple[int, int]]]:
    """Arrivals and first calls by (weekday 0 = Monday, hour), in the server's local time."""
    arrivals: Counter[int] = Counter()
    calls: Counter[int] = Counter()
    for visit in visits:
        arrivals[visit.arrived_slot] += 1
        if visit.called_slot is not None:
            calls[visit.called_slot] += 1
    return (
        Counter({divmod(slot, 24): n for slot, n in arrivals.items()}),
        Counter({divmod(slot, 24): n for slot, n in calls.items()}),
    )


# --- satisfaction ----------------------------------------------------------------------------

# A Chinese resident ID (18 characters, or the old 15 digits), a mobile number (with or
# without +86) or a landline: replaced before an admin sees the comment.
_PRIVATE_NUMBER = re.compile(
    r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14}"
    r"|(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}"
    r"|0[0-9]{2,3}[- ]?[0-9]{7,8})(?![0-9])"
)
REDACTED = "▇▇▇"


def screen_comment(comment: str) -> str:
    """The comment with ID numbers and phone numbers replaced."""
    return _PRIVATE_NUMBER.sub(REDACTED, comment)


@dataclass(frozen=True)
class Rating:
    day: dt.date
    kiosk_id: str
    service: str
    rating: int
    tags: tuple[str, ...]
    comment: str


def ratings(conn: Connection, filters: Filters) -> list[Rating]:
    """The ratings received in the range (by the local day they were received)."""
    rows = conn.execute(
        "SELECT kiosk_id, rating, tags_json, comment, context, received_at FROM feedback "
        "WHERE substr(received_at, 1, 10) >= ? AND substr(received_at, 1, 10) <= ? "
        "ORDER BY id",
        (filters.start.isoformat(), filters.end.isoformat()),
    ).fetchall()
    return [
        Rating(
            day=dt.date.fromisoformat(row["received_at"][:10]),
            kiosk_id=row["kiosk_id"],
            service=row["context"],
            rating=int(row["rating"]),
            tags=tuple(json.loads(row["tags_json"])),
            comment=row["comment"],
        )
        for row in rows
    ]


def average(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Satisfaction:
    count: int
    average: float | None
    distribution: dict[int, int]
    tags: list[tuple[str, int]]
    by_service: list[tuple[str, int, float]]
    by_kiosk: list[tuple[str, int, float]]
    by_day: list[tuple[dt.date, int, float]]
    comments: list[tuple[dt.date, str, int, str]]  # newest first, screened


def _grouped(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int, float]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return [(key, len(v), sum(v) / len(v)) for key, v in sorted(groups.items())]


def satisfaction(rows: Sequence[Rating]) -> Satisfaction:
    tags: Counter[str] = Counter(tag for row in rows for tag in row.tags)
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row.rating)
    comments = [
        (row.day, row.kiosk_id, row.rating, screen_comment(row.comment))
        for row in reversed(rows)
        if row.comment.strip()
    ]
    return Satisfaction(
        count=len(rows),
        average=average([row.rating for row in rows]),
        distribution={star: sum(row.rating == star for row in rows) for star in range(1, 6)},
        tags=sorted(tags.items(), key=lambda item: (-item[1], item[0])),
        by_service=_grouped((row.service or "-", row.rating) for row in rows),
        by_kiosk=_grouped((row.kiosk_id, row.rating) for row in rows),
        by_day=[(day, len(v), sum(v) / len(v)) for day, v in sorted(by_day.items())],
        comments=comments[:COMMENTS_SHOWN],
    )


# --- kiosk use -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageEvent:
    """``count`` kiosk usage events alike: the same kind and detail (and, for a visit started
    or a printer fault, the same kiosk; for a visit started, the same hour)."""

    kiosk_id: str
    hour: int
    kind: str
    detail: dict[str, object]
    count: int


def usage_events(conn: Connection, filters: Filters) -> list[UsageEvent]:
    """The range's usage events, counted by the database in groups of alike ones (a visit's
    hour is the hour of the kiosk's own clock, as it sent the event)."""
    rows = conn.execute(
        "SELECT CASE WHEN kind IN ('visit_started', 'ticket_failed') THEN kiosk_id ELSE '' END,"
        " CASE WHEN kind = 'visit_started' THEN substr(at, 12, 2) ELSE '' END AS hour,"
        " kind, CASE WHEN kind = 'visit_started' THEN '{}' ELSE detail_json END AS detail,"
        " count(*) FROM kiosk_usage_events"
        " WHERE service_date >= ? AND service_date <= ? AND kind <> 'service_chosen'"
        " GROUP BY 1, 2, 3, 4",
        (filters.start.isoformat(), filters.end.isoformat()),
    ).fetchall()
    return [
        UsageEvent(
            kiosk_id=row[0],
            hour=int(row[1]) if row[1].isdigit() else -1,
            kind=row[2],
            detail=json.loads(row[3]),
            count=int(row[4]),
        )
        for row in rows
    ]


@dataclass
class ServiceUse:
    finished: int = 0
    abandoned: int = 0
    seconds_to_ticket: list[float] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        ended = self.finished + self.abandoned
        return self.finished / ended if ended else None

    @property
    def ticket_p50_s(self) -> float | None:
        return percentiles(self.seconds_to_ticket, (50,))[0] if self.seconds_to_ticket else None


@dataclass(frozen=True)
class KioskUse:
    visits: int
    visits_by_kiosk_hour: Counter[tuple[str, int]]
    by_service: dict[str, ServiceUse]
    funnel: list[tuple[str, str, int, int, int]]  # service, step, reached, idle, home
    printer_faults: list[tuple[str, str, int]]  # kiosk, fault, count
    staff_calls: list[tuple[str, int]]  # step, presses
    payments: list[tuple[str, int]]  # outcome, count

    @property
    def completion_rate(self) -> float | None:
        finished = sum(use.finished for use in self.by_service.values())
        ended = finished + sum(use.abandoned for use in self.by_service.values())
        return finished / ended if ended else None

    @property
    def ticket_p50_s(self) -> float | None:
        seconds = [s for use in self.by_service.values() for s in use.seconds_to_ticket]
        return percentiles(seconds, (50,))[0] if seconds else None


def kiosk_use(events: Iterable[UsageEvent]) -> KioskUse:
    visits = 0
    by_hour: Counter[tuple[str, int]] = Counter()
    by_service: dict[str, ServiceUse] = defaultdict(ServiceUse)
    reached: Counter[tuple[str, str]] = Counter()
    left: Counter[tuple[str, str, str]] = Counter()
    faults: Counter[tuple[str, str]] = Counter()
    staff: Counter[str] = Counter()
    payments: Counter[str] = Counter()
    for event in events:
        detail, n = event.detail, event.count
        service = str(detail.get("service", ""))
        match event.kind:
            case "visit_started":
                visits += n
                by_hour[(event.kiosk_id, event.hour)] += n
            case "step_reached":
                reached[(service, str(detail.get("step", "")))] += n
            case "visit_finished":
                by_service[service].finished += n
            case "visit_abandoned":
                by_service[service].abandoned += n
                step = str(detail.get("step", ""))
                left[(service, step, str(detail.get("reason", "")))] += n
            case "ticket_printed":
                seconds = detail.get("seconds_to_ticket")
                if isinstance(seconds, int | float):
                    by_service[service].seconds_to_ticket.extend([float(seconds)] * n)
            case "ticket_failed":
                faults[(event.kiosk_id, str(detail.get("fault", "")))] += n
            case "staff_called":
                staff[str(detail.get("step", ""))] += n
            case "payment":
                payments[str(detail.get("outcome", ""))] += n
    steps = set(reached) | {(service, step) for service, step, _ in left}
    funnel = [
        (
            service,
            step,
            reached[(service, step)],
            left[(service, step, "idle_timeout")],
            left[(service, step, "home")],
        )
        for service, step in sorted(steps, key=lambda key: (key[0], -reached[key], key[1]))
    ]
    return KioskUse(
        visits=visits,
        visits_by_kiosk_hour=by_hour,
        by_service=dict(sorted(by_service.items())),
        funnel=funnel,
        printer_faults=[(k, f, n) for (k, f), n in sorted(faults.items())],
        staff_calls=sorted(staff.items(), key=lambda item: (-item[1], item[0])),
        payments=sorted(payments.items(), key=lambda item: (-item[1], item[0])),
    )


def change_percent(before: float | None, after: float | None) -> float | None:
    """How much ``after`` differs from ``before``, in percent of ``before``."""
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before * 100
