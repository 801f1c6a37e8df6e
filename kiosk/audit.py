"""``kiosk audit``: measure every screen as a patient would meet it, and report what fails.

The walkthrough drives the real UI in each language, orientation, theme and text size; on
every screen the audit checks each visible control:

- touch targets at least 60 px (96 px in large-text mode) both ways, with an accessibleName,
  reachable with the physical keypad's arrow keys;
- text at least 28 px;
- contrast of text against its background at least 4.5:1, measured on the rendered pixels;
- no clipped text (a label or button too small for its text), no overlapping controls, and no
  control cut off at the side of the screen (screens scroll only vertically);
- text column: wrapped text gets at least 10 characters of its font per line;
- line break: a wrapped label never leaves one Chinese character alone on its last line, nor
  breaks inside a term or between a number and its unit or currency sign (the places
  ``keep_together`` glues);
- title weight: titles and headings render bold (in large text too);
- primary action: a container that promises an action (the ``promisesAction`` property, or a
  text such as "Ready to check in") holds a visible, enabled button;
- reach: in portrait no control sits in the top 15% of the screen, above the reach of a
  floor-standing kiosk (ADA 707: 1,220 mm).

Failures are written as a table (``report.md``) and one annotated PNG per failing screen.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPen,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.ui.main_window import REACH_TOP_SHARE
from kiosk.ui.theme import BOLD_ROLES
from kiosk.ui.widgets.basics import (
    IDEOGRAPHS,
    WORD_JOINER,
    FittedLabel,
    as_written,
    unbreakable_positions,
)
from kiosk.walkthrough import Walkthrough

MIN_TARGET_PX = 60
MIN_TARGET_LARGE_PX = 96
MIN_TEXT_PX = 28
MIN_CONTRAST = 4.5
MIN_COLUMN_CHARS = 10
# A bold rendering has clearly more ink than a regular one (about 1.6 times, measured).
MIN_BOLD_INK_RATIO = 1.15
# A widget that offers an action sets this dynamic property (to the action's name), and holds
# the visible, enabled button for it.
PROMISES_ACTION = "promisesAction"
# Texts that promise an action whatever the widget declares: (translation context, source).
ACTION_PROMISES = (("AppointmentCard", "Ready to check in"),)
LATIN_SAMPLE = "abcdefghijklmnopqrstuvwxyz"
_IDEOGRAPH = re.compile(f"[{IDEOGRAPHS}]")


@dataclass(frozen=True)
class Finding:
    screen: str
    check: str
    widget: str
    detail: str
    rect: QRect


def relative_luminance(color: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.red())
        + 0.7152 * channel(color.green())
        + 0.0722 * channel(color.blue())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    return _ratio(relative_luminance(first), relative_luminance(second))


def _ratio(first_luminance: float, second_luminance: float) -> float:
    high, low = sorted((first_luminance, second_luminance), reverse=True)
    return (high + 0.05) / (low + 0.05)


def measured_contrast(image: QImage, rect: QRect) -> float | None:
    """Background = the commonest colour in ``rect``; text = the pixel that differs most."""
    area = rect.intersected(image.rect())
    if area.width() < 2 or area.height() < 2:
        return None
    # About 10,000 samples: every pixel of a small label, every second one of a big card.
    step = max(1, math.isqrt(area.width() * area.height() // 10_000))
    region = image.copy(area).convertToFormat(QImage.Format.Format_RGB32)
    words = memoryview(region.constBits()).cast("I")  # one 0xffRRGGBB word per pixel
    per_row = region.bytesPerLine() // 4
    colors: Counter[int] = Counter()
    for y in range(0, region.height(), step):
        colors.update(words[y * per_row : y * per_row + region.width() : step])
    if len(colors) < 2:
        return None  # nothing drawn here (text scrolled away, or an empty label)
    background = _luminance(colors.most_common(1)[0][0])
    return max(_ratio(background, _luminance(rgb)) for rgb in colors)


@functools.cache
def _luminance(rgb: int) -> float:
    return relative_luminance(QColor(rgb & 0xFFFFFF))


def _controls(root: QWidget) -> Iterator[QWidget]:
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.visibleRegion().isEmpty():
            continue
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.text()):
            yield widget


def _fully_visible(widget: QWidget) -> bool:
    return widget.visibleRegion().boundingRect() == widget.rect()


def _shown_text(label: QLabel) -> str:
    """The text as laid out, with the word joiners a ``WrappingLabel`` adds."""
    return QLabel.text(label)


def _font(widget: QWidget) -> QFont:
    return widget.fitted()[0] if isinstance(widget, FittedLabel) else widget.font()


def _clipped(widget: QWidget) -> bool:
    metrics = QFontMetrics(_font(widget))
    if isinstance(widget, QLabel):
        if widget.pixmap() is not None and not widget.pixmap().isNull():
            return False
        if isinstance(widget, FittedLabel):
            return False  # it shrinks to fit, then elides
        room = widget.contentsRect()
        flags = int(widget.alignment()) | (
            int(Qt.TextFlag.TextWordWrap) if widget.wordWrap() else 0
        )
        needed = metrics.boundingRect(
            QRect(0, 0, room.width(), 100_000), flags, _shown_text(widget)
        )
        return needed.width() > room.width() + 1 or needed.height() > room.height() + 1
    if isinstance(widget, QAbstractButton) and widget.text():
        widest = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
        return widest > widget.contentsRect().width()
    return False


def _wraps(widget: QWidget) -> bool:
    """A word-wrapped label of plain text (rich text is laid out by a text document)."""
    if not isinstance(widget, QLabel) or not widget.wordWrap() or not widget.text():
        return False
    rich = widget.textFormat() == Qt.TextFormat.RichText or (
        widget.textFormat() == Qt.TextFormat.AutoText and re.search(r"<[a-zA-Z]", widget.text())
    )
    return not rich


def laid_out_lines(label: QLabel) -> list[list[str]]:
    """Each paragraph of ``label``'s text as Qt lays it out: its lines, joiners included."""
    width = label.contentsRect().width() - 2 * label.margin()
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    paragraphs = []
    for paragraph in _shown_text(label).split("\n"):
        layout = QTextLayout(paragraph, label.font())
        layout.setTextOption(option)
        layout.beginLayout()
        lines = []
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()])
        layout.endLayout()
        paragraphs.append(lines)
    return paragraphs


def column_too_narrow(label: QLabel) -> str | None:
    """Why ``label``'s text column is too narrow to read, or None: fewer than ten characters."""
    if not _wraps(label) or all(len(lines) < 2 for lines in laid_out_lines(label)):
        return None
    metrics = QFontMetrics(label.font())
    # Not averageCharWidth(): in a CJK font that is about a whole ideograph wide.
    char = (
        metrics.horizontalAdvance("中")
        if _IDEOGRAPH.search(label.text())
        else round(metrics.horizontalAdvance(LATIN_SAMPLE) / len(LATIN_SAMPLE))
    )
    width = label.contentsRect().width() - 2 * label.margin()
    if width >= MIN_COLUMN_CHARS * char:
        return None
    return f"{width} px < {MIN_COLUMN_CHARS} characters ({MIN_COLUMN_CHARS * char} px)"


def bad_line_breaks(label: QLabel) -> list[str]:
    """Each place ``label`` is laid out with a stranded character or a term split in two."""
    if not _wraps(label):
        return []
    problems = []
    for lines in laid_out_lines(label):
        if len(lines) < 2:
            continue
        last = as_written(lines[-1]).strip()
        letters = re.findall(r"\w", last)
        stranded = len(letters) == 1 and bool(_IDEOGRAPH.match(letters[0]))
        if stranded:
            problems.append(f"'{last}' alone on the last line")
        text = "".join(lines)
        plain = as_written(text)
        glued = unbreakable_positions(plain)
        start = 0
        # A stranded last character is reported once, not again as a split term.
        for line in lines[:-2] if stranded else lines[:-1]:
            start += len(line)
            # Qt never breaks at a joiner itself (a glued term too wide overflows: clipped).
            if start - text[:start].count(WORD_JOINER) in glued:
                before = as_written(line).rstrip()
                after = as_written(text[start:])
                problems.append(f"'{before[-4:]}/{after[:4]}' splits a term")
    return problems


@functools.cache
def _renders_bold(font_key: str, text: str) -> bool:
    font = QFont()
    font.fromString(font_key)
    regular = QFont(font)
    regular.setWeight(QFont.Weight.Normal)
    return _ink(font, text) >= MIN_BOLD_INK_RATIO * _ink(regular, text)


def _ink(font: QFont, text: str) -> int:
    metrics = QFontMetrics(font)
    image = QImage(
        metrics.horizontalAdvance(text) + 8, metrics.height() + 8, QImage.Format.Format_Grayscale8
    )
    image.fill(255)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(4, 4 + metrics.ascent(), text)
    painter.end()
    return sum(255 - value for value in memoryview(image.constBits()))


def weight_lost(label: QLabel) -> str | None:
    """Why a title or heading does not look bold, or None."""
    if label.property("role") not in BOLD_ROLES:
        return None
    font = _font(label)
    if font.weight() < QFont.Weight.DemiBold:
        return f"weight {font.weight()} < bold"
    sample = label.text().strip()[:6]
    if sample and not _renders_bold(font.toString(), sample):
        return f"bold {font.pixelSize()} px renders regular"
    return None


def _promise_texts() -> set[str]:
    return {QCoreApplication.translate(context, source) for context, source in ACTION_PROMISES}


def missing_actions(root: QWidget) -> list[QWidget]:
    """Visible containers that promise an action but hold no visible, enabled button for it."""
    promises = _promise_texts()
    containers: dict[int, QWidget] = {}
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if widget.property(PROMISES_ACTION):
            containers[id(widget)] = widget
        elif isinstance(widget, QLabel) and widget.text().strip() in promises:
            container = _container_of(widget, root)
            if container is not None:
                containers[id(container)] = container
    return [
        container
        for container in containers.values()
        if not any(
            button.isVisible() and button.isEnabled()
            for button in container.findChildren(QAbstractButton)
        )
    ]


def _container_of(label: QLabel, root: QWidget) -> QWidget | None:
    """The card that holds ``label`` (None when the label is itself on a button)."""
    probe = label.parentWidget()
    while probe is not None and probe is not root:
        if isinstance(probe, QAbstractButton) and probe.isEnabled():
            return None
        if probe.property("role") == "card" or probe.property(PROMISES_ACTION):
            return probe
        probe = probe.parentWidget()
    return label.parentWidget()


def audit_screen(
    name: str, window: QWidget, root: QWidget, image: QImage, *, large_text: bool
) -> list[Finding]:
    findings: list[Finding] = []
    min_target = MIN_TARGET_LARGE_PX if large_text else MIN_TARGET_PX
    portrait = window.height() > window.width()
    reach_line = round(REACH_TOP_SHARE * window.height())
    placed: list[tuple[QWidget, QRect]] = []
    for widget in _controls(root):
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        label = widget.objectName() or type(widget).__name__

        def report(check: str, detail: str, rect: QRect = rect, label: str = label) -> None:
            findings.append(Finding(name, check, label, detail, rect))

        if isinstance(widget, QAbstractButton):
            if widget.width() < min_target or widget.height() < min_target:
                report("target size", f"{widget.width()}×{widget.height()} px < {min_target}")
            if not widget.accessibleName():
                report("accessible name", "missing")
            if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                report("keypad", "cannot be reached with the arrow keys")
        font_px = _font(widget).pixelSize()
        if widget.findChildren(QLabel):
            pass  # a card button: its own labels are measured
        elif 0 < font_px < MIN_TEXT_PX:
            report("text size", f"{font_px} px < {MIN_TEXT_PX}")
        if _fully_visible(widget) and not widget.findChildren(QLabel):
            if _clipped(widget):
                report("clipped", "text does not fit")
            ratio = measured_contrast(image, rect)
            if ratio is not None and ratio < MIN_CONTRAST:
                report("contrast", f"{ratio:.2f}:1 < {MIN_CONTRAST}:1")
        if isinstance(widget, QLabel):
            if (narrow := column_too_narrow(widget)) is not None:
                report("text column", narrow)
            for problem in bad_line_breaks(widget):
                report("line break", problem)
            if (lost := weight_lost(widget)) is not None:
                report("title weight", lost)
        if isinstance(widget, QAbstractButton) and portrait and rect.top() < reach_line:
            report("reach", f"top at {rect.top()} px, above the reach line at {reach_line} px")
        # Only what is actually on screen can overlap (a scroll area clips its contents).
        seen = widget.visibleRegion().boundingRect()
        # Screens scroll only vertically: a control cut at the side is out of reach for good.
        if seen.width() < widget.width() - 2:
            report("cut off", f"{widget.width() - seen.width()} px beyond the side of the screen")
        placed.append((widget, QRect(widget.mapTo(window, seen.topLeft()), seen.size())))
    for index, (first, first_rect) in enumerate(placed):
        for second, second_rect in placed[index + 1 :]:
            related = first.isAncestorOf(second) or second.isAncestorOf(first)
            overlap = first_rect.intersected(second_rect)
            if not related and overlap.width() > 2 and overlap.height() > 2:
                findings.append(
                    Finding(
                        name,
                        "overlap",
                        f"{first.objectName()} / {second.objectName()}",
                        f"{overlap.width()}×{overlap.height()} px",
                        overlap,
                    )
                )
    for container in missing_actions(root):
        findings.append(
            Finding(
                name,
                "primary action",
                container.objectName() or type(container).__name__,
                f"promises {container.property(PROMISES_ACTION) or 'an action'} but has no button",
                QRect(container.mapTo(window, QPoint(0, 0)), container.size()),
            )
        )
    return findings


def annotate(image: QImage, findings: list[Finding], path: Path) -> None:
    marked = image.copy()
    painter = QPainter(marked)
    painter.setPen(QPen(QColor("#ff00ff"), 4))
    for finding in findings:
        painter.drawRect(finding.rect)
    painter.end()
    marked.save(str(path))


class AuditWalk(Walkthrough):
    """The walkthrough, auditing each screen instead of (as well as) saving it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.findings: list[Finding] = []

    def shoot(self, name: str) -> None:
        from kiosk.walkthrough import settle

        settle()
        window = self.kiosk.window
        image = window.grab().toImage()
        screen_name = f"{self.prefix}{name}"
        # Under an overlay (the idle countdown, "take your card") the screen is dimmed on
        # purpose: what the patient meets is the overlay.
        overlays = [
            widget
            for widget in window.findChildren(QWidget)
            if widget.property("role") == "overlay" and widget.isVisible()
        ]
        root = overlays[-1] if overlays else window
        findings = audit_screen(screen_name, window, root, image, large_text=self.large_text)
        if findings:
            annotate(image, findings, self.out_dir / f"{screen_name}.png")
        self.findings += findings


CHECKS = (
    "target size",
    "accessible name",
    "keypad",
    "text size",
    "clipped",
    "contrast",
    "overlap",
    "cut off",
    "text column",
    "line break",
    "title weight",
    "primary action",
    "reach",
)


def report_table(findings: list[Finding]) -> str:
    counts = Counter(f.check for f in findings)
    lines = ["| check | findings |", "|---|---|"]
    lines += [f"| {check} | {counts[check]} |" for check in CHECKS]
    lines += ["", "| screen | check | widget | detail |", "|---|---|---|---|"]
    lines += [f"| {f.screen} | {f.check} | {f.widget} | {f.detail} |" for f in findings]
    return "\n".join(lines)


SIZES = ((1920, 1080), (1080, 1920))
LANGUAGES = ("zh_CN", "en")
THEMES = ("standard", "high_contrast")


def run_audit(out_dir: Path, *, large_text_too: bool = True) -> list[Finding]:
    """Every screen in every language, orientation and theme (and large text); the findings."""
    from kiosk import walkthrough

    findings: list[Finding] = []
    for theme in THEMES:
        for size in SIZES:
            for language in LANGUAGES:
                for large in (False, True) if large_text_too else (False,):
                    walk = walkthrough.run(
                        out_dir,
                        size=size,
                        language=language,
                        large_text=large,
                        theme=theme,
                        walker=AuditWalk,
                    )
                    assert isinstance(walk, AuditWalk)
                    findings += walk.findings
    (out_dir / "report.md").write_text(
        f"# Accessibility audit\n\n{len(findings)} findings.\n\n{report_table(findings)}\n",
        encoding="utf-8",
    )
    return findings
