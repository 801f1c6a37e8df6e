"""Lab and imaging reports (报告): the patient's list, each report as an A4 PDF, printed copies.

A report is pending until its ``ready_at``; the kiosk prints a ready one through CUPS and then
records the copy (``record_print``), so the reprint policy (``Limits.kiosk_copies_per_report``)
counts only copies that came out of a printer.

The PDF is made here with fpdf2, the Chinese text in the repository's Noto Sans CJK SC, which
fpdf2 subsets and embeds as a CFF font (``FontFile3``). Each page also carries a plain
Helvetica footer (report id, page n/N): it survives any print path's re-encoding as text, so
the printed copy can be checked by machine.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kiosk.api.models import Report, ReportKind, ReportStatus
from kiosk.assets import cjk_font_path
from kiosk.identity import mask_name
from kiosk.server import queries
from kiosk.server.db import Connection, Row, from_db_time, require_transaction, to_db_time

REPORT_SELECT = (
    f"SELECT r.*, {queries.DEPARTMENT_COLUMNS}, "
    "(SELECT count(*) FROM report_prints rp WHERE rp.report_id = r.id) AS prints "
    "FROM reports r JOIN departments d ON d.id = r.department_id "
)


@dataclass(frozen=True)
class LabResult:
    """One line of a lab report: the test, its value, unit, reference range and flag."""

    name: str
    name_en: str
    value: str
    unit: str
    reference: str
    flag: str = ""  # "↑" above the range, "↓" below it


def report_from_row(row: Row, now: dt.datetime, copies_per_report: int) -> Report:
    ready_at = from_db_time(row["ready_at"])
    ready = ready_at <= now
    prints = int(row["prints"])
    return Report(
        id=row["id"],
        kind=ReportKind(row["kind"]),
        status=ReportStatus.ready if ready else ReportStatus.pending,
        title=row["title"],
        title_en=row["title_en"],
        department=queries.department_summary(row),
        ordered_at=from_db_time(row["ordered_at"]),
        ready_at=ready_at if ready else None,
        expected_at=None if ready else ready_at,
        prints=prints,
        prints_left=max(copies_per_report - prints, 0) if ready else 0,
    )


def patient_reports(
    conn: Connection, patient_id: str, now: dt.datetime, copies_per_report: int
) -> list[Report]:
    """The patient's reports, newest order first."""
    rows = conn.execute(
        REPORT_SELECT + "WHERE r.patient_id = ? ORDER BY r.ordered_at DESC, r.id",
        (patient_id,),
    ).fetchall()
    return [report_from_row(row, now, copies_per_report) for row in rows]


def get_report_row(conn: Connection, report_id: str) -> Row | None:
    row: Row | None = conn.execute(REPORT_SELECT + "WHERE r.id = ?", (report_id,)).fetchone()
    return row


def record_print(
    conn: Connection, report_id: str, kiosk_id: str, pages: int, now: dt.datetime
) -> None:
    require_transaction(conn)
    conn.execute(
        "INSERT INTO report_prints (report_id, kiosk_id, pages, printed_at) VALUES (?, ?, ?, ?)",
        (report_id, kiosk_id, pages, to_db_time(now)),
    )


def add_report(
    conn: Connection,
    *,
    report_id: str,
    patient_id: str,
    department_id: str,
    kind: ReportKind,
    title: tuple[str, str],
    ordered_at: dt.datetime,
    ready_at: dt.datetime,
    content: dict[str, Any],
) -> None:
    conn.execute(
        "INSERT INTO reports (id, patient_id, department_id, kind, title, title_en, "
        "ordered_at, ready_at, content_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (report_id, patient_id, department_id, kind.value, title[0], title[1],
         to_db_time(ordered_at), to_db_time(ready_at), json.dumps(content, ensure_ascii=False)),
    )  # fmt: skip


# --- the PDF ----------------------------------------------------------------------------------

_FONT = "noto"
_KIND_TITLES = {
    ReportKind.lab: ("检验报告单", "Laboratory report"),
    ReportKind.imaging: ("检查报告单", "Imaging report"),
}


class _ReportPdf(FPDF):
    """A4 with the report id and page number in a Helvetica footer on every page."""

    def __init__(self, report_id: str) -> None:
        super().__init__(format="A4")
        self.report_id = report_id
        self.set_auto_page_break(auto=True, margin=20)
        self.add_font(_FONT, "", str(cjk_font_path()))

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", size=8)
        self.cell(0, 6, f"Report {self.report_id} - page {self.page_no()}/{{nb}}", align="C")


_RENDERER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf")
_RENDERED: OrderedDict[tuple[str, ...], Future[bytes]] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
_RENDERED_KEPT = 64


def report_pdf(row: Row, patient: Row, tz: dt.tzinfo | None) -> Future[bytes]:
    """The report's PDF, made once per content on one worker thread and kept (a few MB at
    most): fpdf2 reads and subsets the 14 MB CJK font for each document, seconds of work, so
    ``listReports`` starts the ready ones (``prepare``) before the patient opens one."""
    report = {key: str(row[key]) for key in row.keys() if key != "prints"}
    person = {key: str(patient[key]) for key in ("id", "name", "gender")}
    key = (*report.values(), *person.values(), str(tz))
    with _RENDERED_LOCK:
        made = _RENDERED.get(key)
        if made is None or (made.done() and made.exception() is not None):
            made = _RENDERER.submit(render_pdf, report, person, tz)
            _RENDERED[key] = made
        _RENDERED.move_to_end(key)
        while len(_RENDERED) > _RENDERED_KEPT:
            _RENDERED.popitem(last=False)
    return made


def render_pdf(row: Mapping[str, str], patient: Mapping[str, str], tz: dt.tzinfo | None) -> bytes:
    """The report as an A4 PDF: header, patient, the results or findings, signature line.
    The same report always makes the same bytes (its creation date is its ready time)."""
    kind = ReportKind(row["kind"])
    content = json.loads(row["content_json"])
    pdf = _ReportPdf(row["id"])
    ordered = from_db_time(row["ordered_at"]).astimezone(tz)
    ready = from_db_time(row["ready_at"]).astimezone(tz)
    pdf.set_creation_date(ready)
    pdf.set_title(f"{row['title_en']} {row['id']}")
    pdf.add_page()
    zh, en = _KIND_TITLES[kind]
    pdf.set_font(_FONT, size=16)
    pdf.cell(0, 10, f"{zh}  {en}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(_FONT, size=10)
    facts = (
        ("姓名 Name", mask_name(patient["name"])),
        ("性别 Sex", {"male": "男 M", "female": "女 F"}.get(patient["gender"], "")),
        ("病人号 Patient", patient["id"]),
        ("报告号 Report", row["id"]),
        ("科室 Department", f"{row['dep_name']} {row['dep_name_en']}"),
        ("项目 Test", f"{row['title']} {row['title_en']}"),
        ("申请时间 Ordered", f"{ordered:%Y-%m-%d %H:%M}"),
        ("报告时间 Reported", f"{ready:%Y-%m-%d %H:%M}"),
    )
    for index, (label, value) in enumerate(facts):
        pdf.cell(32, 6, label)
        pdf.cell(
            63, 6, value, new_x=XPos.LMARGIN if index % 2 else XPos.RIGHT,
            new_y=YPos.NEXT if index % 2 else YPos.TOP,
        )  # fmt: skip
    pdf.ln(2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
    if kind is ReportKind.lab:
        _lab_table(pdf, [LabResult(*line) for line in content["results"]])
    else:
        _imaging_text(pdf, content)
    pdf.ln(6)
    pdf.set_font(_FONT, size=10)
    pdf.multi_cell(
        0, 6, "本报告仅对所检标本负责，如有疑问请咨询医生。"
        "This report refers only to the sample examined; ask your doctor about it.",
    )  # fmt: skip
    return bytes(pdf.output())


def _lab_table(pdf: FPDF, results: list[LabResult]) -> None:
    widths = (70, 28, 12, 30, 40)
    heads = ("项目 Test", "结果 Result", "", "单位 Unit", "参考范围 Reference")

    def header() -> None:
        pdf.set_font(_FONT, size=10)
        for width, head in zip(widths, heads, strict=True):
            pdf.cell(width, 8, head, border="B")
        pdf.ln()

    header()
    for result in results:
        if pdf.will_page_break(8):
            pdf.add_page()
            header()
        pdf.set_font(_FONT, size=10)
        cells = (
            f"{result.name} {result.name_en}", result.value, result.flag, result.unit,
            result.reference,
        )  # fmt: skip
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 8, text)
        pdf.ln()


def _imaging_text(pdf: FPDF, content: dict[str, str]) -> None:
    for heading, key in (("检查所见 Findings", "findings"), ("诊断意见 Impression", "impression")):
        pdf.set_font(_FONT, size=12)
        pdf.cell(0, 8, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FONT, size=10)
        for text in (content[key], content[f"{key}_en"]):
            pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
