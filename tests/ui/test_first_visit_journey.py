"""First visit (建档/办卡) through the real window, the real server on loopback, the simulated
printer's spool and the simulated card dispenser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QPushButton

from kiosk.api.models import IDEMPOTENCY_HEADER
from kiosk.app import DEMO_NEW_PATIENT, Kiosk
from kiosk.devices.dispenser import DispenserStatus
from kiosk.devices.dispenser.simulated import SimulatedDispenser
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.flows.first_visit import FirstVisitFlow, FirstVisitStep, Output, Problem
from kiosk.flows.registration import RegistrationFlow, RegStep
from kiosk.flows.visit import Step
from kiosk.server import enrolment
from kiosk.server.clock import ManualClock
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.enrolment import sent_code
from tests.helpers.server import ApiClient
from tests.helpers.ui import Touch, type_on_keypad

PHONE = "13712345678"
translate = QCoreApplication.translate


def flow(kiosk: Kiosk) -> FirstVisitFlow:
    return kiosk.first_visit


def wait_for_first_visit(touch: Touch, step: FirstVisitStep) -> None:
    found = flow(touch.kiosk)
    touch.qtbot.waitUntil(lambda: found.step == step and not found.busy, timeout=8000)


def dispenser(kiosk: Kiosk) -> SimulatedDispenser:
    service = kiosk.devices.dispenser
    assert service is not None
    device = service.dispenser
    assert isinstance(device, SimulatedDispenser)
    return device


def patients_with_the_card(server: EmbeddedServer) -> int:
    conn = connect(server.db_path)
    try:
        row = conn.execute(
            "SELECT count(*) FROM patients WHERE id_number = ?", (DEMO_NEW_PATIENT.id_number,)
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


def to_code(touch: Touch) -> None:
    """Home → check in → the ID card without a record → 建档 → the phone → the code screen."""
    touch("home.checkin")
    touch("identify.demo.first_visit")  # stands in for the card reader's helper
    touch.wait_for(Step.notice)
    touch("notice.enrol")
    wait_for_first_visit(touch, FirstVisitStep.form)
    type_on_keypad(touch, PHONE)
    touch("first_visit.form.send")
    wait_for_first_visit(touch, FirstVisitStep.code)


def test_a_card_without_a_record_becomes_a_patient_with_a_card_then_registers(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    touch("home.checkin")
    touch("identify.demo.first_visit")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == translate("Notices", "No record yet")
    touch("notice.enrol")
    wait_for_first_visit(touch, FirstVisitStep.form)
    # The card's data, masked as every screen masks it.
    assert touch.text("first_visit.form.name") == "林*雨"
    assert touch.text("first_visit.form.id_number") == "1101**********0023"
    assert touch.text("first_visit.form.birth_date") == "1992-08-15"
    assert touch.text("first_visit.form.address") == "北京市东城区****"
    type_on_keypad(touch, PHONE)
    touch("first_visit.form.send")
    wait_for_first_visit(touch, FirstVisitStep.code)
    assert "137****5678" in touch.text("first_visit.code.sent_to")
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    card_number = flow(kiosk).card_number
    assert card_number.startswith("HC3")
    assert touch.text("first_visit.done.number") == card_number
    touch.qtbot.waitUntil(lambda: flow(kiosk).slip == Output.done, timeout=5000)
    touch.qtbot.waitUntil(lambda: flow(kiosk).card == Output.done, timeout=5000)
    assert any(card_number.encode() in job.read_bytes() for job in spool.glob("*.bin"))
    assert dispenser(kiosk).dispensed == 1
    assert touch.text("first_visit.done.card_state") == translate(
        "FirstVisitDoneScreen", "Please take your patient card from the card slot."
    )
    assert patients_with_the_card(live_server) == 1
    # 挂号 at once, the new patient identified.
    touch("first_visit.done.register")
    registration = kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(
        lambda: registration.step == RegStep.departments and not registration.busy, timeout=8000
    )
    assert kiosk.flow.patient is not None
    assert kiosk.flow.patient.display_name == "林*雨"


def test_a_wrong_code_says_the_tries_left_and_the_right_one_still_works(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    to_code(touch)
    right = sent_code(live_server.db_path, PHONE)
    type_on_keypad(touch, "000000" if right != "000000" else "111111")
    touch("first_visit.code.confirm")
    touch.qtbot.waitUntil(lambda: flow(kiosk).problem == Problem.code_wrong, timeout=8000)
    left = enrolment.CODE_ATTEMPTS - 1
    assert touch.text("first_visit.code.problem") == translate(
        "FirstVisitCodeScreen", "The code is wrong. {count} tries left."
    ).format(count=left)
    assert patients_with_the_card(live_server) == 0
    type_on_keypad(touch, right)  # the wrong code was cleared from the keypad
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    assert patients_with_the_card(live_server) == 1


def test_an_expired_code_asks_for_a_new_one_which_works(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, manual_clock: ManualClock
) -> None:
    to_code(touch)
    resend = kiosk.window.find_button("first_visit.code.resend")
    assert resend is not None
    assert not resend.isEnabled()  # the cooldown
    old = sent_code(live_server.db_path, PHONE)
    manual_clock.advance(enrolment.CODE_LIFETIME + dt.timedelta(seconds=1))
    type_on_keypad(touch, old)
    touch("first_visit.code.confirm")
    touch.qtbot.waitUntil(lambda: flow(kiosk).problem == Problem.code_expired, timeout=8000)
    assert resend.isEnabled()
    touch("first_visit.code.resend")
    touch.qtbot.waitUntil(lambda: sent_code(live_server.db_path, PHONE) != old, timeout=8000)
    wait_for_first_visit(touch, FirstVisitStep.code)
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    assert patients_with_the_card(live_server) == 1


def test_a_mistyped_number_is_said_on_the_form(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.checkin")
    touch("identify.demo.first_visit")
    touch.wait_for(Step.notice)
    touch("notice.enrol")
    wait_for_first_visit(touch, FirstVisitStep.form)
    type_on_keypad(touch, "12345678901")  # 11 digits, not a mobile number
    touch("first_visit.form.send")
    assert flow(kiosk).problem == Problem.invalid_phone
    assert touch.text("first_visit.form.problem") == translate(
        "FirstVisitFormScreen", "This is not a mobile number. It has 11 digits and starts with 1."
    )


def test_the_server_away_at_confirm_makes_nothing_and_says_try_again(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    to_code(touch)
    code = sent_code(live_server.db_path, PHONE)
    type_on_keypad(touch, code)
    live_server.stop()
    touch("first_visit.code.confirm")
    touch.qtbot.waitUntil(lambda: flow(kiosk).problem == Problem.not_sure, timeout=15000)
    assert flow(kiosk).step == FirstVisitStep.code
    confirm = kiosk.window.find_button("first_visit.code.confirm")
    assert confirm is not None
    assert confirm.isEnabled()  # the same code again, with the same key
    assert patients_with_the_card(live_server) == 0
    assert list(spool.glob("*.bin")) == []
    assert dispenser(kiosk).dispensed == 0


def test_an_empty_dispenser_still_gives_the_number_on_screen_and_slip(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    dispenser(kiosk).set_cards(0)
    to_code(touch)
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    touch.qtbot.waitUntil(lambda: flow(kiosk).card == Output.failed, timeout=5000)
    touch.qtbot.waitUntil(lambda: flow(kiosk).slip == Output.done, timeout=5000)
    card_number = flow(kiosk).card_number
    assert touch.text("first_visit.done.number") == card_number
    assert translate("FirstVisitDoneScreen", "The kiosk has run out of cards.") in touch.text(
        "first_visit.done.card_state"
    )
    assert any(card_number.encode() in job.read_bytes() for job in spool.glob("*.bin"))
    service = kiosk.devices.dispenser
    assert service is not None
    assert service.status == DispenserStatus.empty
    # The technician's card shows it.
    card = next(c for c in kiosk.devices.device_cards() if c.name == "card_dispenser")
    assert (card.state, card.light.value) == ("empty", "fault")
    assert {r.counter.value: r.today for r in card.counters}["dispense_failed"] == 1


def test_a_jammed_dispenser_is_said_and_counted_once(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    dispenser(kiosk).set_fault(DispenserStatus.jammed)
    to_code(touch)
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    touch.qtbot.waitUntil(lambda: flow(kiosk).card == Output.failed, timeout=5000)
    assert translate("FirstVisitDoneScreen", "The card dispenser is jammed.") in touch.text(
        "first_visit.done.card_state"
    )
    assert dispenser(kiosk).dispensed == 0
    assert patients_with_the_card(live_server) == 1


def test_a_printer_fault_offers_a_reprint_and_the_card_still_comes(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, spool: Path
) -> None:
    connection = kiosk.printer.connection
    assert isinstance(connection, SimulatedConnection)
    connection.set_status(PrinterStatus.paper_out)
    to_code(touch)
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    touch.qtbot.waitUntil(lambda: flow(kiosk).slip == Output.failed, timeout=5000)
    touch.qtbot.waitUntil(lambda: flow(kiosk).card == Output.done, timeout=5000)
    assert list(spool.glob("*.bin")) == []
    connection.set_status(PrinterStatus.ok)
    touch("first_visit.done.reprint")
    touch.qtbot.waitUntil(lambda: flow(kiosk).slip == Output.done, timeout=5000)
    assert len(list(spool.glob("*.bin"))) == 1
    assert dispenser(kiosk).dispensed == 1  # a reprint dispenses nothing
    assert patients_with_the_card(live_server) == 1


def test_a_record_made_meanwhile_is_409_and_the_patient_is_identified(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, other_kiosk: ApiClient
) -> None:
    to_code(touch)
    # Another kiosk makes the record first (the patient started twice).
    assert other_kiosk.post("/enrolment/phone-codes", json={"phone": "13600001111"}).ok
    made = other_kiosk.post(
        "/patients",
        json={
            "id_number": DEMO_NEW_PATIENT.id_number,
            "name": DEMO_NEW_PATIENT.name,
            "phone": "13600001111",
            "phone_code": sent_code(live_server.db_path, "13600001111"),
        },
        headers={IDEMPOTENCY_HEADER: "elsewhere"},
    )
    assert made.status_code == 200, made.text
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.existing)
    assert touch.text("first_visit.done.heading") == translate(
        "FirstVisitDoneScreen", "You already have a record here. Your ID card identifies you."
    )
    assert patients_with_the_card(live_server) == 1
    assert dispenser(kiosk).dispensed == 0
    touch("first_visit.done.register")
    registration = kiosk.part(RegistrationFlow)
    touch.qtbot.waitUntil(lambda: registration.step == RegStep.departments, timeout=8000)


def test_going_home_wipes_the_card_holder(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.checkin")
    touch("identify.demo.first_visit")
    touch.wait_for(Step.notice)
    touch("notice.enrol")
    wait_for_first_visit(touch, FirstVisitStep.form)
    touch("first_visit.form.back")
    touch.wait_for(Step.home)
    assert flow(kiosk).holder is None
    assert flow(kiosk).step == FirstVisitStep.rest
    assert touch.kiosk.first_visit_view.form.values["name"].text() == ""


def test_a_typed_id_number_without_a_record_offers_no_record_making(
    touch: Touch, kiosk: Kiosk
) -> None:
    """Without the card's chip there is no name to put on a record: the usual notice."""
    touch("home.checkin")
    touch.wait_for(Step.identify)
    type_on_keypad(touch, DEMO_NEW_PATIENT.id_number)
    touch("identify.submit")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == translate("Notices", "We could not find you")
    enrol = kiosk.window.find_button("notice.enrol")
    assert enrol is not None
    assert not enrol.isVisible()
    kiosk.flow.enrol()  # nothing to enrol with
    assert kiosk.flow.step == Step.notice


def test_the_phone_and_code_keypads_have_no_x_key(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.checkin")
    touch("identify.demo.first_visit")
    touch.wait_for(Step.notice)
    touch("notice.enrol")
    wait_for_first_visit(touch, FirstVisitStep.form)
    form = kiosk.first_visit_view.form
    x_key = form.keypad.findChild(QPushButton, "keypad.x")
    assert x_key is not None
    assert not x_key.isVisible()


def test_after_the_record_the_same_card_identifies_no_second_record_or_card(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    """The visit ended (or the kiosk stopped) right after the record was made: the card now
    identifies its holder, and nothing is made or dispensed again."""
    to_code(touch)
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    touch.qtbot.waitUntil(lambda: flow(kiosk).card == Output.done, timeout=5000)
    touch("first_visit.done.home")
    touch.wait_for(Step.home)
    touch("home.checkin")
    touch("identify.demo.first_visit")
    touch.wait_for(Step.notice)
    assert kiosk.flow.patient is not None  # identified: no appointment today
    assert kiosk.flow.notice is not None
    assert not kiosk.flow.notice.can_enrol
    assert patients_with_the_card(live_server) == 1
    assert dispenser(kiosk).dispensed == 1


def test_the_same_number_again_within_a_minute_goes_to_the_code_already_sent(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    to_code(touch)
    code = sent_code(live_server.db_path, PHONE)
    touch("first_visit.code.change_phone")
    wait_for_first_visit(touch, FirstVisitStep.form)
    touch("first_visit.form.send")  # the number is still typed: the same one again
    wait_for_first_visit(touch, FirstVisitStep.code)
    assert flow(kiosk).problem == Problem.code_cooldown
    assert sent_code(live_server.db_path, PHONE) == code  # no new code replaced it
    resend = kiosk.window.find_button("first_visit.code.resend")
    assert resend is not None
    assert not resend.isEnabled()
    type_on_keypad(touch, code)
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)


def test_a_lost_answer_retried_gets_the_same_record_and_card_number(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, api: ApiClient
) -> None:
    """The server made the record but its answer never reached the kiosk: the kiosk's next
    try carries the same Idempotency-Key and gets that record, not a second one."""
    to_code(touch)
    code = sent_code(live_server.db_path, PHONE)
    lost = api.post(  # what the first try did at the server (this kiosk's token and key)
        "/patients",
        json={
            "id_number": DEMO_NEW_PATIENT.id_number,
            "name": DEMO_NEW_PATIENT.name,
            "address": DEMO_NEW_PATIENT.address,
            "phone": PHONE,
            "phone_code": code,
        },
        headers={IDEMPOTENCY_HEADER: flow(kiosk).creation_key},
    )
    assert lost.status_code == 200, lost.text
    type_on_keypad(touch, code)
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    assert flow(kiosk).card_number == lost.json()["patient_card"]
    touch.qtbot.waitUntil(lambda: flow(kiosk).card == Output.done, timeout=5000)
    assert patients_with_the_card(live_server) == 1
    assert dispenser(kiosk).dispensed == 1
