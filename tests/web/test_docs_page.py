"""Swagger UI at ``/docs`` in a real browser: it draws the API under its clean operation names
from the server's own files, with nothing fetched from anywhere else (issue 22)."""

from __future__ import annotations

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kiosk.server.embedded import EmbeddedServer

DRAWN_WITHIN_S = 30


def test_docs_show_the_operations_by_their_names(
    live_server: EmbeddedServer, browser: webdriver.Chrome
) -> None:
    browser.get(f"{live_server.url}/docs")
    check_in = WebDriverWait(browser, DRAWN_WITHIN_S).until(
        lambda driver: driver.find_elements(By.ID, "operations-appointments-checkIn")
    )[0]
    assert "checkIn" in check_in.text
    assert "Check in for an appointment" in check_in.text
    names = {
        element.text
        for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-operation-id")
    }
    assert {"identifyPatient", "createPayment", "callNext", "getHealth"} <= names
    assert not [name for name in names if "_api_v1_" in name], names
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    assert fetched, "the page loaded its script and style"
    assert all(url.startswith(live_server.url) for url in fetched), fetched
