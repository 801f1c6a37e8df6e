"""Shows the information flow: directory and department screens on the kiosk window."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.info import InfoFlow, InfoStep
from kiosk.ui.screens.info import DepartmentScreen, DirectoryScreen
from kiosk.ui.visit_view import VisitView


class InfoView(QObject):
    def __init__(self, visit: VisitView, flow: InfoFlow) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.directory = DirectoryScreen()
        self.department = DepartmentScreen()
        for screen in (self.directory, self.department):
            visit.window.add_screen(screen)
            visit.add_wipeable(screen)
        visit.home.service_chosen.connect(self._on_service_chosen)
        self.directory.department_chosen.connect(flow.open_department)
        self.directory.home_requested.connect(flow.finish)
        self.department.back_requested.connect(flow.back_to_directory)
        self.department.home_requested.connect(flow.finish)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.step_changed.connect(self._on_step_changed)

    def _on_service_chosen(self, service: str) -> None:
        if service == "info":
            self.flow.start()

    def _on_step_changed(self, step: InfoStep) -> None:
        if step == InfoStep.directory:
            self.directory.show_departments(self.flow.departments)
            self.visit.window.show_screen(self.directory)
        elif step == InfoStep.department and self.flow.department is not None:
            self.department.show_department(self.flow.department, self.flow.schedules)
            self.visit.window.show_screen(self.department)
        elif step == InfoStep.failed and self.flow.notice is not None:
            self.visit.show_notice(self.flow.notice)
