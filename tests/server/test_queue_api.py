"""The electronic queue over HTTP: calling, recalls, missed calls, transfers, priority, the
event log as the truth, two stations at once, station sign-in, and the pushed updates."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from kiosk.server.clock import ManualClock
from kiosk.server.db import Target, connect, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.queue import (
    QueueRules,
    issue_ticket,
    projected_entries,
    replay_entries,
    save_rules,
)
from kiosk.server.queue_bus import QueueBus
from kiosk.server.stations import add_station
from tests.helpers.postgres import DATABASE_ERRORS
from tests.helpers.queue import Station, add_waiting, track_token
from tests.helpers.server import new_payment, pay_page_post, pay_url_of


@pytest.fixture
def station(live_server: EmbeddedServer) -> Iterator[Station]:
    client = Station(live_server.url, "dep-a")
    yield client
    client.close()


def _waiting_numbers(station: Station, queue_id: str = "q-dep-a") -> list[str]:
    return [entry["number"] for entry in station.view(queue_id)["waiting"]]


def _assert_projection_is_derived(db_path: Target) -> None:
    conn = connect(db_path)
    try:
        assert replay_entries(conn) == projected_entries(conn)
    finally:
        conn.close()


def test_a_visit_through_the_queue_and_its_event_log(station, live_server, manual_clock):
    # The demo: A001 called, A002-A004 waiting.
    assert _waiting_numbers(station) == ["A002", "A003", "A004"]
    called = station.call_next()
    assert called.status_code == 200, called.text
    entry = called.json()
    assert (entry["number"], entry["state"], entry["station_id"]) == ("A002", "called", "dep-a")
    assert entry["display_name"].count("*") == 1
    assert _waiting_numbers(station) == ["A003", "A004"]
    for action, state, recalls in (("recall", "called", 1), ("recall", "called", 2)):
        answer = station.act(entry["id"], action).json()
        assert (answer["state"], answer["recalls"]) == (state, recalls)
    limit = station.act(entry["id"], "recall")
    assert limit.status_code == 409
    assert limit.json()["error"]["code"] == "recall_limit"
    manual_clock.advance(dt.timedelta(minutes=1))
    assert station.act(entry["id"], "serve").json()["state"] == "serving"
    manual_clock.advance(dt.timedelta(minutes=7))
    assert station.act(entry["id"], "finish").json()["state"] == "done"
    stale = station.act(entry["id"], "finish")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_action"
    events = station.get("/queues/q-dep-a/events", params={"after": 0}).json()["events"]
    mine = [event["kind"] for event in events if event["entry_id"] == entry["id"]]
    assert mine == ["issued", "called", "recalled", "recalled", "serving", "done"]
    assert all(event["actor"] == "dep-a" for event in events if event["kind"] != "issued")
    _assert_projection_is_derived(live_server.db_path)


def test_the_event_log_cannot_be_rewritten(live_server):
    conn = connect(live_server.db_path)
    try:
        with pytest.raises(DATABASE_ERRORS, match="append-only"):
            conn.execute("UPDATE queue_events SET kind = 'done'")
        with pytest.raises(DATABASE_ERRORS, match="append-only"):
            conn.execute("DELETE FROM queue_events")
    finally:
        conn.close()


def test_a_missed_call_goes_three_places_back_then_to_no_show(station, live_server, demo_now):
    add_waiting(live_server.db_path, 4, demo_now)  # A005-A008
    entry = station.call_next().json()
    assert entry["number"] == "A002"
    requeued = station.act(entry["id"], "miss").json()
    assert (requeued["state"], requeued["misses"]) == ("waiting", 1)
    assert _waiting_numbers(station) == ["A003", "A004", "A005", "A002", "A006", "A007", "A008"]
    assert requeued["people_ahead"] == 3
    for expected in ("A003", "A004", "A005", "A002"):
        assert station.call_next().json()["number"] == expected
    missed_again = station.act(entry["id"], "miss").json()
    assert (missed_again["state"], missed_again["misses"]) == ("no_show", 2)
    assert "A002" not in _waiting_numbers(station)
    _assert_projection_is_derived(live_server.db_path)


def test_priority_is_interleaved_one_per_two_normal_calls(station, live_server, demo_now):
    add_waiting(live_server.db_path, 4, demo_now)  # A005-A008, all under 70
    waiting = station.view()["waiting"]
    for entry in waiting[-2:]:  # A007 and A008: staff mark them (disabled, military)
        marked = station.act(entry["id"], "priority", json={"priority": "disabled"})
        assert marked.json()["priority"] == "disabled"
    # The last call of the demo (A001) was normal: one more normal, then a priority entry,
    # then two normal, then the other priority one. Nobody waits forever.
    expected = ["A002", "A007", "A003", "A004", "A008", "A005", "A006"]
    assert _waiting_numbers(station) == expected
    ahead = [entry["people_ahead"] for entry in station.view()["waiting"]]
    assert ahead == list(range(len(expected)))
    assert [station.call_next().json()["number"] for _ in expected] == expected
    empty = station.call_next()
    assert empty.status_code == 409
    assert empty.json()["error"]["code"] == "queue_empty"


def test_a_transfer_keeps_the_number_and_the_phone_follows(station, live_server):
    entry = station.call_next().json()
    token = track_token(live_server.db_path, entry["number"])
    before = requests.get(station.url(f"/track/{token}"), timeout=10).json()
    assert (before["queue_id"], before["state"]) == ("q-dep-a", "called")
    moved = station.act(entry["id"], "transfer", json={"to_queue": "q-lab"})
    assert moved.status_code == 200, moved.text
    lab_entry = moved.json()
    assert (lab_entry["queue_id"], lab_entry["number"]) == ("q-lab", entry["number"])
    assert (lab_entry["state"], lab_entry["transferred_from"]) == ("waiting", "q-dep-a")
    after = requests.get(station.url(f"/track/{token}"), timeout=10).json()
    assert (after["queue_id"], after["room"], after["state"]) == ("q-lab", "101采血窗口", "waiting")
    # The lab's station may act on it; the room's station no longer may.
    assert station.act(lab_entry["id"], "call").json()["error"]["code"] == "not_your_queue"
    lab = Station(live_server.url, "lab")
    try:
        called = lab.act(lab_entry["id"], "call").json()
        assert called["state"] == "called"
        back = lab.act(lab_entry["id"], "transfer", json={"to_queue": "q-dep-a"}).json()
        assert (back["queue_id"], back["number"]) == ("q-dep-a", entry["number"])
    finally:
        lab.close()
    _assert_projection_is_derived(live_server.db_path)


def test_the_estimate_is_the_rooms_rolling_median(station, live_server, manual_clock, demo_now):
    add_waiting(live_server.db_path, 4, demo_now)
    for minutes in (10, 12, 30):  # one long consultation does not move the median much
        entry = station.call_next().json()
        manual_clock.advance(dt.timedelta(minutes=minutes))
        station.act(entry["id"], "finish")
    view = station.view()
    assert view["queue"]["minutes_per_patient"] == 12
    assert [e["estimated_wait_minutes"] for e in view["waiting"][:3]] == [0, 12, 24]


def test_a_station_calls_only_its_own_queues_and_replays_a_retried_call(station, live_server):
    other = station.call_next("q-dep-b")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "not_your_queue"
    first = station.post("/queues/q-dep-a/call-next", key="same-key")
    again = station.post("/queues/q-dep-a/call-next", key="same-key")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert _waiting_numbers(station) == ["A003", "A004"]  # called once, not twice
    anonymous = requests.post(station.url("/queues/q-dep-a/call-next"), timeout=10)
    assert anonymous.status_code == 401


def test_sign_in_refuses_bad_passwords_and_then_slows_down(live_server):
    url = f"{live_server.url}/api/v1/stations/session"
    codes = [
        requests.post(url, json={"station": "dep-a", "password": "wrong"}, timeout=10)
        for _ in range(6)
    ]
    assert [r.status_code for r in codes] == [401] * 5 + [429]
    assert codes[0].json()["error"]["code"] == "bad_credentials"
    assert int(codes[-1].headers["Retry-After"]) >= 1
    unknown = requests.post(url, json={"station": "nobody", "password": "demo"}, timeout=10)
    assert unknown.json()["error"]["code"] == "bad_credentials"


def test_a_cookie_signed_write_must_come_from_the_servers_own_pages(station, live_server):
    with requests.Session() as browser:
        browser.cookies.set("kiosk_station", station.token)
        url = station.url("/queues/q-dep-a/call-next")
        forged = browser.post(
            url, headers={"Idempotency-Key": "k1", "Origin": "https://evil.example"}, timeout=10
        )
        assert forged.status_code == 403
        assert _waiting_numbers(station) == ["A002", "A003", "A004"]
        own = browser.post(
            url, headers={"Idempotency-Key": "k2", "Origin": live_server.url}, timeout=10
        )
        assert own.status_code == 200, own.text


def test_two_stations_calling_at_once_never_get_the_same_patient(live_server, demo_now):
    add_waiting(live_server.db_path, 20, demo_now)
    conn = connect(live_server.db_path)
    try:
        add_station(conn, "dep-a-2", "second-pass", ["q-dep-a"], name="内科 202", now=demo_now)
    finally:
        conn.close()
    stations = [
        Station(live_server.url, "dep-a"),
        Station(live_server.url, "dep-a-2", "second-pass"),
    ]
    called: list[tuple[str, int, str]] = []
    refused: list[int] = []
    barrier = threading.Barrier(2)
    lock = threading.Lock()

    def work(client: Station) -> None:
        barrier.wait(timeout=10)
        for _ in range(15):
            response = client.call_next()
            with lock:
                if response.status_code == 200:
                    body = response.json()
                    called.append((body["number"], body["id"], body["station_id"]))
                else:
                    refused.append(response.status_code)

    threads = [threading.Thread(target=work, args=(client,)) for client in stations]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for client in stations:
            client.close()
    numbers = [number for number, _, _ in called]
    assert len(numbers) == len(set(numbers)) == 23  # A002-A004 and 20 more: all, once each
    assert refused == [409] * 7  # the queue ran empty: queue_empty, nothing doubled
    assert {station_id for _, _, station_id in called} == {"dep-a", "dep-a-2"}
    _assert_projection_is_derived(live_server.db_path)


def _events(url: str, stop_after: int, received: list[tuple[float, dict[str, Any]]]) -> None:
    with requests.get(url, stream=True, timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(b"data:"):
                received.append((time.monotonic(), json.loads(line[5:])))
                if len(received) >= stop_after:
                    return


def test_a_call_is_pushed_to_the_board_and_the_phone_within_a_second(station, live_server):
    token = track_token(live_server.db_path, "A002")
    boards: list[tuple[float, dict[str, Any]]] = []
    phones: list[tuple[float, dict[str, Any]]] = []
    listeners = [
        threading.Thread(
            target=_events, args=(station.url("/areas/area-outpatient-2/events"), 2, boards)
        ),
        threading.Thread(target=_events, args=(station.url(f"/track/{token}/events"), 2, phones)),
    ]
    for listener in listeners:
        listener.start()
    deadline = time.monotonic() + 10
    while (not boards or not phones) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert boards[0][1]["now_calling"][0]["number"] == "A001"
    assert (phones[0][1]["state"], phones[0][1]["people_ahead"]) == ("waiting", 0)
    called_at = time.monotonic()
    assert station.call_next().json()["number"] == "A002"
    for listener in listeners:
        listener.join(10)
    board_at, board = boards[1]
    phone_at, phone = phones[1]
    assert board["now_calling"][0]["number"] == "A002"
    assert board["now_calling"][0]["announcement_url"].endswith("/announcement.wav")
    assert (phone["state"], phone["room"]) == ("called", "201诊室")
    assert "display_name" not in phone  # the phone page shows no name
    assert board_at - called_at < 1.0
    assert phone_at - called_at < 1.0


def test_a_check_in_at_a_kiosk_reaches_the_board_without_a_station(api, live_server):
    boards: list[tuple[float, dict[str, Any]]] = []
    listener = threading.Thread(
        target=_events, args=(api.url("/areas/area-outpatient-2/events"), 2, boards)
    )
    listener.start()
    deadline = time.monotonic() + 10
    while not boards and time.monotonic() < deadline:
        time.sleep(0.01)
    (appointment,) = api.appointments_today("one_in_window")
    assert api.check_in(appointment["id"]).status_code == 200
    listener.join(10)
    queue_a = next(q for q in boards[1][1]["queues"] if q["queue_id"] == "q-dep-a")
    assert queue_a["waiting"] == 4


def test_a_change_between_the_first_board_and_the_subscription_is_not_lost(
    api, live_server, demo_now, monkeypatch
):
    """A check-in committed after a display's first board was read, before its stream
    listens, still reaches the display (the stream reads again once it listens)."""
    (appointment,) = api.appointments_today("one_in_window")
    start_watching = QueueBus._start_watching

    def check_in_first(bus: QueueBus) -> None:
        monkeypatch.setattr(QueueBus, "_start_watching", start_watching)  # once
        conn = connect(live_server.db_path)
        try:
            with write_transaction(conn):
                issue_ticket(conn, appointment["id"], demo_now, "test")
        finally:
            conn.close()
        start_watching(bus)

    monkeypatch.setattr(QueueBus, "_start_watching", check_in_first)
    boards: list[tuple[float, dict[str, Any]]] = []
    _events(api.url("/areas/area-outpatient-2/events"), 2, boards)
    waiting = [
        next(q for q in board["queues"] if q["queue_id"] == "q-dep-a")["waiting"]
        for _, board in boards
    ]
    assert waiting == [3, 4]


def test_bad_queue_requests_get_clear_refusals(station, live_server):
    assert station.call_next("q-nowhere").status_code == 403  # not the station's: refused first
    assert station.act(999_999, "finish").json()["error"]["code"] == "not_found"
    assert station.act(1, "transfer", json={"to_queue": "q-nowhere"}).status_code == 404
    assert station.act(1, "priority", json={"priority": "vip"}).status_code == 422
    assert requests.get(station.url("/areas/nowhere/board"), timeout=10).status_code == 404
    forged = requests.get(station.url("/track/AAAAAAAAAAAAAAAAAAAAAAAA"), timeout=10)
    assert forged.status_code == 404
    assert requests.get(station.url("/track/short"), timeout=10).status_code == 422
    _assert_projection_is_derived(live_server.db_path)


def test_stopping_the_server_ends_open_streams(demo_db, demo_now):
    server = EmbeddedServer.start(demo_db, seed_demo=True, clock=ManualClock(demo_now))
    received: list[tuple[float, dict[str, Any]]] = []
    listener = threading.Thread(
        target=_events, args=(f"{server.url}/api/v1/areas/area-outpatient-2/events", 5, received)
    )
    listener.start()
    deadline = time.monotonic() + 10
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    listener.join(10)
    assert not listener.is_alive()
    assert time.monotonic() - started < 3


def test_the_hospitals_rules_apply_to_every_call(station, live_server):
    conn = connect(live_server.db_path)
    try:
        save_rules(conn, QueueRules(max_recalls=0, miss_requeue_places=0))
    finally:
        conn.close()
    entry = station.call_next().json()
    assert station.act(entry["id"], "recall").json()["error"]["code"] == "recall_limit"
    assert station.act(entry["id"], "miss").json()["state"] == "no_show"  # no second chance


def test_a_paid_prescription_queues_at_its_pharmacy_window(api, live_server):
    payment = new_payment(api)
    pay_page_post(pay_url_of(live_server.url, live_server.db_path, payment.id), "confirm")
    conn = connect(live_server.db_path)
    try:
        rows = conn.execute(
            "SELECT e.queue_id, e.state, e.track_token, pt.number FROM queue_entries e "
            "JOIN pharmacy_tickets pt ON pt.id = e.pharmacy_ticket_id"
        ).fetchall()
    finally:
        conn.close()
    ((queue_id, state, token, number),) = rows
    assert (queue_id, state) == ("q-pharmacy-1", "waiting")
    status = requests.get(api.url(f"/track/{token}"), timeout=10).json()
    assert (status["number"], status["room"]) == (number, "1号窗口")
