"""Runs a kiosk from a config file and reprints one receipt (票据补打), then waits.

Used by tests/test_receipt_reprint_crash.py. It builds the kiosk exactly as ``kiosk --config``
does and drives it through the flows' public methods, as a patient would with taps: the
receipts tile, card, the receipt, print. With ``stall`` the simulated printer takes minutes
over the copy, so the process is still printing when the test SIGKILLs it; the script says
``counted <reprint number>`` once the server's answer is in. Without, it says ``printed
<reprint number>`` once the copy is out of the printer.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.api.models import IdentifierKind
from kiosk.app import Kiosk
from kiosk.config import load_config
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.flows.receipts import ReceiptsFlow, ReceiptStep

STALL_S = 300.0


def main(config_path: str, kind: str, value: str, receipt_number: str, mode: str) -> int:
    app = QApplication(sys.argv[:1])
    kiosk = Kiosk(load_config(config_path), app)
    kiosk.start()
    kiosk.window.resize(1080, 1920)
    kiosk.window.show()
    connection = kiosk.printer.connection
    if mode == "stall" and isinstance(connection, SimulatedConnection):
        connection.set_delay(STALL_S)
    flow = kiosk.part(ReceiptsFlow)

    def on_step(step: ReceiptStep) -> None:
        if step == ReceiptStep.receipts:
            flow.choose(receipt_number)
        elif step == ReceiptStep.confirm and flow.problem is None:
            flow.print_copy()
        elif step == ReceiptStep.printed and flow.copy is not None:
            print(f"printed {flow.copy.reprint_number}", flush=True)
        elif step in (ReceiptStep.error, ReceiptStep.confirm):
            print(f"problem {flow.problem} {flow.notice}", flush=True)
            app.exit(1)

    def report_counted() -> None:
        if flow.step == ReceiptStep.printing and flow.copy is not None:
            print(f"counted {flow.copy.reprint_number}", flush=True)
        else:
            QTimer.singleShot(20, report_counted)

    flow.step_changed.connect(on_step)

    def start() -> None:
        kiosk.flow.choose("receipts")
        kiosk.flow.identifier_read(IdentifierKind(kind), value)
        if mode == "stall":
            report_counted()

    QTimer.singleShot(0, start)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:6]))
