"""Shows the feedback flow: the faces and tags, then thanks."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.feedback import FeedbackFlow, FeedbackStep
from kiosk.ui.screens.feedback import FeedbackScreen, ThanksScreen
from kiosk.ui.visit_view import VisitView


class FeedbackView(QObject):
    def __init__(self, visit: VisitView, flow: FeedbackFlow) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.feedback = FeedbackScreen()
        self.thanks = ThanksScreen()
        visit.add_service_screens(self.feedback, self.thanks)
        self.feedback.rated.connect(flow.rate)
        self.feedback.tag_toggled.connect(flow.toggle_tag)
        self.feedback.submitted.connect(flow.submit)
        self.feedback.home_requested.connect(flow.finish)
        self.thanks.home_requested.connect(flow.finish)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: FeedbackStep) -> None:
        if step == FeedbackStep.rating:
            self.feedback.show_choice(self.flow.rating, self.flow.tags)
            if self.visit.window.current_screen() is not self.feedback:
                self.visit.window.show_screen(self.feedback)
        elif step == FeedbackStep.thanks:
            self.visit.window.show_screen(self.thanks)
