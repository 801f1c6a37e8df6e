"""The waiting-room display in a real browser (Chromium), against the live server: calls made
through the REST API as a station appear on open displays within a second, are announced one
after the other, and a display that loses the server says so and recovers by itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kiosk.server.embedded import EmbeddedServer
from tests.helpers.queue import Station
from tests.helpers.server import TIMEOUT_S
from tests.web.conftest import CHROMEDRIVER, Browsers, chromium_options

CALL_WITHIN_S = 1.0
POLL_S = 0.05


def _call_next(station: Station, queue_id: str = "q-dep-a") -> dict[str, Any]:
    response = station.call_next(queue_id)
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


def _area_of(station: Station, queue_id: str = "q-dep-a") -> str:
    """The waiting area whose display shows ``queue_id``."""
    return str(station.view(queue_id)["queue"]["area"]["id"])


def _open_display(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 10, poll_frequency=POLL_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#queues .queue")
    )


def _shows_number(number: str) -> Callable[[webdriver.Chrome], bool]:
    def shown(driver: webdriver.Chrome) -> bool:
        return _text(driver, "#now-main .num") == number

    return shown


def _text(driver: webdriver.Chrome, selector: str) -> str:
    """The text of the first match, read in one go (the page redraws on every board)."""
    return str(
        driver.execute_script(
            "var n = document.querySelector(arguments[0]); return n ? n.textContent : '';",
            selector,
        )
    )


def _offline(driver: webdriver.Chrome) -> bool:
    return bool(driver.find_element(By.ID, "offline").is_displayed())


def test_the_area_list_links_every_display(live_server: EmbeddedServer) -> None:
    areas = requests.get(f"{live_server.url}/api/v1/areas", timeout=TIMEOUT_S).json()["areas"]

    page = requests.get(f"{live_server.url}/display", timeout=TIMEOUT_S)

    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert areas
    for area in areas:
        assert f'href="/display/{area["id"]}"' in page.text
        assert area["name"] in page.text


def test_an_unknown_area_is_a_page_saying_so(live_server: EmbeddedServer) -> None:
    page = requests.get(f"{live_server.url}/display/area-nowhere", timeout=TIMEOUT_S)

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "没有这个候诊区" in page.text
    assert "No such waiting area" in page.text


def test_a_call_appears_on_two_displays_within_a_second(
    live_server: EmbeddedServer, browsers: Browsers
) -> None:
    station = Station(live_server.url)
    display_url = f"{live_server.url}/display/{_area_of(station)}"
    displays = browsers(2)
    for driver in displays:
        _open_display(driver, display_url)

    entry = _call_next(station)
    answered = time.monotonic()

    for driver in displays:
        WebDriverWait(driver, 5, poll_frequency=POLL_S).until(_shows_number(entry["number"]))
        assert time.monotonic() - answered <= CALL_WITHIN_S
    for driver in displays:
        assert _text(driver, "#recent-calls tr .num") == entry["number"]
        # Read from 8 m: the number is at least 120 px tall.
        assert driver.find_element(By.CSS_SELECTOR, "#now-main .num").size["height"] >= 120
        assert "Now calling" in driver.find_element(By.TAG_NAME, "body").text


def test_calls_of_two_rooms_are_announced_one_after_the_other(
    live_server: EmbeddedServer, browser: webdriver.Chrome
) -> None:
    internal = Station(live_server.url)
    area = _area_of(internal)
    other_queue = next(q for q in _area_queues(live_server.url, area) if q != "q-dep-a")
    other = Station(live_server.url, other_queue.removeprefix("q-"))
    _open_display(browser, f"{live_server.url}/display/{area}")

    first = _call_next(internal)
    second = _call_next(other, other_queue)

    overlaps: list[int] = []

    def speaks(number: str) -> Callable[[webdriver.Chrome], bool]:
        def check(driver: webdriver.Chrome) -> bool:
            overlaps.append(_sounds_playing(driver))
            return number in _text(driver, "#speaking")

        return check

    WebDriverWait(browser, 10, poll_frequency=POLL_S).until(speaks(first["number"]))
    # Fast-forward the first one (sixteen times its speed); only after it does the second start.
    browser.execute_script("document.querySelector('#sound audio').playbackRate = 16;")
    WebDriverWait(browser, 10, poll_frequency=POLL_S).until(speaks(second["number"]))
    assert max(overlaps) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#sound audio")) == 1


def _sounds_playing(driver: webdriver.Chrome) -> int:
    return int(
        driver.execute_script(
            "return Array.prototype.filter.call(document.querySelectorAll('#sound audio'),"
            " function (a) { return !a.paused; }).length"
        )
    )


def _area_queues(url: str, area: str) -> list[str]:
    board = requests.get(f"{url}/api/v1/areas/{area}/board", timeout=TIMEOUT_S).json()
    return [queue["queue_id"] for queue in board["queues"]]


def test_without_espeak_the_call_shows_and_the_display_says_voice_is_off(
    live_server: EmbeddedServer,
    browser: webdriver.Chrome,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # the server's machine has no espeak-ng
    station = Station(live_server.url)
    _open_display(browser, f"{live_server.url}/display/{_area_of(station)}")

    entry = _call_next(station)

    WebDriverWait(browser, 5, poll_frequency=POLL_S).until(_shows_number(entry["number"]))
    WebDriverWait(browser, 5, poll_frequency=POLL_S).until(
        lambda d: d.find_element(By.ID, "voice-off").is_displayed()
    )
    assert "Voice off" in browser.find_element(By.ID, "voice-off").text


def test_a_blocked_autoplay_asks_for_a_tap(live_server: EmbeddedServer) -> None:
    options = chromium_options(1920, 1080)
    options.arguments.remove("--autoplay-policy=no-user-gesture-required")
    options.add_argument("--autoplay-policy=document-user-activation-required")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        station = Station(live_server.url)
        _open_display(driver, f"{live_server.url}/display/{_area_of(station)}")

        entry = _call_next(station)

        button = driver.find_element(By.ID, "enable-sound")
        WebDriverWait(driver, 10, poll_frequency=POLL_S).until(lambda d: button.is_displayed())
        assert "Tap to enable sound" in button.text
        assert _sounds_playing(driver) == 0
        button.click()
        WebDriverWait(driver, 10, poll_frequency=POLL_S).until(
            lambda d: not d.find_element(By.ID, "enable-sound").is_displayed()
        )
        WebDriverWait(driver, 10, poll_frequency=POLL_S).until(
            lambda d: entry["number"] in _text(d, "#speaking")
        )
        assert _sounds_playing(driver) == 1
    finally:
        driver.quit()


def test_a_display_that_loses_the_server_says_so_and_recovers(
    live_server: EmbeddedServer, browser: webdriver.Chrome
) -> None:
    area = _area_of(Station(live_server.url))
    _open_display(browser, f"{live_server.url}/display/{area}")
    assert not _offline(browser)

    live_server.stop()

    WebDriverWait(browser, 10, poll_frequency=POLL_S).until(_offline)
    assert "Connection lost" in browser.find_element(By.ID, "offline").text
    grey = browser.find_element(By.CSS_SELECTOR, "#queues .num").value_of_css_property("color")
    assert grey == "rgba(111, 127, 145, 1)"

    with EmbeddedServer.start(
        live_server.db_path, seed_demo=False, clock=live_server.clock, port=live_server.port
    ) as again:
        WebDriverWait(browser, 15, poll_frequency=POLL_S).until(lambda d: not _offline(d))
        entry = _call_next(Station(again.url))
        answered = time.monotonic()
        WebDriverWait(browser, 5, poll_frequency=POLL_S).until(_shows_number(entry["number"]))
        assert time.monotonic() - answered <= CALL_WITHIN_S
        yellow = browser.find_element(By.CSS_SELECTOR, "#now-main .num")
        assert yellow.value_of_css_property("color") == "rgba(255, 213, 74, 1)"


def test_a_browser_without_server_sent_events_polls_every_3_s(
    live_server: EmbeddedServer, browser: webdriver.Chrome
) -> None:
    old_browser = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.EventSource;"}
    )
    try:
        station = Station(live_server.url)
        _open_display(browser, f"{live_server.url}/display/{_area_of(station)}")
        assert browser.execute_script("return typeof EventSource") == "undefined"

        entry = _call_next(station)
        answered = time.monotonic()

        WebDriverWait(browser, 10, poll_frequency=POLL_S).until(_shows_number(entry["number"]))
        assert time.monotonic() - answered <= 3.0 + CALL_WITHIN_S
        assert not _offline(browser)
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", old_browser)


def test_a_smaller_tv_shows_the_same_layout_scaled(
    live_server: EmbeddedServer, browser: webdriver.Chrome
) -> None:
    station = Station(live_server.url)
    _call_next(station)
    browser.set_window_size(1366, 768)
    _open_display(browser, f"{live_server.url}/display/{_area_of(station)}")

    # Nothing spills: the number inside its panel, the queue cards on the screen.
    fits = browser.execute_script(
        "var panel = document.getElementById('now-main').getBoundingClientRect();"
        "var num = document.querySelector('#now-main .num').getBoundingClientRect();"
        "var cards = document.getElementById('queues').getBoundingClientRect();"
        "return [num.top >= panel.top, num.bottom <= panel.bottom, num.right <= panel.right,"
        " cards.bottom <= window.innerHeight, document.documentElement.scrollWidth"
        " <= window.innerWidth];"
    )
    assert fits == [True, True, True, True, True]
