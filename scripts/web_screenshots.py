"""``python -m scripts.web_screenshots --out DIR``: the server's web pages as PNGs, from headless
Chromium (Debian's, driven by Selenium as the browser tests drive it); the web sibling of
``kiosk walkthrough``. Run it from the repository's root (``make web-screenshots``).

It starts the embedded demo hospital on loopback with its simulated clinic (which fills every
room's queue and works them; here at a real clinic's pace, not the demo's eightfold one, so no
patient moves on between a call and its shots), signs the busiest room's demo station in,
calls the next patient of every room in that room's waiting area, and shoots in Chinese and
English:

- ``staff-login``: the station's sign-in page, 1280×800 (a tablet);
- ``staff``: the caller page of the signed-in station, 1920×1080 and 1280×800;
- ``display``: the waiting area's TV, 1920×1080 (both languages at once, so one shot);
- ``phone``: the phone page of the third patient waiting, 390×844; ``phone-called``: of the
  patient just called;
- ``insight-waiting`` / ``-satisfaction`` / ``-kiosks`` / ``-compare``: the management pages
  over the demo's 60 days of history, 1920×1080 (before/after for Internal Medicine, the
  department that opened a second calling room half-way); ``insight-waiting-print``: the
  waiting page as printed (print media, an A4 landscape page's width).

Each shot waits until the page shows what it must (the number just called, the ticket's
number) and its fonts are loaded. Selenium and Chromium come from the test extra and the
system deps; the kiosk package itself never needs them.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.insight.history import HISTORY_DAYS
from kiosk.server.seed import DEMO_STATION_PASSWORD, demo_station_id
from kiosk.server.simulation import ClinicPace
from kiosk.server.stations import STATION_COOKIE
from tests.web.conftest import chromedriver_service, chromium_options

LANGUAGES = {"zh_CN": "zh", "en": "en"}  # file name's language -> the pages' ?lang=
SIGN_IN_BUTTON = {"zh": "登录", "en": "Sign in"}
STAFF_SIZES = ((1920, 1080), (1280, 800))
DISPLAY_SIZE = (1920, 1080)
PHONE_SIZE = (390, 844)
TABLET_SIZE = (1280, 800)
REAL_PACE = ClinicPace(speedup=1.0)
SHOWN_WITHIN_S = 20.0
TIMEOUT_S = 10
INSIGHT_PAGES = {  # page -> (query, a word each language's page shows once it is rendered)
    "waiting": ("", {"zh": "服务达标率", "en": "Service level"}),
    "satisfaction": ("", {"zh": "评分分布", "en": "Ratings by stars"}),
    "kiosks": ("", {"zh": "完成率", "en": "Completion rate"}),
    "compare": ("department=dep-a", {"zh": "改进后", "en": "After"}),
}
PRINT_SIZE = (1123, 1900)  # A4 landscape's width at 96 dpi; tall enough for the first tables


@dataclass(frozen=True)
class Scene:
    """What the shots show: a signed-in station, its area, a called and a waiting ticket."""

    station_token: str
    queue_id: str
    area_id: str
    called_number: str
    called_token: str
    waiting_number: str
    waiting_token: str


def _busiest_room(conn: sqlite3.Connection) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute(
        "SELECT q.id, q.area_id, count(e.id) AS waiting FROM queues q "
        "LEFT JOIN queue_entries e ON e.queue_id = q.id AND e.state = 'waiting' "
        "WHERE q.kind = 'room' GROUP BY q.id ORDER BY waiting DESC, q.sort LIMIT 1"
    ).fetchone()
    return row


def _track_token(conn: sqlite3.Connection, entry_id: int) -> str:
    return str(
        conn.execute("SELECT track_token FROM queue_entries WHERE id = ?", (entry_id,)).fetchone()[
            0
        ]
    )


def set_the_scene(server: EmbeddedServer) -> Scene:
    """Sign the busiest room's demo station in and call the next patient of each room of its
    waiting area (through the API, as a station does)."""
    conn = connect(server.db_path)
    try:
        room = _busiest_room(conn)
        area_rooms = [
            str(row[0])
            for row in conn.execute(
                "SELECT id FROM queues WHERE area_id = ? ORDER BY sort, id", (room["area_id"],)
            )
        ]
        api = f"{server.url}{API_PREFIX}"
        with requests.Session() as session:
            tokens = {}
            for queue_id in [room["id"], *(q for q in area_rooms if q != room["id"])]:
                signed_in = session.post(
                    f"{api}/stations/session",
                    json={"station": demo_station_id(queue_id), "password": DEMO_STATION_PASSWORD},
                    timeout=TIMEOUT_S,
                )
                signed_in.raise_for_status()
                tokens[queue_id] = signed_in.json()["token"]
            called = {}
            for queue_id, token in reversed(tokens.items()):  # the station's own call last
                answer = session.post(
                    f"{api}/queues/{queue_id}/call-next",
                    headers={
                        "Authorization": f"Bearer {token}",
                        IDEMPOTENCY_HEADER: str(uuid.uuid4()),
                    },
                    timeout=TIMEOUT_S,
                )
                if answer.status_code == 200:
                    called[queue_id] = answer.json()
            view = session.get(
                f"{api}/queues/{room['id']}",
                headers={"Authorization": f"Bearer {tokens[room['id']]}"},
                timeout=TIMEOUT_S,
            )
            view.raise_for_status()
        waiting = view.json()["waiting"]
        own_call = called[room["id"]]
        third = waiting[min(2, len(waiting) - 1)]
        return Scene(
            station_token=tokens[room["id"]],
            queue_id=room["id"],
            area_id=room["area_id"],
            called_number=own_call["number"],
            called_token=_track_token(conn, own_call["id"]),
            waiting_number=third["number"],
            waiting_token=_track_token(conn, third["id"]),
        )
    finally:
        conn.close()


class Camera:
    """One Chromium; ``shoot`` opens a page at a size and saves it once it shows ``expect``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.driver = webdriver.Chrome(
            options=chromium_options(*DISPLAY_SIZE), service=chromedriver_service()
        )
        self.saved: list[Path] = []

    def shoot(self, url: str, name: str, size: tuple[int, int], expect: str) -> None:
        width, height = size
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": size == PHONE_SIZE,
            },
        )
        self.driver.get(url)
        WebDriverWait(self.driver, SHOWN_WITHIN_S).until(
            lambda driver: expect in driver.find_element("tag name", "body").text,
            f"{url} did not show {expect!r} within {SHOWN_WITHIN_S:.0f} s",
        )
        self.driver.execute_async_script("document.fonts.ready.then(arguments[0])")
        path = self.out / f"{name}-{width}x{height}.png"
        self.driver.save_screenshot(str(path))
        self.saved.append(path)

    def sign_in(self, base_url: str, token: str) -> None:
        """The station's session as the staff page's sign-in leaves it: the HttpOnly cookie."""
        self.driver.get(f"{base_url}{API_PREFIX}/health")
        self.driver.add_cookie(
            {
                "name": STATION_COOKIE,
                "value": token,
                "path": "/",
                "httpOnly": True,
                "sameSite": "Strict",
            }
        )

    def print_media(self, on: bool) -> None:
        """Render as the print does (``@media print``), or as the screen again."""
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if on else ""})

    def sign_out(self) -> None:
        self.driver.delete_all_cookies()

    def close(self) -> None:
        self.driver.quit()


def shoot_all(server: EmbeddedServer, scene: Scene, out: Path) -> list[Path]:
    camera = Camera(out)
    try:
        for language, lang in LANGUAGES.items():
            camera.sign_out()
            camera.shoot(
                f"{server.url}/staff?lang={lang}",
                f"staff-login-{language}",
                TABLET_SIZE,
                SIGN_IN_BUTTON[lang],
            )
            camera.sign_in(server.url, scene.station_token)
            for size in STAFF_SIZES:
                camera.shoot(
                    f"{server.url}/staff?lang={lang}",
                    f"staff-{language}",
                    size,
                    scene.called_number,
                )
            camera.shoot(
                f"{server.url}/q/{scene.waiting_token}?lang={lang}",
                f"phone-{language}",
                PHONE_SIZE,
                scene.waiting_number,
            )
            camera.shoot(
                f"{server.url}/q/{scene.called_token}?lang={lang}",
                f"phone-called-{language}",
                PHONE_SIZE,
                scene.called_number,
            )
        for language, lang in LANGUAGES.items():
            for page, (query, expect) in INSIGHT_PAGES.items():
                camera.shoot(
                    f"{server.url}/insight/{page}?lang={lang}&{query}",
                    f"insight-{page}-{language}",
                    DISPLAY_SIZE,
                    expect[lang],
                )
            camera.print_media(True)
            camera.shoot(
                f"{server.url}/insight/waiting?lang={lang}",
                f"insight-waiting-print-{language}",
                PRINT_SIZE,
                INSIGHT_PAGES["waiting"][1][lang],
            )
            camera.print_media(False)
        # The TV shows both languages at once: one shot.
        camera.shoot(
            f"{server.url}/display/{scene.area_id}", "display", DISPLAY_SIZE, scene.called_number
        )
        return camera.saved
    finally:
        camera.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.web_screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-webshots-") as scratch:
        with EmbeddedServer.start(
            Path(scratch) / "demo.sqlite3",
            seed_demo=True,
            simulated_clinic=REAL_PACE,
            history_days=HISTORY_DAYS,
        ) as server:
            scene = set_the_scene(server)
            saved = shoot_all(server, scene, args.out)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
