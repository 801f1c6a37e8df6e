"""Staff calls: a kiosk asks for a person, the fleet page shows it and staff acknowledge it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.server.cli import add_kiosk_main
from kiosk.server.clock import ManualClock
from kiosk.server.db import Row, Target, add_kiosk, connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID
from tests.helpers.server import ApiClient

ADMIN = "staff-call-admin-secret"


def call_staff(api: ApiClient, screen: str = "payment_qr", key: str = "call-1") -> Any:
    return api.post("/staff-calls", json={"screen": screen}, headers={"Idempotency-Key": key})


def acknowledge(server: EmbeddedServer, call_id: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.post(
        f"{server.url}/admin/staff-calls/{call_id}/acknowledge", allow_redirects=False, **kwargs
    )


def stored_calls(db: Target) -> list[Row]:
    conn = connect(db)
    try:
        return list(conn.execute("SELECT * FROM staff_calls"))
    finally:
        conn.close()


def test_a_call_is_created_once_and_followed_by_its_kiosk(
    api: ApiClient, live_server: EmbeddedServer, manual_clock: ManualClock, demo_db: Path
) -> None:
    first = call_staff(api)
    assert first.status_code == 201, first.text
    call = first.json()
    assert call["kiosk_id"] == DEMO_KIOSK_ID
    assert call["screen"] == "payment_qr"
    assert call["status"] == "open"
    assert call["location"] == "门诊楼 1楼 大厅东侧"
    assert dt.datetime.fromisoformat(call["called_at"]) == manual_clock()

    manual_clock.advance(dt.timedelta(seconds=5))
    again = call_staff(api)  # the answer was lost: the kiosk sends the same call again
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == call
    assert len(stored_calls(demo_db)) == 1

    followed = api.get(f"/staff-calls/{call['id']}")
    assert followed.status_code == 200
    assert followed.json() == call

    other = call_staff(api, screen="home", key="call-2")
    assert other.json()["id"] != call["id"]
    assert len(stored_calls(demo_db)) == 2


def test_the_fleet_page_lists_open_calls_and_staff_acknowledge_them(
    api: ApiClient, live_server: EmbeddedServer, manual_clock: ManualClock
) -> None:
    call = call_staff(api).json()
    manual_clock.advance(dt.timedelta(minutes=1, seconds=20))

    page = requests.get(f"{live_server.url}/admin/kiosks", timeout=10)
    assert page.status_code == 200
    text = page.text
    calls_at = text.index('id="staff-calls"')
    assert calls_at < text.index("<th>Kiosk</th>")  # above the fleet's table
    assert f'id="{call["id"]}"' in text
    for shown in (DEMO_KIOSK_ID, "门诊楼 1楼 大厅东侧", "payment_qr", "1 分 20 秒", "1 min 20 s"):
        assert shown in text[calls_at:], shown
    assert "呼叫工作人员" in text
    assert "Staff calls" in text
    assert "确认" in text
    assert "Acknowledge" in text
    assert '<audio id="call-sound" src="/admin/assets/staff-call.wav" loop' in text
    assert '<script src="/admin/assets/fleet.js"' in text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "media-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]  # no inline script

    listed = requests.get(f"{live_server.url}/admin/staff-calls", timeout=10)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["calls"]] == [call["id"]]

    action = re.search(r'<form method="post" action="([^"]+)">', text[calls_at:])
    assert action is not None
    answered = requests.post(
        f"{live_server.url}{action.group(1)}",
        data=dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', text)),
        headers={"Origin": live_server.url},
        timeout=10,
        allow_redirects=False,
    )
    assert answered.status_code == 303
    assert answered.headers["location"] == "/admin/kiosks"

    followed = api.get(f"/staff-calls/{call['id']}").json()
    assert followed["status"] == "acknowledged"
    assert dt.datetime.fromisoformat(followed["acknowledged_at"]) == manual_clock()
    after = requests.get(f"{live_server.url}/admin/kiosks", timeout=10).text
    assert f'id="{call["id"]}"' not in after
    assert "No open calls." in after
    assert "<audio" not in after  # nothing rings once every call is answered
    assert requests.get(f"{live_server.url}/admin/staff-calls", timeout=10).json()["calls"] == []


def test_acknowledging_twice_is_harmless_and_an_unknown_call_is_404(
    api: ApiClient, live_server: EmbeddedServer, manual_clock: ManualClock
) -> None:
    call = call_staff(api).json()
    first = acknowledge(live_server, call["id"])
    assert first.status_code == 200
    assert first.json()["status"] == "acknowledged"
    manual_clock.advance(dt.timedelta(minutes=3))
    second = acknowledge(live_server, call["id"])
    assert second.status_code == 200
    assert second.json() == first.json()  # the first answer's time stays
    missing = acknowledge(live_server, "call-0000000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_patient_cancels_the_call(api: ApiClient, live_server: EmbeddedServer) -> None:
    call = call_staff(api).json()
    cancel = api.post(
        f"/staff-calls/{call['id']}/cancel", json={}, headers={"Idempotency-Key": "c"}
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled"
    assert requests.get(f"{live_server.url}/admin/staff-calls", timeout=10).json()["calls"] == []
    late = acknowledge(live_server, call["id"])  # staff answer a call that was just cancelled
    assert late.status_code == 200
    assert late.json()["status"] == "cancelled"


def test_a_kiosk_sees_only_its_own_calls(
    api: ApiClient, live_server: EmbeddedServer, demo_db: Path
) -> None:
    call = call_staff(api).json()
    conn = connect(demo_db)
    try:
        add_kiosk(conn, "lobby-west-2", "other-kiosk-token")
    finally:
        conn.close()
    other = ApiClient(live_server.url, "other-kiosk-token")
    try:
        assert other.get(f"/staff-calls/{call['id']}").status_code == 404
        cancel = other.post(
            f"/staff-calls/{call['id']}/cancel", json={}, headers={"Idempotency-Key": "x"}
        )
        assert cancel.status_code == 404
    finally:
        other.close()
    assert api.get(f"/staff-calls/{call['id']}").json()["status"] == "open"


def test_calls_need_the_kiosk_token(anonymous_api: ApiClient, api: ApiClient) -> None:
    assert call_staff(anonymous_api).status_code == 401
    call = call_staff(api).json()
    assert anonymous_api.get(f"/staff-calls/{call['id']}").status_code == 401
    wrong = ApiClient(api.base_url, "not-a-kiosk-token")
    try:
        assert call_staff(wrong).status_code == 401
    finally:
        wrong.close()


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"screen": "payment_qr"}, {}, 400),  # no Idempotency-Key
        ({}, {"Idempotency-Key": "b1"}, 422),
        ({"screen": ""}, {"Idempotency-Key": "b2"}, 422),
        ({"screen": "<script>"}, {"Idempotency-Key": "b3"}, 422),
        ({"screen": "x" * 65}, {"Idempotency-Key": "b4"}, 422),
        ({"screen": 7}, {"Idempotency-Key": "b5"}, 422),
        # a kiosk may not put patient data (or anything else) in a call
        ({"screen": "home", "patient_id": "p-1"}, {"Idempotency-Key": "b6"}, 422),
        ([], {"Idempotency-Key": "b7"}, 422),
    ],
)
def test_bad_calls_are_refused_with_a_4xx(
    api: ApiClient, demo_db: Path, body: Any, headers: dict[str, str], status: int
) -> None:
    response = api.post("/staff-calls", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert stored_calls(demo_db) == []


def test_a_body_that_is_not_json_is_refused(api: ApiClient) -> None:
    response = api.post(
        "/staff-calls",
        data=b"screen=home",
        headers={"Idempotency-Key": "f", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


def test_the_same_key_for_another_call_is_a_conflict(api: ApiClient) -> None:
    assert call_staff(api, screen="home", key="same").status_code == 201
    conflict = call_staff(api, screen="payment_qr", key="same")
    assert conflict.status_code == 422
    assert conflict.json()["error"]["code"] == "idempotency_conflict"


# --- who may see and acknowledge calls ------------------------------------------------------


@pytest.fixture
def guarded(
    demo_db_template: Path, tmp_path: Path, demo_now: dt.datetime
) -> Iterator[EmbeddedServer]:
    db = tmp_path / "guarded.sqlite3"
    shutil.copyfile(demo_db_template, db)
    with EmbeddedServer.start(
        db, seed_demo=False, clock=ManualClock(demo_now), admin_token=ADMIN
    ) as server:
        yield server


def test_calls_on_a_guarded_server_need_the_admin(guarded: EmbeddedServer) -> None:
    kiosk = ApiClient(guarded.url)
    try:
        call = call_staff(kiosk).json()
    finally:
        kiosk.close()
    listing = f"{guarded.url}/admin/staff-calls"
    assert requests.get(listing, timeout=10).status_code == 401
    assert (
        requests.get(listing, headers={"Authorization": "Bearer no"}, timeout=10).status_code == 401
    )
    assert acknowledge(guarded, call["id"]).status_code == 401
    form_without_session = acknowledge(
        guarded, call["id"], data={"from": "fleet-page"}, headers={"Origin": guarded.url}
    )
    assert form_without_session.status_code == 303
    assert form_without_session.headers["location"] == "/admin/login"
    bearer = {"Authorization": f"Bearer {ADMIN}"}
    assert [c["id"] for c in requests.get(listing, headers=bearer, timeout=10).json()["calls"]] == [
        call["id"]
    ]

    with requests.Session() as browser:  # signs in, then presses 确认 on the fleet page
        browser.post(
            f"{guarded.url}/admin/login",
            data={"token": ADMIN},
            headers={"Origin": guarded.url},
            timeout=10,
        )
        page = browser.get(f"{guarded.url}/admin/kiosks", timeout=10)
        assert f'id="{call["id"]}"' in page.text
        forged = browser.post(
            f"{guarded.url}/admin/staff-calls/{call['id']}/acknowledge",
            data={"from": "fleet-page"},
            headers={"Origin": "https://evil.example"},
            timeout=10,
            allow_redirects=False,
        )
        assert forged.status_code == 403  # another site's page cannot press the button
        assert requests.get(listing, headers=bearer, timeout=10).json()["calls"] != []
        pressed = browser.post(
            f"{guarded.url}/admin/staff-calls/{call['id']}/acknowledge",
            data={"from": "fleet-page"},
            headers={"Origin": guarded.url},
            timeout=10,
        )
        assert pressed.url.endswith("/admin/kiosks")
        assert "No open calls." in pressed.text
    assert requests.get(listing, headers=bearer, timeout=10).json()["calls"] == []


def test_the_page_script_and_sound_are_served(live_server: EmbeddedServer) -> None:
    script = requests.get(f"{live_server.url}/admin/assets/fleet.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/admin/staff-calls" in script.text
    assert "play()" in script.text
    sound = requests.get(f"{live_server.url}/admin/assets/staff-call.wav", timeout=10)
    assert sound.status_code == 200
    assert sound.headers["content-type"] == "audio/wav"
    assert sound.content[:4] == b"RIFF"
    assert sound.content[8:12] == b"WAVE"
    assert len(sound.content) < 100_000


def test_a_call_holds_no_patient_data_even_mid_visit(api: ApiClient, demo_db: Path) -> None:
    patient = api.identify("one_in_window")  # the kiosk's session now carries a visit token
    call = call_staff(api, screen="appointments").json()
    row = dict(stored_calls(demo_db)[0])
    assert set(row) == {
        "id",
        "kiosk_id",
        "screen",
        "status",
        "called_at",
        "acknowledged_at",
        "cancelled_at",
    }
    for value in (*row.values(), *call.values()):
        text = str(value)
        assert patient["id"] not in text
        assert patient["display_name"] not in text


def test_where_a_kiosk_stands_is_set_when_it_is_added(
    live_server: EmbeddedServer, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["lobby-west-2", "--db", str(demo_db), "--location", "急诊楼 1楼"]
    assert add_kiosk_main(argv) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert add_kiosk_main(["lobby-west-2", "--db", str(demo_db)]) == 0  # a new token only
    token = capsys.readouterr().out.strip().splitlines()[-1]
    kiosk = ApiClient(live_server.url, token)
    try:
        assert call_staff(kiosk).json()["location"] == "急诊楼 1楼"
    finally:
        kiosk.close()
