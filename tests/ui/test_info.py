"""Information without identification: directory, a department's place and schedule, the
price list searched by pinyin initials, and the floor guide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.api.models import ItemCategory, PriceItem
from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.flows.info import SCHEDULE_DAYS, InfoFlow, InfoStep
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.info_view import InfoView
from kiosk.ui.widgets.basics import CardButton
from tests.helpers.ui import Touch


@pytest.fixture
def kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> Iterator[Kiosk]:
    built = Kiosk(demo_config(live_server.url, tmp_path / "spool"), qapp, clock=live_server.clock)
    qtbot.addWidget(built.window)
    built.start()
    built.window.resize(1080, 1920)
    built.window.show()
    yield built
    built.shutdown()


def tap(kiosk: Kiosk, qtbot: QtBot, name: str) -> None:
    target = kiosk.window.find_button(name)
    assert target is not None, name
    assert target.isVisible(), name
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


def test_directory_department_and_schedule(kiosk: Kiosk, qtbot: QtBot) -> None:
    tap(kiosk, qtbot, "home.info")
    qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.directory, timeout=5000)
    assert kiosk.flow.step == Step.service
    assert kiosk.window.current_screen() is kiosk.part(InfoView).directory
    assert len(kiosk.part(InfoFlow).departments) >= 10
    tap(kiosk, qtbot, "directory.department.0")
    qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.department, timeout=5000)
    screen = kiosk.part(InfoView).department
    assert kiosk.window.current_screen() is screen
    assert len(kiosk.part(InfoFlow).schedules) == SCHEDULE_DAYS
    assert "楼" in screen.location.text()
    assert screen.directions.text()
    sessions = [
        b
        for b in screen.findChildren(CardButton)
        if b.objectName().startswith("department.session.")
    ]
    assert sessions
    assert all("·" in b.detail.text() for b in sessions)  # places · fee
    tap(kiosk, qtbot, "department.back")
    assert kiosk.window.current_screen() is kiosk.part(InfoView).directory
    tap(kiosk, qtbot, "directory.home")
    assert kiosk.flow.step == Step.home
    assert kiosk.window.current_screen() is kiosk.view.home
    tiles = [
        b
        for b in kiosk.part(InfoView).directory.findChildren(QPushButton)
        if b.objectName().startswith("directory.department")
    ]
    assert tiles == [], "the directory is wiped with the visit"


def test_idle_in_information_returns_home(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    from kiosk.flows.idle import IdleWatcher

    kiosk = Kiosk(
        demo_config(live_server.url, tmp_path / "spool"),
        qapp,
        idle=IdleWatcher(0.05, 1),
        clock=live_server.clock,
    )
    qtbot.addWidget(kiosk.window)
    kiosk.start()
    kiosk.window.show()
    try:
        tap(kiosk, qtbot, "home.info")
        qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.directory, timeout=5000)
        qtbot.waitUntil(lambda: kiosk.flow.step == Step.home, timeout=5000)
        assert kiosk.part(InfoFlow).departments == []
        assert kiosk.window.current_screen() is kiosk.view.home
    finally:
        kiosk.shutdown()


def test_backend_down_says_so(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    kiosk = Kiosk(demo_config("http://127.0.0.1:9", tmp_path / "spool"), qapp)
    qtbot.addWidget(kiosk.window)
    kiosk.start()
    kiosk.window.show()
    try:
        tap(kiosk, qtbot, "home.info")
        qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.failed, timeout=10000)
        assert kiosk.window.current_screen() is kiosk.view.notice
        tap(kiosk, qtbot, "notice.home")
        assert kiosk.window.current_screen() is kiosk.view.home
    finally:
        kiosk.shutdown()


def open_from_directory(touch: Touch, button: str, step: InfoStep) -> None:
    touch("home.info")
    flow = touch.kiosk.part(InfoFlow)
    touch.qtbot.waitUntil(lambda: flow.step == InfoStep.directory and not flow.busy, timeout=5000)
    touch(button)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=5000)


def shown_rows(kiosk: Kiosk) -> list[str]:
    screen = kiosk.part(InfoView).prices
    names = [
        found.text()
        for found in screen.findChildren(QLabel)
        if found.objectName().startswith("prices.item.") and found.objectName().endswith(".name")
    ]
    return names


def shows(kiosk: Kiosk, name: str) -> bool:
    found = kiosk.window.find_button(name)
    return found is not None and found.isVisible()


def settled(kiosk: Kiosk) -> bool:
    flow = kiosk.part(InfoFlow)
    return not flow.searching and not flow._search_delay.isActive()


def test_price_search_by_pinyin_initials_and_category(
    kiosk: Kiosk, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, object]] = []
    real_prices = kiosk.client.prices

    def counting_prices(query: str = "", category: ItemCategory | None = None) -> list[PriceItem]:
        asked.append((query, category))
        return real_prices(query, category)

    monkeypatch.setattr(kiosk.client, "prices", counting_prices)
    touch = Touch(kiosk, qtbot)
    open_from_directory(touch, "directory.prices", InfoStep.prices)
    screen = kiosk.part(InfoView).prices
    assert kiosk.window.current_screen() is screen
    assert set(screen.chips) == {"", *(c.value for c in ItemCategory)}
    assert screen.chips[""].isChecked()
    assert len(shown_rows(kiosk)) == len(kiosk.part(InfoFlow).prices) >= 40
    for letter in "amxl":  # 阿莫西林: a-mo-xi-lin
        touch(f"letters.{letter}")
    assert screen.keyboard.display.text() == "AMXL"
    qtbot.waitUntil(lambda: settled(kiosk) and len(kiosk.part(InfoFlow).prices) == 1, timeout=5000)
    assert asked[1:] == [("amxl", None)], "one search once the patient paused, not four"
    assert shown_rows(kiosk) == ["阿莫西林胶囊 0.25g×24粒"]
    assert touch.text("prices.item.0.price") == "¥18.50"
    assert touch.text("prices.item.0.unit")
    badge = screen.findChild(QLabel, "prices.item.0.insurance")
    assert badge is not None
    assert badge.isVisible()
    assert not screen.empty.isVisible()

    touch("letters.clear")
    touch("prices.category.lab")  # at once, with what is typed (nothing now)
    qtbot.waitUntil(
        lambda: settled(kiosk) and kiosk.part(InfoFlow).category == ItemCategory.lab, timeout=5000
    )
    assert {item.category for item in kiosk.part(InfoFlow).prices} == {ItemCategory.lab}
    assert screen.chips["lab"].isChecked()
    assert not screen.chips[""].isChecked()
    touch("letters.g")
    touch("letters.n")  # 肝功能, 肾功能
    qtbot.waitUntil(lambda: settled(kiosk) and kiosk.part(InfoFlow).query == "gn", timeout=5000)
    assert sorted(shown_rows(kiosk)) == ["肝功能", "肾功能"]
    touch("letters.q")
    qtbot.waitUntil(lambda: settled(kiosk) and kiosk.part(InfoFlow).prices == [], timeout=5000)
    assert screen.empty.isVisible()
    assert screen.empty.text() == screen.tr("No matching items")  # 没有找到相关项目
    assert shown_rows(kiosk) == []
    touch("letters.backspace")
    qtbot.waitUntil(lambda: settled(kiosk) and len(shown_rows(kiosk)) == 2, timeout=5000)
    for button in screen.findChildren(QPushButton):
        if button.isVisible():
            assert button.accessibleName(), button.objectName()
            assert button.height() >= 60, button.objectName()
            assert button.width() >= 60, button.objectName()
    touch("prices.back")
    assert kiosk.window.current_screen() is kiosk.part(InfoView).directory
    touch("directory.prices")  # a fresh search each time
    qtbot.waitUntil(
        lambda: kiosk.part(InfoFlow).step == InfoStep.prices and not kiosk.part(InfoFlow).busy
    )
    assert screen.keyboard.text == ""
    assert kiosk.part(InfoFlow).category is None
    touch("prices.home")
    assert kiosk.flow.step == Step.home
    assert shown_rows(kiosk) == [], "wiped with the visit"
    assert screen.chips == {}


def test_price_search_with_the_server_down_says_so_on_the_list(
    kiosk: Kiosk, qtbot: QtBot, live_server: EmbeddedServer
) -> None:
    touch = Touch(kiosk, qtbot)
    open_from_directory(touch, "directory.prices", InfoStep.prices)
    screen = kiosk.part(InfoView).prices
    live_server.stop()
    touch("letters.x")
    qtbot.waitUntil(lambda: kiosk.part(InfoFlow).search_problem is not None, timeout=10000)
    assert kiosk.window.current_screen() is screen  # still here, may try again
    assert screen.problem.isVisible()
    assert screen.problem_text.text()
    assert shown_rows(kiosk) == []
    assert not screen.empty.isVisible()  # "no matching items" would be untrue
    touch("prices.home")
    assert kiosk.flow.step == Step.home


def test_floor_guide_to_a_department_schedule(kiosk: Kiosk, qtbot: QtBot) -> None:
    touch = Touch(kiosk, qtbot)
    open_from_directory(touch, "directory.floors", InfoStep.floors)
    screen = kiosk.part(InfoView).floors
    assert kiosk.window.current_screen() is screen
    buildings = kiosk.part(InfoFlow).buildings
    assert [b.text() for b in screen.building_buttons] == [b.name for b in buildings]
    assert screen.building_buttons[0].isChecked()
    floors = [touch.text(f"floors.floor.{n}.name") for n in range(len(buildings[0].floors))]
    assert floors[0] == "1楼"  # lowest first
    texts = [w.text() for w in screen.findChildren(QLabel) if w.isVisible()]
    assert "收费处" in texts
    assert "西药房" in texts
    cashier = next(w for w in screen.findChildren(QLabel) if w.text() == "收费处")
    facility = cashier.parentWidget()
    assert facility is not None
    assert not isinstance(facility, QPushButton), "a facility has nothing to open"
    touch("floors.building.1")
    assert screen.building_buttons[1].isChecked()
    assert kiosk.part(InfoFlow).building_index == 1
    first_department = next(
        (f, p)
        for f, floor in enumerate(buildings[1].floors)
        for p, place in enumerate(floor.places)
        if place.department is not None
    )
    place = buildings[1].floors[first_department[0]].places[first_department[1]]
    name = f"floors.place.{first_department[0]}.{first_department[1]}"
    qtbot.waitUntil(lambda: shows(kiosk, name), timeout=2000)  # new widgets show queued
    touch(name)
    qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.department, timeout=5000)
    department = kiosk.part(InfoView).department
    assert kiosk.window.current_screen() is department
    assert department.heading.text() == place.name
    assert len(kiosk.part(InfoFlow).schedules) == SCHEDULE_DAYS
    assert department.back.text() == department.tr("Floor guide")
    touch("department.back")
    assert kiosk.window.current_screen() is screen
    assert screen.building_buttons[1].isChecked()
    touch("floors.back")
    assert kiosk.window.current_screen() is kiosk.part(InfoView).directory
    touch("directory.home")
    assert kiosk.flow.step == Step.home
    assert screen.building_buttons == []


def test_floor_guide_with_the_server_down_says_so(
    kiosk: Kiosk, qtbot: QtBot, live_server: EmbeddedServer
) -> None:
    touch = Touch(kiosk, qtbot)
    touch("home.info")
    qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.directory, timeout=5000)
    live_server.stop()
    touch("directory.floors")
    qtbot.waitUntil(lambda: kiosk.part(InfoFlow).step == InfoStep.failed, timeout=10000)
    assert kiosk.window.current_screen() is kiosk.view.notice
    touch("notice.home")
    assert kiosk.flow.step == Step.home
