"""A patient who cannot see the screen: a physical keypad and voice guidance, nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.voice import RecordingSpeech, VoiceGuide

PERSON_MS_PER_KEY = 90


@pytest.fixture
def speech() -> RecordingSpeech:
    return RecordingSpeech()


@pytest.fixture
def kiosk(
    qapp: QApplication,
    qtbot: QtBot,
    live_server: EmbeddedServer,
    tmp_path: Path,
    speech: RecordingSpeech,
) -> Iterator[Kiosk]:
    built = Kiosk(
        demo_config(live_server.url, tmp_path / "spool"),
        qapp,
        speech=speech,
        clock=live_server.clock,
    )
    qtbot.addWidget(built.window)
    built.start()
    built.window.resize(1920, 1080)
    built.window.show()
    qtbot.waitExposed(built.window)
    built.window.activateWindow()
    yield built
    built.shutdown()


def press(qtbot: QtBot, kiosk: Kiosk, key: Qt.Key) -> None:
    target = kiosk.window.focusWidget() or kiosk.window
    qtbot.keyClick(target, key)


def focus_on(qtbot: QtBot, kiosk: Kiosk, name: str) -> None:
    for _ in range(60):
        focused = kiosk.window.focusWidget()
        if focused is not None and focused.objectName() == name:
            return
        press(qtbot, kiosk, Qt.Key.Key_Down)
    raise AssertionError(f"the arrow keys never reached {name}")


def said(speech: RecordingSpeech) -> str:
    return " | ".join(text for text, _ in speech.spoken)


def test_check_in_with_the_keypad_only(qtbot: QtBot, kiosk: Kiosk, speech: RecordingSpeech) -> None:
    focus_on(qtbot, kiosk, "home.checkin")
    assert speech.spoken[-1] == ("签到取号", "zh_CN"), "the focused control is read out"
    press(qtbot, kiosk, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.flow.step == Step.identify, timeout=3000)
    assert "请刷身份证" in said(speech) or "身份证号" in said(speech)
    for char in "11010519491231002X":
        qtbot.keyClick(kiosk.window.focusWidget() or kiosk.window, char)
        qtbot.wait(PERSON_MS_PER_KEY)
    qtbot.waitUntil(lambda: kiosk.view.identify.keypad.text == "11010519491231002X", timeout=3000)
    focus_on(qtbot, kiosk, "identify.submit")
    press(qtbot, kiosk, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.flow.step == Step.appointments, timeout=5000)
    assert "您今天有 1 个预约" in said(speech)
    focus_on(qtbot, kiosk, "appointments.checkin.0")
    press(qtbot, kiosk, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.flow.step == Step.ticket, timeout=5000)
    ticket = kiosk.flow.ticket
    assert ticket is not None
    assert " ".join(ticket.number) in speech.spoken[-1][0], "the number is read letter by letter"
    assert kiosk.sounds.played[-1] == "success"
    press(qtbot, kiosk, Qt.Key.Key_F1)
    assert " ".join(ticket.number) in speech.spoken[-1][0], "Help repeats the instruction"


def test_back_key_deletes_a_digit_then_goes_home(qtbot: QtBot, kiosk: Kiosk) -> None:
    focus_on(qtbot, kiosk, "home.checkin")
    press(qtbot, kiosk, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.flow.step == Step.identify, timeout=3000)
    qtbot.keyClick(kiosk.window, "7")
    qtbot.waitUntil(lambda: kiosk.view.identify.keypad.text == "7", timeout=1000)
    press(qtbot, kiosk, Qt.Key.Key_Backspace)
    assert kiosk.view.identify.keypad.text == ""
    press(qtbot, kiosk, Qt.Key.Key_Backspace)
    assert kiosk.flow.step == Step.home


def test_mute_and_volume_in_the_header(qtbot: QtBot, kiosk: Kiosk, speech: RecordingSpeech) -> None:
    header = kiosk.window.header
    qtbot.mouseClick(header.volume, Qt.MouseButton.LeftButton)
    assert speech.volume == 1.0
    assert "3/3" in header.volume.text()
    qtbot.mouseClick(header.mute, Qt.MouseButton.LeftButton)
    count = len(speech.spoken)
    kiosk.flow.choose(kiosk.flow.intent)
    assert len(speech.spoken) == count, "muted: nothing is said"
    assert header.mute.isChecked()
    qtbot.mouseClick(header.mute, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(header.repeat, Qt.MouseButton.LeftButton)
    assert len(speech.spoken) == count + 1


def test_without_a_voice_engine_the_kiosk_is_silent_and_says_why(qtbot: QtBot) -> None:
    output = RecordingSpeech(reason="no speech engine installed")
    guide = VoiceGuide(output)
    assert not output.available
    assert output.reason == "no speech engine installed"
    guide.instruct("hello")  # a recorder still records; a real engine would simply not exist


def test_focus_frame_only_for_the_keypad(qtbot: QtBot, kiosk: Kiosk) -> None:
    frame = kiosk.window.focus_frame
    assert not frame.isVisible(), "touch users never see a focus frame"
    focus_on(qtbot, kiosk, "home.checkin")
    assert frame.isVisible()
    tile = kiosk.window.find_button("home.checkin")
    assert tile is not None
    top_left = tile.mapTo(kiosk.window, tile.rect().topLeft())
    assert frame.geometry().contains(top_left)
    qtbot.mouseClick(kiosk.window.header.volume, Qt.MouseButton.LeftButton)
    assert not frame.isVisible()


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_the_arrows_reach_the_screen_before_the_header(
    qtbot: QtBot, kiosk: Kiosk, size: tuple[int, int]
) -> None:
    """From the first tile, Down walks the home screen's controls, then the header's (in
    portrait, in the bottom bar), then comes back: with the services' screens built too."""
    kiosk.window.resize(*size)
    qtbot.waitUntil(lambda: kiosk.window.portrait == (size[1] > size[0]), timeout=3000)
    kiosk.build_views()
    focus_on(qtbot, kiosk, "home.checkin")
    reached: list[str] = []
    for _ in range(40):
        focused = kiosk.window.focusWidget()
        assert focused is not None
        if focused.objectName() in reached:
            break
        reached.append(focused.objectName())
        press(qtbot, kiosk, Qt.Key.Key_Down)
    header = [name for name in reached if name.startswith("header.")]
    assert header == [button.objectName() for button in kiosk.window.header.control_buttons()]
    first_header = reached.index(header[0])
    assert all(name.startswith("home.") for name in reached[:first_header])
    assert len(reached[:first_header]) >= 8
    assert reached[first_header + len(header) :] == []
