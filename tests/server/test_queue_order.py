"""People ahead of one entry, counted without ordering the whole queue, must be its place in
the call order the stations follow (a ticket's answer and the phone page must never disagree)."""

from __future__ import annotations

import itertools
import random
import sqlite3
from typing import cast

import requests

from kiosk.server.queue import call_order, place_in_call_order
from tests.helpers.queue import Station, add_waiting


def test_counted_place_is_the_place_in_the_call_order():
    shuffle = random.Random(16)
    checked = 0
    for normal, priority, every in itertools.product(range(7), range(5), range(1, 5)):
        classes = ["none"] * normal + ["elderly"] * priority
        shuffle.shuffle(classes)
        waiting = [
            {"id": index, "priority": kind, "sort_key": float(index)}
            for index, kind in enumerate(classes)
        ]
        for streak in range(every + 1):
            order = call_order(cast(list[sqlite3.Row], waiting), streak, every)
            for place, entry in enumerate(cast(list[dict[str, object]], order)):
                same_class = [
                    e for e in waiting if (e["priority"] == "none") == (entry["priority"] == "none")
                ]
                counted = place_in_call_order(
                    is_priority=entry["priority"] != "none",
                    same_class_before=same_class.index(entry),
                    normal_waiting=normal,
                    priority_waiting=priority,
                    normal_streak=streak,
                    priority_every=every,
                )
                assert counted == place, (classes, streak, every, entry)
                checked += 1
    assert checked > 1000


def test_a_tickets_status_counts_the_same_people_ahead_as_the_stations_view(live_server, demo_now):
    add_waiting(live_server.db_path, 5, demo_now)  # A005-A009
    station = Station(live_server.url, "dep-a")
    try:
        waiting = station.view()["waiting"]
        for entry in waiting[2::2]:  # staff mark some as priority: the order interleaves
            marked = station.act(entry["id"], "priority", json={"priority": "elderly"})
            assert marked.status_code == 200, marked.text
        view = station.view()["waiting"]
        assert [e["priority"] for e in view] != [e["priority"] for e in waiting]
        for place, entry in enumerate(view):
            assert entry["people_ahead"] == place
            status = requests.get(
                station.url(f"/tickets/{entry['number']}/status"), timeout=10
            ).json()
            assert status["people_ahead"] == place, entry["number"]
            assert status["estimated_wait_minutes"] == entry["estimated_wait_minutes"]
        called = station.call_next().json()
        assert (called["number"], called["people_ahead"]) == (view[0]["number"], 0)
        missed = station.act(called["id"], "miss").json()  # back into the queue, 3 places
        waiting_now = station.view()["waiting"]
        assert missed["people_ahead"] == [e["id"] for e in waiting_now].index(called["id"])
        # Each call-next takes the head of that order, priority turns and all.
        numbers = [station.call_next().json()["number"] for _ in waiting_now]
        assert numbers == [e["number"] for e in waiting_now]
    finally:
        station.close()
