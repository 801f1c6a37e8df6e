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

import bisect
import datetime as dt
import json
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kiosk.server.db import Connection, Row, from_db_time, lock_key, write_transaction

DEFAULT_TARGET_MINUTES = 30
MAX_RANGE_DAYS = 366
COMMENTS_SHOWN = 50


def percentiles(
    values: Sequence[float], points: Sequence[int], *, ordered: bool = False
) -> list[float]:
    """The ``points`` (whole percents, 1–99) of ``values`` by linear interpolation between the
    closest ranks: ``statistics.quantiles(values, n=100, method="inclusive")``, the same as
    PostgreSQL's ``percentile_cont`` (rank ``(n - 1) * p``). One value is every percentile.
    That function's own formula for the points asked only; ``ordered``: ``values`` are sorted
    already (a page's hundreds of thousands of waits are not sorted twice)."""
    if not values:
        raise ValueError("no values")
    data = values if ordered else sorted(values)
    if len(data) == 1:
        return [float(data[0]) for _ in points]
    last = len(data) - 1
    cuts = []
    for point in points:
        rank, delta = divmod(point * last, 100)
        cuts.append(float((data[rank] * (100 - delta) + data[rank + 1] * delta) / 100))
    return cuts


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


class QueueDay(NamedTuple):
    """One queue's day (``insight_queue_days``): what a page reads instead of every visit.
    The waits and service times are every visit's own (in minutes, as ``seconds / 60``),
    sorted, so the percentiles over any range of days are exact. A slot is
    weekday × 24 + hour (Monday 0) in the server's local time; the slots count arrivals and
    first calls."""

    queue_id: str
    department_id: str | None
    day: dt.date
    arrivals: int
    done: int
    no_show: int
    waits_min: list[float]
    services_min: list[float]
    arrived_slots: dict[int, int]
    called_slots: dict[int, int]


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


def _progress(conn: Connection, log: str) -> int:
    """The id of the newest event of ``log`` (a table) folded so far."""
    row = conn.execute("SELECT last_id FROM insight_progress WHERE name = ?", (log,)).fetchone()
    return int(row[0]) if row else 0


def _set_progress(conn: Connection, log: str, last_id: int) -> None:
    conn.execute(
        "INSERT INTO insight_progress (name, last_id) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id",
        (log, last_id),
    )


def _newest_event(conn: Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM queue_events").fetchone()[0])


def refresh_queue_visits(conn: Connection) -> int:
    """Fold the events written since the last refresh into ``insight_queue_visits`` and the
    queues' days they touched into ``insight_queue_days``; returns how many entries changed. One
    refresher at a time (the others wait, then find nothing)."""
    if _progress(conn, "queue_events") >= _newest_event(conn):
        return 0  # nothing new: no write lock taken
    with write_transaction(conn):
        lock_key(conn, "insight_queue_visits")
        done, newest = _progress(conn, "queue_events"), _newest_event(conn)
        if newest <= done:
            return 0
        entries = [
            int(r[0])
            for r in conn.execute(
                "SELECT DISTINCT entry_id FROM queue_events WHERE id > ? AND id <= ?",
                (max(0, done - REFOLD_MARGIN), newest),
            ).fetchall()
        ]
        touched: set[tuple[str, str]] = set()
        for first in range(0, len(entries), _FOLD_CHUNK):
            chunk = entries[first : first + _FOLD_CHUNK]
            marks = ", ".join("?" * len(chunk))
            folded = [_fold(r) for r in conn.execute(f"{_FOLD_SQL}({marks})", chunk).fetchall()]
            conn.executemany(_UPSERT, folded)
            touched.update((str(row[3]), str(row[1])) for row in folded)
        fold_queue_days(conn, touched)
        _set_progress(conn, "queue_events", newest)
        return len(entries)


def fold_queue_days(conn: Connection, touched: Iterable[tuple[str, str]]) -> None:
    """Write ``insight_queue_days`` again for these (day, queue) pairs from their visits
    (inside the caller's transaction)."""
    queues_by_day: dict[str, set[str]] = defaultdict(set)
    for day, queue_id in touched:
        queues_by_day[day].add(queue_id)
    for day, queues in sorted(queues_by_day.items()):
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in conn.execute(
            "SELECT queue_id, department_id, state, wait_s, service_s, arrived_slot,"
            " called_slot FROM insight_queue_visits WHERE service_date = ?",
            (day,),
        ).fetchall():
            if row[0] in queues:
                groups[row[0]].append(row)
        for queue_id in queues:
            conn.execute(
                "DELETE FROM insight_queue_days WHERE service_date = ? AND queue_id = ?",
                (day, queue_id),
            )
        conn.executemany(
            "INSERT INTO insight_queue_days (queue_id, service_date, department_id, arrivals,"
            " done, no_show, waits_min, services_min, arrived_slots, called_slots)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(queue_id, day, *_day_row(rows)) for queue_id, rows in groups.items()],
        )


def _day_row(visits: Sequence[Row]) -> tuple[object, ...]:
    """A queue's day from its visits' rows (``fold_queue_days``'s columns after the key)."""
    waits = sorted(row[3] / 60 for row in visits if row[3] is not None)
    services = sorted(row[4] / 60 for row in visits if row[4] is not None)
    arrived = Counter(int(row[5]) for row in visits)
    called = Counter(int(row[6]) for row in visits if row[6] is not None)
    return (
        visits[0][1],
        len(visits),
        sum(row[2] == "done" for row in visits),
        sum(row[2] == "no_show" for row in visits),
        _packed(waits),
        _packed(services),
        json.dumps(sorted(arrived.items())),
        json.dumps(sorted(called.items())),
    )


def _packed(minutes: list[float]) -> bytes:
    """Minutes as little-endian doubles: a page unpacks a quarter of a million of them at
    memory speed (as JSON text, parsing them took most of the page's time)."""
    packed = array("d", minutes)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def _unpacked(blob: bytes) -> list[float]:
    minutes = array("d")
    minutes.frombytes(blob)
    if sys.byteorder == "big":
        minutes.byteswap()
    return minutes.tolist()


def queue_days(conn: Connection, filters: Filters) -> list[QueueDay]:
    """The queues' days of the range, brought up to the newest event first."""
    refresh_queue_visits(conn)
    sql = (
        "SELECT queue_id, department_id, service_date, arrivals, done, no_show, waits_min,"
        " services_min, arrived_slots, called_slots FROM insight_queue_days"
        " WHERE service_date >= ? AND service_date <= ?"
    )
    params = [filters.start.isoformat(), filters.end.isoformat()]
    if filters.department_id is not None:
        sql += " AND department_id = ?"
        params.append(filters.department_id)
    return [
        QueueDay(
            queue_id=row[0],
            department_id=row[1],
            day=dt.date.fromisoformat(row[2]),
            arrivals=int(row[3]),
            done=int(row[4]),
            no_show=int(row[5]),
            waits_min=_unpacked(bytes(row[6])),
            services_min=_unpacked(bytes(row[7])),
            arrived_slots=dict(json.loads(row[8])),
            called_slots=dict(json.loads(row[9])),
        )
        for row in conn.execute(sql + " ORDER BY service_date, queue_id", params).fetchall()
    ]


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


def wait_figures(days: Sequence[QueueDay], targets: dict[str, int]) -> WaitFigures:
    waits: list[float] = []
    services: list[float] = []
    within = done = no_show = 0
    for day in days:
        waits += day.waits_min
        services += day.services_min
        target = targets.get(day.department_id or "", DEFAULT_TARGET_MINUTES)
        # wait / 60 <= target exactly when wait <= target × 60, for every double wait
        within += bisect.bisect_right(day.waits_min, target)
        done += day.done
        no_show += day.no_show
    waits.sort()  # sorted runs, one per day: close to linear
    services.sort()
    p50, p90 = percentiles(waits, (50, 90), ordered=True) if waits else (None, None)
    return WaitFigures(
        arrivals=sum(day.arrivals for day in days),
        called=len(waits),
        wait_p50_min=p50,
        wait_p90_min=p90,
        wait_max_min=waits[-1] if waits else None,
        service_p50_min=percentiles(services, (50,), ordered=True)[0] if services else None,
        no_show_rate=no_show / (done + no_show) if done + no_show else None,
        service_level=within / len(waits) if waits else None,
    )


def weekday_hour_counts(
    days: Iterable[QueueDay],
) -> tuple[Counter[tuple[int, int]], Counter[tuple[int, int]]]:
    """Arrivals and first calls by (weekday 0 = Monday, hour), in the server's local time."""
    arrivals: Counter[int] = Counter()
    calls: Counter[int] = Counter()
    for day in days:
        arrivals.update(day.arrived_slots)
        calls.update(day.called_slots)
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


class Ratings(NamedTuple):
    """``how_many`` ratings alike: the same local day received, kiosk, service, stars, tags."""

    day: dt.date
    kiosk_id: str
    service: str
    rating: int
    tags: tuple[str, ...]
    how_many: int


class Comment(NamedTuple):
    day: dt.date
    kiosk_id: str
    rating: int
    comment: str  # as the patient wrote it: ``satisfaction`` screens it


def refresh_rating_days(conn: Connection) -> None:
    """Count again into ``insight_rating_days`` every day that received ratings since the
    last refresh (whole days, as ``refresh_usage_days``)."""
    done = _progress(conn, "feedback")
    newest = int(conn.execute("SELECT coalesce(max(id), 0) FROM feedback").fetchone()[0])
    if done >= newest:
        return
    with write_transaction(conn):
        lock_key(conn, "insight_rating_days")
        done = _progress(conn, "feedback")
        if newest <= done:
            return
        days = conn.execute(
            "SELECT DISTINCT substr(received_at, 1, 10) FROM feedback WHERE id > ? AND id <= ?",
            (max(0, done - REFOLD_MARGIN), newest),
        ).fetchall()
        for (day,) in days:
            conn.execute("DELETE FROM insight_rating_days WHERE service_date = ?", (day,))
            conn.execute(
                "INSERT INTO insight_rating_days (service_date, kiosk_id, service, rating,"
                " tags_json, count) SELECT ?, kiosk_id, context, rating, tags_json, count(*)"
                " FROM feedback WHERE substr(received_at, 1, 10) = ?"
                " GROUP BY kiosk_id, context, rating, tags_json",
                (day, day),
            )
        _set_progress(conn, "feedback", newest)


def ratings(conn: Connection, filters: Filters) -> list[Ratings]:
    """The ratings received in the range (by the local day they were received), in groups of
    alike ones, brought up to the newest first."""
    refresh_rating_days(conn)
    rows = conn.execute(
        "SELECT service_date, kiosk_id, service, rating, tags_json, count"
        " FROM insight_rating_days WHERE service_date >= ? AND service_date <= ?",
        (filters.start.isoformat(), filters.end.isoformat()),
    ).fetchall()
    tags = _json_list([row[4] for row in rows])
    return [
        Ratings(
            day=dt.date.fromisoformat(row[0]),
            kiosk_id=row[1],
            service=row[2],
            rating=int(row[3]),
            tags=tuple(row_tags),
            how_many=int(row[5]),
        )
        for row, row_tags in zip(rows, tags, strict=True)
    ]


def recent_comments(conn: Connection, filters: Filters) -> list[Comment]:
    """The range's newest ``COMMENTS_SHOWN`` comments, newest first."""
    comments = []
    for row in conn.execute(
        "SELECT received_at, kiosk_id, rating, comment FROM feedback WHERE comment <> ''"
        " AND substr(received_at, 1, 10) >= ? AND substr(received_at, 1, 10) <= ?"
        " ORDER BY id DESC",
        (filters.start.isoformat(), filters.end.isoformat()),
    ):
        if row[3].strip():
            day = dt.date.fromisoformat(row[0][:10])
            comments.append(Comment(day, row[1], int(row[2]), row[3]))
            if len(comments) == COMMENTS_SHOWN:
                break
    return comments


def average_rating(conn: Connection, filters: Filters) -> float | None:
    """The average of the range's ratings (``satisfaction(...).average`` without the rows)."""
    refresh_rating_days(conn)
    total, count = conn.execute(
        "SELECT coalesce(sum(rating * count), 0), coalesce(sum(count), 0)"
        " FROM insight_rating_days WHERE service_date >= ? AND service_date <= ?",
        (filters.start.isoformat(), filters.end.isoformat()),
    ).fetchone()
    return int(total) / int(count) if count else None


def _json_list(texts: Sequence[str]) -> list[Any]:
    """Many JSON texts parsed in one call: a page parses tens of thousands of them."""
    return list(json.loads("[" + ",".join(texts) + "]"))


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


def _grouped(
    groups: Iterable[tuple[str, int, int]],
) -> list[tuple[str, int, float]]:
    """(key, how many, average) per key of (key, stars, how many)."""
    counts: Counter[str] = Counter()
    stars: Counter[str] = Counter()
    for key, rating, count in groups:
        counts[key] += count
        stars[key] += rating * count
    return [(key, counts[key], stars[key] / counts[key]) for key in sorted(counts)]


def satisfaction(groups: Sequence[Ratings], comments: Sequence[Comment]) -> Satisfaction:
    tags: Counter[str] = Counter()
    distribution = dict.fromkeys(range(1, 6), 0)
    for group in groups:
        for tag in group.tags:
            tags[tag] += group.how_many
        distribution[group.rating] += group.how_many
    count = sum(distribution.values())
    by_day = _grouped((group.day.isoformat(), group.rating, group.how_many) for group in groups)
    return Satisfaction(
        count=count,
        average=sum(star * n for star, n in distribution.items()) / count if count else None,
        distribution=distribution,
        tags=sorted(tags.items(), key=lambda item: (-item[1], item[0])),
        by_service=_grouped((g.service or "-", g.rating, g.how_many) for g in groups),
        by_kiosk=_grouped((g.kiosk_id, g.rating, g.how_many) for g in groups),
        by_day=[(dt.date.fromisoformat(day), n, mean) for day, n, mean in by_day],
        comments=[(c.day, c.kiosk_id, c.rating, screen_comment(c.comment)) for c in comments],
    )


# --- kiosk use -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageEvent:
    """``count`` kiosk usage events alike: the same kind and detail as far as ``kiosk_use``
    reads it (and, for a visit started or a printer fault, the same kiosk; for a visit
    started, the same hour, else -1)."""

    kiosk_id: str
    hour: int
    kind: str
    detail: dict[str, object]
    count: int


# What ``kiosk_use`` reads of an event's detail; ``insight_usage_days`` keeps only these, so
# events that differ in nothing else (a finished visit's length) are counted together.
USED_DETAIL = ("service", "step", "reason", "seconds_to_ticket", "fault", "outcome")


def refresh_usage_days(conn: Connection) -> None:
    """Count again into ``insight_usage_days`` every day that received usage events since the
    last refresh (whole days: a late commit on PostgreSQL is counted at the next refresh)."""
    done = _progress(conn, "kiosk_usage_events")
    newest = int(conn.execute("SELECT coalesce(max(id), 0) FROM kiosk_usage_events").fetchone()[0])
    if done >= newest:
        return
    with write_transaction(conn):
        lock_key(conn, "insight_usage_days")
        done = _progress(conn, "kiosk_usage_events")
        if newest <= done:
            return
        days = conn.execute(
            "SELECT DISTINCT service_date FROM kiosk_usage_events WHERE id > ? AND id <= ?",
            (max(0, done - REFOLD_MARGIN), newest),
        ).fetchall()
        for (day,) in days:
            conn.execute("DELETE FROM insight_usage_days WHERE service_date = ?", (day,))
            conn.executemany(
                "INSERT INTO insight_usage_days (service_date, kiosk_id, hour, kind,"
                " detail_json, count) VALUES (?, ?, ?, ?, ?, ?)",
                [(day, *key, n) for key, n in _usage_day(conn, day).items()],
            )
        _set_progress(conn, "kiosk_usage_events", newest)


def _usage_day(conn: Connection, day: str) -> Counter[tuple[str, int, str, str]]:
    """A day's usage events counted by (kiosk, hour, kind, the detail ``kiosk_use`` reads);
    the kiosk only for a visit started or a printer fault, the hour (of the kiosk's own clock)
    only for a visit started, -1 otherwise."""
    rows = conn.execute(
        "SELECT CASE WHEN kind IN ('visit_started', 'ticket_failed') THEN kiosk_id ELSE '' END,"
        " CASE WHEN kind = 'visit_started' THEN substr(at, 12, 2) ELSE '' END AS hour,"
        " kind, CASE WHEN kind = 'visit_started' THEN '{}' ELSE detail_json END AS detail,"
        " count(*) FROM kiosk_usage_events"
        " WHERE service_date = ? AND kind <> 'service_chosen' GROUP BY 1, 2, 3, 4",
        (day,),
    ).fetchall()
    counts: Counter[tuple[str, int, str, str]] = Counter()
    for row, detail in zip(rows, _json_list([row[3] for row in rows]), strict=True):
        used = {key: detail[key] for key in USED_DETAIL if key in detail}
        hour = int(row[1]) if row[1].isdigit() else -1
        counts[(row[0], hour, row[2], json.dumps(used, sort_keys=True))] += int(row[4])
    return counts


def usage_events(conn: Connection, filters: Filters) -> list[UsageEvent]:
    """The range's usage events in groups of alike ones, brought up to the newest first."""
    refresh_usage_days(conn)
    rows = conn.execute(
        "SELECT kiosk_id, hour, kind, detail_json, sum(count) FROM insight_usage_days"
        " WHERE service_date >= ? AND service_date <= ? GROUP BY 1, 2, 3, 4",
        (filters.start.isoformat(), filters.end.isoformat()),
    ).fetchall()
    details = _json_list([row[3] for row in rows])
    return [
        UsageEvent(kiosk_id=row[0], hour=int(row[1]), kind=row[2], detail=detail, count=int(row[4]))
        for row, detail in zip(rows, details, strict=True)
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
