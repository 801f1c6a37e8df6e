"""The accessibility audit: every screen passes, and it does catch a shrunken button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.audit import audit_screen, contrast_ratio, run_audit


def test_contrast_ratio_matches_wcag() -> None:
    assert round(contrast_ratio(QColor("black"), QColor("white")), 1) == 21.0
    assert round(contrast_ratio(QColor("#767676"), QColor("white")), 2) == 4.54


def test_every_screen_passes_in_every_language_orientation_and_theme(
    qapp: QApplication, tmp_path: Path
) -> None:
    findings = run_audit(tmp_path)
    assert [f"{f.screen}: {f.check} {f.widget} {f.detail}" for f in findings] == []
    assert "0 findings" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_shrunken_button_and_faint_text_are_found(qapp: QApplication, qtbot: QtBot) -> None:
    qapp.setStyleSheet("")  # a kiosk built by an earlier test left its theme behind
    page = QWidget()
    layout = QVBoxLayout(page)
    tiny = QPushButton("OK")
    tiny.setObjectName("tiny")
    tiny.setAccessibleName("OK")
    tiny.setFixedSize(40, 40)
    faint = QLabel("faint")
    faint.setObjectName("faint")
    faint.setStyleSheet("color: #cccccc; background: white; font-size: 30px;")
    layout.addWidget(tiny)
    layout.addWidget(faint)
    qtbot.addWidget(page)
    page.resize(400, 300)
    page.show()
    qtbot.waitExposed(page)
    findings = audit_screen("test", page, page, page.grab().toImage(), large_text=False)
    checks = {(f.widget, f.check) for f in findings}
    assert ("tiny", "target size") in checks
    assert ("faint", "contrast") in checks
