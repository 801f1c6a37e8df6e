"""Shows the information flow: directory, department, price list and floor guide screens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject

from kiosk.flows.info import InfoFlow, InfoStep
from kiosk.ui.screens.floors import FloorGuideScreen
from kiosk.ui.screens.info import DepartmentScreen, DirectoryScreen
from kiosk.ui.screens.prices import PriceListScreen
from kiosk.ui.visit_view import VisitView


class InfoView(QObject):
    def __init__(
        self, visit: VisitView, flow: InfoFlow, *, clock: Callable[[], dt.datetime]
    ) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.directory = DirectoryScreen()
        self.department = DepartmentScreen(clock)
        self.prices = PriceListScreen()
        self.floors = FloorGuideScreen()
        visit.add_service_screens(self.directory, self.department, self.prices, self.floors)
        self.directory.department_chosen.connect(flow.open_department)
        self.directory.home_requested.connect(flow.finish)
        self.directory.prices_requested.connect(flow.open_prices)
        self.directory.floors_requested.connect(flow.open_floors)
        self.department.session_chosen.connect(flow.register_for)
        self.department.back_requested.connect(flow.back)
        self.department.home_requested.connect(flow.finish)
        self.prices.query_changed.connect(flow.set_query)
        self.prices.category_chosen.connect(flow.choose_category)
        self.prices.back_requested.connect(flow.back_to_directory)
        self.prices.home_requested.connect(flow.finish)
        self.floors.building_chosen.connect(flow.choose_building)
        self.floors.department_chosen.connect(flow.open_department)
        self.floors.back_requested.connect(flow.back_to_directory)
        self.floors.home_requested.connect(flow.finish)
        flow.prices_changed.connect(self._on_prices_changed)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: InfoStep) -> None:
        if step == InfoStep.directory:
            self.directory.show_departments(self.flow.departments)
            self.visit.window.show_screen(self.directory)
        elif step == InfoStep.department and self.flow.department is not None:
            self.department.show_department(
                self.flow.department,
                self.flow.schedules,
                back_to_floors=self.flow.department_from == InfoStep.floors,
                can_register=self.flow.can_register,
            )
            self.visit.window.show_screen(self.department)
        elif step == InfoStep.prices:
            self.prices.keyboard.clear()  # a fresh search each time the list opens
            self._on_prices_changed()
            self.visit.window.show_screen(self.prices)
        elif step == InfoStep.floors:
            self.floors.show_buildings(self.flow.buildings, self.flow.building_index)
            if self.visit.window.current_screen() is not self.floors:
                self.visit.window.show_screen(self.floors)
        elif step == InfoStep.failed and self.flow.notice is not None:
            self.visit.show_notice(self.flow.notice)

    def _on_prices_changed(self) -> None:
        flow = self.flow
        self.prices.show_prices(
            flow.categories,
            flow.category,
            flow.prices,
            searching=flow.searching,
            problem=flow.search_problem,
        )
