"""Heartbeats, the fleet page, health and the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import requests

from kiosk.api.models import HeartbeatAck, KioskFleet

HEARTBEAT = {
    "version": "0.1.0",
    "uptime_s": 3725.5,
    "devices": [
        {"name": "printer", "kind": "network", "state": "paper_low", "detail": "<b>near end</b>"},
        {"name": "reader", "kind": "keyboard", "state": "ok"},
    ],
    "last_error": "printer timeout at 09:12",
}


def test_heartbeat_is_acknowledged_and_shown_on_the_fleet_page(api, live_server, demo_now):
    response = api.post("/kiosks/demo-kiosk/heartbeat", json=HEARTBEAT)
    assert response.status_code == 200, response.text
    ack = HeartbeatAck.model_validate(response.json())
    assert ack.kiosk_id == "demo-kiosk"
    assert ack.received_at == demo_now

    with requests.Session() as browser:
        page = browser.get(f"{live_server.url}/admin/kiosks", timeout=10)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "demo-kiosk" in page.text
        assert "0.1.0" in page.text
        assert "1h 2m" in page.text
        assert "paper_low" in page.text
        assert "&lt;b&gt;near end&lt;/b&gt;" in page.text  # escaped
        assert "printer timeout at 09:12" in page.text
        assert "online" in page.text

        data = browser.get(f"{live_server.url}/admin/kiosks?format=json", timeout=10)
    fleet = KioskFleet.model_validate(data.json())
    (kiosk,) = fleet.kiosks
    assert kiosk.kiosk_id == "demo-kiosk"
    assert kiosk.online
    assert kiosk.version == "0.1.0"
    assert kiosk.uptime_s == 3725.5
    assert [d.state for d in kiosk.devices] == ["paper_low", "ok"]
    assert kiosk.last_error == "printer timeout at 09:12"


def test_a_silent_kiosk_goes_offline(api, live_server, manual_clock):
    assert api.post("/kiosks/demo-kiosk/heartbeat", json=HEARTBEAT).status_code == 200
    manual_clock.advance(dt.timedelta(minutes=10))
    with requests.Session() as browser:
        data = browser.get(f"{live_server.url}/admin/kiosks?format=json", timeout=10).json()
    assert data["kiosks"][0]["online"] is False


def test_heartbeat_for_another_kiosk_is_403(api):
    response = api.post("/kiosks/lobby-east-1/heartbeat", json=HEARTBEAT)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_heartbeat_needs_a_token(anonymous_api):
    response = anonymous_api.post("/kiosks/demo-kiosk/heartbeat", json=HEARTBEAT)
    assert response.status_code == 401


def test_heartbeat_rejects_an_infinite_uptime(api):
    response = api.post(
        "/kiosks/demo-kiosk/heartbeat",
        data=b'{"version": "1", "uptime_s": 1e999}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_bad_fleet_format_is_422(live_server):
    with requests.Session() as browser:
        response = browser.get(f"{live_server.url}/admin/kiosks?format=xml", timeout=10)
    assert response.status_code == 422


def test_health_is_public(anonymous_api, demo_now):
    response = anonymous_api.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert dt.datetime.fromisoformat(body["time"]) == demo_now


def test_openapi_documents_the_api(live_server):
    with requests.Session() as session:
        doc = session.get(f"{live_server.url}/openapi.json", timeout=10).json()
    paths = doc["paths"]
    for path in (
        "/api/v1/patients/identify",
        "/api/v1/patients/{patient_id}/appointments",
        "/api/v1/appointments/{appointment_id}/check-in",
        "/api/v1/departments",
        "/api/v1/departments/{department_id}/schedule",
        "/api/v1/tickets/{number}/status",
        "/api/v1/kiosks/{kiosk_id}/heartbeat",
        "/api/v1/health",
    ):
        assert path in paths, path
    schemas = doc["components"]["schemas"]
    for name in ("IdentifyResult", "CheckInResult", "ErrorBody", "Ticket", "TicketPublicStatus"):
        assert name in schemas
    check_in = paths["/api/v1/appointments/{appointment_id}/check-in"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in check_in["parameters"])
    assert "409" in check_in["responses"]
