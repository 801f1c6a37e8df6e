"""``kiosk --demo`` as someone trying it runs it: the links it prints open the staff sign-in,
a waiting-room display and a phone page of its embedded server; its simulated clinic calls
patients unless ``--no-simulated-clinic``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

import pytest
import requests

from kiosk.api.models import IDEMPOTENCY_HEADER

START_TIMEOUT_S = 90.0
TIMEOUT_S = 10
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/\S+)")


@dataclass
class RunningDemo:
    process: subprocess.Popen[str]
    lines: list[str]

    def link(self, prefix: str) -> str:
        line = next(line for line in self.lines if line.startswith(prefix))
        found = LINK.search(line)
        assert found is not None, line
        return found.group(1)

    @property
    def station(self) -> tuple[str, str]:
        line = next(line for line in self.lines if line.startswith("staff page"))
        found = re.search(r"station (\S+), password (\S+)", line)
        assert found is not None, line
        return found.group(1), found.group(2)


def start_demo(tmp_path: Path, *flags: str) -> Iterator[RunningDemo]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "--demo", "--windowed", *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    stdout = process.stdout
    arrived: Queue[str] = Queue()

    def read() -> None:
        for line in stdout:
            arrived.put(line)

    threading.Thread(target=read, daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not any(line.startswith("phone page") for line in lines):
            assert process.poll() is None, f"kiosk --demo ended: {lines}"
            try:
                lines.append(arrived.get(timeout=max(0.1, deadline - time.monotonic())).strip())
            except Empty:
                pytest.fail(f"kiosk --demo printed no links in time: {lines}")
        yield RunningDemo(process, lines)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stdout.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[RunningDemo]:
    yield from start_demo(tmp_path)


@pytest.fixture
def quiet_demo(tmp_path: Path) -> Iterator[RunningDemo]:
    yield from start_demo(tmp_path, "--no-simulated-clinic")


def station_token(demo: RunningDemo) -> tuple[str, str]:
    """Sign in with the printed station and password; the API's base and the bearer token."""
    staff = demo.link("staff page")
    base = staff.removesuffix("/staff") + "/api/v1"
    station, password = demo.station
    signed_in = requests.post(
        f"{base}/stations/session",
        json={"station": station, "password": password},
        timeout=TIMEOUT_S,
    )
    assert signed_in.status_code == 200, signed_in.text
    return base, signed_in.json()["token"]


def queue_events(base: str, token: str) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"}
    me = requests.get(f"{base}/stations/me", headers=headers, timeout=TIMEOUT_S).json()
    found: list[dict[str, object]] = []
    while True:  # the whole log, page by page: it holds the demo's 60 days of history too
        after = str(found[-1]["id"]) if found else "0"
        events = requests.get(
            f"{base}/queues/{me['queues'][0]}/events",
            params={"after": after, "limit": "1000"},
            headers=headers,
            timeout=TIMEOUT_S,
        )
        assert events.status_code == 200, events.text
        page: list[dict[str, object]] = events.json()["events"]
        if not page:
            return found
        found += page


def rooms_with_patients(base: str) -> set[str]:
    """The queues that any waiting-room display shows someone waiting in."""
    areas = requests.get(f"{base}/areas", timeout=TIMEOUT_S).json()["areas"]
    return {
        board_queue["queue_id"]
        for area in areas
        for board_queue in requests.get(
            f"{base}/areas/{area['id']}/board", timeout=TIMEOUT_S
        ).json()["queues"]
        if board_queue["waiting"]
    }


# The demo hospital's seed has patients waiting in these rooms only.
SEEDED_ROOMS = {"q-dep-a", "q-dep-b"}


@pytest.mark.slow
def test_the_printed_links_open_the_three_faces_and_the_clinic_calls(demo: RunningDemo) -> None:
    base, token = station_token(demo)
    for page in ("staff page", "waiting-room display", "phone page"):
        opened = requests.get(demo.link(page), timeout=TIMEOUT_S)
        assert opened.status_code == 200, page
        assert opened.headers["content-type"].startswith("text/html"), page
    display = demo.link("waiting-room display")
    area = display.rsplit("/", 1)[1]
    board = requests.get(f"{base}/areas/{area}/board", timeout=TIMEOUT_S)
    assert board.status_code == 200, board.text
    phone = demo.link("phone page")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/q/[A-Za-z0-9_-]{22,}", phone)
    status = requests.get(f"{base}/track/{phone.rsplit('/', 1)[1]}", timeout=TIMEOUT_S)
    assert status.status_code == 200, status.text
    assert len(rooms_with_patients(base) - SEEDED_ROOMS) >= 5  # the clinic's first patients
    deadline = time.monotonic() + 90
    while not any(event["actor"] == "simulation" for event in queue_events(base, token)):
        assert time.monotonic() < deadline, "the simulated clinic called nobody in that room"
        time.sleep(1)


@pytest.mark.slow
def test_without_the_simulated_clinic_only_the_staff_call(quiet_demo: RunningDemo) -> None:
    base, token = station_token(quiet_demo)
    assert rooms_with_patients(base) == SEEDED_ROOMS
    assert not [e for e in queue_events(base, token) if e["actor"] == "simulation"]
    me = requests.get(
        f"{base}/stations/me", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S
    ).json()
    called = requests.post(
        f"{base}/queues/{me['queues'][0]}/call-next",
        headers={"Authorization": f"Bearer {token}", IDEMPOTENCY_HEADER: uuid.uuid4().hex},
        timeout=TIMEOUT_S,
    )
    assert called.status_code == 200, called.text  # the staff page calls as before


def test_a_request_before_the_demo_server_starts_waits_for_it(tmp_path: Path) -> None:
    """The demo's server starts after the kiosk's first frame; whatever the kiosk asks
    meanwhile waits on the open port and is answered once, not refused."""
    from kiosk.app import DemoHospital

    ready: list[str] = []
    with DemoHospital(simulated_clinic=False, on_ready=lambda s: ready.append(s.url)) as hospital:
        answers: Queue[requests.Response] = Queue()

        def ask() -> None:
            answers.put(requests.get(f"{hospital.url}/api/v1/health", timeout=60))

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(0.5)  # the question waits on the port: nothing answers yet
        assert answers.empty()
        assert ready == []
        hospital.open()
        assert hospital.wait_until_serving(60)
        asking.join(timeout=60)
        answer = answers.get_nowait()
        assert answer.status_code == 200, answer.text
        assert hospital.config().backend.url == hospital.url
    assert ready == [hospital.url]  # told once the past days were written (close waits)
