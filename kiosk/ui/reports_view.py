"""Shows the reports flow: the list, one report's pages, printing and its outcome."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.reports import ReportsFlow, ReportStep
from kiosk.ui.screens.reports import ReportPreviewScreen, ReportsScreen
from kiosk.ui.visit_view import VisitView


class ReportsView(QObject):
    def __init__(self, visit: VisitView, flow: ReportsFlow, *, service_window: str) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.list = ReportsScreen(service_window)
        self.preview = ReportPreviewScreen(service_window)
        visit.add_service_screens(self.list, self.preview)
        self.list.report_chosen.connect(flow.open_report)
        self.list.home_requested.connect(flow.finish)
        self.preview.print_requested.connect(flow.print_report)
        self.preview.back_requested.connect(flow.back_to_list)
        self.preview.home_requested.connect(flow.finish)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: ReportStep) -> None:
        flow, window = self.flow, self.visit.window
        if step == ReportStep.reports:
            self.list.show_reports(flow.reports, flow.problem, can_print=flow.can_print)
            window.show_screen(self.list)
        elif step in (ReportStep.preview, ReportStep.printing, ReportStep.printed):
            if flow.report is None:
                return
            self.preview.show_report(
                flow.report,
                flow.pdf,
                flow.problem,
                printing=step == ReportStep.printing,
                printed=step == ReportStep.printed,
                can_print=flow.can_print,
            )
            window.show_screen(self.preview)
        elif step == ReportStep.error and flow.notice is not None:
            self.visit.show_notice(flow.notice)
