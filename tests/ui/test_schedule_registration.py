"""Registering from the hospital guide: a department's schedule → a session → identify →
confirm → ticket, through the real window and the real server on loopback; and how doctors,
fees and places read the same in the schedule and in registration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from kiosk.api.models import ClinicLevel, Department, Location
from kiosk.app import Kiosk
from kiosk.audit import laid_out_lines
from kiosk.config import demo_config
from kiosk.flows.info import InfoFlow, InfoStep
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.visit import Step
from kiosk.server.db import connect, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.services import REGISTRATION
from kiosk.ui.info_view import InfoView
from kiosk.ui.registration_view import RegistrationView
from kiosk.ui.screens.registration import DoctorCard
from kiosk.ui.widgets.basics import CardButton
from kiosk.ui.widgets.card_grid import MIN_CHARACTERS, WIDE_CHARACTER
from tests.helpers.server import ApiClient
from tests.helpers.ui import Touch

PATIENT = "no_appointment_today"
DEPARTMENT = "dep-a"  # Internal Medicine: free general clinic sessions and paid ones
translate = QCoreApplication.translate


def schedule(api: ApiClient, day: dt.date | None = None) -> dict[str, Any]:
    query = f"?date={day.isoformat()}" if day else ""
    return dict(api.get(f"/departments/{DEPARTMENT}/schedule{query}").json())


def open_free_session(api: ApiClient, now: dt.datetime) -> dict[str, Any]:
    for doctor in schedule(api)["doctors"]:
        for session in doctor["sessions"]:
            ends = dt.datetime.fromisoformat(session["ends_at"])
            if session["fee_cents"] == 0 and session["slots_left"] > 0 and ends > now:
                return dict(session)
    raise AssertionError("the demo hospital has no open free session today")


def registrations_of(server: EmbeddedServer, patient_id: str) -> list[str]:
    """The sessions the patient holds a (not cancelled) registration for, on the server."""
    conn = connect(server.db_path)
    try:
        rows = conn.execute(
            "SELECT session_id FROM registrations WHERE patient_id = ? AND status != 'cancelled'",
            (patient_id,),
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def fill(server: EmbeddedServer, session_id: str) -> None:
    """Other patients took the last places meanwhile."""
    conn = connect(server.db_path)
    with write_transaction(conn):
        conn.execute("UPDATE sessions SET slots_left = 0 WHERE id = ?", (session_id,))
    conn.close()


def wait_for_reg(touch: Touch, step: RegStep) -> None:
    flow = touch.kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(lambda: flow.step == step and not flow.busy, timeout=8000)


def open_department(touch: Touch) -> None:
    """Home → Hospital guide → Internal Medicine (no identification)."""
    info = touch.kiosk.part(InfoFlow)
    touch("home.info")
    touch.qtbot.waitUntil(lambda: info.step == InfoStep.directory and not info.busy, timeout=8000)
    index = next(i for i, d in enumerate(info.departments) if d.id == DEPARTMENT)
    touch(f"directory.department.{index}")
    touch.qtbot.waitUntil(lambda: info.step == InfoStep.department and not info.busy, timeout=8000)


def session_button(screen: QWidget, name: str) -> CardButton:
    found = screen.findChild(CardButton, name)
    assert found is not None, name
    return found


def test_a_session_on_the_schedule_registers_after_identification(
    touch: Touch,
    kiosk: Kiosk,
    api: ApiClient,
    spool: Path,
    live_server: EmbeddedServer,
    demo_now: dt.datetime,
) -> None:
    session = open_free_session(api, demo_now)
    patient_id = api.identify(PATIENT)["id"]
    open_department(touch)
    touch(f"department.session.{session['id']}")
    touch.wait_for(Step.identify)
    assert kiosk.window.current_screen() is kiosk.view.identify
    touch("identify.demo." + PATIENT)  # stands in for the card
    wait_for_reg(touch, RegStep.confirm)
    confirm = kiosk.part(RegistrationView).confirm
    assert kiosk.window.current_screen() is confirm
    assert touch.text("registration.confirm.fee") == translate("Registration", "Free")
    assert touch.text("registration.confirm.doctor").endswith(translate("Registration", "General"))
    assert registrations_of(live_server, patient_id) == []  # nothing taken before Confirm
    touch("registration.confirm")
    touch.wait_for(Step.ticket)
    assert registrations_of(live_server, patient_id) == [session["id"]]
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)
    after = next(
        s for d in schedule(api)["doctors"] for s in d["sessions"] if s["id"] == session["id"]
    )
    assert after["slots_left"] == session["slots_left"] - 1
    touch("ticket.done")
    touch.wait_for(Step.home)
    assert registrations_of(live_server, patient_id) == [session["id"]]


def test_a_session_of_another_day_confirms_that_day(
    touch: Touch, kiosk: Kiosk, api: ApiClient, live_server: EmbeddedServer, demo_now: dt.datetime
) -> None:
    tomorrow = demo_now.date() + dt.timedelta(days=1)
    session = next(
        s for d in schedule(api, tomorrow)["doctors"] for s in d["sessions"] if s["slots_left"]
    )
    open_department(touch)
    touch(f"department.session.{session['id']}")
    touch.wait_for(Step.identify)
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.confirm)
    assert touch.text("registration.confirm.session").startswith(f"{tomorrow:%m-%d} ")
    touch("registration.back")  # that day's doctors, not today's
    wait_for_reg(touch, RegStep.doctors)
    shown = kiosk.part(RegistrationFlow).schedule
    assert shown is not None
    assert shown.date == tomorrow
    assert kiosk.window.find_button(f"registration.session.{session['id']}") is not None
    touch("registration.back")  # the departments, loaded now
    wait_for_reg(touch, RegStep.departments)
    assert kiosk.window.current_screen() is kiosk.part(RegistrationView).departments
    assert registrations_of(live_server, api.identify(PATIENT)["id"]) == []


def test_a_session_filled_before_confirm_offers_other_times_and_registers_once(
    touch: Touch, kiosk: Kiosk, api: ApiClient, live_server: EmbeddedServer, demo_now: dt.datetime
) -> None:
    session = open_free_session(api, demo_now)
    patient_id = api.identify(PATIENT)["id"]
    open_department(touch)
    touch(f"department.session.{session['id']}")
    touch.wait_for(Step.identify)
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.confirm)
    fill(live_server, session["id"])
    touch("registration.confirm")
    wait_for_reg(touch, RegStep.full)
    sessions = kiosk.part(RegistrationView).sessions
    assert kiosk.window.current_screen() is sessions
    assert touch.text("registration.sessions.heading") == translate(
        "SessionsScreen", "That session is full"
    )
    assert registrations_of(live_server, patient_id) == []
    suggestions = kiosk.part(RegistrationFlow).suggestions
    assert suggestions
    assert session["id"] not in {s.session.id for s in suggestions}
    other = suggestions[0].session
    touch(f"registration.session.{other.id}")
    wait_for_reg(touch, RegStep.confirm)
    touch("registration.confirm")  # a ticket, or the fee to pay: either way one place
    touch.qtbot.waitUntil(
        lambda: registrations_of(live_server, patient_id) == [other.id], timeout=8000
    )
    touch.qtbot.wait(300)
    assert registrations_of(live_server, patient_id) == [other.id]


def test_a_session_filled_while_identifying_is_not_confirmed(
    touch: Touch, kiosk: Kiosk, api: ApiClient, live_server: EmbeddedServer, demo_now: dt.datetime
) -> None:
    session = open_free_session(api, demo_now)
    open_department(touch)
    touch(f"department.session.{session['id']}")
    touch.wait_for(Step.identify)
    fill(live_server, session["id"])
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.full)  # the places as they are now, not as shown before
    assert touch.text("registration.sessions.heading") == translate(
        "SessionsScreen", "That session is full"
    )
    assert registrations_of(live_server, api.identify(PATIENT)["id"]) == []
    touch("registration.finish")
    touch.wait_for(Step.home)


def test_one_card_per_doctor_with_clinic_level_and_one_wording_for_fees_and_places(
    touch: Touch, kiosk: Kiosk, api: ApiClient, demo_now: dt.datetime
) -> None:
    today = schedule(api)
    free = open_free_session(api, demo_now)
    open_department(touch)
    department = kiosk.part(InfoView).department
    in_schedule = session_button(department, f"department.session.{free['id']}").detail.text()
    touch("department.home")
    touch.wait_for(Step.home)
    touch("home.registration")
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.departments)
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.doctors)
    screen = kiosk.part(RegistrationView).sessions
    cards = screen.findChildren(DoctorCard)
    assert sorted(card.doctor.id for card in cards) == sorted(
        d["doctor"]["id"] for d in today["doctors"]
    )
    words = {
        ClinicLevel.general: translate("Registration", "General"),
        ClinicLevel.specialist: translate("Registration", "Specialist"),
    }
    for entry in today["doctors"]:
        card = next(c for c in cards if c.doctor.id == entry["doctor"]["id"])
        names = {b.objectName() for b in card.findChildren(CardButton)}
        assert names == {f"registration.session.{s['id']}" for s in entry["sessions"]}
        assert card.clinic.text() == words[ClinicLevel(entry["doctor"]["clinic_level"])]
        texts = [label.text() for label in card.findChildren(QLabel)]
        assert entry["doctor"]["title"]
        assert not any(entry["doctor"]["title"] in text for text in texts), texts  # not 住院医师
    in_registration = session_button(screen, f"registration.session.{free['id']}").detail.text()
    assert in_registration == in_schedule  # "余号 7 · 免费" in both places
    assert translate("Registration", "Free") in in_registration
    places = translate("Registration", "{count} places left").format(count=free["slots_left"])
    assert places in in_registration
    shown = [label.text() for label in kiosk.window.findChildren(QLabel) if label.isVisible()]
    assert shown
    assert not any("¥0.00" in text for text in shown)


def window_rect(widget: QWidget) -> QRect:
    top_left = widget.mapTo(widget.window(), QPoint(0, 0))
    return QRect(top_left, widget.size())


def test_home_is_apart_from_confirm(touch: Touch, kiosk: Kiosk, api: ApiClient) -> None:
    touch("home.registration")
    touch("identify.demo." + PATIENT)
    wait_for_reg(touch, RegStep.departments)
    touch("registration.department.A")
    wait_for_reg(touch, RegStep.doctors)
    flow = kiosk.part(RegistrationFlow)
    choice = next(c for c in flow.choices() if c.session.slots_left > 0 and c.session.fee_cents)
    touch(f"registration.session.{choice.session.id}")
    wait_for_reg(touch, RegStep.confirm)
    home = kiosk.window.find_button("registration.finish")
    confirm = kiosk.window.find_button("registration.confirm")
    assert home is not None
    assert confirm is not None
    assert home.text() == translate("Registration", "Home")
    margin = 40  # a finger's slip
    assert (
        not window_rect(home)
        .adjusted(-margin, -margin, margin, margin)
        .intersects(window_rect(confirm))
    )


def test_portrait_large_text_lists_in_one_column_of_readable_width(
    touch: Touch, kiosk: Kiosk
) -> None:
    kiosk.window.resize(1080, 1920)
    touch("home.large_text")
    open_department(touch)
    touch("department.back")
    info = kiosk.part(InfoView)
    directory = info.directory
    touch.qtbot.waitUntil(lambda: kiosk.window.current_screen() is directory, timeout=5000)
    touch.qtbot.waitUntil(lambda: directory.grid.columns == 1, timeout=5000)
    tiles = directory.grid.cards()
    assert tiles
    for tile in tiles:
        for text in tile.findChildren(QLabel):
            wide = text.fontMetrics().horizontalAdvance(WIDE_CHARACTER)
            assert text.width() >= MIN_CHARACTERS * wide, text.objectName()
    kiosk.window.resize(1920, 1080)  # landscape: two columns again, large text or not
    touch.qtbot.waitUntil(lambda: directory.grid.columns == 2, timeout=5000)


def test_a_kiosk_that_does_not_register_shows_sessions_only(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    config = demo_config(live_server.url, tmp_path / "spool")
    services = tuple(name for name in config.kiosk.services if name != REGISTRATION)
    config = config.model_copy(
        update={"kiosk": config.kiosk.model_copy(update={"services": services})}
    )
    kiosk = Kiosk(config, qapp, clock=live_server.clock)
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1920, 1080)
    kiosk.window.show()
    try:
        open_department(Touch(kiosk, qtbot))
        department = kiosk.part(InfoView).department
        sessions = [
            b
            for b in department.findChildren(CardButton)
            if b.objectName().startswith("department.session.")
        ]
        assert sessions
        assert not any(b.isEnabled() for b in sessions)
        assert department.schedule_heading.text() == translate(
            "DepartmentScreen", "Doctors' sessions in the next 7 days"
        )
        info = kiosk.part(InfoFlow)
        info.register_for(info.schedules[0].doctors[0].sessions[0].id)
        assert kiosk.flow.step == Step.service  # nothing to hand over to
        assert info.step == InfoStep.department
    finally:
        kiosk.shutdown()


def test_a_two_digit_day_never_breaks_in_the_portrait_day_chooser(kiosk: Kiosk) -> None:
    """ "12月10日" on one line: the chooser takes fewer columns for it (the audit found it
    broken as "12月/10日" on the days whose week held a two-digit day)."""
    kiosk.window.resize(1080, 1920)
    screen = kiosk.part(RegistrationView).sessions
    kiosk.window.show_screen(screen)
    first = dt.date(2026, 12, 4)
    days = [first + dt.timedelta(days=n) for n in range(7)]
    department = Department(
        id="dep-x",
        code="X",
        name="内科",
        location=Location(building="门诊楼", floor="2", room="201"),
    )
    screen.show_sessions(department, [], full=False, day=days[1], days=days)
    grid = screen.day_grid
    QApplication.processEvents()
    assert 1 < grid.columns < 7
    for tile in grid.cards():
        assert isinstance(tile, CardButton)
        assert [len(lines) for lines in laid_out_lines(tile.title)] == [1], tile.objectName()
