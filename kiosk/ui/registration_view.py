"""Shows the registration flow: departments, sessions, confirm (tickets and payment are shown
by the visit and payment views)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject

from kiosk.api.models import SessionSuggestion
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.ui.screens.registration import (
    BookedScreen,
    ConfirmScreen,
    DepartmentsScreen,
    SessionsScreen,
)
from kiosk.ui.visit_view import VisitView


class RegistrationView(QObject):
    def __init__(
        self, visit: VisitView, flow: RegistrationFlow, *, clock: Callable[[], dt.datetime]
    ) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.departments = DepartmentsScreen()
        self.sessions = SessionsScreen(clock)
        self.confirm = ConfirmScreen(clock)
        self.booked = BookedScreen(clock)
        visit.add_service_screens(self.departments, self.sessions, self.confirm, self.booked)
        self.departments.department_chosen.connect(flow.choose_department)
        self.departments.home_requested.connect(flow.finish)
        self.sessions.session_chosen.connect(flow.choose_session)
        self.sessions.day_chosen.connect(lambda day: flow.choose_day(dt.date.fromisoformat(day)))
        self.sessions.back_requested.connect(flow.back)
        self.sessions.home_requested.connect(flow.finish)
        self.confirm.confirmed.connect(flow.confirm)
        self.confirm.back_requested.connect(flow.back)
        self.confirm.home_requested.connect(flow.finish)
        self.booked.reprint_requested.connect(flow.reprint)
        self.booked.home_requested.connect(flow.finish)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: RegStep) -> None:
        flow, window = self.flow, self.visit.window
        if step == RegStep.departments:
            self.departments.show_departments(flow.departments)
            window.show_screen(self.departments)
        elif step in (RegStep.doctors, RegStep.full) and flow.department is not None:
            self.sessions.show_sessions(
                flow.department,
                flow.choices(),
                full=step == RegStep.full,
                problem=flow.problem,
                day=flow.schedule.date if flow.schedule is not None else None,
                days=flow.days() if step == RegStep.doctors else (),
            )
            window.show_screen(self.sessions)
        elif step == RegStep.confirm:
            if flow.patient and flow.department and flow.doctor and flow.session:
                choice = SessionSuggestion(session=flow.session, doctor=flow.doctor)
                self.confirm.show_choice(
                    flow.patient, flow.department, choice, problem=flow.problem
                )
                window.show_screen(self.confirm)
        elif step == RegStep.booked and flow.patient and flow.booked:
            self.booked.show_booking(flow.patient, flow.booked, print_failure=flow.print_failure)
            window.show_screen(self.booked)
        elif step == RegStep.error and flow.notice is not None:
            self.visit.show_notice(flow.notice)
