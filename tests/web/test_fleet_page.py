"""The fleet page's diagnostics bundle in a real browser (Chromium at 1920×1080): the admin
signs in, presses 请求诊断包, the kiosk's next heartbeat hears it and its upload shows up as
received with a download link that serves the zip to the signed-in admin only."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kiosk.api.models import HeartbeatRequest
from kiosk.backend.client import KioskApiClient
from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN
from tests.helpers.server import DEMO_NOW, TIMEOUT_S

ADMIN = "fleet-admin-token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedServer]:
    with EmbeddedServer.start(
        tmp_path / "demo.sqlite3", seed_demo=True, clock=ManualClock(DEMO_NOW), admin_token=ADMIN
    ) as running:
        yield running


def _cell_text(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.ID, f"bundle-{DEMO_KIOSK_ID}").text)


def test_an_admin_asks_for_a_bundle_and_downloads_what_the_kiosk_sent(
    browser: webdriver.Chrome, server: EmbeddedServer
) -> None:
    browser.get(f"{server.url}/admin/kiosks")
    WebDriverWait(browser, TIMEOUT_S).until(lambda d: d.find_elements(By.ID, "token"))
    browser.find_element(By.ID, "token").send_keys(ADMIN)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, TIMEOUT_S).until(
        lambda d: d.find_elements(By.ID, f"bundle-{DEMO_KIOSK_ID}")
    )
    assert "未请求" in _cell_text(browser)
    assert "Not asked for" in _cell_text(browser)

    button = browser.find_element(By.CSS_SELECTOR, f"#bundle-{DEMO_KIOSK_ID} button")
    assert "请求诊断包" in button.text
    assert "Request diagnostics bundle" in button.text
    button.click()
    WebDriverWait(browser, TIMEOUT_S).until(lambda d: "已请求" in _cell_text(d))
    assert "waiting for the kiosk's next heartbeat" in _cell_text(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, f"#bundle-{DEMO_KIOSK_ID} button")

    kiosk = KioskApiClient(server.url, DEMO_TOKEN, DEMO_KIOSK_ID)
    try:
        ack = kiosk.heartbeat(HeartbeatRequest(version="0.1.0", uptime_s=60))
        assert ack.diagnostics_request_id
        zipped = io.BytesIO()
        with zipfile.ZipFile(zipped, "w") as archive:
            archive.writestr("system.json", '{"version": "0.1.0"}')
        receipt = kiosk.upload_diagnostics_bundle(ack.diagnostics_request_id, zipped.getvalue())
    finally:
        kiosk.close()

    browser.refresh()
    WebDriverWait(browser, TIMEOUT_S).until(lambda d: "已收到" in _cell_text(d))
    assert receipt.size_bytes == len(zipped.getvalue())
    size = f"{len(zipped.getvalue()) / 1024:.1f} KB"
    assert f"Received 2025-03-10 09:30:00, {size}" in _cell_text(browser)
    link = browser.find_element(By.CSS_SELECTOR, f"#bundle-{DEMO_KIOSK_ID} a.bundle-download")
    href = str(link.get_attribute("href"))
    assert href == f"{server.url}/admin/kiosks/{DEMO_KIOSK_ID}/diagnostics-bundle"
    # The browser's session downloads it; without the session the link leads to the sign-in.
    session = requests.Session()
    try:
        for cookie in browser.get_cookies():
            session.cookies.set(cookie["name"], cookie["value"], path=cookie.get("path", "/"))
        downloaded = session.get(href, timeout=TIMEOUT_S)
        assert downloaded.status_code == 200
        assert downloaded.content == zipped.getvalue()
    finally:
        session.close()
    anonymous = requests.get(href, timeout=TIMEOUT_S, allow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/admin/login"
    # Asking again is offered once the bundle is in.
    assert browser.find_elements(By.CSS_SELECTOR, f"#bundle-{DEMO_KIOSK_ID} button")
