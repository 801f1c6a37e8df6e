"""The information flow's price search and floor guide against the live server, with the test
deciding when "the network" answers: one search per pause in typing, late answers ignored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from kiosk.api.models import ItemCategory
from kiosk.flows.info import InfoFlow, InfoStep
from kiosk.flows.notices import NoticeKind
from kiosk.runner import Runner
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.executors import ManualExecutor
from tests.helpers.flows import Rig


@pytest.fixture
def info(manual_rig: Rig, qtbot: QtBot) -> Iterator[InfoFlow]:
    runner = Runner(manual_rig.executor)
    flow = InfoFlow(manual_rig.client, runner, manual_rig.flow, search_delay_ms=20)
    manual_rig.flow.offer("info", flow, needs_identification=False)
    yield flow
    shiboken6.delete(flow)
    shiboken6.delete(runner)


def answer(rig: Rig) -> None:
    executor = rig.executor
    assert isinstance(executor, ManualExecutor)
    executor.run_next()


def waiting(rig: Rig) -> int:
    executor = rig.executor
    assert isinstance(executor, ManualExecutor)
    return executor.waiting


def open_price_list(info: InfoFlow, rig: Rig) -> None:
    rig.flow.choose("info")
    answer(rig)
    assert info.step == InfoStep.directory
    info.open_prices()
    assert info.busy
    answer(rig)
    assert info.step == InfoStep.prices
    assert not info.busy


def test_categories_offered_are_those_with_items(info: InfoFlow, manual_rig: Rig) -> None:
    open_price_list(info, manual_rig)
    assert info.categories == list(ItemCategory)
    assert len(info.prices) >= 40
    assert info.query == ""
    assert info.category is None
    info.choose_category("food")  # not a category: nothing happens
    assert waiting(manual_rig) == 0
    info.choose_category("drug")
    assert info.searching
    answer(manual_rig)
    assert {item.category for item in info.prices} == {ItemCategory.drug}
    assert not info.searching


def test_one_search_per_pause_and_only_the_latest_answer_counts(
    info: InfoFlow, manual_rig: Rig, qtbot: QtBot
) -> None:
    open_price_list(info, manual_rig)
    everything = info.prices
    for typed in ("a", "am", "amx"):
        info.set_query(typed)
    assert info.query == "amx"
    assert waiting(manual_rig) == 0  # not yet: the patient may still be typing
    qtbot.waitUntil(lambda: waiting(manual_rig) == 1, timeout=2000)
    qtbot.wait(60)
    assert waiting(manual_rig) == 1  # one search for three letters
    info.set_query("BLF ")  # upper case and spaces do not matter
    qtbot.waitUntil(lambda: waiting(manual_rig) == 2, timeout=2000)
    answer(manual_rig)  # "amx" answers late, after "blf" was asked: ignored
    assert info.prices == everything
    assert info.searching
    answer(manual_rig)
    assert [item.code for item in info.prices] == ["DRG-IBU"]
    assert not info.searching


def test_an_answer_after_the_visit_ended_is_dropped(
    info: InfoFlow, manual_rig: Rig, qtbot: QtBot
) -> None:
    open_price_list(info, manual_rig)
    info.set_query("xcg")
    qtbot.waitUntil(lambda: waiting(manual_rig) == 1, timeout=2000)
    manual_rig.flow.go_home()
    answer(manual_rig)
    assert info.step == InfoStep.idle
    assert info.prices == []
    assert info.query == ""
    info.set_query("amxl")  # the screen's keyboard being cleared: no search when idle
    qtbot.wait(60)
    assert waiting(manual_rig) == 0


def test_a_failed_search_keeps_the_list_open_and_says_so(
    info: InfoFlow, manual_rig: Rig, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    open_price_list(info, manual_rig)
    live_server.stop()
    info.set_query("amxl")
    qtbot.waitUntil(lambda: waiting(manual_rig) == 1, timeout=2000)
    answer(manual_rig)
    assert info.step == InfoStep.prices  # the patient may try again
    assert info.search_problem is not None
    assert info.search_problem.kind == NoticeKind.backend_unreachable
    assert info.prices == []  # never results of another query under this one
    assert not info.searching


def test_floor_guide_to_a_department_and_back(info: InfoFlow, manual_rig: Rig) -> None:
    manual_rig.flow.choose("info")
    answer(manual_rig)
    info.open_floors()
    answer(manual_rig)
    assert info.step == InfoStep.floors
    assert len(info.buildings) >= 2
    info.choose_building(1)
    assert info.building_index == 1
    info.choose_building(9)  # no such building
    assert info.building_index == 1
    place = next(
        place
        for floor in info.buildings[1].floors
        for place in floor.places
        if place.department is not None
    )
    assert place.department is not None
    info.open_department(place.department.id)
    answer(manual_rig)
    assert info.step == InfoStep.department
    assert info.department is not None
    assert info.department.id == place.department.id
    info.back()
    assert info.step == InfoStep.floors
    assert info.building_index == 1  # the same building as before
    info.back_to_directory()
    assert info.step == InfoStep.directory
