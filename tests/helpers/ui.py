"""Driving a real kiosk in UI journeys: build one, and a finger to tap it."""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import paper_for
from kiosk.devices.printing.service import PrinterService
from kiosk.flows.idle import IdleWatcher
from kiosk.flows.visit import POSITION_REFRESH_S, Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.voice import RecordingSpeech


class Touch:
    """Finds buttons by objectName and clicks them like a finger would; counts the taps."""

    def __init__(self, kiosk: Kiosk, qtbot: QtBot) -> None:
        self.kiosk = kiosk
        self.qtbot = qtbot
        self.taps = 0

    def __call__(self, name: str) -> None:
        target = self.kiosk.window.find_button(name)
        assert target is not None, name
        assert target.isVisible(), f"{name} is not on screen"
        assert target.isEnabled(), f"{name} is disabled"
        self.qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        self.taps += 1

    def wait_for(self, step: Step) -> None:
        flow = self.kiosk.flow
        self.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=5000)

    def text(self, name: str) -> str:
        screen = self.kiosk.window.current_screen()
        found = screen.findChild(QLabel, name) if screen is not None else None
        found = found or self.kiosk.window.findChild(QLabel, name)
        assert found is not None, name
        return found.text()


def build_kiosk(
    qapp: QApplication,
    server: EmbeddedServer,
    spool: Path,
    *,
    idle: IdleWatcher | None = None,
    executor: Executor | None = None,
    position_refresh_s: float = POSITION_REFRESH_S,
    printer_connection: SimulatedConnection | None = None,
) -> Kiosk:
    """A started kiosk on ``server``; its simulated printer spools to ``spool`` (through
    ``printer_connection`` when a test sets the printer's status)."""
    config = demo_config(server.url, spool)
    printer = PrinterService(
        printer_connection or SimulatedConnection(spool),
        RenderOptions(paper=paper_for(80)),
        poll_interval_s=600,
    )
    # Not the machine's speech engine: with speech-dispatcher installed it would read every
    # instruction aloud, and each kiosk would wait ~1.4 s for its 13,363 espeak-ng voices.
    kiosk = Kiosk(
        config,
        qapp,
        printer=printer,
        idle=idle,
        executor=executor,
        clock=server.clock,
        speech=RecordingSpeech(),
        position_refresh_s=position_refresh_s,
    )
    kiosk.start()
    return kiosk


def type_on_keypad(touch: Touch, digits: str) -> None:
    for key in digits:
        touch("keypad.x" if key == "X" else f"keypad.digit{key}")


def visible_texts(root: QWidget) -> list[str]:
    texts = [label.text() for label in root.findChildren(QLabel)]
    texts += [button.text() for button in root.findChildren(QPushButton)]
    return texts
