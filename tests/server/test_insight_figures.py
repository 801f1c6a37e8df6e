"""The insight figures on both engines: a small fixture whose figures were worked out by hand,
and the demo's 60 days of history against an independent computation from the raw events
(on PostgreSQL also against the database's own ``percentile_cont``)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import statistics
from collections.abc import Iterator

import pytest

from kiosk.server.db import Connection, Target, connect, write_transaction
from kiosk.server.insight import figures as fig
from kiosk.server.insight.history import CHANGED_DEPARTMENT, seed_history
from tests.helpers.server import DEMO_NOW

DAY = DEMO_NOW.date() - dt.timedelta(days=2)
TZ = DEMO_NOW.tzinfo


def at(hour: int, minute: int) -> str:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=TZ).isoformat()


# (queue, number, final state, [(kind, "HH:MM")]); the first event is the check-in.
FIXTURE = (
    ("q-dep-a", "A901", "done", [("issued", "08:00"), ("called", "08:10"), ("serving", "08:12"),
                                 ("done", "08:20")]),
    ("q-dep-a", "A902", "done", [("issued", "08:05"), ("called", "08:30"), ("recalled", "08:33"),
                                 ("serving", "08:35"), ("done", "08:41")]),
    ("q-dep-a", "A903", "no_show", [("issued", "08:10"), ("called", "09:00"),
                                    ("recalled", "09:02"), ("no_show", "09:05")]),
    ("q-dep-a", "A904", "done", [("issued", "08:20"), ("called", "08:45"), ("recalled", "08:50"),
                                 ("done", "09:00")]),
    ("q-dep-a", "A905", "cancelled", [("issued", "09:00"), ("cancelled", "09:30")]),
    ("q-dep-b", "B901", "done", [("issued", "10:00"), ("called", "10:40"), ("done", "10:50")]),
)  # fmt: skip


def _write_fixture(conn: Connection) -> None:
    with write_transaction(conn):
        for queue_id, number, state, events in FIXTURE:
            times = dict(events)
            entry_id = conn.execute(
                "INSERT INTO queue_entries (queue_id, service_date, number, track_token, state, "
                "sort_key, issued_at, entered_at, serving_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
                (
                    queue_id,
                    DAY.isoformat(),
                    number,
                    f"fixture-{number}",
                    state,
                    at(*map(int, times["issued"].split(":"))),
                    at(*map(int, times["issued"].split(":"))),
                    at(*map(int, times["serving"].split(":"))) if "serving" in times else None,
                    at(*map(int, events[-1][1].split(":"))),
                ),
            ).fetchone()[0]
            for kind, time in events:
                conn.execute(
                    "INSERT INTO queue_events (at, queue_id, entry_id, number, kind, actor) "
                    "VALUES (?, ?, ?, ?, ?, 'test')",
                    (at(*map(int, time.split(":"))), queue_id, entry_id, number, kind),
                )
        for rating, comment in (
            (5, ""),
            (4, "请打 138 1234 5678 或 010-12345678 找我"),
            (2, "身份证 11010519491231002X 等太久"),
        ):
            conn.execute(
                "INSERT INTO feedback (kiosk_id, rating, tags_json, comment, context, "
                "received_at) VALUES ('k1', ?, ?, ?, 'kiosk', ?)",
                (rating, json.dumps(["waiting_time"] if rating < 5 else []), comment, at(11, 0)),
            )
        usage = [
            ("v1", "visit_started", {"how": "card"}, "08:01"),
            ("v1", "ticket_printed", {"service": "checkin", "seconds_to_ticket": 40}, "08:02"),
            ("v1", "visit_finished", {"service": "checkin", "seconds": 48}, "08:02"),
            ("v2", "visit_started", {"how": "code"}, "09:15"),
            ("v2", "step_reached", {"service": "checkin", "step": "appointments"}, "09:15"),
            ("v2", "staff_called", {"step": "appointments"}, "09:16"),
            ("v2", "visit_abandoned",
             {"service": "checkin", "step": "appointments", "reason": "idle_timeout"}, "09:17"),
            ("v3", "visit_started", {"how": "typed"}, "09:40"),
            ("v3", "ticket_failed", {"service": "checkin", "fault": "paper_out"}, "09:41"),
            ("v3", "ticket_printed", {"service": "checkin", "seconds_to_ticket": 60}, "09:42"),
            ("v3", "visit_finished", {"service": "checkin", "seconds": 70}, "09:42"),
        ]  # fmt: skip
        for index, (visit, kind, detail, time) in enumerate(usage):
            stamp = at(*map(int, time.split(":")))
            conn.execute(
                "INSERT INTO kiosk_usage_events (kiosk_id, event_id, visit_id, at, service_date, "
                "kind, detail_json, received_at) VALUES ('k1', ?, ?, ?, ?, ?, ?, ?)",
                (f"e{index}", visit, stamp, DAY.isoformat(), kind, json.dumps(detail), stamp),
            )


@pytest.fixture
def conn(demo_db: Target) -> Iterator[Connection]:
    connection = connect(demo_db)
    yield connection
    connection.close()


def test_percentiles_are_statistics_quantiles_inclusive() -> None:
    assert fig.percentiles([10, 25, 25, 50], (50, 90)) == [25.0, 42.5]
    assert fig.percentiles([10, 25, 25, 40, 50], (50, 90)) == [25.0, 46.0]
    assert fig.percentiles([7], (50, 90)) == [7.0, 7.0]
    values = [3.5, 1.0, 9.25, 4.0, 4.0, 12.0, 0.5]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    assert fig.percentiles(values, (10, 50, 90)) == [cuts[9], cuts[49], cuts[89]]
    with pytest.raises(ValueError, match="no values"):
        fig.percentiles([], (50,))
    rng = random.Random(18)  # every point, to the last bit, sorted or not, ints or floats
    for size in (2, 3, 10, 101, 997):
        waits = [rng.choice((rng.randrange(3600), rng.random() * 3600)) for _ in range(size)]
        cuts = statistics.quantiles(waits, n=100, method="inclusive")
        every = list(range(1, 100))
        assert fig.percentiles(waits, every) == cuts
        assert fig.percentiles(sorted(waits), every, ordered=True) == cuts


def test_a_wait_in_minutes_meets_a_target_exactly_when_its_seconds_do() -> None:
    """The service level compares the stored minutes (seconds / 60) with the target."""
    for target in range(1, 601):
        limit = target * 60.0
        for wait in (math.nextafter(limit, 0), limit, math.nextafter(limit, math.inf)):
            assert (wait / 60 <= target) == (wait <= limit), (target, wait)


def test_waiting_figures_equal_the_hand_worked_ones(conn: Connection) -> None:
    _write_fixture(conn)
    one_day = fig.Filters(DAY, DAY, "dep-a")
    # Waits 10, 25 (a recall does not end it), 50, 25 min; A905 was never called.
    # Service 8 (from the consultation's start), 6, and 10 (from the last recall) min.
    figures = fig.wait_figures(fig.queue_days(conn, one_day), {})
    assert figures == fig.WaitFigures(
        arrivals=5,
        called=4,
        wait_p50_min=25.0,
        wait_p90_min=42.5,  # rank 0.9 × 3 = 2.7: 25 + 0.7 × (50 − 25)
        wait_max_min=50.0,
        service_p50_min=8.0,
        no_show_rate=0.25,  # 1 of the 4 that ended (3 done, 1 no-show)
        service_level=0.75,  # 3 of 4 within the default 30 min
    )
    with write_transaction(conn):
        fig.set_wait_target(conn, "dep-a", 20)
    strict = fig.wait_figures(fig.queue_days(conn, one_day), fig.wait_targets(conn))
    assert strict.service_level == 0.25
    every = fig.wait_figures(fig.queue_days(conn, fig.Filters(DAY, DAY)), {})
    assert (every.arrivals, every.wait_p50_min, every.wait_p90_min) == (6, 25.0, 46.0)
    arrivals, calls = fig.weekday_hour_counts(fig.queue_days(conn, fig.Filters(DAY, DAY)))
    assert arrivals[(DAY.weekday(), 8)] == 4
    assert calls[(DAY.weekday(), 8)] == 3
    # A call written after the figures were read is folded in at the next read.
    with write_transaction(conn):
        entry_id = conn.execute(
            "SELECT id FROM queue_entries WHERE number = 'A905' AND service_date = ?",
            (DAY.isoformat(),),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO queue_events (at, queue_id, entry_id, number, kind, actor) "
            "VALUES (?, 'q-dep-a', ?, 'A905', 'called', 'test')",
            (at(9, 20), entry_id),
        )
    later = fig.wait_figures(fig.queue_days(conn, one_day), {})
    assert (later.called, later.wait_max_min) == (5, 50.0)
    assert (later.wait_p50_min, later.wait_p90_min) == (25.0, 40.0)  # 10, 20, 25, 25, 50
    yesterday = DEMO_NOW.date() - dt.timedelta(days=1)
    assert fig.queue_days(conn, fig.Filters(yesterday, yesterday)) == []


def test_satisfaction_and_kiosk_use_equal_the_hand_worked_ones(conn: Connection) -> None:
    _write_fixture(conn)
    one_day = fig.Filters(DAY, DAY)
    s = fig.satisfaction(fig.ratings(conn, one_day), fig.recent_comments(conn, one_day))
    assert (s.count, s.average) == (3, pytest.approx(11 / 3))
    assert s.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert s.tags == [("waiting_time", 2)]
    shown = " ".join(comment for *_, comment in s.comments)
    for private in ("138 1234 5678", "010-12345678", "11010519491231002X"):
        assert private not in shown
    assert shown.count(fig.REDACTED) == 3
    assert "等太久" in shown
    use = fig.kiosk_use(fig.usage_events(conn, fig.Filters(DAY, DAY)))
    assert use.visits == 3
    assert use.visits_by_kiosk_hour == {("k1", 8): 1, ("k1", 9): 2}
    checkin = use.by_service["checkin"]
    assert (checkin.finished, checkin.abandoned) == (2, 1)
    assert checkin.completion_rate == pytest.approx(2 / 3)
    assert use.ticket_p50_s == 50.0
    assert use.funnel == [("checkin", "appointments", 1, 1, 0)]
    assert use.printer_faults == [("k1", "paper_out", 1)]
    assert use.staff_calls == [("appointments", 1)]


def _independent_waits(conn: Connection, start: dt.date, end: dt.date) -> dict[str, list[float]]:
    """Waits in minutes per department, folded straight from the event log: each entry's
    ``issued`` (its check-in) to its first ``called``."""
    rows = conn.execute(
        "SELECT e.entry_id, e.kind, e.at, q.department_id, n.service_date FROM queue_events e "
        "JOIN queues q ON q.id = e.queue_id JOIN queue_entries n ON n.id = e.entry_id "
        "ORDER BY e.id"
    ).fetchall()
    issued: dict[int, dt.datetime] = {}
    waits: dict[str, list[float]] = {}
    for row in rows:
        day = dt.date.fromisoformat(row["service_date"])
        if not start <= day <= end or row["department_id"] is None:
            continue
        when = dt.datetime.fromisoformat(row["at"])
        if row["kind"] == "issued":
            issued[row["entry_id"]] = when
        elif row["kind"] == "called" and row["entry_id"] in issued:
            checked_in = issued.pop(row["entry_id"])
            minutes = (when - checked_in).total_seconds() / 60
            waits.setdefault(row["department_id"], []).append(minutes)
    return waits


def _late_visit(conn: Connection, day: dt.date, number: str, wait_min: int) -> None:
    """A dep-b check-in and its call written on ``day`` after the figures were read."""
    issued = dt.datetime.combine(day, dt.time(16, 0, 0, 250_000), tzinfo=TZ)
    called = issued + dt.timedelta(minutes=wait_min, microseconds=1)
    with write_transaction(conn):
        entry_id = conn.execute(
            "INSERT INTO queue_entries (queue_id, service_date, number, track_token, state, "
            "sort_key, issued_at, entered_at, called_at) "
            "VALUES ('q-dep-b', ?, ?, ?, 'called', 999, ?, ?, ?) RETURNING id",
            (day.isoformat(), number, f"late-{number}", issued.isoformat(), issued.isoformat(),
             called.isoformat()),
        ).fetchone()[0]  # fmt: skip
        for kind, when in (("issued", issued), ("called", called)):
            conn.execute(
                "INSERT INTO queue_events (at, queue_id, entry_id, number, kind, actor) "
                "VALUES (?, 'q-dep-b', ?, ?, ?, 'test')",
                (when.isoformat(), entry_id, number, kind),
            )


def _assert_waits_equal_the_event_log(conn: Connection, start: dt.date, end: dt.date) -> None:
    waits = _independent_waits(conn, start, end)
    assert set(waits) >= {CHANGED_DEPARTMENT, "dep-b"}
    for department, minutes in waits.items():
        figures = fig.wait_figures(fig.queue_days(conn, fig.Filters(start, end, department)), {})
        cuts = statistics.quantiles(minutes, n=100, method="inclusive")
        assert figures.called == len(minutes)
        assert figures.wait_p50_min == pytest.approx(cuts[49])
        assert figures.wait_p90_min == pytest.approx(cuts[89])
        assert figures.wait_max_min == pytest.approx(max(minutes))
        assert figures.service_level == pytest.approx(
            sum(m <= fig.DEFAULT_TARGET_MINUTES for m in minutes) / len(minutes)
        )


def _independent_kiosk_use(
    conn: Connection, start: dt.date, end: dt.date
) -> tuple[int, int, float]:
    """Visits started, visits finished and the median seconds to a ticket, from the raw rows."""
    rows = conn.execute(
        "SELECT kind, detail_json FROM kiosk_usage_events "
        "WHERE service_date >= ? AND service_date <= ?",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    kinds = [row["kind"] for row in rows]
    seconds = [
        float(json.loads(row["detail_json"])["seconds_to_ticket"])
        for row in rows
        if row["kind"] == "ticket_printed"
    ]
    median = statistics.quantiles(seconds, n=100, method="inclusive")[49]
    return kinds.count("visit_started"), kinds.count("visit_finished"), median


def _assert_ratings_equal_the_raw_rows(conn: Connection, filters: fig.Filters) -> None:
    rows = conn.execute(
        "SELECT kiosk_id, rating FROM feedback "
        "WHERE substr(received_at, 1, 10) >= ? AND substr(received_at, 1, 10) <= ?",
        (filters.start.isoformat(), filters.end.isoformat()),
    ).fetchall()
    stars = [int(row["rating"]) for row in rows]
    s = fig.satisfaction(fig.ratings(conn, filters), fig.recent_comments(conn, filters))
    assert (s.count, s.average) == (len(stars), sum(stars) / len(stars))
    assert s.distribution == {star: stars.count(star) for star in range(1, 6)}
    assert fig.average_rating(conn, filters) == s.average
    by_kiosk = {row["kiosk_id"] for row in rows}
    assert [kiosk for kiosk, _, _ in s.by_kiosk] == sorted(by_kiosk)


def test_history_figures_equal_an_independent_computation(conn: Connection) -> None:
    with write_transaction(conn):
        seed_history(conn, DEMO_NOW, days=20)
    start, end = DEMO_NOW.date() - dt.timedelta(days=20), DEMO_NOW.date() - dt.timedelta(days=1)
    _assert_waits_equal_the_event_log(conn, start, end)
    # Events written after the figures were read (a late check-in on a day already folded,
    # its wait longer than any other, and one within the target) are in the next read.
    longest = fig.wait_figures(fig.queue_days(conn, fig.Filters(start, end, "dep-b")), {})
    assert longest.wait_max_min is not None
    _late_visit(conn, end - dt.timedelta(days=3), "B998", int(longest.wait_max_min) + 60)
    _late_visit(conn, end, "B999", 1)
    _assert_waits_equal_the_event_log(conn, start, end)
    after = fig.wait_figures(fig.queue_days(conn, fig.Filters(start, end, "dep-b")), {})
    assert after.called == longest.called + 2
    assert after.wait_max_min == pytest.approx(longest.wait_max_min + 60, abs=1)

    use = fig.kiosk_use(fig.usage_events(conn, fig.Filters(start, end)))
    visits, finished, median = _independent_kiosk_use(conn, start, end)
    assert (use.visits, use.by_service["checkin"].finished) == (visits, finished)
    assert use.ticket_p50_s == pytest.approx(median)
    with write_transaction(conn):  # a kiosk's late batch: one more visit on a counted day
        for index, (kind, detail) in enumerate(
            (
                ("visit_started", {"how": "card"}),
                ("ticket_printed", {"service": "checkin", "seconds_to_ticket": 1.5}),
                ("visit_finished", {"service": "checkin", "seconds": 9.5}),
            )
        ):
            conn.execute(
                "INSERT INTO kiosk_usage_events (kiosk_id, event_id, visit_id, at, "
                "service_date, kind, detail_json, received_at) "
                "VALUES ('late-kiosk', ?, 'late', ?, ?, ?, ?, ?)",
                (f"late-{index}", at(9, 30), DAY.isoformat(), kind, json.dumps(detail),
                 DEMO_NOW.isoformat()),
            )  # fmt: skip
    later = fig.kiosk_use(fig.usage_events(conn, fig.Filters(start, end)))
    assert (later.visits, later.by_service["checkin"].finished) == (visits + 1, finished + 1)
    assert later.visits_by_kiosk_hour[("late-kiosk", 9)] == 1
    assert later.ticket_p50_s == pytest.approx(_independent_kiosk_use(conn, start, end)[2])
    _assert_ratings_equal_the_raw_rows(conn, fig.Filters(start, end))
    with write_transaction(conn):  # a rating received after the page was read
        conn.execute(
            "INSERT INTO feedback (kiosk_id, rating, tags_json, comment, context, received_at) "
            "VALUES ('late-kiosk', 1, '[\"waiting_time\"]', '太慢了', 'kiosk', ?)",
            (at(10, 0),),
        )
    _assert_ratings_equal_the_raw_rows(conn, fig.Filters(start, end))
    newest = fig.recent_comments(conn, fig.Filters(start, end))[0]
    assert (newest.kiosk_id, newest.rating, newest.comment) == ("late-kiosk", 1, "太慢了")
    waits = _independent_waits(conn, start, end)
    if conn.dialect == "postgresql":  # the database's own percentile_cont agrees
        row = conn.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w), "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY w) FROM unnest(?::float8[]) AS w",
            (waits["dep-b"],),
        ).fetchone()
        figures = fig.wait_figures(fig.queue_days(conn, fig.Filters(start, end, "dep-b")), {})
        assert figures.wait_p50_min == pytest.approx(row[0])
        assert figures.wait_p90_min == pytest.approx(row[1])


def test_history_shows_the_second_caller_halving_the_wait(conn: Connection) -> None:
    with write_transaction(conn):
        seed_history(conn, DEMO_NOW, days=20)
    today = DEMO_NOW.date()
    before = fig.Filters(today - dt.timedelta(days=20), today - dt.timedelta(days=11), "dep-a")
    after = fig.Filters(today - dt.timedelta(days=10), today - dt.timedelta(days=1), "dep-a")
    p50_before = fig.wait_figures(fig.queue_days(conn, before), {}).wait_p50_min
    p50_after = fig.wait_figures(fig.queue_days(conn, after), {}).wait_p50_min
    change = fig.change_percent(p50_before, p50_after)
    assert change is not None
    assert change <= -50
