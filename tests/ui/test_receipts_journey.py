"""Receipts printed again (票据补打) through the real window, the live server and the simulated
ticket printer's real ESC/POS bytes: what the patient sees and what the slip says."""

from __future__ import annotations

import uuid
from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.api.models import IDEMPOTENCY_HEADER
from kiosk.app import Kiosk
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.flows.receipts import ReceiptProblem, ReceiptsFlow, ReceiptStep
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.receipts_view import ReceiptsView
from tests.helpers.server import ApiClient
from tests.helpers.ui import Touch, visible_texts
from tests.ui.test_usage_events import deliver, without_timings

CHARGED_CODE = "134567890123456789"
COPY_MARK = "补打".encode("gb18030")


def pay_one_bill(api: ApiClient) -> str:
    """The "unpaid_bills" patient pays a bill by payment code; its receipt number."""
    patient = api.identify("unpaid_bills")["id"]
    bill = api.get(f"/patients/{patient}/bills").json()["bills"][0]["id"]
    created = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [bill]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()
    paid = api.post(
        f"/payments/{created['id']}/payment-code",
        json={"code": CHARGED_CODE},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()
    return str(paid["receipt"]["receipt_number"])


def wait_for(touch: Touch, step: ReceiptStep) -> None:
    flow = touch.kiosk.part(ReceiptsFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=10_000)


def slips(spool: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(spool.glob("*.bin"))]


def test_the_patient_reprints_a_receipt_marked_as_a_copy(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path
) -> None:
    number = pay_one_bill(api)
    touch("home.receipts")
    touch("identify.demo.unpaid_bills")
    wait_for(touch, ReceiptStep.receipts)
    view = kiosk.part(ReceiptsView)
    assert any(number in text for text in visible_texts(view.list))
    touch("receipts.choose.0")
    wait_for(touch, ReceiptStep.confirm)
    assert view.confirm.print.isVisible()
    touch("receipt.print")
    wait_for(touch, ReceiptStep.printed)
    (slip,) = slips(spool)
    assert number.encode() in slip
    assert COPY_MARK in slip
    assert b"COPY" in slip
    assert b"\x1d(k" in slip  # the e-receipt's QR as the printer's own command
    flow = kiosk.part(ReceiptsFlow)
    assert flow.copy is not None
    assert flow.copy.receipt.receipt_url.encode() in slip
    assert not view.confirm.print.isVisible()
    touch("receipt.finish")


def test_paper_out_is_shown_and_the_retry_prints_the_same_copy(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path
) -> None:
    number = pay_one_bill(api)
    connection = kiosk.printer.connection
    assert isinstance(connection, SimulatedConnection)
    connection.set_status(PrinterStatus.paper_out)
    touch("home.receipts")
    touch("identify.demo.unpaid_bills")
    wait_for(touch, ReceiptStep.receipts)
    touch("receipts.choose.0")
    touch("receipt.print")
    flow = kiosk.part(ReceiptsFlow)
    touch.qtbot.waitUntil(
        lambda: flow.problem is ReceiptProblem.printer_failed and not flow.busy, timeout=10_000
    )
    view = kiosk.part(ReceiptsView)
    assert view.confirm.problem.isVisible()
    assert view.confirm.print.isVisible()
    assert slips(spool) == []
    connection.set_status(PrinterStatus.ok)
    touch("receipt.print")
    wait_for(touch, ReceiptStep.printed)
    (slip,) = slips(spool)
    assert number.encode() in slip
    assert COPY_MARK in slip
    assert flow.copy is not None
    assert flow.copy.reprint_number == 1  # counted once for the one slip in the patient's hand
    touch("receipt.finish")


def test_no_reprint_left_is_refused_clearly_and_nothing_printed(
    touch: Touch, kiosk: Kiosk, api: ApiClient, spool: Path
) -> None:
    number = pay_one_bill(api)
    for _ in range(2):
        taken = api.post(
            f"/receipts/{number}/reprint", headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex}
        )
        assert taken.status_code == 200
    touch("home.receipts")
    touch("identify.demo.unpaid_bills")
    wait_for(touch, ReceiptStep.receipts)
    touch("receipts.choose.0")
    wait_for(touch, ReceiptStep.confirm)
    view = kiosk.part(ReceiptsView)
    assert view.confirm.problem.isVisible()
    assert "1" in view.confirm.problem.text()  # the cashier window's number
    assert not view.confirm.print.isVisible()
    assert slips(spool) == []
    touch("receipt.finish")


def test_a_patient_without_payments_is_told_so(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.receipts")
    touch("identify.demo.one_in_window")
    wait_for(touch, ReceiptStep.receipts)
    view = kiosk.part(ReceiptsView)
    assert view.list.empty.isVisible()
    assert not view.list.hint.isVisible()
    touch("receipts.finish")


def test_a_reprint_reports_its_visit_as_finished(
    touch: Touch, kiosk: Kiosk, api: ApiClient, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    pay_one_bill(api)
    touch("home.receipts")
    touch("identify.demo.unpaid_bills")
    wait_for(touch, ReceiptStep.receipts)
    touch("receipts.choose.0")
    touch("receipt.print")
    wait_for(touch, ReceiptStep.printed)
    touch("receipt.finish")
    touch.wait_for(Step.home)
    events = without_timings(deliver(qtbot, kiosk, live_server, 1))
    assert ("service_chosen", {"service": "receipts"}) in events
    assert ("step_reached", {"service": "receipts", "step": "printed"}) in events
    assert events[-1] == ("visit_finished", {"service": "receipts"})
