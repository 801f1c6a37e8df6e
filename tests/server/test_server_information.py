"""POST /api/v1/feedback, GET /api/v1/prices and GET /api/v1/buildings."""

from __future__ import annotations

import json
import sqlite3
import uuid

from kiosk.api.models import (
    IDEMPOTENCY_HEADER,
    BuildingList,
    FeedbackAck,
    PriceItem,
    PriceList,
)
from kiosk.server.db import connect, open_database
from kiosk.server.idempotency import REPLAY_HEADER


def send_feedback(api, body: object, *, key: str | None = None):
    return api.post("/feedback", json=body, headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex})


def test_feedback_is_stored(api, live_server, demo_now):
    body = {"rating": 4, "tags": ["快", "easy"], "comment": "很方便", "context": "checkin"}
    response = send_feedback(api, body, key="fb-1")
    assert response.status_code == 201, response.text
    ack = FeedbackAck.model_validate(response.json())
    assert ack.received_at == demo_now
    replay = send_feedback(api, body, key="fb-1")
    assert replay.status_code == 201
    assert replay.json() == response.json()
    assert replay.headers.get(REPLAY_HEADER) == "true"
    assert send_feedback(api, {"rating": 1}).status_code == 201  # tags and comment optional
    conn = connect(live_server.db_path)
    try:
        rows = conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
    finally:
        conn.close()
    assert len(rows) == 2
    assert (rows[0]["rating"], rows[0]["comment"], rows[0]["context"]) == (4, "很方便", "checkin")
    assert json.loads(rows[0]["tags_json"]) == ["快", "easy"]
    assert rows[0]["kiosk_id"] == "demo-kiosk"


def test_bad_feedback(api, anonymous_api):
    for body in (
        {"rating": 0},
        {"rating": 6},
        {"rating": "five"},
        {},
        {"rating": 3, "tags": ["t"] * 9},
        {"rating": 3, "tags": ["x" * 33]},
        {"rating": 3, "tags": [""]},
        {"rating": 3, "comment": "x" * 501},
        {"rating": 3, "context": "x" * 33},
        {"rating": 3, "patient": "张三"},
    ):
        response = send_feedback(api, body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "validation_failed"
    assert send_feedback(api, {"rating": 3, "tags": ["x" * 32] * 8, "comment": "x" * 500}).ok
    no_key = api.post("/feedback", json={"rating": 3})
    assert no_key.status_code == 400
    assert anonymous_api.post("/feedback", json={"rating": 3}).status_code == 401


def prices(api, **params: str) -> list[PriceItem]:
    response = api.get("/prices", params=params)
    assert response.status_code == 200, response.text
    return PriceList.model_validate(response.json()).items


def test_price_list_and_search(api):
    items = prices(api)
    assert len(items) >= 40
    assert len({item.code for item in items}) == len(items)
    assert {item.category for item in items} == {
        "registration",
        "consultation",
        "lab",
        "imaging",
        "drug",
        "treatment",
        "material",
    }
    assert any(item.insurance_covered for item in items)
    assert any(not item.insurance_covered for item in items)
    assert [item.code for item in prices(api, q="AMOX")] == ["DRG-AMX"]
    assert [item.code for item in prices(api, q="阿莫西林")] == ["DRG-AMX"]
    assert [item.code for item in prices(api, q="drg-amx")] == ["DRG-AMX"]
    assert "LAB-CBC" in {item.code for item in prices(api, q="血常规")}
    drugs = prices(api, category="drug")
    assert len(drugs) >= 10
    assert {item.category for item in drugs} == {"drug"}
    assert prices(api, q="x-ray", category="imaging")[0].code == "IMG-DR"
    assert prices(api, q="x-ray", category="drug") == []
    assert prices(api, q="%") == prices(api, q="_") == []
    assert prices(api, q="   ") == items


def test_price_search_by_pinyin_initials(api):
    """Patients in China type the initials of the pinyin: "amxl" for 阿莫西林."""
    items = prices(api)
    assert all(item.pinyin and item.pinyin.isascii() for item in items)
    assert all(item.pinyin == item.pinyin.lower() for item in items)
    by_code = {item.code: item for item in items}
    assert by_code["DRG-AMX"].pinyin == "amxljn"
    assert by_code["LAB-CBC"].pinyin == "xcg"
    assert by_code["LAB-CRP"].pinyin == "cfydb"  # the Latin letter stays
    assert [item.code for item in prices(api, q="amxl")] == ["DRG-AMX"]
    assert [item.code for item in prices(api, q="AMXL")] == ["DRG-AMX"]  # upper case too
    assert [item.code for item in prices(api, q=" blf ")] == ["DRG-IBU"]
    assert [item.code for item in prices(api, q="xcg")] == ["LAB-CBC"]
    # 肝功能 and 肾功能 share "gn"; a category narrows it down.
    assert {item.code for item in prices(api, q="gn")} == {"LAB-LFT", "LAB-RFT"}
    assert [item.code for item in prices(api, q="ghf", category="registration")] == [
        "REG-N",
        "REG-4",
        "REG-3",
        "REG-2",
        "REG-1",
    ]
    assert prices(api, q="amxl", category="lab") == []
    assert prices(api, q="qqqq") == []


def test_an_older_price_table_gains_the_pinyin_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE prices (code TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,"
        " price_cents INTEGER NOT NULL)"
    )
    old.execute("INSERT INTO prices VALUES ('X', '血常规', 'lab', 2500)")
    old.commit()
    old.close()
    conn = open_database(path)
    try:
        assert tuple(conn.execute("SELECT code, pinyin FROM prices").fetchone()) == ("X", "")
    finally:
        conn.close()


def test_bad_price_queries(api, anonymous_api):
    assert api.get("/prices", params={"category": "food"}).status_code == 422
    assert api.get("/prices", params={"q": "x" * 65}).status_code == 422
    assert anonymous_api.get("/prices").status_code == 401


def test_buildings_with_floors_departments_and_facilities(api, anonymous_api):
    response = api.get("/buildings")
    assert response.status_code == 200
    buildings = BuildingList.model_validate(response.json()).buildings
    assert [b.name_en for b in buildings] == [
        "Outpatient Building",
        "Medical Technology Building",
        "Emergency Building",
    ]
    departments = api.get("/departments").json()["departments"]
    placed = [
        place.department.id
        for building in buildings
        for floor in building.floors
        for place in floor.places
        if place.department is not None
    ]
    assert sorted(placed) == sorted(d["id"] for d in departments)
    outpatient = buildings[0]
    floors = [floor.floor for floor in outpatient.floors]
    assert floors == sorted(floors, key=int)
    ground = outpatient.floors[0]
    assert ground.floor == "1"
    names = {place.name_en for place in ground.places}
    assert {"Pharmacy", "Cashier", "Pediatrics"} <= names
    assert all(place.room for b in buildings for f in b.floors for place in f.places)
    assert anonymous_api.get("/buildings").status_code == 401
