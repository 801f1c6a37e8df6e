"""The insight pages ``/insight`` in a real browser (Chromium at 1920×1080) and over plain HTTP,
against the live server with the demo's 60 days of history: the admin sign-in leads there,
each page renders in both languages, the filters work, every CSV holds the rows its table
shows, bad input is a clear 400 and the print has no filters or links."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.insight.history import HISTORY_DAYS
from tests.helpers.server import DEMO_NOW, TIMEOUT_S

ADMIN = "insight-admin-token"
PAGES = ("waiting", "satisfaction", "kiosks", "compare")
HEADINGS = {
    "zh": ("服务质量分析", "候诊等待", "满意度", "自助机使用", "改进前后对比"),
    "en": ("Service quality insight", "Waiting", "Satisfaction", "Kiosks", "Before and after"),
}
BEARER = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """The demo hospital with its history, an admin token set, at ``DEMO_NOW``."""
    path: Path = tmp_path_factory.mktemp("insight") / "demo.sqlite3"
    with EmbeddedServer.start(
        path,
        seed_demo=True,
        clock=ManualClock(DEMO_NOW),
        admin_token=ADMIN,
        history_days=HISTORY_DAYS,
    ) as running:
        yield running


def _wait_for(driver: webdriver.Chrome, css: str) -> None:
    WebDriverWait(driver, TIMEOUT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def _sign_in(driver: webdriver.Chrome, server: EmbeddedServer, page: str) -> None:
    """Through the sign-in form, which leads back to the page (unless this browser still
    holds a session: the pool clears only the blank page's cookies)."""
    driver.get(f"{server.url}/insight/{page}")
    _wait_for(driver, f"#token, #page-{page}")
    if driver.find_elements(By.ID, "token"):
        assert "/admin/login?next=" in driver.current_url
        driver.find_element(By.ID, "token").send_keys(ADMIN)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _wait_for(driver, f"#page-{page}")


def _table(driver: webdriver.Chrome, table_id: str) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, f"#table-{table_id} tr")
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]


def _csv(server: EmbeddedServer, page: str, table_id: str, **params: str) -> list[list[str]]:
    answer = requests.get(
        f"{server.url}/insight/{page}",
        params={**params, "format": "csv", "table": table_id},
        headers=BEARER,
        timeout=TIMEOUT_S,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def test_the_admin_signs_in_and_sees_every_page_in_both_languages(
    browser: webdriver.Chrome, server: EmbeddedServer
) -> None:
    _sign_in(browser, server, "waiting")
    for language, words in HEADINGS.items():
        for page in PAGES:
            browser.get(f"{server.url}/insight/{page}?lang={language}")
            _wait_for(browser, f"#page-{page}")
            text = browser.find_element(By.TAG_NAME, "body").text
            for word in words:
                assert word in text, (language, page, word)
            assert browser.find_elements(By.CSS_SELECTOR, "main table")
            assert "percentile_cont" in browser.find_element(By.TAG_NAME, "footer").text
            assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == (
                "zh-CN" if language == "zh" else "en"
            )
    # The charts are inline SVG drawn on the server, with their numbers written in them.
    browser.get(f"{server.url}/insight/waiting?lang=en")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) == 2
    assert all(chart.find_elements(By.TAG_NAME, "text") for chart in charts)


def test_the_pages_need_the_admin(server: EmbeddedServer) -> None:
    for page in PAGES:
        answer = requests.get(
            f"{server.url}/insight/{page}", allow_redirects=False, timeout=TIMEOUT_S
        )
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/admin/login?next=%2Finsight")
        wrong = requests.get(
            f"{server.url}/insight/{page}",
            headers={"Authorization": "Bearer nope"},
            timeout=TIMEOUT_S,
        )
        assert wrong.status_code == 401


def test_filters_narrow_the_tables_and_every_csv_holds_the_shown_rows(
    browser: webdriver.Chrome, server: EmbeddedServer
) -> None:
    _sign_in(browser, server, "waiting")
    browser.get(f"{server.url}/insight/waiting?lang=zh")
    _wait_for(browser, "#department")
    start = (DEMO_NOW.date() - dt.timedelta(days=14)).isoformat()
    end = (DEMO_NOW.date() - dt.timedelta(days=1)).isoformat()
    # The days read year-month-day on a Chinese page too (a type=date input shows the
    # browser's locale: 03/01/2026 in an English Chromium), and are typed as such.
    default_start = (DEMO_NOW.date() - dt.timedelta(days=27)).isoformat()
    assert browser.find_element(By.ID, "from").get_attribute("value") == default_start
    assert browser.find_element(By.ID, "from").get_attribute("type") == "text"
    labels = browser.find_elements(By.CSS_SELECTOR, "form.filters label")
    assert [label.text.split()[:2] for label in labels[:2]] == [
        ["从", "年-月-日"],
        ["至", "年-月-日"],
    ]
    typed = browser.find_element(By.ID, "from")
    typed.clear()
    typed.send_keys("03/01/2026")  # not year-month-day: the browser keeps the form back
    browser.find_element(By.ID, "apply").click()
    assert browser.execute_script("return document.getElementById('from').validity.patternMismatch")
    assert "from=" not in browser.current_url
    for field, value in (("from", start), ("to", end)):
        browser.find_element(By.ID, field).clear()
        browser.find_element(By.ID, field).send_keys(value)
    Select(browser.find_element(By.ID, "department")).select_by_value("dep-a")
    browser.find_element(By.ID, "apply").click()
    WebDriverWait(browser, TIMEOUT_S).until(lambda d: "department=dep-a" in d.current_url)
    rooms = _table(browser, "rooms")
    assert len(rooms) == 2
    assert rooms[1][0] == "内科"
    days = _table(browser, "days")
    assert [row[0] for row in days[1:]] == [
        (DEMO_NOW.date() - dt.timedelta(days=n)).isoformat() for n in range(14, 0, -1)
    ]
    filters = {"from": start, "to": end, "department": "dep-a", "lang": "zh"}
    for table_id in ("rooms", "days", "heatmap"):
        assert _csv(server, "waiting", table_id, **filters) == _table(browser, table_id)
    for page, tables in (
        ("satisfaction", ("distribution", "tags", "services", "kiosks", "trend", "comments")),
        ("kiosks", ("visits", "completion", "funnel", "faults", "staff", "payments")),
        ("compare", ("compare",)),
    ):
        browser.get(f"{server.url}/insight/{page}?lang=en")
        _wait_for(browser, f"#page-{page}")
        for table_id in tables:
            shown = _table(browser, table_id)
            exported = _csv(server, page, table_id, lang="en")
            if len(shown) == 2 and shown[1] == ["No data in this range."]:
                assert exported == shown[:1]
            else:
                assert exported == shown, (page, table_id)


def test_before_and_after_shows_the_second_caller_s_effect(
    browser: webdriver.Chrome, server: EmbeddedServer
) -> None:
    _sign_in(browser, server, "compare")
    today = DEMO_NOW.date()
    half = HISTORY_DAYS // 2
    params = {
        "a_from": (today - dt.timedelta(days=HISTORY_DAYS)).isoformat(),
        "a_to": (today - dt.timedelta(days=half + 1)).isoformat(),
        "b_from": (today - dt.timedelta(days=half)).isoformat(),
        "b_to": (today - dt.timedelta(days=1)).isoformat(),
        "department": "dep-a",
        "lang": "en",
    }
    browser.get(f"{server.url}/insight/compare?" + "&".join(f"{k}={v}" for k, v in params.items()))
    _wait_for(browser, "#table-compare")
    rows = {row[0]: row for row in _table(browser, "compare")[1:]}
    before, after, change = rows["Wait p50 (min)"][1:]
    assert float(after) < float(before) / 2
    assert change.startswith("-")
    assert float(change.rstrip("%")) <= -50


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2025-03-09&to=2025-03-01", "The start 2025-03-09 is after the end 2025-03-01"),
        ("from=2025-02-30", 'The date "2025-02-30" (from) is not a date'),
        ("to=yesterday", 'The date "yesterday" (to) is not a date'),
        ("department=dep-zz", 'There is no department "dep-zz"'),
        ("a_from=2025-03-05&a_to=2025-03-01", "The start 2025-03-05 is after the end 2025-03-01"),
    ],
)
def test_bad_input_is_a_clear_message_never_a_server_error(
    browser: webdriver.Chrome, server: EmbeddedServer, query: str, message: str
) -> None:
    pages: tuple[str, ...] = ("compare",) if query.startswith("a_") else PAGES
    if query.startswith(("from", "to")):
        pages = PAGES[:-1]  # the before/after page has its own two ranges
    for page in pages:
        answer = requests.get(
            f"{server.url}/insight/{page}?{query}&lang=en", headers=BEARER, timeout=TIMEOUT_S
        )
        assert answer.status_code == 400, (page, answer.status_code)
        assert message in answer.text.replace("&quot;", '"')
    _sign_in(browser, server, pages[0])
    browser.get(f"{server.url}/insight/{pages[0]}?{query}&lang=zh")
    _wait_for(browser, "#error")
    shown = browser.find_element(By.ID, "error").text
    assert shown
    assert "Traceback" not in browser.page_source


def test_the_print_shows_figures_without_filters_or_links(
    browser: webdriver.Chrome, server: EmbeddedServer
) -> None:
    _sign_in(browser, server, "waiting")
    browser.get(f"{server.url}/insight/waiting?lang=zh")
    _wait_for(browser, "#table-rooms")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "form.filters").is_displayed()
        assert not browser.find_element(By.ID, "csv-rooms").is_displayed()
        assert browser.find_element(By.ID, "table-rooms").is_displayed()
        assert browser.find_element(By.ID, "print-range").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert not browser.find_element(By.ID, "print-range").is_displayed()


def _save_targets(browser: webdriver.Chrome, typed_in: WebElement, value: str) -> None:
    """Saves the targets and waits for the page that comes back: until the old page is gone,
    its field already holds what was typed, and a field found during the reload is stale."""
    browser.find_element(By.ID, "save-targets").click()
    WebDriverWait(browser, TIMEOUT_S).until(expected_conditions.staleness_of(typed_in))
    WebDriverWait(browser, TIMEOUT_S, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: d.find_element(By.ID, "target-dep-b").get_attribute("value") == value
    )


def test_the_wait_targets_are_saved_from_the_page(
    browser: webdriver.Chrome, server: EmbeddedServer
) -> None:
    _sign_in(browser, server, "waiting")
    browser.get(f"{server.url}/insight/waiting?lang=en&department=dep-b")
    _wait_for(browser, "#target-dep-b")
    field = browser.find_element(By.ID, "target-dep-b")
    field.clear()
    field.send_keys("12")
    _save_targets(browser, field, "12")
    assert _table(browser, "rooms")[1][2] == "12"
    forged = requests.post(
        f"{server.url}/insight/targets",
        data={"dep-b": "40"},
        headers={**BEARER, "Origin": "http://elsewhere.example"},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert forged.status_code == 403
    bad = requests.post(
        f"{server.url}/insight/targets?lang=en",
        data={"dep-b": "0"},
        headers={**BEARER, "Origin": server.url},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert bad.status_code == 400
    assert "from 1 to 600" in bad.text
    field = browser.find_element(By.ID, "target-dep-b")
    field.clear()
    field.send_keys("30")
    _save_targets(browser, field, "30")
