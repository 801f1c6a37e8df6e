"""Reports (报告): the list, the server-made PDF, printed copies and the reprint policy."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pypdf

from kiosk.api.models import IDEMPOTENCY_HEADER, ReportList
from kiosk.server.db import connect, write_transaction
from kiosk.server.idempotency import REPLAY_HEADER
from tests.helpers.server import ApiClient


def reports_of(api: ApiClient, scenario: str) -> dict[str, dict[str, Any]]:
    patient = api.identify(scenario)["id"]
    response = api.get(f"/patients/{patient}/reports")
    assert response.status_code == 200, response.text
    listed = ReportList.model_validate(response.json()).reports
    return {report.title_en: report.model_dump(mode="json") for report in listed}


def printed(api: ApiClient, report_id: str, *, key: str | None = None, pages: int = 1):
    return api.post(
        f"/reports/{report_id}/printed",
        json={"pages": pages},
        headers={IDEMPOTENCY_HEADER: key or uuid.uuid4().hex},
    )


def pdf_text(data: bytes) -> list[str]:
    """Each page's text without the spaces and NULs pypdf puts between CJK glyphs."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text().replace(" ", "").replace("\x00", "") for page in reader.pages]


def test_a_patient_sees_ready_reports_and_when_a_pending_one_is_expected(api, demo_now):
    reports = reports_of(api, "unpaid_bills")
    assert set(reports) == {"Complete blood count", "Biochemistry panel", "Urinalysis"}
    blood = reports["Complete blood count"]
    assert (blood["kind"], blood["status"], blood["prints"], blood["prints_left"]) == (
        "lab", "ready", 0, 2,
    )  # fmt: skip
    pending = reports["Urinalysis"]
    assert pending["status"] == "pending"
    assert pending["ready_at"] is None
    assert pending["prints_left"] == 0
    assert pending["expected_at"].startswith(f"{demo_now.astimezone(tz=None).date():%Y-%m-%d}"[:4])


def test_the_pdf_is_a4_with_the_chinese_font_embedded_and_the_results(api):
    reports = reports_of(api, "unpaid_bills")
    response = api.get(f"/reports/{reports['Biochemistry panel']['id']}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = pdf_text(response.content)
    assert "检验报告单" in text[0]
    assert "生化全项" in text[0]
    assert "谷丙转氨酶" in text[0]
    assert "糖化血红蛋白" in text[1]
    report_id = reports["Biochemistry panel"]["id"]
    assert f"Report{report_id}-page1/2" in text[0]
    assert f"Report{report_id}-page2/2" in text[1]
    fonts: Any = reader.pages[0]["/Resources"]["/Font"]  # type: ignore[index]
    embedded = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for font in fonts.values()
        if font.get_object()["/Subtype"] == "/Type0"
    ]
    assert embedded
    assert all("/FontFile3" in descriptor for descriptor in embedded)


def test_an_imaging_report_has_findings_and_impression(api):
    reports = reports_of(api, "too_early")
    response = api.get(f"/reports/{reports['X-ray, right knee']['id']}/pdf")
    assert response.status_code == 200, response.text
    (page,) = pdf_text(response.content)
    assert "检查报告单" in page
    assert "检查所见" in page
    assert "右膝关节退行性变" in page


def test_a_pending_report_has_no_pdf_yet(api):
    reports = reports_of(api, "unpaid_bills")
    response = api.get(f"/reports/{reports['Urinalysis']['id']}/pdf")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "report_not_ready"
    assert error["details"]["expected_at"] == reports["Urinalysis"]["expected_at"].replace(
        "Z", "+00:00"
    )
    assert printed(api, reports["Urinalysis"]["id"]).json()["error"]["code"] == ("report_not_ready")


def test_another_patients_report_is_refused(api):
    theirs = reports_of(api, "unpaid_bills")["Complete blood count"]["id"]
    api.identify("too_early")
    response = api.get(f"/reports/{theirs}/pdf")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_patient"


def test_copies_follow_the_reprint_policy_and_a_retried_record_counts_once(api):
    report_id = reports_of(api, "unpaid_bills")["Complete blood count"]["id"]
    key = uuid.uuid4().hex
    first = printed(api, report_id, key=key)
    assert first.status_code == 200, first.text
    assert (first.json()["prints"], first.json()["prints_left"]) == (1, 1)
    again = printed(api, report_id, key=key)
    assert again.headers.get(REPLAY_HEADER) == "true"
    assert again.json() == first.json()
    second = printed(api, report_id)
    assert (second.json()["prints"], second.json()["prints_left"]) == (1 + 1, 0)
    refused = printed(api, report_id)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "print_limit_reached"
    assert reports_of(api, "unpaid_bills")["Complete blood count"]["prints"] == 2


def test_a_copy_is_recorded_without_a_visit_after_a_restart(api, live_server):
    report_id = reports_of(api, "unpaid_bills")["Complete blood count"]["id"]
    restarted = ApiClient(live_server.url)
    try:
        response = printed(restarted, report_id)
    finally:
        restarted.close()
    assert response.status_code == 200, response.text
    assert response.json()["prints"] == 1


def test_a_report_withdrawn_after_the_list_is_not_found(api, demo_db):
    report_id = reports_of(api, "unpaid_bills")["Complete blood count"]["id"]
    conn = connect(demo_db)
    try:
        with write_transaction(conn):
            conn.execute("DELETE FROM reports WHERE id = ?", (report_id,))
    finally:
        conn.close()
    response = api.get(f"/reports/{report_id}/pdf")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert printed(api, report_id).status_code == 404
