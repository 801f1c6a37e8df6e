"""Shows the receipt reprint flow (票据补打): the list, one receipt, printing and its outcome."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.receipts import ReceiptsFlow, ReceiptStep
from kiosk.ui.screens.receipts import ReceiptConfirmScreen, ReceiptsScreen
from kiosk.ui.visit_view import VisitView


class ReceiptsView(QObject):
    def __init__(self, visit: VisitView, flow: ReceiptsFlow, *, cashier_window: str) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.list = ReceiptsScreen(cashier_window)
        self.confirm = ReceiptConfirmScreen(cashier_window)
        visit.add_service_screens(self.list, self.confirm)
        self.list.receipt_chosen.connect(flow.choose)
        self.list.home_requested.connect(flow.finish)
        self.confirm.print_requested.connect(flow.print_copy)
        self.confirm.back_requested.connect(flow.back_to_list)
        self.confirm.home_requested.connect(flow.finish)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: ReceiptStep) -> None:
        flow, window = self.flow, self.visit.window
        if step == ReceiptStep.receipts:
            self.list.show_receipts(flow.receipts, flow.days, flow.problem)
            window.show_screen(self.list)
        elif step in (ReceiptStep.confirm, ReceiptStep.printing, ReceiptStep.printed):
            if flow.chosen is None:
                return
            self.confirm.show_receipt(
                flow.chosen,
                flow.problem,
                flow.printer_fault,
                printing=step == ReceiptStep.printing,
                printed=step == ReceiptStep.printed,
            )
            window.show_screen(self.confirm)
        elif step == ReceiptStep.error and flow.notice is not None:
            self.visit.show_notice(flow.notice)
