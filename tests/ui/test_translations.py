"""zh_CN is complete: no unfinished or missing strings, and the .qm file loads."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTranslator

from kiosk.ui.i18n import TRANSLATED_LANGUAGES, qm_path, ts_path, unfinished_messages


def test_no_unfinished_translations() -> None:
    for language in TRANSLATED_LANGUAGES:
        assert unfinished_messages(ts_path(language)) == []


def test_unfinished_detection_works(tmp_path: Path) -> None:
    ts = tmp_path / "x.ts"
    ts.write_text(
        '<TS version="2.1" language="zh_CN"><context><name>C</name>'
        "<message><source>Done</source><translation>完成</translation></message>"
        '<message><source>Todo</source><translation type="unfinished"></translation></message>'
        "<message><source>Empty</source><translation></translation></message>"
        "</context></TS>",
        encoding="utf-8",
    )
    assert unfinished_messages(ts) == ["Todo", "Empty"]


def test_compiled_translations_load() -> None:
    for language in TRANSLATED_LANGUAGES:
        translator = QTranslator()
        assert translator.load(str(qm_path(language)))
        assert translator.translate("HomeScreen", "Welcome") == "欢迎"
