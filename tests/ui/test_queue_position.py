"""My appointments follows a checked-in patient's place in the queue: people ahead and the wait,
then "请到 … 就诊" once a station calls them; without the server it says so instead of showing
old figures. Real clicks on the real window, the real reference server on loopback, a station
calling through the REST API like a doctor's workstation would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from kiosk.api.models import IDEMPOTENCY_HEADER, AppointmentStatus, TrackStatus
from kiosk.app import Kiosk
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_STATION_PASSWORD, demo_station_id
from tests.helpers.ui import Touch, build_kiosk

REFRESH_S = 0.3  # instead of 15 s: the test waits for a refresh, not for a clock
TIMEOUT_S = 10


@pytest.fixture
def quick_kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> Iterator[Kiosk]:
    built = build_kiosk(qapp, live_server, spool, position_refresh_s=REFRESH_S)
    qtbot.addWidget(built.window)
    built.window.resize(1920, 1080)
    built.window.show()
    qtbot.waitExposed(built.window)
    yield built
    built.shutdown()
    built.translations.switch_to("en")


def open_checked_in(kiosk: Kiosk, qtbot: QtBot) -> tuple[int, QLabel]:
    """My appointments of the patient already checked in today; the checked-in card's index
    and its position line, once the first answer is on it."""
    touch = Touch(kiosk, qtbot)
    touch("home.appointments")
    touch("identify.demo.already_checked_in")
    touch.wait_for(Step.upcoming)
    index = next(
        i
        for i, appointment in enumerate(kiosk.flow.appointments)
        if appointment.status == AppointmentStatus.checked_in
    )
    line = kiosk.view.upcoming.findChild(QLabel, f"appointment.{index}.position")
    assert line is not None
    qtbot.waitUntil(line.isVisible, timeout=TIMEOUT_S * 1000)
    return index, line


def position_of(kiosk: Kiosk, index: int) -> TrackStatus:
    position = kiosk.flow.positions[kiosk.flow.appointments[index].id]
    assert position is not None
    return position


def station_calls_until(server: EmbeddedServer, queue_id: str, number: str) -> None:
    """A doctor's workstation calls and finishes patients through the REST API until the
    one with ``number`` is called."""
    api = f"{server.url}/api/v1"
    session = requests.Session()
    signed_in = session.post(
        f"{api}/stations/session",
        json={"station": demo_station_id(queue_id), "password": DEMO_STATION_PASSWORD},
        timeout=TIMEOUT_S,
    )
    assert signed_in.status_code == 200, signed_in.text
    session.headers["Authorization"] = f"Bearer {signed_in.json()['token']}"
    for _ in range(20):
        current = session.get(f"{api}/queues/{queue_id}", timeout=TIMEOUT_S).json()["current"]
        for entry in current:  # the room is free only once its patient is done
            finished = session.post(
                f"{api}/queue-entries/{entry['id']}/finish",
                headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
                timeout=TIMEOUT_S,
            )
            assert finished.status_code == 200, finished.text
        called = session.post(
            f"{api}/queues/{queue_id}/call-next",
            headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
            timeout=TIMEOUT_S,
        )
        assert called.status_code == 200, called.text
        if called.json()["number"] == number:
            return
    pytest.fail(f"{number} was never called")


def test_a_call_from_a_station_shows_where_to_go(
    quick_kiosk: Kiosk, qtbot: QtBot, live_server: EmbeddedServer
) -> None:
    index, line = open_checked_in(quick_kiosk, qtbot)
    waiting = position_of(quick_kiosk, index)
    ticket = quick_kiosk.flow.appointments[index].ticket
    assert ticket is not None
    assert waiting.number == ticket.number
    assert line.text().startswith(f"{ticket.number}号：")
    if waiting.people_ahead:
        assert f"前面还有 {waiting.people_ahead} 人" in line.text()
        assert f"约 {waiting.estimated_wait_minutes} 分钟" in line.text()
    assert not quick_kiosk.flow.busy  # asked in the background: no spinner over the list
    station_calls_until(live_server, waiting.queue_id, ticket.number)
    qtbot.waitUntil(lambda: line.text() == f"请到 {waiting.room} 就诊", timeout=TIMEOUT_S * 1000)
    assert quick_kiosk.window.current_screen() is quick_kiosk.view.upcoming


def test_without_the_server_it_says_so_instead_of_old_figures(
    quick_kiosk: Kiosk, qtbot: QtBot, live_server: EmbeddedServer
) -> None:
    index, line = open_checked_in(quick_kiosk, qtbot)
    figures = line.text()
    live_server.stop()  # the network to the hospital system is gone
    qtbot.waitUntil(lambda: line.text() == "暂时无法显示排队进度。", timeout=TIMEOUT_S * 1000)
    assert figures != line.text()
    assert quick_kiosk.flow.step == Step.upcoming  # still the list: nothing else changed
    assert not quick_kiosk.flow.busy
    assert quick_kiosk.window.current_screen() is quick_kiosk.view.upcoming
    assert quick_kiosk.flow.positions[quick_kiosk.flow.appointments[index].id] is None


def test_positions_are_asked_only_while_the_list_is_shown(quick_kiosk: Kiosk, qtbot: QtBot) -> None:
    open_checked_in(quick_kiosk, qtbot)
    Touch(quick_kiosk, qtbot)("upcoming.home")
    qtbot.waitUntil(lambda: quick_kiosk.flow.step == Step.home, timeout=TIMEOUT_S * 1000)
    assert quick_kiosk.flow.positions == {}  # the patient's position went with the visit
    qtbot.wait(round(REFRESH_S * 4000))
    assert quick_kiosk.runner.pending_count == 0
    assert quick_kiosk.flow.positions == {}
