"""The audit's typography, action and reach rules: each catches a deliberately broken screen,
and the same screen built properly gives no finding."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kiosk.audit import PROMISES_ACTION, Finding, audit_screen, laid_out_lines
from kiosk.ui.theme import BODY_PX, register_fonts, stylesheet
from kiosk.ui.widgets.basics import WORD_JOINER, FittedLabel, keep_together, label, named

Build = Callable[..., QWidget]


@pytest.fixture
def page(qapp: QApplication, qtbot: QtBot) -> Iterator[Build]:
    """A top-level page of a given size, shown, in the kiosk's CJK font and theme."""
    family = register_fonts()
    qapp.setStyleSheet(stylesheet("standard", large_text=False))
    qapp.setFont(QFont(family))

    def build(*widgets: QWidget, width: int = 1080, height: int = 800) -> QWidget:
        root = QWidget()
        layout = QVBoxLayout(root)
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        qtbot.addWidget(root)
        root.resize(width, height)
        root.show()
        qtbot.waitExposed(root)
        return root

    yield build
    qapp.setStyleSheet("")


def findings_of(root: QWidget, check: str, *, large_text: bool = False) -> list[Finding]:
    QApplication.processEvents()  # layouts that a label's new text asked for
    found = audit_screen("test", root, root, root.grab().toImage(), large_text=large_text)
    return [finding for finding in found if finding.check == check]


def plain_label(name: str, text: str, role: str, width: int) -> QLabel:
    """A wrapped label as the old screens made it: no terms kept together."""
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setProperty("role", role)
    widget.setWordWrap(True)
    widget.setFixedWidth(width)
    return widget


def kiosk_label(name: str, text: str, role: str, width: int) -> QLabel:
    widget = label(name, role, wrap=True)
    widget.setText(text)
    widget.setFixedWidth(width)
    return widget


def test_a_column_narrower_than_ten_characters_is_found(page: Build) -> None:
    text = "门诊楼 2楼 221室 外伤处理、换药、体表肿物及普通外科疾病。"
    narrow = page(plain_label("narrow", text, "small", 165))
    found = findings_of(narrow, "text column")
    assert [f.widget for f in found] == ["narrow"]
    assert "< 10 characters" in found[0].detail
    wide = page(kiosk_label("wide", text, "small", 700))
    assert findings_of(wide, "text column") == []


def test_a_stranded_character_and_split_terms_are_found(page: Build) -> None:
    # At these widths Qt breaks "收据、取/药", "2/楼" and "个人支付/¥34.00".
    stranded = plain_label("stranded", "挂号、缴费、打印收据、取药", "heading", 560)
    unit = plain_label("unit", "门诊2楼东侧", "small", 84)
    money = plain_label("money", "个人支付 ¥34.00", "small", 160)
    broken = page(stranded, unit, money)
    assert laid_out_lines(stranded)[0][-1] == "药"
    details = {(f.widget, f.detail) for f in findings_of(broken, "line break")}
    assert ("stranded", "'药' alone on the last line") in details
    assert ("unit", "'门诊2/楼东侧' splits a term") in details
    assert ("money", "'个人支付/¥34.' splits a term") in details


def test_kiosk_labels_keep_terms_whole(page: Build) -> None:
    good = page(
        kiosk_label("stranded", "挂号、缴费、打印收据、取药", "heading", 560),
        kiosk_label("unit", "门诊楼 2楼 221室", "small", 300),
        kiosk_label("money", "个人支付 ¥34.00", "small", 330),
        kiosk_label("title", "徐浩然 · 主任医师", "small", 330),
    )
    assert findings_of(good, "line break") == []
    stranded = good.findChild(QLabel, "stranded")
    assert isinstance(stranded, QLabel)
    assert laid_out_lines(stranded)[0][-1].replace(WORD_JOINER, "") == "取药"
    # What tests and the voice read is the text as set; the joiners are only laid out.
    assert stranded.text() == "挂号、缴费、打印收据、取药"
    assert WORD_JOINER in QLabel.text(stranded)


def test_a_glued_term_too_wide_for_its_column_splits_rather_than_clips(
    page: Build, qtbot: QtBot
) -> None:
    # Qt never breaks at a word joiner: a glued term wider than its column overflows.
    glued = plain_label("glued", keep_together("请到1号窗口取药"), "small", 70)
    kiosk = kiosk_label("kiosk", "请到1号窗口取药", "small", 70)
    root = page(glued, kiosk)
    lines = [line.replace(WORD_JOINER, "") for line in laid_out_lines(glued)[0]]
    assert lines == ["请到", "1号窗口", "取药"]
    assert [f.widget for f in findings_of(root, "clipped")] == ["glued"]
    # A kiosk label wraps as Qt would there; the audit reports the split and the narrow column.
    assert len(laid_out_lines(kiosk)[0]) == 4
    assert "'1号/窗口取药' splits a term" in [
        f.detail for f in findings_of(root, "line break") if f.widget == "kiosk"
    ]
    assert [f.widget for f in findings_of(root, "text column")] == ["glued", "kiosk"]
    # Given room, it glues again.
    kiosk.setFixedWidth(300)
    qtbot.waitUntil(lambda: WORD_JOINER in QLabel.text(kiosk))
    assert findings_of(root, "line break") == []


def test_keep_together_glues_numbers_units_terms_and_the_last_pair() -> None:
    glued = keep_together("门诊楼 2楼 201室，个人支付 ¥34.00，主任医师，很不满意")
    assert "2\u2060楼" in glued
    assert "201\u2060室" in glued
    assert "支\u2060付\u00a0¥\u206034.00" in glued  # a space inside a term: no-break
    assert "主\u2060任\u2060医\u2060师" in glued
    assert glued.endswith("很\u2060不\u2060满\u2060意")
    assert keep_together(glued) == glued  # applying it twice changes nothing
    assert keep_together("Pharmacy") == "Pharmacy"  # Latin words need no joiners
    # A word and the number it introduces stay together: "room / 201" read as two things.
    assert keep_together("floor 2, room 201") == "floor\u00a02, room\u00a0201"


def test_a_title_that_loses_its_bold_in_large_text_is_found(page: Build) -> None:
    title = kiosk_label("notice.title", "签到时间未到", "title", 900)
    root = page(title)
    assert findings_of(root, "title weight") == []
    # Large text as the old theme made it: 67 px, which Qt draws without the synthetic bold.
    root.setStyleSheet('QLabel[role="title"] { font-size: 67px; font-weight: bold; }')
    found = findings_of(root, "title weight", large_text=True)
    assert [(f.widget, f.detail) for f in found] == [("notice.title", "bold 67 px renders regular")]
    root.setStyleSheet(stylesheet("standard", large_text=True))
    assert findings_of(root, "title weight", large_text=True) == []


def test_a_title_declared_regular_is_found(page: Build) -> None:
    title = kiosk_label("plain.title", "欢迎", "title", 600)
    title.setStyleSheet("font-weight: normal;")
    found = findings_of(page(title), "title weight")
    assert [f.widget for f in found] == ["plain.title"]


def appointment_card(name: str, status: str, *, button: bool, promise: bool) -> QFrame:
    card = QFrame()
    card.setObjectName(name)
    card.setProperty("role", "card")
    if promise:
        card.setProperty(PROMISES_ACTION, "checkin")
    layout = QVBoxLayout(card)
    layout.addWidget(kiosk_label(f"{name}.status", status, "small", 600))
    if button:
        action = QPushButton("签到")
        action.setObjectName(f"{name}.checkin")
        layout.addWidget(action)
    return card


def test_a_card_that_promises_check_in_without_a_button_is_found(page: Build) -> None:
    # The text alone gives it away (the old cards declared nothing).
    ready = QApplication.translate("AppointmentCard", "Ready to check in")
    old = appointment_card("appointment.0", ready, button=False, promise=False)
    declared = appointment_card("appointment.1", "", button=False, promise=True)
    root = page(old, declared)
    assert sorted(f.widget for f in findings_of(root, "primary action")) == [
        "appointment.0",
        "appointment.1",
    ]
    good = page(
        appointment_card("appointment.0", ready, button=True, promise=True),
        appointment_card("appointment.1", "08:00 起可签到", button=False, promise=False),
    )
    assert findings_of(good, "primary action") == []


def test_a_disabled_or_hidden_button_does_not_keep_the_promise(page: Build) -> None:
    card = appointment_card("appointment.0", "", button=True, promise=True)
    button = card.findChild(QPushButton)
    assert isinstance(button, QPushButton)
    root = page(card)
    button.setEnabled(False)
    assert [f.widget for f in findings_of(root, "primary action")] == ["appointment.0"]
    button.setEnabled(True)
    button.hide()
    assert [f.widget for f in findings_of(root, "primary action")] == ["appointment.0"]


def test_controls_above_the_reach_line_are_found_in_portrait_only(page: Build) -> None:
    def screen(width: int, height: int) -> QWidget:
        top = QPushButton("静音")
        top.setObjectName("header.mute")
        top.setAccessibleName("mute")
        root = page(top, width=width, height=height)
        bottom = QPushButton("返回首页", root)
        bottom.setObjectName("home")
        bottom.setGeometry(40, height - 140, 300, 100)
        bottom.show()
        return root

    found = findings_of(screen(1080, 1920), "reach")
    assert [f.widget for f in found] == ["header.mute"]
    assert "reach line at 288 px" in found[0].detail
    assert findings_of(screen(1920, 1080), "reach") == []


def test_a_control_cut_off_at_the_side_is_found(qapp: QApplication, qtbot: QtBot) -> None:
    def screen(content_width: int) -> QWidget:
        window = QScrollArea()
        window.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setMinimumWidth(content_width)
        pay = QPushButton("Pay ¥65.32", content)
        pay.setObjectName("pay")
        pay.setAccessibleName("pay")
        pay.setGeometry(content_width - 320, 20, 300, 100)
        window.setWidget(content)
        window.setWidgetResizable(True)
        qtbot.addWidget(window)
        window.resize(600, 400)
        window.show()
        qtbot.waitExposed(window)
        return window

    assert [f.widget for f in findings_of(screen(740), "cut off")] == ["pay"]
    assert findings_of(screen(560), "cut off") == []


def test_the_hospital_name_shrinks_to_one_line_or_wraps_at_spaces(page: Build) -> None:
    chinese = named(FittedLabel(), "chinese", "heading")
    chinese.setText("示例市第一人民医院")
    chinese.setFixedWidth(400)  # nine characters at 44 px need 396 px; at 53 px, 477
    english = named(FittedLabel(), "english", "heading")
    english.setText("Demo City First People's Hospital")
    english.setFixedWidth(360)
    root = page(chinese, english)
    root.setStyleSheet(stylesheet("standard", large_text=True))
    QApplication.processEvents()
    font, wrap = chinese.fitted()
    assert BODY_PX <= font.pixelSize() < chinese.font().pixelSize()
    assert not wrap
    assert QFontMetrics(font).horizontalAdvance(chinese.text()) <= chinese.contentsRect().width()
    font, wrap = english.fitted()
    assert wrap
    assert font.pixelSize() >= BODY_PX
    found = audit_screen("test", root, root, root.grab().toImage(), large_text=True)
    assert [f for f in found if f.widget in ("chinese", "english")] == []
