"""``kiosk audit``: measure every screen as a patient would meet it, and report what fails.

The walkthrough drives the real UI in each language, orientation, theme and text size; on
every screen the audit checks each visible control:

- touch targets at least 60 px (96 px in large-text mode) both ways, with an accessibleName,
  reachable with the physical keypad's arrow keys;
- text at least 28 px;
- contrast of text against its background at least 4.5:1, measured on the rendered pixels;
- no clipped text (a label or button too small for its text) and no overlapping controls.

Failures are written as a table (``report.md``) and one annotated PNG per failing screen.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.walkthrough import Walkthrough

MIN_TARGET_PX = 60
MIN_TARGET_LARGE_PX = 96
MIN_TEXT_PX = 28
MIN_CONTRAST = 4.5


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


def _clipped(widget: QWidget) -> bool:
    metrics = widget.fontMetrics()
    if isinstance(widget, QLabel):
        if widget.pixmap() is not None and not widget.pixmap().isNull():
            return False
        room = widget.contentsRect()
        flags = int(widget.alignment()) | (
            int(Qt.TextFlag.TextWordWrap) if widget.wordWrap() else 0
        )
        needed = metrics.boundingRect(QRect(0, 0, room.width(), 100_000), flags, widget.text())
        return needed.width() > room.width() + 1 or needed.height() > room.height() + 1
    if isinstance(widget, QAbstractButton) and widget.text():
        widest = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
        return widest > widget.contentsRect().width()
    return False


def audit_screen(
    name: str, window: QWidget, root: QWidget, image: QImage, *, large_text: bool
) -> list[Finding]:
    findings: list[Finding] = []
    min_target = MIN_TARGET_LARGE_PX if large_text else MIN_TARGET_PX
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
        font_px = widget.font().pixelSize()
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
        # Only what is actually on screen can overlap (a scroll area clips its contents).
        seen = widget.visibleRegion().boundingRect()
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


def report_table(findings: list[Finding]) -> str:
    lines = ["| screen | check | widget | detail |", "|---|---|---|---|"]
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
