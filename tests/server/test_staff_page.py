"""The staff caller page's routes over HTTP: sign-in form, cookie, sign-out, language, policy.

What the page does in a browser is in ``tests/web/test_staff_page.py``.
"""

from __future__ import annotations

import re

import pytest
import requests
from starlette.requests import Request

from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_STATION_PASSWORD, demo_station_id
from kiosk.server.staffpage import page_language
from kiosk.server.stations import FAILED_SIGN_INS_ALLOWED, STATION_COOKIE, add_station
from tests.helpers.server import DEMO_NOW, TIMEOUT_S

QUEUE = "q-dep-a"
DEMO_STATION = demo_station_id(QUEUE)


def _sign_in(
    server: EmbeddedServer, station: str, password: str, **headers: str
) -> requests.Response:
    return requests.post(
        f"{server.url}/staff/login",
        data={"station": station, "password": password},
        headers={"Origin": server.url, **headers},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )


def _signed_in(server: EmbeddedServer) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{server.url}/staff/login",
        data={"station": DEMO_STATION, "password": DEMO_STATION_PASSWORD},
        headers={"Origin": server.url},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 303, answer.text
    return session


def test_without_a_session_the_page_is_the_sign_in_form(live_server: EmbeddedServer) -> None:
    page = requests.get(f"{live_server.url}/staff", timeout=TIMEOUT_S)
    assert page.status_code == 200
    assert 'id="sign-in"' in page.text
    assert "叫号工作站登录" in page.text
    assert 'id="staff"' not in page.text


def test_a_signed_in_station_gets_its_queue_and_the_cookie_calls_the_api(
    live_server: EmbeddedServer,
) -> None:
    session = requests.Session()
    answer = session.post(
        f"{live_server.url}/staff/login",
        data={"station": DEMO_STATION, "password": DEMO_STATION_PASSWORD},
        headers={"Origin": live_server.url},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff?lang=zh"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{STATION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/;" in cookie or cookie.endswith("Path=/")
    assert "Max-Age=" in cookie

    page = session.get(f"{live_server.url}/staff", timeout=TIMEOUT_S)
    assert 'id="staff"' in page.text
    assert f"&quot;queue&quot;: &quot;{QUEUE}&quot;" in page.text
    assert "呼叫下一位" in page.text
    me = session.get(f"{live_server.url}/api/v1/stations/me", timeout=TIMEOUT_S)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == DEMO_STATION


def test_a_wrong_password_shows_the_form_again_with_the_error_and_sets_nothing(
    live_server: EmbeddedServer,
) -> None:
    answer = _sign_in(live_server, DEMO_STATION, "not-the-password")
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    assert 'id="sign-in-error"' in answer.text
    assert "工作站编号或密码不正确" in answer.text
    assert f'value="{DEMO_STATION}"' in answer.text  # the id stays typed, the password not
    assert "not-the-password" not in answer.text


def test_an_unknown_station_is_the_same_error(live_server: EmbeddedServer) -> None:
    answer = _sign_in(live_server, "no-such-station", DEMO_STATION_PASSWORD)
    assert answer.status_code == 401
    assert "工作站编号或密码不正确" in answer.text


def test_a_sign_in_posted_from_another_site_is_refused(live_server: EmbeddedServer) -> None:
    answer = _sign_in(
        live_server,
        DEMO_STATION,
        DEMO_STATION_PASSWORD,
        Origin="https://elsewhere.example",
    )
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_signing_out_ends_the_session_on_the_server(live_server: EmbeddedServer) -> None:
    session = _signed_in(live_server)
    token = session.cookies[STATION_COOKIE]
    answer = session.post(
        f"{live_server.url}/staff/logout?lang=en",
        headers={"Origin": live_server.url},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff?lang=en"
    assert f'{STATION_COOKIE}=""' in answer.headers["set-cookie"]
    # The old token is dead, even sent by someone who copied it.
    me = requests.get(
        f"{live_server.url}/api/v1/stations/me",
        cookies={STATION_COOKIE: token},
        timeout=TIMEOUT_S,
    )
    assert me.status_code == 401
    page = session.get(f"{live_server.url}/staff", timeout=TIMEOUT_S)
    assert 'id="sign-in"' in page.text


def test_a_sign_out_posted_from_another_site_is_refused(live_server: EmbeddedServer) -> None:
    session = _signed_in(live_server)
    answer = session.post(
        f"{live_server.url}/staff/logout",
        headers={"Origin": "https://elsewhere.example"},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 403
    assert session.get(f"{live_server.url}/api/v1/stations/me", timeout=TIMEOUT_S).ok


@pytest.mark.parametrize(
    ("query", "accept_language", "expected"),
    [
        ("", "", "zh-CN"),
        ("", "en-GB,en;q=0.9", "en"),
        ("", "de-DE,en;q=0.5,zh;q=0.8", "zh-CN"),
        ("?lang=en", "zh-CN", "en"),
        ("?lang=zh", "en", "zh-CN"),
    ],
)
def test_the_language_is_asked_for_else_the_browsers_else_chinese(
    live_server: EmbeddedServer, query: str, accept_language: str, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = requests.get(f"{live_server.url}/staff{query}", headers=headers, timeout=TIMEOUT_S)
    assert f'<html lang="{expected}">' in page.text
    assert ("Calling station sign-in" in page.text) == (expected == "en")


def test_a_language_weight_of_zero_means_not_this_one() -> None:
    scope = {"type": "http", "headers": [(b"accept-language", b"en;q=0, zh;q=0.1")]}
    assert page_language(Request(scope), None) == "zh"
    scope = {"type": "http", "headers": [(b"accept-language", b"en;q=bad, fr")]}
    assert page_language(Request(scope), None) == "zh"


def test_the_page_runs_only_its_own_files(live_server: EmbeddedServer) -> None:
    """Script and style come from this server's files; nothing inline, nothing from elsewhere."""
    session = _signed_in(live_server)
    for url in (f"{live_server.url}/staff", f"{live_server.url}/staff?lang=en"):
        for client in (session, requests):
            page = client.get(url, timeout=TIMEOUT_S)
            policy = page.headers["content-security-policy"]
            assert "script-src 'self'" in policy
            assert "style-src 'self'" in policy
            assert "unsafe-inline" not in policy
            assert "default-src 'none'" in policy
            assert "frame-ancestors 'none'" in policy
            assert page.headers["cache-control"] == "no-store"
            assert " style=" not in page.text
            assert "<style" not in page.text
            for tag in re.findall(r"<script[^>]*>", page.text):
                assert tag == '<script src="/web/staff.js" defer>'
    for asset in ("staff.js", "staff.css"):
        answer = requests.get(f"{live_server.url}/web/{asset}", timeout=TIMEOUT_S)
        assert answer.status_code == 200, asset


def test_a_queue_the_station_does_not_call_shows_its_own(live_server: EmbeddedServer) -> None:
    session = _signed_in(live_server)
    page = session.get(f"{live_server.url}/staff?queue=q-lab", timeout=TIMEOUT_S)
    assert page.status_code == 200
    assert f"&quot;queue&quot;: &quot;{QUEUE}&quot;" in page.text
    assert 'id="queue-select"' not in page.text  # one queue: nothing to switch


def test_too_many_wrong_passwords_are_refused_for_a_while(live_server: EmbeddedServer) -> None:
    for _ in range(FAILED_SIGN_INS_ALLOWED):
        assert _sign_in(live_server, DEMO_STATION, "guess").status_code == 401
    answer = _sign_in(live_server, DEMO_STATION, DEMO_STATION_PASSWORD)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0
    assert "尝试次数过多" in answer.text
    assert "set-cookie" not in answer.headers


def test_a_station_calling_several_queues_switches_between_them(
    live_server: EmbeddedServer,
) -> None:
    conn = connect(live_server.db_path)
    try:
        add_station(
            conn, "nurse-1", "nurse-password", [QUEUE, "q-lab"], name="护士站", now=DEMO_NOW
        )
    finally:
        conn.close()
    session = requests.Session()
    answer = session.post(
        f"{live_server.url}/staff/login",
        data={"station": "nurse-1", "password": "nurse-password"},
        headers={"Origin": live_server.url},
        timeout=TIMEOUT_S,
    )
    assert f"&quot;queue&quot;: &quot;{QUEUE}&quot;" in answer.text  # the first is its own
    assert 'id="queue-select"' in answer.text
    page = session.get(f"{live_server.url}/staff?queue=q-lab", timeout=TIMEOUT_S)
    assert "&quot;queue&quot;: &quot;q-lab&quot;" in page.text
    assert '<option value="q-lab" selected>' in page.text
