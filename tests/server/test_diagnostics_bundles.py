"""Diagnostics bundles on the server: an admin asks on the fleet page, the kiosk's heartbeat
answer names the request, the kiosk's upload is stored once, the fleet page shows it and only
admins download it; oversized, unasked, foreign and malformed uploads are refused clearly."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import zipfile
from typing import Any

import pytest
import requests

from kiosk.api.models import MAX_DIAGNOSTICS_BUNDLE_BYTES
from kiosk.server.clock import ManualClock
from kiosk.server.db import Row, Target, connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID
from tests.helpers.fleet import press_request_button
from tests.helpers.server import ApiClient

UPLOAD = f"/kiosks/{DEMO_KIOSK_ID}/diagnostics-bundle"
HEARTBEAT = {"version": "0.1.0", "uptime_s": 12.0}


def a_zip(**files: str | bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in (files or {"system.json": "{}"}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def stored_zip(content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("big.bin", content)
    return buffer.getvalue()


def upload(api: ApiClient, request_id: str, content: bytes, **kwargs: Any) -> requests.Response:
    body = {"request_id": request_id, "content_base64": base64.b64encode(content).decode()}
    return api.post(UPLOAD, json=body, headers={"Idempotency-Key": request_id}, **kwargs)


def beat(api: ApiClient) -> dict[str, Any]:
    response = api.post(
        f"/kiosks/{DEMO_KIOSK_ID}/heartbeat", json=HEARTBEAT, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def fleet_page(server: EmbeddedServer) -> str:
    page = requests.get(f"{server.url}/admin/kiosks", timeout=10)
    assert page.status_code == 200
    return page.text


def stored(db: Target) -> list[Row]:
    conn = connect(db)
    try:
        return list(
            conn.execute(
                "SELECT id, kiosk_id, received_at, size_bytes, content IS NOT NULL AS kept "
                "FROM diagnostics_bundles ORDER BY seq"
            )
        )
    finally:
        conn.close()


def test_the_button_asks_the_next_heartbeat_and_the_upload_is_kept_once(
    api: ApiClient, live_server: EmbeddedServer, manual_clock: ManualClock, demo_db: Target
) -> None:
    assert beat(api)["diagnostics_request_id"] is None
    assert "未请求" in fleet_page(live_server)
    press_request_button(live_server)
    page = fleet_page(live_server)
    assert "已请求" in page
    assert "waiting for the kiosk's next heartbeat" in page
    assert "Request diagnostics bundle" not in page  # not twice while one waits

    request_id = beat(api)["diagnostics_request_id"]
    assert re.fullmatch(r"diag-[0-9a-f]{32}", request_id)
    assert beat(api)["diagnostics_request_id"] == request_id  # asked until it arrives

    manual_clock.advance(dt.timedelta(seconds=30))
    bundle = a_zip(**{"system.json": '{"version": "0.1.0"}', "logs/kiosk.log": "ok\n" * 100})
    first = upload(api, request_id, bundle)
    assert first.status_code == 200, first.text
    receipt = first.json()
    assert receipt["request_id"] == request_id
    assert receipt["size_bytes"] == len(bundle)
    assert receipt["sha256"] == hashlib.sha256(bundle).hexdigest()
    assert dt.datetime.fromisoformat(receipt["received_at"]) == manual_clock()
    assert receipt["requested_by"] == "loopback (no admin token set) from 127.0.0.1"

    # The answer was lost: the kiosk sends again (even a bundle made anew) and gets the same
    # receipt; the first bundle stays.
    manual_clock.advance(dt.timedelta(seconds=30))
    again = upload(api, request_id, a_zip(**{"system.json": "{}"}))
    assert again.status_code == 200
    assert again.json() == receipt
    assert [(row["id"], row["size_bytes"]) for row in stored(demo_db)] == [
        (request_id, len(bundle))
    ]
    assert beat(api)["diagnostics_request_id"] is None  # nothing more to send

    page = fleet_page(live_server)
    assert "已收到" in page
    assert "Received 2025-03-10 09:30:30" in page
    download = re.search(r'<a class="bundle-download" href="([^"]+)"', page)
    assert download is not None
    answer = requests.get(f"{live_server.url}{download.group(1)}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content == bundle

    fleet = requests.get(f"{live_server.url}/admin/kiosks?format=json", timeout=10).json()
    [kiosk] = fleet["kiosks"]
    assert kiosk["diagnostics"]["request_id"] == request_id
    assert kiosk["diagnostics"]["size_bytes"] == len(bundle)


def test_a_new_request_replaces_the_kept_zip_only_when_its_bundle_arrives(
    api: ApiClient, live_server: EmbeddedServer, manual_clock: ManualClock, demo_db: Target
) -> None:
    press_request_button(live_server)
    first_id = beat(api)["diagnostics_request_id"]
    assert upload(api, first_id, a_zip(first="1")).status_code == 200
    manual_clock.advance(dt.timedelta(minutes=5))
    press_request_button(live_server)  # the button is back once a bundle arrived
    second_id = beat(api)["diagnostics_request_id"]
    assert second_id != first_id
    # Until the second arrives, the first can still be downloaded.
    kept = requests.get(
        f"{live_server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-bundle", timeout=10
    )
    assert zipfile.ZipFile(io.BytesIO(kept.content)).namelist() == ["first"]
    assert upload(api, second_id, a_zip(second="2")).status_code == 200
    rows = stored(demo_db)
    assert [(row["id"], bool(row["kept"])) for row in rows] == [
        (first_id, False),
        (second_id, True),
    ]
    assert all(row["size_bytes"] for row in rows)  # the old one's size stays on record
    latest = requests.get(
        f"{live_server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-bundle", timeout=10
    )
    assert zipfile.ZipFile(io.BytesIO(latest.content)).namelist() == ["second"]


def test_an_upload_nobody_asked_for_is_refused(
    api: ApiClient, other_kiosk: ApiClient, live_server: EmbeddedServer, demo_db: Target
) -> None:
    unasked = upload(api, "diag-" + "0" * 32, a_zip())
    assert unasked.status_code == 404
    assert unasked.json()["error"]["code"] == "not_found"
    assert "No diagnostics bundle was asked" in unasked.json()["error"]["message"]

    press_request_button(live_server)
    request_id = beat(api)["diagnostics_request_id"]
    # Another kiosk cannot answer for this one, under its own path or this one's.
    foreign = upload(other_kiosk, request_id, a_zip())
    assert foreign.status_code == 403
    own_path = other_kiosk.post(
        "/kiosks/lobby-west-2/diagnostics-bundle",
        json={"request_id": request_id, "content_base64": base64.b64encode(a_zip()).decode()},
    )
    assert own_path.status_code == 404
    missing = requests.get(
        f"{live_server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-bundle", timeout=10
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert [row["received_at"] for row in stored(demo_db)] == [None]


def test_the_size_cap_is_enforced_with_413(
    api: ApiClient, live_server: EmbeddedServer, demo_db: Target
) -> None:
    press_request_button(live_server)
    request_id = beat(api)["diagnostics_request_id"]
    # Stored, not deflated: a zip exactly one byte past the cap.
    random = hashlib.sha256(b"seed").digest() * (MAX_DIAGNOSTICS_BUNDLE_BYTES // 32 + 1)
    overhead = len(stored_zip(b""))
    just_over = stored_zip(random[: MAX_DIAGNOSTICS_BUNDLE_BYTES - overhead + 1])
    assert len(just_over) == MAX_DIAGNOSTICS_BUNDLE_BYTES + 1
    refused = upload(api, request_id, just_over)
    assert refused.status_code == 413, refused.text
    error = refused.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"]["limit_bytes"] == MAX_DIAGNOSTICS_BUNDLE_BYTES
    far_over = upload(api, request_id, random * 2)  # refused before it is even parsed
    assert far_over.status_code == 413
    assert far_over.json()["error"]["code"] == "payload_too_large"
    assert [row["received_at"] for row in stored(demo_db)] == [None]
    assert beat(api)["diagnostics_request_id"] == request_id  # still wanted

    at_the_cap = stored_zip(random[: MAX_DIAGNOSTICS_BUNDLE_BYTES - overhead])
    assert len(at_the_cap) == MAX_DIAGNOSTICS_BUNDLE_BYTES
    assert upload(api, request_id, at_the_cap).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"request_id": "diag-x", "content_base64": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}, 422),
        ({"content_base64": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}, 422),
        ({"request_id": "REQ", "content_base64": "not base64!"}, 422),
        ({"request_id": "REQ", "content_base64": base64.b64encode(b"plain text").decode()}, 422),
        ({"request_id": "REQ", "content_base64": "UEsFBg==", "patient": "x"}, 422),
        ([], 422),
    ],
)
def test_malformed_uploads_are_a_clear_4xx(
    api: ApiClient, live_server: EmbeddedServer, demo_db: Target, body: Any, status: int
) -> None:
    press_request_button(live_server)
    request_id = beat(api)["diagnostics_request_id"]
    if isinstance(body, dict) and body.get("request_id") == "REQ":
        body = {**body, "request_id": request_id}
    answer = api.post(UPLOAD, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == "validation_failed"
    assert [row["received_at"] for row in stored(demo_db)] == [None]


def test_asking_twice_keeps_one_request_and_an_unknown_kiosk_is_404(
    live_server: EmbeddedServer, demo_db: Target
) -> None:
    url = f"{live_server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-request"
    first = requests.post(url, timeout=10)
    assert first.status_code == 200, first.text
    second = requests.post(url, timeout=10)
    assert second.json() == first.json()
    assert len(stored(demo_db)) == 1
    unknown = requests.post(f"{live_server.url}/admin/kiosks/nope/diagnostics-request", timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    elsewhere = requests.post(
        url, data={"from": "fleet-page"}, headers={"Origin": "http://evil.example"}, timeout=10
    )
    assert elsewhere.status_code == 403
    assert len(stored(demo_db)) == 1


ADMIN = "bundle-admin-secret"


def test_with_an_admin_token_only_signed_in_admins_ask_and_download(
    demo_db: Target, demo_now: dt.datetime
) -> None:
    with EmbeddedServer.start(
        demo_db, seed_demo=False, clock=ManualClock(demo_now), admin_token=ADMIN
    ) as server:
        kiosk = ApiClient(server.url)
        ask = f"{server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-request"
        download = f"{server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-bundle"
        browser = requests.Session()
        try:
            anonymous = requests.post(ask, timeout=10)
            assert anonymous.status_code == 401
            assert anonymous.json()["error"]["code"] == "unauthorized"
            form = requests.post(
                ask, data={"from": "fleet-page"}, timeout=10, allow_redirects=False
            )
            assert form.headers["location"] == "/admin/login"  # a browser signs in first
            assert beat(kiosk)["diagnostics_request_id"] is None

            signed_in = browser.post(
                f"{server.url}/admin/login",
                data={"token": ADMIN, "next": "/admin/kiosks"},
                headers={"Origin": server.url},
                timeout=10,
            )
            assert signed_in.status_code == 200
            assert "请求诊断包" in signed_in.text
            pressed = browser.post(
                ask,
                data={"from": "fleet-page"},
                headers={"Origin": server.url},
                timeout=10,
                allow_redirects=False,
            )
            assert pressed.status_code == 303
            request_id = beat(kiosk)["diagnostics_request_id"]
            assert request_id
            bundle = a_zip()
            assert upload(kiosk, request_id, bundle).status_code == 200
            status = browser.get(f"{server.url}/admin/kiosks?format=json", timeout=10).json()
            assert status["kiosks"][0]["diagnostics"]["requested_by"] == (
                "admin session from 127.0.0.1"
            )

            assert (
                requests.get(
                    download, headers={"Authorization": "Bearer x"}, timeout=10
                ).status_code
                == 401
            )
            away = requests.get(download, timeout=10, allow_redirects=False)
            assert away.status_code == 303  # to the sign-in page, never the zip
            assert browser.get(download, timeout=10).content == bundle
            api_use = requests.get(
                download, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10
            )
            assert api_use.status_code == 200
            # A kiosk's own token is not an admin's.
            assert kiosk.session.get(download, timeout=10).status_code == 401
        finally:
            browser.close()
            kiosk.close()
