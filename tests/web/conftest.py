"""A real browser for the server's web pages: Debian's Chromium driven by Selenium.

Chromium starts in about a second and takes some 100 MB, so the instances are shared by the
whole session: ``browsers(n)`` hands out ``n`` of them (starting more only when a test needs
more at once), each cleaned (cookies, storage, a blank page) before the next test gets it.
Chromium never talks to anything but the loopback servers the tests start: background
networking, component updates, sync and QUIC are off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from kiosk.assets import assets_dir

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1920, 1080)

Browsers = Callable[[int], list[webdriver.Chrome]]


def chromium_options(width: int, height: int) -> webdriver.ChromeOptions:
    """Headless Chromium that stays on loopback and may play sound without a click (as a TV
    in kiosk mode is set up)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--autoplay-policy=no-user-gesture-required",
        "--lang=zh-CN",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    return options


def chromedriver_service() -> Service:
    """chromedriver, with a fontconfig that adds the kiosk's bundled Chinese font to the
    system's: the pages render Chinese here as a Chinese office PC shows it, without a system
    CJK font (which would also change how the kiosk's own Qt screens render in the tests)."""
    conf = Path(tempfile.mkdtemp(prefix="kiosk-fonts-")) / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{assets_dir() / 'fonts'}</dir></fontconfig>\n",
        encoding="utf-8",
    )
    return Service(str(CHROMEDRIVER), env={**os.environ, "FONTCONFIG_FILE": str(conf)})


def start_chromium(width: int = WINDOW[0], height: int = WINDOW[1]) -> webdriver.Chrome:
    if not CHROMIUM.exists() or shutil.which(str(CHROMEDRIVER)) is None:
        pytest.fail(
            "Chromium and chromedriver are missing: scripts/ensure-system-deps.sh installs "
            "Debian's chromium and chromium-driver"
        )
    return webdriver.Chrome(options=chromium_options(width, height), service=chromedriver_service())


@pytest.fixture(scope="session")
def _browser_pool() -> Iterator[list[webdriver.Chrome]]:
    pool: list[webdriver.Chrome] = []
    yield pool
    for driver in pool:
        driver.quit()


@pytest.fixture
def browsers(_browser_pool: list[webdriver.Chrome]) -> Iterator[Browsers]:
    """``browsers(n)``: ``n`` separate Chromium instances (separate cookies), 1920×1080."""
    handed: list[webdriver.Chrome] = []

    def take(count: int) -> list[webdriver.Chrome]:
        while len(_browser_pool) < len(handed) + count:
            _browser_pool.append(start_chromium())
        chosen = _browser_pool[len(handed) : len(handed) + count]
        handed.extend(chosen)
        return chosen

    yield take
    for driver in handed:
        driver.get("about:blank")
        driver.delete_all_cookies()
        driver.set_window_size(*WINDOW)


@pytest.fixture
def browser(browsers: Browsers) -> webdriver.Chrome:
    return browsers(1)[0]
