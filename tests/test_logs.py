"""Log lines name the kiosk, and no patient data reaches a log file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.flows.visit import Step
from kiosk.logs import configure_logging, redact
from kiosk.server.embedded import EmbeddedServer


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id 11010519491231002X seen", "id 11**************** seen"),
        ("phone 13800138000", "phone 13*********"),
        ("card HC10000001 and SI11010500000001", "card HC******** and SI**************"),
        ("GET /api/v1/patients/pat-0001/appointments -> 200 in 4 ms", None),
        ("ticket A005 at 127.0.0.1:8080 09:30", None),
    ],
)
def test_redact(text: str, expected: str | None) -> None:
    assert redact(text) == (expected if expected is not None else text)


def test_lines_name_the_kiosk(tmp_path: Path, restore_logging: None) -> None:
    config = demo_config("http://127.0.0.1:9", tmp_path / "spool").model_copy(
        update={
            "logging": demo_config("http://127.0.0.1:9", tmp_path).logging.model_copy(
                update={"directory": str(tmp_path / "logs")}
            )
        }
    )
    path = configure_logging(config, to_stderr=False)
    logging.getLogger("kiosk.test").warning("patient %s arrived", "11010519491231002X")
    for handler in logging.getLogger().handlers:
        handler.flush()
    line = path.read_text(encoding="utf-8").strip()
    assert "kiosk=demo-kiosk kiosk.test: patient 11**************** arrived" in line


def test_a_full_journey_leaves_no_patient_data_in_the_logs(
    qapp: QApplication,
    qtbot: QtBot,
    live_server: EmbeddedServer,
    tmp_path: Path,
    restore_logging: None,
) -> None:
    base = demo_config(live_server.url, tmp_path / "spool")
    config = base.model_copy(
        update={
            "logging": base.logging.model_copy(
                update={"directory": str(tmp_path / "logs"), "level": "DEBUG"}
            )
        }
    )
    path = configure_logging(config, to_stderr=False)
    kiosk = Kiosk(config, qapp, clock=live_server.clock)
    qtbot.addWidget(kiosk.window)
    kiosk.start()
    kiosk.window.show()

    def tap(name: str) -> None:
        button = kiosk.window.find_button(name)
        assert button is not None
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))

    def wait_for(step: Step) -> None:
        qtbot.waitUntil(lambda: kiosk.flow.step == step and not kiosk.flow.busy, timeout=5000)

    try:
        for scenario in ("one_in_window", "rare_name", "middle_dot"):
            tap("home.checkin")
            tap(f"identify.demo.{scenario}")
            wait_for(Step.appointments)
            tap("appointments.checkin.0")
            qtbot.waitUntil(lambda: kiosk.flow.step in (Step.ticket, Step.notice), timeout=5000)
            kiosk.flow.go_home()
        tap("home.checkin")
        tap("identify.demo.too_early")  # nothing open yet: straight to the "too early" notice
        wait_for(Step.notice)
        kiosk.flow.go_home()
        tap("home.checkin")
        for key in "13800138000":
            tap(f"keypad.digit{key}")
        tap("identify.submit")
        wait_for(Step.appointments)
        kiosk.flow.go_home()
        scan_text = "HC10000003"
        for char in scan_text:
            qtbot.keyClick(kiosk.window, char)
            qtbot.wait(5)
        qtbot.keyClick(kiosk.window, Qt.Key.Key_Return)
        wait_for(Step.notice)  # 张伟's hospital card: his one appointment is not open yet
    finally:
        kiosk.shutdown()
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = "\n".join(p.read_text(encoding="utf-8") for p in path.parent.glob("kiosk.log*"))
    assert "kiosk=demo-kiosk" in logged
    secrets = [
        "11010519491231002X", "13800138000", "王秀英", "王*英", "𠮷祥", "买买提", "HC10000003",
        "EHC:demo", "张伟",
    ]  # fmt: skip
    assert [secret for secret in secrets if secret in logged] == []
