"""The fleet page: the admin token, kiosks not seen for 2 minutes, printers short of paper.

Signing in is tested in tests/security/test_admin_auth.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_TOKEN

ADMIN = "admin-secret"


@pytest.fixture
def guarded(
    demo_db_template: Path, tmp_path: Path, demo_now: dt.datetime
) -> Iterator[EmbeddedServer]:
    db = tmp_path / "fleet.sqlite3"
    shutil.copyfile(demo_db_template, db)
    with EmbeddedServer.start(
        db, seed_demo=False, clock=ManualClock(demo_now), admin_token=ADMIN
    ) as server:
        yield server


def beat(server: EmbeddedServer, devices: list[dict[str, object]]) -> None:
    response = requests.post(
        f"{server.url}/api/v1/kiosks/demo-kiosk/heartbeat",
        json={"version": "0.1.0", "uptime_s": 10, "devices": devices},
        headers={"Authorization": f"Bearer {DEMO_TOKEN}", "Idempotency-Key": "k"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def fleet(server: EmbeddedServer, token: str | None = ADMIN, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(
        f"{server.url}/admin/kiosks",
        params=params,
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )


def test_admin_token_is_required_when_set(guarded: EmbeddedServer) -> None:
    assert fleet(guarded, token=None, format="json").status_code == 401
    assert fleet(guarded, token=None).headers["location"] == "/admin/login"  # a browser
    assert fleet(guarded, token="wrong").status_code == 401
    assert fleet(guarded).status_code == 200
    response = fleet(guarded, format="json")
    assert response.status_code == 200
    assert response.json()["online_after_s"] == 120


def test_paper_warnings_and_a_silent_kiosk(guarded: EmbeddedServer) -> None:
    beat(guarded, [{"name": "printer", "kind": "network", "state": "near_end"}])
    [kiosk] = fleet(guarded, format="json").json()["kiosks"]
    assert kiosk["online"] is True
    assert kiosk["warnings"] == ["printer: paper nearly used up"]
    beat(guarded, [{"name": "printer", "kind": "network", "state": "paper_out"}])
    page = fleet(guarded).text
    assert 'class="flagged"' in page
    assert "printer: out of paper" in page
    clock = guarded.clock
    assert isinstance(clock, ManualClock)
    clock.advance(dt.timedelta(seconds=119))
    assert fleet(guarded, format="json").json()["kiosks"][0]["online"] is True
    clock.advance(dt.timedelta(seconds=2))
    [kiosk] = fleet(guarded, format="json").json()["kiosks"]
    assert kiosk["online"] is False
    assert kiosk["warnings"][0] == "not seen for 2 min"


def test_the_fleet_page_shows_each_device_as_its_card(guarded: EmbeddedServer) -> None:
    printer: dict[str, object] = {
        "name": "printer",
        "kind": "network",
        "state": "cover_open",
        "light": "fault",
        "since": "2026-03-02T09:12:00+08:00",
        "last_error": "job 7 failed: cover_open",
        "counters": [
            {"name": "printed", "today": 12, "total": 2048},
            {"name": "paper_near_end", "today": 0, "total": 3},
        ],
    }
    # From a kiosk older than the device cards: no light, no counters.
    old_kiosk_reader: dict[str, object] = {"name": "scanner", "kind": "serial", "state": "ready"}
    beat(guarded, [printer, old_kiosk_reader])
    [kiosk] = fleet(guarded, format="json").json()["kiosks"]
    assert kiosk["devices"][0]["counters"][0] == {"name": "printed", "today": 12, "total": 2048}
    assert kiosk["devices"][1]["light"] == ""
    page = fleet(guarded).text
    fault = '<div class="device light-fault"><b>■ 故障 Fault</b> printer (network): cover_open'
    assert fault in page
    assert "<small>since 2026-03-02T09:12+08:00</small>" in page
    assert "<small>last error: job 7 failed: cover_open</small>" in page
    assert "printed 12 today / 2048 total, paper_near_end 0 today / 3 total" in page
    assert '<div class="device light-unknown"><b>◆ 未知 Unknown</b> scanner (serial)' in page
