"""Reports through the real window and the live server, printed on the simulated A4 printer
(the real CUPS path is tests/flows/test_reports_flow.py): what the patient sees."""

from __future__ import annotations

from pathlib import Path

import requests
from PySide6.QtWidgets import QLabel

from kiosk.app import Kiosk
from kiosk.devices.report_printer import SimulatedReportPrinter
from kiosk.flows.reports import ReportsFlow, ReportStep
from kiosk.report_printing import QueueState
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.reports_view import ReportsView
from tests.helpers.ui import Touch, visible_texts


def wait_for(touch: Touch, step: ReportStep) -> None:
    flow = touch.kiosk.part(ReportsFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=10_000)


def server_prints(server: EmbeddedServer, report_id: str) -> int:
    identify = requests.post(
        f"{server.url}/api/v1/patients/identify",
        json={"kind": "insurance_card", "value": "SI42011100000010"},
        headers={"Authorization": "Bearer demo-token"},
        timeout=10,
    )
    visit = identify.json()
    listed = requests.get(
        f"{server.url}/api/v1/patients/{visit['id']}/reports",
        headers={"Authorization": "Bearer demo-token", "X-Visit-Token": visit["visit_token"]},
        timeout=10,
    ).json()["reports"]
    return int(next(r["prints"] for r in listed if r["id"] == report_id))


def test_the_patient_reads_a_report_and_prints_it(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    touch("home.reports")
    touch("identify.demo.unpaid_bills")
    wait_for(touch, ReportStep.reports)
    view = kiosk.part(ReportsView)
    texts = visible_texts(view.list)
    assert any("Complete blood count" in t or "血常规" in t for t in texts)
    assert any("Expected" in t or "预计" in t for t in texts)  # the pending urinalysis
    touch("reports.open.1")
    wait_for(touch, ReportStep.preview)
    page = view.preview.findChild(QLabel, "report.page.0")
    assert page is not None
    assert page.pixmap().width() > 400  # the page as it will print, readable
    report = kiosk.part(ReportsFlow).report
    assert report is not None
    touch("report.print")
    wait_for(touch, ReportStep.printed)
    assert len(list((spool / "reports").glob("*.pdf"))) == 1
    touch.qtbot.waitUntil(lambda: server_prints(live_server, report.id) == 1, timeout=10_000)
    touch("report.finish")


def test_a_paused_report_printer_is_shown_to_patient_and_technician(
    touch: Touch, kiosk: Kiosk
) -> None:
    printer = kiosk.devices.report_printer
    assert isinstance(printer, SimulatedReportPrinter)
    printer.state = QueueState.paused
    touch("home.reports")
    touch("identify.demo.unpaid_bills")
    wait_for(touch, ReportStep.reports)
    view = kiosk.part(ReportsView)
    assert view.list.printer_note.isVisible()
    touch("reports.open.1")
    wait_for(touch, ReportStep.preview)
    assert not view.preview.print.isVisible()
    assert view.preview.status.isVisible()
    [state] = [d for d in kiosk.devices.device_states() if d.name == "report_printer"]
    assert state.state == QueueState.paused.value
