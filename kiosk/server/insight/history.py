"""The demo hospital's past weeks, so the insight pages have something true to show.

Each past day every consulting room gets arrivals shaped like a real outpatient day (a
morning peak from 8 to 10, a quieter afternoon peak after the lunch break, fewer at the
weekend), served in order by its callers; a few patients are recalled, a few miss their call.
Half-way through, Internal Medicine (内科, ``CHANGED_DEPARTMENT``) opens a second calling room:
its waits fall, and the before/after page shows it. Kiosk usage events and ratings follow the
same visits. Everything comes from ``random.Random(seed)``, so a seed gives the same history,
and goes in with a few ``executemany`` (the whole history in well under a second).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass

from kiosk.server.db import Connection, Row, Target, connect, write_transaction
from kiosk.server.queue import format_ticket_number

HISTORY_DAYS = 60
HISTORY_SEED = 20260301
CHANGED_DEPARTMENT = "dep-a"
HISTORY_KIOSKS = ("demo-kiosk", "lobby-east-2", "lobby-west-1")
# Share of each hour's arrivals, 7:00 to 17:00 (a Chinese outpatient clinic's day: the morning
# peak, the lunch break from 12:00, the afternoon from 13:30).
HOUR_WEIGHTS = {7: 4, 8: 16, 9: 17, 10: 13, 11: 8, 12: 2, 13: 7, 14: 12, 15: 10, 16: 7, 17: 4}
WEEKDAY_LOAD = (1.0, 0.95, 0.9, 0.9, 0.95, 0.6, 0.4)  # Monday … Sunday
UTILISATION = 0.7  # of one caller's working day, for an ordinary room
BUSY_UTILISATION = 1.0  # Internal Medicine with one caller: as many patients as one can see
CONSULT_FACTOR = 2.0  # a consultation takes this many times the queue's configured minutes
WALK_S = (120, 480)  # the least a patient waits after check-in
LUNCH = (dt.time(12, 0), dt.time(13, 30))
OPENS = dt.time(8, 0)
WORKING_MINUTES = 450
RECALL_SHARE = 0.08
NO_SHOW_SHARE = 0.04
KIOSK_SHARE = 0.35  # of the patients check in at a kiosk; the rest at a window
RATING_SHARE = 0.1
COMMENTS = (
    "医生很耐心。",
    "等的时间太长了。",
    "自助机很方便，取号很快。",
    "找诊室有点难。",
    "请回电 13812345678，挂号费扣了两次。",
    "Staff were kind.",
)


@dataclass
class _Sink:
    """The rows to insert, gathered first and written with one ``executemany`` each."""

    entries: list[tuple[object, ...]]
    events: list[tuple[str, str, str, str, str, str]]  # at, queue, token, number, kind, actor
    usage: list[tuple[object, ...]]
    feedback: list[tuple[object, ...]]

    def days(self, first: str, last: str) -> _Sink:
        """The rows of the days from ``first`` to ``last`` (ISO dates, both included)."""

        def within(stamp: object) -> bool:
            return first <= str(stamp)[:10] <= last

        return _Sink(
            [row for row in self.entries if within(row[1])],
            [row for row in self.events if within(row[0])],
            [row for row in self.usage if within(row[4])],
            [row for row in self.feedback if within(row[5])],
        )


_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


class _Day:
    """Times of one day as seconds from midnight, written as ISO 8601 with the day's offset
    (looked up, not formatted: the history has some 150,000 of them)."""

    def __init__(self, day: dt.date, offset: str) -> None:
        self.day = day
        self.text = day.isoformat()
        self._prefix = f"{self.text}T"
        self._offset = offset

    def stamp(self, seconds: float) -> str:
        return self._prefix + _CLOCK[int(seconds)] + self._offset


_HOURS = list(HOUR_WEIGHTS)
_WEIGHTS = list(HOUR_WEIGHTS.values())
_OPENS_S = OPENS.hour * 3600
_LUNCH_S = (LUNCH[0].hour * 3600, LUNCH[1].hour * 3600 + LUNCH[1].minute * 60)


def _arrivals(rng: random.Random, count: int) -> list[float]:
    return sorted(
        hour * 3600 + rng.random() * 3600 for hour in rng.choices(_HOURS, _WEIGHTS, k=count)
    )


def _start_of_call(free_at: float, arrived: float) -> float:
    start = max(free_at, arrived, _OPENS_S)
    return _LUNCH_S[1] if _LUNCH_S[0] <= start < _LUNCH_S[1] else start


APART_DAYS = 5  # days written per transaction by ``seed_history_apart``


def seed_history_apart(target: Target, now: dt.datetime) -> None:
    """``seed_history`` on a connection of its own for a demo server that already serves:
    the history is made first, outside any transaction, then written ``APART_DAYS`` days per
    transaction, so the server's writers (a station signing in) wait a fraction of a second
    between them, not for the whole history."""
    conn = connect(target)
    try:
        sink = _history(conn, now, days=HISTORY_DAYS, seed=HISTORY_SEED, scale=1,
                        kiosk_share=KIOSK_SHARE)  # fmt: skip
        first_day = now.date() - dt.timedelta(days=HISTORY_DAYS)
        for offset in range(0, HISTORY_DAYS, APART_DAYS):
            start = first_day + dt.timedelta(days=offset)
            end = min(start + dt.timedelta(days=APART_DAYS - 1), now.date() - dt.timedelta(days=1))
            with write_transaction(conn):
                _write(conn, sink.days(start.isoformat(), end.isoformat()))
    finally:
        conn.close()


def seed_history(
    conn: Connection,
    now: dt.datetime,
    *,
    days: int = HISTORY_DAYS,
    seed: int = HISTORY_SEED,
    scale: int = 1,
    kiosk_share: float = KIOSK_SHARE,
) -> None:
    """Write ``days`` days of history before ``now``'s day (inside the caller's transaction).

    ``scale`` multiplies every room's patients and callers (the benchmark's big hospital);
    ``kiosk_share`` is the share of patients whose check-in at a kiosk is recorded.
    """
    sink = _history(conn, now, days=days, seed=seed, scale=scale, kiosk_share=kiosk_share)
    _write(conn, sink)


def _history(
    conn: Connection, now: dt.datetime, *, days: int, seed: int, scale: int, kiosk_share: float
) -> _Sink:
    """The rows of ``days`` days of history before ``now``'s day, not yet written."""
    rng = random.Random(seed)
    offset = now.isoformat()[-6:]
    rooms = conn.execute(
        "SELECT q.id, q.department_id, q.minutes_per_patient, d.code FROM queues q "
        "JOIN departments d ON d.id = q.department_id WHERE q.kind = 'room' ORDER BY q.id"
    ).fetchall()
    sink = _Sink([], [], [], [])
    first_day = now.date() - dt.timedelta(days=days)
    for index in range(days):
        day = _Day(first_day + dt.timedelta(days=index), offset)
        for room in rooms:
            _room_day(
                rng,
                sink,
                room,
                day,
                changed=index >= days // 2,
                scale=scale,
                kiosk_share=kiosk_share,
            )
    return sink


def _room_day(
    rng: random.Random,
    sink: _Sink,
    room: Row,
    day: _Day,
    *,
    changed: bool,
    scale: int,
    kiosk_share: float,
) -> None:
    queue_id = str(room["id"])
    station = queue_id.removeprefix("q-")
    minutes = float(room["minutes_per_patient"])
    busy = room["department_id"] == CHANGED_DEPARTMENT
    load = (BUSY_UTILISATION if busy else UTILISATION) * WEEKDAY_LOAD[day.day.weekday()]
    minutes *= CONSULT_FACTOR
    count = max(1, round(rng.gauss(load * WORKING_MINUTES / minutes, 2))) * scale
    callers = (2 if busy and changed else 1) * scale
    free = [float(_OPENS_S)] * callers
    for seq, arrived in enumerate(_arrivals(rng, count), start=1):
        number = format_ticket_number(str(room["code"]), seq)
        token = f"h{day.text}{queue_id}{seq:05d}"
        caller = min(range(callers), key=free.__getitem__)
        ready = arrived + rng.uniform(*WALK_S)  # to the waiting area, and the room's paperwork
        called = _start_of_call(free[caller], ready)
        events = [(arrived, "issued"), (called, "called")]
        answered = called
        draw = rng.random()
        if draw < RECALL_SHARE + NO_SHOW_SHARE:
            answered = called + 120
            events.append((answered, "recalled"))
        serving_at: str | None = None
        if draw < NO_SHOW_SHARE:
            finished = answered + 180
            events.append((finished, "no_show"))
            state = "no_show"
        else:
            serving = answered + rng.uniform(30, 120)
            finished = serving + minutes * 60 * rng.lognormvariate(0, 0.45) * 0.9
            events += [(serving, "serving"), (finished, "done")]
            state, serving_at = "done", day.stamp(serving)
        free[caller] = finished
        sink.entries.append(
            (queue_id, day.text, number, token, state, float(seq), day.stamp(arrived),
             day.stamp(arrived), day.stamp(called), serving_at, day.stamp(finished),
             int(answered != called))
        )  # fmt: skip
        for at, kind in events:
            actor = "kiosk" if kind == "issued" else station
            sink.events.append((day.stamp(at), queue_id, token, number, kind, actor))
        if rng.random() < kiosk_share:
            _kiosk_visit(rng, sink, day, arrived)
        if rng.random() < RATING_SHARE:
            _rating(rng, sink, day, finished, (called - arrived) / 60)


_CHECKIN = json.dumps({"service": "checkin"})
_STEP = {
    step: json.dumps({"service": "checkin", "step": step}) for step in ("appointments", "ticket")
}
_HOW = {how: json.dumps({"how": how}) for how in ("card", "code", "typed")}
_STAFF_CALLED = json.dumps({"step": "appointments"})
_ABANDONED = {
    reason: json.dumps(
        {"service": "checkin", "step": "appointments", "reason": reason}, sort_keys=True
    )
    for reason in ("idle_timeout", "home")
}
_PAPER_OUT = json.dumps({"service": "checkin", "fault": "paper_out"}, sort_keys=True)
_LEFT_AT_TICKET = json.dumps(
    {"service": "checkin", "step": "ticket", "reason": "home"}, sort_keys=True
)


def _kiosk_visit(rng: random.Random, sink: _Sink, day: _Day, arrived: float) -> None:
    """A kiosk check-in just before ``arrived``: its usage events, finished or abandoned."""
    kiosk = rng.choice(HISTORY_KIOSKS)
    visit = f"v{rng.getrandbits(48):012x}"
    start = arrived - rng.uniform(25, 90)
    how = rng.choices(("card", "code", "typed"), (6, 3, 1))[0]
    events = [
        (start, "visit_started", _HOW[how]),
        (start + 4, "service_chosen", _CHECKIN),
        (start + 9, "step_reached", _STEP["appointments"]),
    ]
    if rng.random() < 0.03:
        events.append((start + 12, "staff_called", _STAFF_CALLED))
    draw = rng.random()
    if draw < 0.05:
        reason = "idle_timeout" if draw < 0.03 else "home"
        events.append((start + 70, "visit_abandoned", _ABANDONED[reason]))
    elif draw < 0.06:
        events.append((arrived, "ticket_failed", _PAPER_OUT))
        events.append((arrived + 20, "visit_abandoned", _LEFT_AT_TICKET))
    else:
        seconds = round(arrived - start, 1)
        printed = {"service": "checkin", "seconds_to_ticket": seconds}
        finished = {"service": "checkin", "seconds": round(seconds + 8, 1)}
        events.append((arrived, "step_reached", _STEP["ticket"]))
        events.append((arrived, "ticket_printed", json.dumps(printed, sort_keys=True)))
        events.append((arrived + 8, "visit_finished", json.dumps(finished, sort_keys=True)))
    for index, (at, kind, detail_json) in enumerate(events):
        stamp = day.stamp(at)
        sink.usage.append(
            (kiosk, f"{visit}-{index}", visit, stamp, day.text, kind, detail_json, stamp)
        )


def _rating(rng: random.Random, sink: _Sink, day: _Day, finished: float, wait_min: float) -> None:
    """A rating after the visit: worse the longer the wait."""
    rating = min(5, max(1, round(rng.gauss(4.7 - min(2.5, wait_min / 30), 0.7))))
    tags = (
        ["waiting_time"] if wait_min > 30 else [rng.choice(("staff", "this_kiosk", "cleanliness"))]
    )
    comment = rng.choice(COMMENTS) if rng.random() < 0.15 else ""
    sink.feedback.append(
        (rng.choice(HISTORY_KIOSKS), rating, json.dumps(tags), comment, "kiosk",
         day.stamp(min(finished + 120, 86399)))
    )  # fmt: skip


def _write(conn: Connection, sink: _Sink) -> None:
    """The sink's rows; its entries' ids are read back by their tracking tokens to link
    their events."""
    if not sink.entries:
        return
    first = min(str(entry[1]) for entry in sink.entries)
    last = max(str(entry[1]) for entry in sink.entries)
    conn.executemany(
        "INSERT INTO queue_entries (queue_id, service_date, number, track_token, state, "
        "sort_key, issued_at, entered_at, called_at, serving_at, finished_at, recalls) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        sink.entries,
    )
    ids = {
        row["track_token"]: int(row["id"])
        for row in conn.execute(
            "SELECT id, track_token FROM queue_entries WHERE service_date >= ? "
            "AND service_date <= ?",
            (first, last),
        ).fetchall()
    }
    conn.executemany(
        "INSERT INTO queue_events (at, queue_id, entry_id, number, kind, actor) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (at, queue, ids[token], number, kind, actor)
            for at, queue, token, number, kind, actor in sink.events
        ],
    )
    conn.execute(  # a join, not a subquery per entry: the planner has no statistics yet
        "UPDATE queue_entries SET last_event_id = last.id FROM (SELECT entry_id, max(id) AS id "
        "FROM queue_events GROUP BY entry_id) AS last "
        "WHERE last.entry_id = queue_entries.id AND queue_entries.service_date >= ? "
        "AND queue_entries.service_date <= ?",
        (first, last),
    )
    conn.executemany(
        "INSERT INTO kiosk_usage_events (kiosk_id, event_id, visit_id, at, service_date, kind, "
        "detail_json, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        sink.usage,
    )
    conn.executemany(
        "INSERT INTO feedback (kiosk_id, rating, tags_json, comment, context, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        sink.feedback,
    )
