"""Shows the first-visit flow (建档/办卡): the form, the code, the new card."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.first_visit import FirstVisitFlow, FirstVisitStep
from kiosk.ui.screens.first_visit import (
    FirstVisitCodeScreen,
    FirstVisitDoneScreen,
    FirstVisitFormScreen,
)
from kiosk.ui.visit_view import VisitView


class FirstVisitView(QObject):
    def __init__(self, visit: VisitView, flow: FirstVisitFlow, *, service_window: str) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.form = FirstVisitFormScreen()
        self.code = FirstVisitCodeScreen()
        self.done = FirstVisitDoneScreen(service_window)
        visit.add_service_screens(self.form, self.code, self.done)
        self.form.phone_submitted.connect(flow.submit_phone)
        self.form.home_requested.connect(flow.finish)
        self.code.code_submitted.connect(flow.submit_code)
        self.code.resend_requested.connect(flow.resend_code)
        self.code.change_phone_requested.connect(flow.change_phone)
        self.code.home_requested.connect(flow.finish)
        self.done.register_requested.connect(flow.register_now)
        self.done.reprint_requested.connect(flow.reprint_slip)
        self.done.home_requested.connect(flow.finish)
        flow.step_changed.connect(self._on_step_changed)
        flow.busy_changed.connect(visit.busy.set_busy)

    def _on_step_changed(self, step: FirstVisitStep) -> None:
        flow = self.flow
        window = self.visit.window
        if step == FirstVisitStep.form and flow.holder is not None:
            self.form.show_form(flow.holder, flow.problem)
            if window.current_screen() is not self.form:
                window.show_screen(self.form)
        elif step == FirstVisitStep.code:
            self.code.show_code(
                flow.phone,
                problem=flow.problem,
                attempts_left=flow.attempts_left,
                resend_ready=flow.resend_ready,
                wait_s=flow.wait_s,
            )
            if window.current_screen() is not self.code:
                window.show_screen(self.code)
        elif step in (FirstVisitStep.done, FirstVisitStep.existing):
            self.done.show_result(
                existing=step == FirstVisitStep.existing,
                card_number=flow.card_number,
                slip=flow.slip,
                card=flow.card,
                card_failure=flow.card_failure,
            )
            if window.current_screen() is not self.done:
                window.show_screen(self.done)
        elif step == FirstVisitStep.notice and flow.notice is not None:
            self.visit.show_notice(flow.notice)
