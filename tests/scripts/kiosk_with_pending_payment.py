"""Runs a kiosk from a config file and leaves it showing a payment QR code, then waits.

Used by tests/test_payment_crash.py, which SIGKILLs this process while the payment is
pending. It builds the kiosk exactly as ``kiosk --config`` does and drives it through the
flows' public methods, as a patient would with taps: payment tile, card, pay. Given a payment
code as well, it pays with that code (as the scanner would hand it on) and waits while the
wallet holds the charge for the payer's confirmation.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.api.models import IdentifierKind
from kiosk.app import Kiosk
from kiosk.config import load_config
from kiosk.flows.payment import PaymentFlow, PayStep


def main(config_path: str, kind: str, value: str, payment_code: str = "") -> int:
    app = QApplication(sys.argv[:1])
    kiosk = Kiosk(load_config(config_path), app)
    kiosk.start()
    kiosk.window.resize(1080, 1920)
    kiosk.window.show()
    payment = kiosk.part(PaymentFlow)

    def on_step(step: PayStep) -> None:
        if step == PayStep.bills:
            payment.pay()
        elif step == PayStep.qr and payment_code:
            payment.use_payment_code()
        elif step == PayStep.code:
            payment.payment_code_scanned(payment_code)
        elif step in (PayStep.qr, PayStep.confirming) and payment.payment is not None:
            print(f"pending {payment.payment.id}", flush=True)
        elif step == PayStep.error:
            print(f"error {payment.notice}", flush=True)
            app.exit(1)

    payment.step_changed.connect(on_step)

    def start() -> None:
        kiosk.flow.choose("payment")
        kiosk.flow.identifier_read(IdentifierKind(kind), value)

    QTimer.singleShot(0, start)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:5]))
