"""Adding a service is one registry entry plus its own flow, view and screen.

The toy service below is everything a seventh service would need: nothing in ``kiosk/`` is
edited for it, only the registry gets its entry (patched here as an edit would add it).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QVBoxLayout
from pytestqt.qtbot import QtBot

import kiosk.services
from kiosk.api.models import Patient
from kiosk.app import Kiosk
from kiosk.config import ConfigError, parse_config
from kiosk.flows.base import Flow
from kiosk.flows.visit import Step, VisitFlow
from kiosk.runner import Runner
from kiosk.server.embedded import EmbeddedServer
from kiosk.services import Journey, Service, ServiceParts
from kiosk.ui.screens.base import Screen
from kiosk.ui.visit_view import VisitView
from kiosk.ui.widgets.basics import button, label
from tests.helpers.ui import Touch, build_kiosk


class ToyStep(StrEnum):
    idle = "idle"
    shown = "shown"


class ToyFlow(Flow[ToyStep]):
    def __init__(self, runner: Runner, visit: VisitFlow, parent: QObject) -> None:
        super().__init__(ToyStep.idle, {ToyStep.idle: frozenset({ToyStep.shown})}, runner, parent)
        self._visit = visit
        visit.visit_wiped.connect(self._return_to_rest)

    def begin(self, patient: Patient | None) -> None:
        self._move(ToyStep.shown)

    def finish(self) -> None:
        self._visit.go_home()


class ToyScreen(Screen):
    home_requested = Signal()

    def __init__(self) -> None:
        super().__init__("toy")
        self.message = label("toy.message", "title")
        self.home = button("toy.home")
        self.home.clicked.connect(self.home_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.home)
        self.retranslate()

    def retranslate(self) -> None:
        self.message.setText("A toy service")
        self.home.setText("Home")


class ToyView(QObject):
    def __init__(self, visit: VisitView, flow: ToyFlow) -> None:
        super().__init__(visit)
        self.screen = ToyScreen()
        visit.add_service_screens(self.screen)
        self.screen.home_requested.connect(flow.finish)
        flow.step_changed.connect(lambda _step: visit.window.show_screen(self.screen))


def build_toy(parts: ServiceParts) -> Journey:
    flow = ToyFlow(parts.runner, parts.visit, parts.owner)
    return Journey(flow, lambda: ToyView(parts.visit_view, flow))


TOY = Service("toy", "Toy", "A seventh service", needs_identification=False, build=build_toy)
CONFIG = {"kiosk": {"id": "k1"}, "backend": {"url": "http://127.0.0.1:9", "token": "t"}}


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiosk.services, "SERVICES", (*kiosk.services.SERVICES, TOY))


def test_config_knows_only_registered_services() -> None:
    with pytest.raises(ConfigError, match=r"kiosk\.services.*unknown service 'toy'"):
        parse_config({**CONFIG, "kiosk": {"id": "k1", "services": ["checkin", "toy"]}})


@pytest.mark.usefixtures("registered")
def test_a_registered_service_is_configurable_by_default() -> None:
    config = parse_config(CONFIG)
    assert config.kiosk.services[-1] == "toy"
    chosen = parse_config({**CONFIG, "kiosk": {"id": "k1", "services": ["toy", "checkin"]}})
    assert chosen.kiosk.services == ("toy", "checkin")


@pytest.fixture
def toy_kiosk(
    registered: None, qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> Iterator[Kiosk]:
    built = build_kiosk(qapp, live_server, spool)
    qtbot.addWidget(built.window)
    built.window.resize(1920, 1080)
    built.window.show()
    yield built
    built.shutdown()


def test_the_toy_service_has_a_tile_and_its_journey_runs(toy_kiosk: Kiosk, qtbot: QtBot) -> None:
    touch = Touch(toy_kiosk, qtbot)
    tile = toy_kiosk.view.home.tiles["toy"]
    assert tile.isVisible()
    assert (tile.title.text(), tile.detail.text()) == ("Toy", "A seventh service")
    touch("home.toy")
    flow = toy_kiosk.part(ToyFlow)
    assert flow.step == ToyStep.shown
    assert toy_kiosk.flow.step == Step.service
    assert toy_kiosk.window.current_screen() is toy_kiosk.part(ToyView).screen
    touch("toy.home")
    assert toy_kiosk.window.current_screen() is toy_kiosk.view.home
    assert toy_kiosk.part(ToyFlow).step == ToyStep.idle, "the visit's wipe sets it to rest"
