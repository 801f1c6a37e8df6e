"""The patient's phone page ``/q/{token}`` in a real browser (Chromium at 390×844) and over
plain HTTP, against the live server: it follows the ticket live, says where to go when called,
and never shows a name or an ID."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kiosk.assets import assets_dir
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.queue import Station
from tests.helpers.server import TIMEOUT_S, ApiClient

PHONE = (390, 844)
CALL_WITHIN_S = 1.0
POLL_S = 0.05
PAGE_BUDGET_BYTES = 30 * 1024


@pytest.fixture
def ticket(api: ApiClient) -> dict[str, Any]:
    """A checked-in ticket of the demo patient ``one_in_window``."""
    (appointment,) = api.appointments_today("one_in_window")
    response = api.check_in(appointment["id"])
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["ticket"]
    return result


def _queue_of(ticket: dict[str, Any]) -> str:
    return f"q-{ticket['department']['id']}"


def _call_until(station: Station, queue_id: str, number: str) -> dict[str, Any]:
    """Call the queue until ``number`` is called, seeing everyone before it."""
    for _ in range(100):
        response = station.call_next(queue_id)
        assert response.status_code == 200, response.text
        entry: dict[str, Any] = response.json()
        if entry["number"] == number:
            return entry
        assert station.act(entry["id"], "serve").status_code == 200
        assert station.act(entry["id"], "finish").status_code == 200
    raise AssertionError(f"{number} was never called in {queue_id}")


def _state(driver: webdriver.Chrome) -> str:
    """The shown state, read in one go (the page swaps its main part on every change)."""
    return str(
        driver.execute_script(
            "var n = document.getElementById('state');"
            " return n ? n.getAttribute('data-state') : '';"
        )
    )


def test_the_ticket_points_to_the_page_by_an_unguessable_token(ticket: dict[str, Any]) -> None:
    token = ticket["status_url"].rsplit("/q/", 1)[1]

    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", token)  # at least 128 bits
    assert ticket["number"] not in token


def test_the_page_shows_the_number_place_and_wait_and_no_name(
    live_server: EmbeddedServer, ticket: dict[str, Any]
) -> None:
    page = requests.get(ticket["status_url"], params={"lang": "zh"}, timeout=TIMEOUT_S)

    assert page.status_code == 200
    assert ticket["number"] in page.text
    assert ticket["department"]["name"] in page.text
    assert "前面还有" in page.text
    assert "预计等候" in page.text
    assert "怎么走" in page.text
    assert ticket["patient_display_name"] not in page.text
    assert ticket["patient_display_name"].replace("*", "") not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_page_and_its_script_and_style_fit_in_30_kb(
    live_server: EmbeddedServer, ticket: dict[str, Any]
) -> None:
    page = requests.get(ticket["status_url"], timeout=TIMEOUT_S)
    assets = re.findall(r'(?:src|href)="(/web/[^"]+)"', page.text)

    total = len(page.content) + sum(
        len(requests.get(live_server.url + path, timeout=TIMEOUT_S).content) for path in assets
    )

    assert sorted(assets) == ["/web/track.css", "/web/track.js"]
    assert total <= PAGE_BUDGET_BYTES


@pytest.mark.parametrize(
    ("query", "accept", "expected", "absent"),
    [
        ({}, "zh-CN,zh;q=0.9,en;q=0.8", "您的号码", "Your number"),
        ({}, "en-GB,en;q=0.9", "Your number", "您的号码"),
        ({}, "fr-FR,fr;q=0.9", "您的号码", "Your number"),
        ({"lang": "en"}, "zh-CN", "Your number", "您的号码"),
        ({"lang": "zh"}, "en-US", "您的号码", "Your number"),
    ],
)
def test_the_language_follows_the_link_then_the_browser(
    live_server: EmbeddedServer,
    ticket: dict[str, Any],
    query: dict[str, str],
    accept: str,
    expected: str,
    absent: str,
) -> None:
    page = requests.get(
        ticket["status_url"], params=query, headers={"Accept-Language": accept}, timeout=TIMEOUT_S
    )

    assert expected in page.text
    assert absent not in page.text


@pytest.mark.parametrize("token", ["not-a-token", "A" * 24, "x" * 500, "%E7%8E%8B"])
def test_a_forged_token_gets_a_friendly_page(live_server: EmbeddedServer, token: str) -> None:
    page = requests.get(f"{live_server.url}/q/{token}", timeout=TIMEOUT_S)
    part = requests.get(f"{live_server.url}/q/{token}/part", timeout=TIMEOUT_S)

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "未找到这个排队号" in page.text
    assert part.status_code == 404


def test_the_page_says_where_to_go_within_a_second_of_the_call(
    live_server: EmbeddedServer, browser: webdriver.Chrome, ticket: dict[str, Any]
) -> None:
    browser.set_window_size(*PHONE)
    phone_buzzer = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "navigator.vibrate = function (p) { window.vibrated = p; return true; };"},
    )
    try:
        _called_within_a_second(live_server, browser, ticket)
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", phone_buzzer)


def _called_within_a_second(
    live_server: EmbeddedServer, browser: webdriver.Chrome, ticket: dict[str, Any]
) -> None:
    browser.get(ticket["status_url"] + "?lang=zh")
    WebDriverWait(browser, 10, poll_frequency=POLL_S).until(lambda d: _state(d) == "waiting")
    station = Station(live_server.url, ticket["department"]["id"])

    entry = _call_until(station, _queue_of(ticket), ticket["number"])
    answered = time.monotonic()

    WebDriverWait(browser, 5, poll_frequency=POLL_S).until(lambda d: _state(d) == "called")
    assert time.monotonic() - answered <= CALL_WITHIN_S
    call = browser.find_element(By.CSS_SELECTOR, "#state .call").text.replace("\n", " ")
    assert re.fullmatch(r"请到 \S+ 就诊", call), call
    assert float(browser.find_element(By.CSS_SELECTOR, "#state .call").size["height"]) >= 40
    assert browser.execute_script("return window.vibrated") == [400, 200, 400, 200, 400]

    assert station.act(entry["id"], "miss").status_code == 200
    WebDriverWait(browser, 10, poll_frequency=POLL_S).until(
        lambda d: _state(d) in ("waiting", "no_show")
    )


def test_a_missed_call_says_what_to_do(
    live_server: EmbeddedServer, browser: webdriver.Chrome, ticket: dict[str, Any]
) -> None:
    browser.set_window_size(*PHONE)
    browser.get(ticket["status_url"] + "?lang=zh")
    station = Station(live_server.url, ticket["department"]["id"])
    queue_id = _queue_of(ticket)
    # Missed as often as the rules allow: no-show.
    for _ in range(5):
        entry = _call_until(station, queue_id, ticket["number"])
        assert station.act(entry["id"], "miss").status_code == 200
        if _status(live_server, ticket)["state"] == "no_show":
            break

    WebDriverWait(browser, 10, poll_frequency=POLL_S).until(lambda d: _state(d) == "no_show")
    text = browser.find_element(By.ID, "state").text
    assert "已过号" in text
    assert "护士站" in text


def _status(live_server: EmbeddedServer, ticket: dict[str, Any]) -> dict[str, Any]:
    token = ticket["status_url"].rsplit("/q/", 1)[1]
    response = requests.get(f"{live_server.url}/api/v1/track/{token}", timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_browser_without_server_sent_events_polls_every_5_s(
    live_server: EmbeddedServer, browser: webdriver.Chrome, ticket: dict[str, Any]
) -> None:
    browser.set_window_size(*PHONE)
    old_phone = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.EventSource;"}
    )
    try:
        browser.get(ticket["status_url"] + "?lang=en")
        assert browser.execute_script("return typeof EventSource") == "undefined"
        station = Station(live_server.url, ticket["department"]["id"])

        _call_until(station, _queue_of(ticket), ticket["number"])
        answered = time.monotonic()

        WebDriverWait(browser, 10, poll_frequency=POLL_S).until(lambda d: _state(d) == "called")
        assert time.monotonic() - answered <= 5.0 + CALL_WITHIN_S
        assert "Please go to Room" in browser.find_element(By.ID, "state").text
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", old_phone)


@pytest.mark.parametrize("script", ["track.js", "display.js"])
def test_the_scripts_are_es5_for_old_browsers(script: str) -> None:
    source = (assets_dir() / "web" / script).read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may say anything

    for es2015 in (r"=>", r"\blet\s", r"\bconst\s", r"`", r"\bclass\s", r"\.\.\.", r"\bfetch\("):
        assert not re.search(es2015, code), (script, es2015)
