"""The technician's device cards: every state's light, words and advice, the counters (also
after a restart), and the cards' own actions, through real taps on a kiosk on the live server."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk, device_counters_path
from kiosk.devices.dispenser import DispenserStatus
from kiosk.devices.dispenser.simulated import SimulatedDispenser
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.devices.readers.simulated import SimulatedReader
from kiosk.diagnostics.cards import Light
from kiosk.diagnostics.counters import Counter, CounterBook
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.screens.device_cards import DeviceCardView, Picture
from kiosk.ui.voice import RecordingSpeech
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.ui import build_kiosk


@pytest.fixture
def connection(spool: Path) -> SimulatedConnection:
    return SimulatedConnection(spool)


@pytest.fixture
def diagnostics_kiosk(
    qapp: QApplication,
    qtbot: QtBot,
    live_server: EmbeddedServer,
    spool: Path,
    connection: SimulatedConnection,
) -> Iterator[Kiosk]:
    kiosk = build_kiosk(qapp, live_server, spool, printer_connection=connection)
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1920, 1080)
    kiosk.window.show()
    kiosk.technician.open_diagnostics()
    yield kiosk
    kiosk.shutdown()


def tap(kiosk: Kiosk, qtbot: QtBot, name: str) -> None:
    target = kiosk.window.find_button(name)
    assert target is not None, name
    assert target.isVisible(), name
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


def card(kiosk: Kiosk, name: str) -> DeviceCardView:
    return kiosk.technician.diagnostics.device_cards[name]


PRINTER_STATES = [
    (PrinterStatus.near_end, Light.warning, "警告", "纸将尽", "处理方法：请更换 80 mm 热敏纸卷。"),
    (
        PrinterStatus.paper_out,
        Light.fault,
        "故障",
        "缺纸",
        "处理方法：请装入新的 80 mm 热敏纸卷，然后点击“立即查询状态”。",
    ),
    (PrinterStatus.cover_open, Light.fault, "故障", "上盖打开", "处理方法：请合上打印机上盖。"),
    (
        PrinterStatus.offline,
        Light.fault,
        "故障",
        "脱机：无法连接",
        "处理方法：请检查打印机电源和连接线（USB 或网线），然后点击“立即查询状态”。",
    ),
]


# The advice's drawn picture: the roll to put in, the cover to close, the plug to push in.
PRINTER_PICTURES = {
    PrinterStatus.near_end: Picture.paper_roll,
    PrinterStatus.paper_out: Picture.paper_roll,
    PrinterStatus.cover_open: Picture.printer_cover,
    PrinterStatus.offline: Picture.usb_plug,
}


@pytest.mark.parametrize(("status", "light", "word", "words", "advice"), PRINTER_STATES)
def test_each_printer_fault_shows_its_light_words_and_advice(
    diagnostics_kiosk: Kiosk,
    qtbot: QtBot,
    connection: SimulatedConnection,
    status: PrinterStatus,
    light: Light,
    word: str,
    words: str,
    advice: str,
) -> None:
    printer = card(diagnostics_kiosk, "printer")
    assert (printer.light.text(), printer.state.text()) == ("正常", "就绪")
    assert printer.advice.isHidden()
    connection.set_status(status)
    tap(diagnostics_kiosk, qtbot, "device.printer.status")
    qtbot.waitUntil(lambda: printer.state.text() == words, timeout=5000)
    assert printer.lamp.light == light
    assert printer.light.text() == word
    assert printer.advice.isVisible()
    assert printer.advice.text() == advice
    assert printer.since.text().startswith("自 ")
    assert printer.picture.isVisible()
    assert printer.picture.picture == PRINTER_PICTURES[status]
    assert printer.picture.accessibleName() == advice.removeprefix("处理方法：")

    connection.set_status(PrinterStatus.ok)  # put right: the light and the advice go
    tap(diagnostics_kiosk, qtbot, "device.printer.status")
    qtbot.waitUntil(lambda: printer.state.text() == "就绪", timeout=5000)
    assert printer.lamp.light == Light.ok
    assert printer.advice.isHidden()
    assert printer.picture.isHidden()


def test_printer_counters_count_tickets_cuts_paper_warnings_and_failures(
    diagnostics_kiosk: Kiosk, qtbot: QtBot, connection: SimulatedConnection, spool: Path
) -> None:
    printer = card(diagnostics_kiosk, "printer")
    connection.set_status(PrinterStatus.paper_out)
    tap(diagnostics_kiosk, qtbot, "device.printer.test_page")
    qtbot.waitUntil(lambda: printer.result.text() == "测试页打印失败：缺纸", timeout=5000)
    assert list(spool.glob("*.bin")) == []  # refused: nothing written
    assert "打印失败（卡纸、缺纸、上盖）：今天 1，累计 1" in printer.counters.text()
    assert printer.last_error.text().startswith("最近的错误：job ")

    connection.set_status(PrinterStatus.near_end)
    tap(diagnostics_kiosk, qtbot, "device.printer.test_page")
    qtbot.waitUntil(lambda: printer.result.text() == "测试页已打印。", timeout=5000)
    tap(diagnostics_kiosk, qtbot, "device.printer.cut")
    qtbot.waitUntil(lambda: printer.result.text() == "已切纸。", timeout=5000)
    assert len(list(spool.glob("*.bin"))) == 2
    lines = printer.counters.text().split("\n")
    assert lines == [
        "已打印票据：今天 1，累计 1",
        "切纸次数：今天 2，累计 2",
        "纸将尽次数：今天 1，累计 1",
        "打印失败（卡纸、缺纸、上盖）：今天 1，累计 1",
    ]


def test_a_reader_unplugged_and_back(diagnostics_kiosk: Kiosk, qtbot: QtBot) -> None:
    scanner = next(r for r in diagnostics_kiosk.devices.readers if isinstance(r, SimulatedReader))
    reader = card(diagnostics_kiosk, scanner.name)
    assert (reader.light.text(), reader.state.text()) == ("正常", "就绪")
    scanner.unplug()
    qtbot.waitUntil(lambda: reader.state.text() == "读卡器无响应", timeout=3000)
    assert reader.lamp.light == Light.fault
    assert reader.light.text() == "故障"
    assert reader.advice.text() == "处理方法：请检查 USB 线并重新插拔。"
    assert reader.picture.isVisible()
    assert reader.picture.picture == Picture.usb_plug
    assert reader.last_error.text() == "最近的错误：unplugged"
    scanner.plug_back()
    qtbot.waitUntil(lambda: reader.state.text() == "就绪", timeout=3000)
    assert reader.lamp.light == Light.ok
    assert reader.advice.isHidden()
    assert reader.picture.isHidden()
    assert reader.last_error.text() == "最近的错误：unplugged"  # still there to read

    tap(diagnostics_kiosk, qtbot, f"device.{scanner.name}.read")
    scanner.present("11010519491231002X")
    qtbot.waitUntil(lambda: reader.result.text().startswith("已读取"), timeout=3000)
    assert reader.result.text() == "已读取：身份证 11**************2X"
    assert reader.counters.text().startswith("读卡/扫码次数：今天 1，累计 1")


def test_sound_and_speech_cards_test_both_languages(diagnostics_kiosk: Kiosk, qtbot: QtBot) -> None:
    speech = diagnostics_kiosk.voice.output
    assert isinstance(speech, RecordingSpeech)
    assert card(diagnostics_kiosk, "speech").state.text() == "就绪"
    tap(diagnostics_kiosk, qtbot, "device.speech.speak_zh")
    tap(diagnostics_kiosk, qtbot, "device.speech.speak_en")
    assert speech.spoken[-2:] == [
        ("这是自助机的中文语音测试。", "zh_CN"),
        ("This is the kiosk's English speech test.", "en_US"),
    ]
    tap(diagnostics_kiosk, qtbot, "device.sound.sound_test")
    assert card(diagnostics_kiosk, "sound").result.text() == "已播放：成功音，然后错误音。"


def test_counters_survive_a_restart(
    qapp: QApplication,
    qtbot: QtBot,
    live_server: EmbeddedServer,
    spool: Path,
    connection: SimulatedConnection,
) -> None:
    first = build_kiosk(qapp, live_server, spool, printer_connection=connection)
    qtbot.addWidget(first.window)
    first.window.show()
    first.technician.open_diagnostics()
    tap(first, qtbot, "device.printer.test_page")
    qtbot.waitUntil(lambda: card(first, "printer").result.text() == "测试页已打印。", timeout=5000)
    first.shutdown()  # waits for the counters' file
    saved = json.loads(device_counters_path(first.config).read_text(encoding="utf-8"))
    assert saved["total"]["printer"] == {"printed": 1, "cut": 1}

    second = build_kiosk(qapp, live_server, spool)
    qtbot.addWidget(second.window)
    second.window.show()
    try:
        second.technician.open_diagnostics()
        assert card(second, "printer").counters.text().startswith("已打印票据：今天 1，累计 1")
    finally:
        second.shutdown()


def test_today_starts_again_at_midnight_and_the_total_goes_on(tmp_path: Path) -> None:
    day = [dt.date(2026, 3, 1)]
    path = tmp_path / "counters.json"
    book = CounterBook(path, ImmediateExecutor(), today=lambda: day[0])
    book.add("printer", Counter.printed, 3)
    day[0] = dt.date(2026, 3, 2)
    book.add("printer", Counter.printed)
    assert book.counts("printer", Counter.printed) == (1, 4)
    again = CounterBook(path, None, today=lambda: day[0])
    assert again.counts("printer", Counter.printed) == (1, 4)
    day[0] = dt.date(2026, 3, 3)
    assert again.counts("printer", Counter.printed) == (0, 4)


def test_a_count_after_shutdown_is_kept_in_memory_not_raised(tmp_path: Path) -> None:
    """A ticket that finishes printing while the kiosk stops: its executor is already shut."""
    executor = ThreadPoolExecutor(1)
    executor.shutdown()
    book = CounterBook(tmp_path / "counters.json", executor)
    book.add("printer", Counter.printed)
    assert book.counts("printer", Counter.printed) == (1, 1)
    assert not (tmp_path / "counters.json").exists()


DISPENSER_STATES = [
    (
        DispenserStatus.jammed,
        Light.fault,
        "卡堵塞",
        "处理方法：请打开发卡机，取出堵塞的卡，关好后点“立即查询状态”。",
    ),
    (
        DispenserStatus.offline,
        Light.fault,
        "离线：无应答",
        "处理方法：请检查发卡机的电源和串口线，以及配置中的 [card_dispenser] port。",
    ),
]


@pytest.mark.parametrize(("fault", "light", "words", "advice"), DISPENSER_STATES)
def test_each_dispenser_fault_shows_its_light_words_and_advice(
    diagnostics_kiosk: Kiosk,
    qtbot: QtBot,
    fault: DispenserStatus,
    light: Light,
    words: str,
    advice: str,
) -> None:
    service = diagnostics_kiosk.devices.dispenser
    assert service is not None
    device = service.dispenser
    assert isinstance(device, SimulatedDispenser)
    dispenser = card(diagnostics_kiosk, "card_dispenser")
    qtbot.waitUntil(lambda: dispenser.state.text() == "就绪", timeout=5000)
    assert dispenser.heading.text() == "发卡机（simulated）"
    device.set_fault(fault)
    tap(diagnostics_kiosk, qtbot, "device.card_dispenser.status")
    qtbot.waitUntil(lambda: dispenser.state.text() == words, timeout=5000)
    assert dispenser.lamp.light == light
    assert dispenser.advice.text() == advice
    assert dispenser.result.text().startswith("已于 ")
    device.set_fault(None)  # put right
    tap(diagnostics_kiosk, qtbot, "device.card_dispenser.status")
    qtbot.waitUntil(lambda: dispenser.state.text() == "就绪", timeout=5000)
    assert dispenser.advice.isHidden()


def test_the_dispenser_counts_cards_out_and_failures(
    diagnostics_kiosk: Kiosk, qtbot: QtBot
) -> None:
    service = diagnostics_kiosk.devices.dispenser
    assert service is not None
    device = service.dispenser
    assert isinstance(device, SimulatedDispenser)
    with qtbot.waitSignal(service.card_dispensed, timeout=5000):
        service.dispense("HC30000001")
    device.take_card()
    device.set_cards(0)
    with qtbot.waitSignal(service.dispense_failed, timeout=5000):
        service.dispense("HC30000002")
    dispenser = card(diagnostics_kiosk, "card_dispenser")
    qtbot.waitUntil(lambda: dispenser.state.text() == "无卡", timeout=5000)
    assert dispenser.counters.text().split("\n") == [
        "已发卡数：今天 1，累计 1",
        "发卡失败（无卡、卡堵塞、离线）：今天 1，累计 1",
    ]
    assert dispenser.last_error.text() == "最近的错误：dispensing failed: empty"
