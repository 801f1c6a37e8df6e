"""Reports screens: the patient's lab and imaging reports, and one report's pages with a print
button.

The preview renders the server's PDF page by page with Qt PDF (``QPdfDocument``, part of
PySide6): what the patient sees is what the A4 printer gets.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.api.models import Report, ReportKind, ReportStatus
from kiosk.flows.reports import ReportProblem
from kiosk.report_printing import QueueState
from kiosk.ui.screens.base import Screen, clear_layout, label_home_button, scrolling
from kiosk.ui.widgets.basics import button, in_language, label, named

PAGE_GAP_PX = 16
MAX_PAGE_WIDTH_PX = 1240  # A4 at 150 dpi: body text about 20 px high


def render_pages(pdf: bytes, width: int) -> list[QImage]:
    """Each page of the PDF as an image ``width`` pixels wide (white, as on paper)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    images = []
    for page in range(document.pageCount()):
        size = document.pagePointSize(page)
        height = round(width * size.height() / size.width()) if size.width() else width
        rendered = document.render(page, QSize(width, height))  # transparent where no ink
        paper = QImage(rendered.size(), QImage.Format.Format_RGB32)
        paper.fill(Qt.GlobalColor.white)
        painter = QPainter(paper)
        painter.drawImage(0, 0, rendered)
        painter.end()
        images.append(paper)
    document.close()
    buffer.close()
    return images


class _Problems:
    """The words for a ``ReportProblem``, shared by the list and the preview."""

    def __init__(self, service_window: str) -> None:
        self._window = service_window

    def text(self, problem: ReportProblem | None, report: Report | None) -> str:
        window = self._window
        if problem is ReportProblem.withdrawn:
            return QCoreApplication.translate(
                "Reports",
                "This report is no longer available; the hospital may have withdrawn it. "
                "Please ask at service window {window}.",
            ).format(window=window)
        if problem is ReportProblem.not_ready:
            return QCoreApplication.translate(
                "Reports", "This report is not ready yet. Please come back at the time shown."
            )
        if problem is ReportProblem.no_copies_left:
            return QCoreApplication.translate(
                "Reports",
                "This report has been printed here {count} times. For another copy, please "
                "ask at service window {window}.",
            ).format(count=report.prints if report else 0, window=window)
        if problem is ReportProblem.printer_unavailable:
            return QCoreApplication.translate(
                "Reports",
                "The report printer is not working at the moment. Nothing was printed. You can "
                "read your report here, or ask at service window {window} for a printed copy.",
            ).format(window=window)
        if problem is ReportProblem.print_failed:
            return QCoreApplication.translate(
                "Reports",
                "The report could not be printed and was not counted. Touch “Print” to try "
                "again, or ask at service window {window}.",
            ).format(window=window)
        return ""


def expected_text(report: Report) -> str:
    if report.status is ReportStatus.ready or report.expected_at is None:
        return ""
    at = report.expected_at.astimezone()
    return QCoreApplication.translate("Reports", "Expected {date} {time}").format(
        date=f"{at:%m-%d}", time=f"{at:%H:%M}"
    )


class ReportsScreen(Screen):
    """Every report of the patient, newest first: ready ones open, pending ones say when.

    Signals:
        report_chosen: a report id.
        home_requested: back to the home screen.
    """

    report_chosen = Signal(str)
    home_requested = Signal()

    def __init__(self, service_window: str, parent: QWidget | None = None) -> None:
        super().__init__("reports", parent)
        self._problems = _Problems(service_window)
        self._reports: list[Report] = []
        self._problem: ReportProblem | None = None
        self._printer_state = QueueState.ready
        self._can_print = True
        self.heading = label("reports.heading", "heading", wrap=True)
        self.problem = label("reports.problem", "banner-error", wrap=True)
        self.printer_note = label("reports.printer_note", "hint", wrap=True)
        self.empty = label("reports.empty", "hint", wrap=True)
        self._list_widget = QWidget()
        self._list = QVBoxLayout(self._list_widget)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(20)
        self.finish = button("reports.finish")
        self.finish.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.finish)
        footer.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.problem)
        layout.addWidget(self.printer_note)
        layout.addWidget(self.empty)
        layout.addWidget(scrolling(self._list_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_reports(
        self, reports: Sequence[Report], problem: ReportProblem | None, *, can_print: bool
    ) -> None:
        self._reports, self._problem, self._can_print = list(reports), problem, can_print
        self._rebuild()
        self.retranslate()

    def wipe(self) -> None:
        self._reports, self._problem, self._can_print = [], None, True
        self._rebuild()
        self.retranslate()

    def instruction(self) -> str:
        return " ".join(t for t in (self.heading.text(), self.problem.text()) if t)

    def _rebuild(self) -> None:
        clear_layout(self._list)
        for index, report in enumerate(self._reports):
            self._list.addWidget(self._card(index, report))
        self._list.addStretch(1)

    def _card(self, index: int, report: Report) -> QFrame:
        card = named(QFrame(), f"reports.report.{index}", "card")
        card.setProperty("report", report.id)
        layout = QHBoxLayout(card)
        layout.setContentsMargins(28, 20, 28, 20)
        layout.setSpacing(20)
        texts = QVBoxLayout()
        texts.setSpacing(6)
        texts.addWidget(label(f"reports.report.{index}.title", "heading", wrap=True))
        texts.addWidget(label(f"reports.report.{index}.detail", "small", wrap=True))
        layout.addLayout(texts, 1)
        if report.status is ReportStatus.ready:
            show = button(f"reports.open.{index}", "primary")
            show.clicked.connect(lambda _=False, rid=report.id: self.report_chosen.emit(rid))
            layout.addWidget(show, 0, Qt.AlignmentFlag.AlignVCenter)
        else:  # under the title, so the title and detail keep the card's width
            texts.addWidget(label(f"reports.report.{index}.expected", "prompt", wrap=True))
        return card

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Your lab and imaging reports"))
        text = self._problems.text(self._problem, None)
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.printer_note.setText(
            self.tr("Reports can be read here; printed copies are given at the service window.")
        )
        self.printer_note.setVisible(not self._can_print and bool(self._reports))
        self.empty.setText(self.tr("You have no reports at this hospital."))
        self.empty.setVisible(not self._reports)
        kinds = {ReportKind.lab: self.tr("Lab test"), ReportKind.imaging: self.tr("Imaging")}
        for index, report in enumerate(self._reports):
            title = self.findChild(QLabel, f"reports.report.{index}.title")
            detail = self.findChild(QLabel, f"reports.report.{index}.detail")
            if title is None or detail is None:
                continue
            title.setText(in_language(report.title, report.title_en))
            ordered = report.ordered_at.astimezone()
            detail.setText(
                self.tr("{kind} · {department} · ordered {date}").format(
                    kind=kinds[report.kind],
                    department=in_language(report.department.name, report.department.name_en),
                    date=f"{ordered:%Y-%m-%d %H:%M}",
                )
            )
            show = self.findChild(QPushButton, f"reports.open.{index}")
            if show is not None:
                show.setText(self.tr("View"))
                show.setAccessibleName(
                    self.tr("View the report {title}").format(title=title.text())
                )
            expected = self.findChild(QLabel, f"reports.report.{index}.expected")
            if expected is not None:
                expected.setText(self.tr("Not ready") + " · " + expected_text(report))
        label_home_button(self.finish)


class ReportPreviewScreen(Screen):
    """One report's pages as they will print, and the print button (or why not).

    Signals:
        print_requested: print this report on the A4 printer.
        back_requested: back to the list.
        home_requested: back to the home screen.
    """

    print_requested = Signal()
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, service_window: str, parent: QWidget | None = None) -> None:
        super().__init__("report", parent)
        self._problems = _Problems(service_window)
        self._report: Report | None = None
        self._pdf = b""
        self._problem: ReportProblem | None = None
        self._printing = False
        self._printed = False
        self._can_print = True
        self._rendered_width = 0
        self.heading = label("report.heading", "heading", wrap=True)
        self.status = label("report.status", "prompt", wrap=True)
        self.problem = label("report.problem", "banner-error", wrap=True)
        self._pages_widget = QWidget()
        self._pages = QVBoxLayout(self._pages_widget)
        self._pages.setContentsMargins(0, 0, 0, 0)
        self._pages.setSpacing(PAGE_GAP_PX)
        self.back = button("report.back")
        self.back.clicked.connect(self.back_requested)
        self.finish = button("report.finish")
        self.finish.clicked.connect(self.home_requested)
        self.print = button("report.print", "primary")
        self.print.clicked.connect(self.print_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.back)
        footer.addWidget(self.finish)
        footer.addStretch(1)
        footer.addWidget(self.print)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        self._scroll = scrolling(self._pages_widget)
        layout.addWidget(self._scroll, 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_report(
        self,
        report: Report,
        pdf: bytes,
        problem: ReportProblem | None,
        *,
        printing: bool,
        printed: bool,
        can_print: bool,
    ) -> None:
        changed = pdf != self._pdf
        self._report, self._pdf, self._problem = report, pdf, problem
        self._printing, self._printed, self._can_print = printing, printed, can_print
        if changed:
            self._render()
        self.retranslate()

    def wipe(self) -> None:
        self._report, self._pdf, self._problem = None, b"", None
        self._printing = self._printed = False
        clear_layout(self._pages)
        self.retranslate()

    def instruction(self) -> str:
        texts = (self.heading.text(), self.status.text(), self.problem.text())
        return " ".join(t for t in texts if t)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._pdf and abs(self._page_width() - self._rendered_width) > 40:
            self._render()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pdf and abs(self._page_width() - self._rendered_width) > 40:
            self._render()  # laid out at its real size only now

    def _page_width(self) -> int:
        """The viewport's width (readable text), no wider than a page shown at 150 %."""
        return max(min(self._scroll.viewport().width() - 8, MAX_PAGE_WIDTH_PX), 200)

    def _render(self) -> None:
        clear_layout(self._pages)
        self._rendered_width = self._page_width()
        if not self._pdf:
            return
        for index, image in enumerate(render_pages(self._pdf, self._rendered_width)):
            page = named(QLabel(), f"report.page.{index}", "report-page")
            page.setPixmap(QPixmap.fromImage(image))
            page.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self._pages.addWidget(page)
        self._pages.addStretch(1)

    def retranslate(self) -> None:
        report = self._report
        self.heading.setText(in_language(report.title, report.title_en) if report else "")
        status = ""
        if self._printing:
            status = self.tr("Printing your report… Please wait by the printer.")
        elif self._printed:
            status = self.tr("Printed. Please take your report from the A4 printer.")
        elif report is not None and not self._can_print:
            status = self.tr("Printed copies of reports are given at the service window.")
        elif report is not None and report.prints_left < 1:
            status = self._problems.text(ReportProblem.no_copies_left, report)
        self.status.setText(status)
        self.status.setVisible(bool(status))
        problem = self._problems.text(self._problem, report)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem) and problem != status)
        self.back.setText(self.tr("All reports"))
        self.back.setAccessibleName(self.tr("Back to all your reports"))
        self.print.setText(self.tr("Print"))
        self.print.setAccessibleName(self.tr("Print this report on the A4 printer"))
        copies_left = report is not None and report.prints_left > 0
        self.print.setVisible(self._can_print and not self._printed)
        self.print.setEnabled(copies_left and not self._printing)
        label_home_button(self.finish)
