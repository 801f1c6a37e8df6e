"""Kiosk usage events: stored once per kiosk and event id; malformed batches are 422."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.api.models import UsageEventsAck
from kiosk.server.db import Connection, connect
from kiosk.server.embedded import EmbeddedServer

PATH = "/kiosks/demo-kiosk/usage-events"
VISIT = "c3b1e0f4a2d84e6b9f7a5c1d3e2b4a60"


def event(number: int, kind: str = "step_reached", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": f"ev-{number:05d}",
        "visit_id": VISIT,
        "at": f"2026-12-03T23:{number // 60 % 60:02d}:{number % 60:02d}.250+08:00",
        "kind": kind,
        "detail": {"service": "checkin", "step": "appointments"},
    }
    body.update(changes)
    return body


@pytest.fixture
def db(live_server: EmbeddedServer) -> Iterator[Connection]:
    conn = connect(live_server.db_path)
    yield conn
    conn.close()


def stored_rows(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT kiosk_id, event_id, visit_id, at, service_date, kind, detail_json"
        " FROM kiosk_usage_events ORDER BY event_id"
    ).fetchall()
    columns = ("kiosk_id", "event_id", "visit_id", "at", "service_date", "kind", "detail_json")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_a_batch_is_stored_with_the_kiosk_id_and_its_local_day(api, db, demo_now):
    batch = [
        event(1, "visit_started", detail={"how": "id_card"}),
        event(2, "service_chosen", detail={"service": "checkin"}),
        event(3, "ticket_printed", detail={"service": "checkin", "seconds_to_ticket": 26.5}),
    ]
    response = api.post(PATH, json={"events": batch})
    assert response.status_code == 200, response.text
    ack = UsageEventsAck.model_validate(response.json())
    assert (ack.received, ack.stored, ack.received_at) == (3, 3, demo_now)

    rows = stored_rows(db)
    assert [row["kind"] for row in rows] == ["visit_started", "service_chosen", "ticket_printed"]
    assert {row["kiosk_id"] for row in rows} == {"demo-kiosk"}
    assert {row["visit_id"] for row in rows} == {VISIT}
    # 23:00 at +08:00 is the 3rd locally (the 3rd at 15:00 UTC): the kiosk's own day.
    assert {row["service_date"] for row in rows} == {"2026-12-03"}
    assert rows[0]["at"] == "2026-12-03T23:00:01.250000+08:00"
    assert json.loads(rows[2]["detail_json"]) == {"service": "checkin", "seconds_to_ticket": 26.5}


def test_a_batch_sent_twice_is_stored_once(api, db):
    batch = [event(n) for n in range(10)]
    first = api.post(PATH, json={"events": batch}).json()
    again = api.post(PATH, json={"events": batch}).json()
    # The next batch repeats half of the first (its answer was lost) and adds five new ones.
    overlapping = api.post(PATH, json={"events": [event(n) for n in range(5, 15)]}).json()
    assert (first["stored"], again["stored"], overlapping["stored"]) == (10, 0, 5)
    assert len(stored_rows(db)) == 15


def test_an_event_twice_in_one_batch_is_stored_once(api, db):
    response = api.post(PATH, json={"events": [event(1), event(1)]})
    assert response.json()["stored"] == 1
    assert len(stored_rows(db)) == 1


def test_two_kiosks_may_use_the_same_event_ids(api, other_kiosk, db):
    assert api.post(PATH, json={"events": [event(1)]}).json()["stored"] == 1
    response = other_kiosk.post("/kiosks/lobby-west-2/usage-events", json={"events": [event(1)]})
    assert response.json()["stored"] == 1
    assert [row["kiosk_id"] for row in stored_rows(db)] == ["demo-kiosk", "lobby-west-2"]


def test_a_full_batch_of_500_is_taken_and_501_refused(api, db):
    full = [event(n, detail={"service": "registration", "step": "x" * 300}) for n in range(500)]
    response = api.post(PATH, json={"events": full})
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 500

    response = api.post(PATH, json={"events": [event(n) for n in range(1000, 1501)]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"
    assert "500" in response.text
    assert len(stored_rows(db)) == 500


def test_the_token_of_another_kiosk_is_403_and_stores_nothing(other_kiosk, db):
    response = other_kiosk.post(PATH, json={"events": [event(1)]})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert stored_rows(db) == []


def test_without_a_token_it_is_401(anonymous_api):
    assert anonymous_api.post(PATH, json={"events": [event(1)]}).status_code == 401


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"kind": "patient_name_seen"}, "kind"),
        ({"at": "2026-12-03 09:00"}, "offset"),
        ({"at": "yesterday"}, "at"),
        ({"detail": ["not", "an", "object"]}, "detail"),
        ({"detail": "text"}, "detail"),
        ({"detail": {"step": "x" * 2000}}, "bytes as JSON"),
        ({"event_id": ""}, "event_id"),
        ({"event_id": "has space"}, "event_id"),
        ({"name": "王*英"}, "name"),  # no fields beyond the contract: nothing about a patient
    ],
)
def test_a_malformed_event_fails_the_whole_batch_with_a_clear_422(api, db, bad, says):
    response = api.post(PATH, json={"events": [event(1), event(2, **bad)]})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert says in json.dumps(error, ensure_ascii=False)
    assert stored_rows(db) == []


@pytest.mark.parametrize(
    "body", [{}, {"events": []}, {"events": "many"}, [event(1)], {"events": [1, 2]}]
)
def test_a_malformed_batch_is_422(api, db, body):
    response = api.post(PATH, json=body)
    assert response.status_code == 422, response.text
    assert stored_rows(db) == []


def test_a_body_over_the_batch_limit_is_413_not_5xx(api, db):
    huge = {"events": [event(1)], "padding": "x" * (1024 * 1024)}
    response = api.post(PATH, json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert stored_rows(db) == []
