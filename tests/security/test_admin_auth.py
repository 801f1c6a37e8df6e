"""Finding 11: the fleet page's sign-in.

A login form sets an HttpOnly, SameSite=Strict session cookie; ``Authorization: Bearer`` works
in any case of the scheme and a bare token does not; the token never goes in a URL; proxy
headers are not trusted unless configured.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.server.admin import SESSION_COOKIE, SESSION_LIFETIME
from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer

ADMIN = "correct-horse-battery-staple"


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


def _get(
    server: EmbeddedServer, path: str = "/admin/kiosks", **kwargs: object
) -> requests.Response:
    return requests.get(f"{server.url}{path}", timeout=10, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


def _sign_in(server: EmbeddedServer, token: str = ADMIN, **headers: str) -> requests.Response:
    return requests.post(
        f"{server.url}/admin/login",
        data={"token": token},
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )


def test_bearer_scheme_is_case_insensitive_and_a_bare_token_is_refused(
    guarded: EmbeddedServer,
) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = _get(
            guarded, params={"format": "json"}, headers={"Authorization": f"{scheme} {ADMIN}"}
        )
        assert response.status_code == 200, scheme
    for value in (ADMIN, f"Basic {ADMIN}", "Bearer wrong", f"Bearer{ADMIN}"):
        response = _get(guarded, params={"format": "json"}, headers={"Authorization": value})
        assert response.status_code == 401, value


def test_the_token_is_not_accepted_in_the_url(guarded: EmbeddedServer) -> None:
    assert _get(guarded, params={"token": ADMIN, "format": "json"}).status_code == 401
    response = _get(guarded, params={"token": ADMIN})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"


def test_sign_in_sets_a_strict_http_only_session(guarded: EmbeddedServer) -> None:
    form = _get(guarded, "/admin/login")
    assert form.status_code == 200
    assert 'method="post"' in form.text
    assert 'type="password"' in form.text
    assert "管理员令牌" in form.text
    assert "Admin token" in form.text
    wrong = _sign_in(guarded, "wrong")
    assert wrong.status_code == 401
    assert SESSION_COOKIE not in wrong.cookies
    signed_in = _sign_in(guarded)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/admin/kiosks"
    set_cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in set_cookie
    assert "SameSite=strict" in set_cookie or "SameSite=Strict" in set_cookie
    assert "Path=/admin" in set_cookie
    session = signed_in.cookies[SESSION_COOKIE]
    assert ADMIN not in session
    page = _get(guarded, cookies={SESSION_COOKIE: session})
    assert page.status_code == 200
    assert "Kiosk fleet" in page.text
    assert 'http-equiv="refresh" content="15"' in page.text  # reloads itself, no token in a URL
    assert ADMIN not in page.text
    assert "token=" not in page.text
    as_json = _get(guarded, params={"format": "json"}, cookies={SESSION_COOKIE: session})
    assert as_json.json()["online_after_s"] == 120


def test_a_forged_or_expired_session_is_refused(guarded: EmbeddedServer) -> None:
    session = _sign_in(guarded).cookies[SESSION_COOKIE]
    expires, session_id, signature = session.split(".")
    forged = f"{int(expires) + 3600}.{session_id}.{signature}"
    assert _get(guarded, cookies={SESSION_COOKIE: forged}).status_code == 303
    assert _get(guarded, cookies={SESSION_COOKIE: "x"}).status_code == 303
    clock = guarded.clock
    assert isinstance(clock, ManualClock)
    clock.advance(SESSION_LIFETIME - dt.timedelta(minutes=1))
    assert _get(guarded, cookies={SESSION_COOKIE: session}).status_code == 200
    clock.advance(dt.timedelta(minutes=2))
    assert _get(guarded, cookies={SESSION_COOKIE: session}).status_code == 303


def test_sign_in_from_another_site_is_refused(guarded: EmbeddedServer) -> None:
    response = _sign_in(guarded, Origin="https://evil.example")
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies
    same = _sign_in(guarded, Origin=guarded.url)
    assert same.status_code == 303


def test_sign_out_ends_the_session_in_the_browser(guarded: EmbeddedServer) -> None:
    with requests.Session() as browser:
        browser.post(f"{guarded.url}/admin/login", data={"token": ADMIN}, timeout=10)
        assert browser.get(f"{guarded.url}/admin/kiosks", timeout=10).url.endswith("/admin/kiosks")
        out = browser.post(f"{guarded.url}/admin/logout", timeout=10)
        assert out.url.endswith("/admin/login")
        again = browser.get(f"{guarded.url}/admin/kiosks", timeout=10, allow_redirects=False)
        assert again.status_code == 303


def test_forwarded_headers_are_not_trusted(live_server: EmbeddedServer) -> None:
    """Without an admin token only loopback clients are served, judged by the connection."""
    response = _get(
        live_server,
        params={"format": "json"},
        # A proxy's claim about a client that is not this machine (nothing is contacted).
        headers={"X-Forwarded-For": "unknown", "Forwarded": "for=unknown"},
    )
    assert response.status_code == 200
