"""呼叫工作人员 through the real kiosk and the real server: the patient taps, the fleet page
rings, staff acknowledge on the page, and the kiosk says so. No patient data travels."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.flows.staff_call import CallStep
from kiosk.flows.visit import Step
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.ui import Touch

translate = QCoreApplication.translate


def overlay_says(kiosk: Kiosk, text: str) -> Callable[[], bool]:
    overlay = kiosk.staff_call_overlay
    return lambda: overlay.isVisible() and overlay.title.text() == text


def stored_calls(server: EmbeddedServer) -> list[dict[str, Any]]:
    conn = connect(server.db_path)
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM staff_calls")]
    finally:
        conn.close()


class SentRequests:
    """Every request the kiosk's client sends (still sent for real), to read what left it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []
        original = requests.Session.request

        def request(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
            headers = {**session.headers, **(kwargs.get("headers") or {})}
            self.sent.append((method, url, headers, kwargs.get("json")))
            return original(session, method, url, **kwargs)

        monkeypatch.setattr(requests.Session, "request", request)

    def to(self, path: str) -> list[tuple[str, str, dict[str, str], Any]]:
        return [sent for sent in self.sent if path in sent[1]]


def test_a_call_from_a_visit_reaches_the_fleet_page_and_staff_acknowledge_it(
    kiosk: Kiosk,
    touch: Touch,
    live_server: EmbeddedServer,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    touch("home.checkin")
    touch.wait_for(Step.identify)
    touch("identify.demo.one_in_window")
    touch.wait_for(Step.appointments)
    patient = kiosk.flow.patient
    assert patient is not None
    wire = SentRequests(monkeypatch)

    touch("header.call_staff")
    on_the_way = translate("StaffCallOverlay", "Staff are on their way")
    assert on_the_way == "工作人员正在赶来"
    qtbot.waitUntil(overlay_says(kiosk, on_the_way), timeout=10_000)

    def waited_a_while() -> bool:
        shown = re.fullmatch(r"已等待 (\d+) 秒", kiosk.staff_call_overlay.waited.text())
        return shown is not None and int(shown[1]) >= 2  # counting up, once a second

    qtbot.waitUntil(waited_a_while, timeout=10_000)
    assert not kiosk.idle.active  # no "are you still there?" while the patient waits for staff

    # What left the kiosk, and what the server keeps, say nothing about the patient.
    (sent,) = wire.to("/staff-calls")
    method, _url, headers, body = sent
    assert method == "POST"
    assert body == {"screen": "appointments"}
    assert "X-Visit-Token" not in headers
    assert headers["Idempotency-Key"]
    (row,) = stored_calls(live_server)
    for text in (json.dumps(body, ensure_ascii=False), *map(str, row.values())):
        for private in (patient.id, patient.display_name, patient.masked_id_number):
            assert private not in text

    # The fleet page, fetched as staff's browser would, lists the call and its 确认 form.
    page = requests.get(f"{live_server.url}/admin/kiosks", timeout=10).text
    assert f'id="{row["id"]}"' in page
    assert "appointments" in page
    assert "<audio" in page
    form = re.search(
        rf'<form method="post" action="(/admin/staff-calls/{row["id"]}/acknowledge)">(.*?)</form>',
        page,
    )
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[2]))
    pressed = requests.post(
        f"{live_server.url}{form[1]}",
        data=fields,
        headers={"Origin": live_server.url},
        timeout=10,
        allow_redirects=False,
    )
    assert pressed.status_code == 303

    seen = translate("StaffCallOverlay", "Staff have seen your call. Please wait here.")
    assert seen == "工作人员已确认，请稍候"
    qtbot.waitUntil(overlay_says(kiosk, seen), timeout=10_000)
    assert kiosk.staff_call.step == CallStep.acknowledged
    assert "<audio" not in requests.get(f"{live_server.url}/admin/kiosks", timeout=10).text
    touch("staff_call.cancel")  # 好的
    assert not kiosk.staff_call_overlay.isVisible()
    assert kiosk.flow.step == Step.appointments  # the visit goes on where it was
    assert kiosk.idle.active
    assert [call["status"] for call in stored_calls(live_server)] == ["acknowledged"]


def test_the_patient_cancels_the_call(
    kiosk: Kiosk, touch: Touch, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    touch("header.call_staff")
    qtbot.waitUntil(lambda: kiosk.staff_call.step == CallStep.waiting, timeout=10_000)
    assert kiosk.staff_call_overlay.cancel.text() == "取消呼叫"
    touch("staff_call.cancel")
    assert not kiosk.staff_call_overlay.isVisible()
    qtbot.waitUntil(
        lambda: [c["status"] for c in stored_calls(live_server)] == ["cancelled"], timeout=10_000
    )
    assert [c["screen"] for c in stored_calls(live_server)] == ["home"]
    page = requests.get(f"{live_server.url}/admin/kiosks", timeout=10).text
    assert "<audio" not in page


def test_with_the_server_down_the_patient_is_sent_to_the_desk(
    kiosk: Kiosk, touch: Touch, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    live_server.stop()
    touch("header.call_staff")
    unsent = translate("StaffCallOverlay", "The call could not be sent")
    assert unsent == "呼叫未能发出"
    qtbot.waitUntil(overlay_says(kiosk, unsent), timeout=15_000)
    assert "服务台" in kiosk.staff_call_overlay.hint.text()
    assert not kiosk.staff_call_overlay.waited.isVisible()  # no clock for a call nobody got
    assert stored_calls(live_server) == []
    touch("staff_call.cancel")  # 关闭
    assert not kiosk.staff_call_overlay.isVisible()
    assert kiosk.staff_call.step == CallStep.idle


def test_the_button_is_on_every_screen_large_enough_named_and_reachable_by_keypad(
    kiosk: Kiosk, touch: Touch, qapp: QApplication, qtbot: QtBot
) -> None:
    header = kiosk.window.header
    button = header.call_staff
    assert button.text() == "呼叫工作人员"
    assert button.accessibleName()
    assert button.height() >= 60
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    chain: list[QWidget] = []
    widget = kiosk.window.nextInFocusChain()
    while widget is not None and widget is not kiosk.window and len(chain) < 500:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    assert button in chain

    touch("home.large_text")
    qtbot.waitUntil(lambda: button.height() >= 96, timeout=5000)
    touch("home.checkin")
    touch.wait_for(Step.identify)
    assert button.isVisible()  # in the window's header, above whichever screen shows

    # The keypad: Enter on the focused button calls staff, like any other control.
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qapp.sendEvent(
        kiosk.window,
        QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
    )
    qtbot.waitUntil(lambda: kiosk.staff_call.step == CallStep.waiting, timeout=10_000)
    assert kiosk.staff_call_overlay.cancel.hasFocus()  # Enter again would cancel


def test_the_call_ends_on_screen_with_the_visit(
    kiosk: Kiosk, touch: Touch, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    touch("home.checkin")
    touch.wait_for(Step.identify)
    touch("header.call_staff")
    qtbot.waitUntil(lambda: kiosk.staff_call.step == CallStep.waiting, timeout=10_000)
    kiosk.flow.go_home()  # the visit ends (the kiosk goes out of order, a payment expires…)
    assert not kiosk.staff_call_overlay.isVisible()
    assert [c["status"] for c in stored_calls(live_server)] == ["open"]  # staff still come
