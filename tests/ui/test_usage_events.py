"""Usage events through the real window and the real server: what a visit reports, how it
ends, and that events wait in the journal while the server is away and arrive once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.api.models import UsageEvent
from kiosk.app import Kiosk
from kiosk.backend.errors import BackendUnreachableError
from kiosk.devices.printing.drivers import PrinterStatus, SimulatedConnection
from kiosk.flows.feedback import FeedbackFlow, FeedbackStep
from kiosk.flows.first_visit import FirstVisitStep
from kiosk.flows.idle import IdleWatcher
from kiosk.flows.payment import PayStep
from kiosk.flows.visit import Step
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.usage import FIRST_VISIT, OUTBOX_KIND
from tests.helpers.enrolment import sent_code
from tests.helpers.server import pay_page_post, pay_url_of
from tests.helpers.ui import Touch, build_kiosk, type_on_keypad
from tests.ui.test_first_visit_journey import PHONE, to_code, wait_for_first_visit
from tests.ui.test_payment_journey import open_qr, wait_for_pay

Event = tuple[str, dict[str, Any]]


def stored(server: EmbeddedServer) -> list[dict[str, Any]]:
    """The server's usage events, in the order it stored them."""
    conn = connect(server.db_path)
    try:
        rows = conn.execute(
            "SELECT kiosk_id, event_id, visit_id, kind, detail_json FROM kiosk_usage_events"
            " ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return [
        {
            "kiosk_id": row[0],
            "event_id": row[1],
            "visit_id": row[2],
            "kind": row[3],
            "detail": json.loads(row[4]),
        }
        for row in rows
    ]


def without_timings(events: list[dict[str, Any]]) -> list[Event]:
    """Kind and detail, the measured seconds left out (checked on their own)."""
    timed = ("seconds", "seconds_to_ticket")
    return [(e["kind"], {k: v for k, v in e["detail"].items() if k not in timed}) for e in events]


def deliver(qtbot: QtBot, kiosk: Kiosk, server: EmbeddedServer, count: int) -> list[dict[str, Any]]:
    """Wait until the visit's events are in the journal, send them, and wait for the server."""
    qtbot.waitUntil(lambda: kiosk.usage.saved, timeout=8000)
    kiosk.outbox.send_now()
    qtbot.waitUntil(lambda: kiosk.journal.outbox(kind=OUTBOX_KIND) == [], timeout=8000)
    events = stored(server)
    assert len(events) >= count
    return events


def test_a_keypad_check_in_reports_its_visit_in_order(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    touch("home.checkin")
    type_on_keypad(touch, "11010519491231002X")
    touch("identify.submit")
    touch.wait_for(Step.appointments)
    with qtbot.waitSignal(kiosk.ticket_printing.ticket_printed, timeout=8000):
        touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)
    touch("ticket.done")
    touch.wait_for(Step.home)

    events = deliver(qtbot, kiosk, live_server, 9)
    assert without_timings(events) == [
        ("visit_started", {"how": "typed"}),
        ("service_chosen", {"service": "checkin"}),
        ("step_reached", {"service": "checkin", "step": "identify"}),
        ("step_reached", {"service": "checkin", "step": "looking_up"}),
        ("step_reached", {"service": "checkin", "step": "appointments"}),
        ("step_reached", {"service": "checkin", "step": "checking_in"}),
        ("step_reached", {"service": "checkin", "step": "ticket"}),
        ("ticket_printed", {"service": "checkin"}),
        ("visit_finished", {"service": "checkin"}),
    ]
    assert {e["kiosk_id"] for e in events} == {"demo-kiosk"}
    (visit_id,) = {e["visit_id"] for e in events}
    assert len(visit_id) == 32
    assert len({e["event_id"] for e in events}) == len(events)
    to_ticket = events[7]["detail"]["seconds_to_ticket"]
    finished = events[8]["detail"]["seconds"]
    assert 0 < to_ticket < 60
    assert 0 < finished < 60
    everything = json.dumps(events, ensure_ascii=False)
    for patient_data in ("王", "1101", "pat-"):
        assert patient_data not in everything


def test_a_card_at_home_then_home_before_the_end_is_abandoned(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    touch("home.checkin")
    touch("identify.back")  # 返回首页 before anything
    touch.wait_for(Step.home)
    touch("home.checkin")
    touch("identify.demo.too_early")  # stands in for the card reader
    touch.wait_for(Step.notice)
    touch("notice.home")
    touch.wait_for(Step.home)

    events = deliver(qtbot, kiosk, live_server, 9)
    first, second = events[:4], events[4:]
    assert without_timings(first) == [
        ("visit_started", {"how": "none"}),
        ("service_chosen", {"service": "checkin"}),
        ("step_reached", {"service": "checkin", "step": "identify"}),
        ("visit_abandoned", {"service": "checkin", "step": "identify", "reason": "home"}),
    ]
    how = second[0]["detail"]["how"]
    assert second[0]["kind"] == "visit_started"
    assert how in {"id_card", "insurance_card"}
    assert without_timings(second)[-1] == (
        "visit_abandoned",
        {"service": "checkin", "step": "notice", "reason": "home"},
    )
    assert len({e["visit_id"] for e in first}) == len({e["visit_id"] for e in second}) == 1
    assert first[0]["visit_id"] != second[0]["visit_id"]


def test_the_idle_timeout_abandons_the_visit_where_it_stood(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    kiosk = build_kiosk(qapp, live_server, spool, idle=IdleWatcher(0.05, 1))
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        touch("home.checkin")
        qtbot.waitUntil(lambda: kiosk.flow.step == Step.home, timeout=8000)
        events = deliver(qtbot, kiosk, live_server, 4)
    finally:
        kiosk.shutdown()
        kiosk.translations.switch_to("en")
    assert without_timings(events) == [
        ("visit_started", {"how": "none"}),
        ("service_chosen", {"service": "checkin"}),
        ("step_reached", {"service": "checkin", "step": "identify"}),
        ("visit_abandoned", {"service": "checkin", "step": "identify", "reason": "idle_timeout"}),
    ]


def test_staff_called_names_the_step(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    touch("home.checkin")
    touch("header.call_staff")
    qtbot.waitUntil(lambda: kiosk.usage.saved, timeout=5000)
    kiosk.staff_call.cancel()
    kiosk.flow.go_home()
    events = deliver(qtbot, kiosk, live_server, 5)
    assert ("staff_called", {"step": "identify"}) in without_timings(events)


def feedback_visit(touch: Touch) -> None:
    touch("home.feedback")
    touch("feedback.rating.5")
    touch("feedback.submit")
    flow = touch.kiosk.part(FeedbackFlow)
    touch.qtbot.waitUntil(lambda: flow.step == FeedbackStep.thanks, timeout=5000)
    touch("feedback_thanks.finish")
    touch.wait_for(Step.home)


FEEDBACK_VISIT = [
    ("visit_started", {"how": "none"}),
    ("service_chosen", {"service": "feedback"}),
    ("step_reached", {"service": "feedback", "step": "rating"}),
    ("step_reached", {"service": "feedback", "step": "thanks"}),
    ("visit_finished", {"service": "feedback"}),
]


def usage_attempts(kiosk: Kiosk) -> list[bool]:
    """Per usage event in the outbox: whether sending it was tried."""
    return [message.attempts > 0 for message in kiosk.journal.outbox(kind=OUTBOX_KIND)]


def test_offline_events_wait_in_the_journal_and_arrive_once(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    port = urlsplit(live_server.url).port
    assert port is not None
    live_server.stop()
    feedback_visit(touch)
    qtbot.waitUntil(lambda: kiosk.usage.saved, timeout=5000)
    kiosk.outbox.send_now()
    qtbot.waitUntil(lambda: usage_attempts(kiosk) == [True] * 5, timeout=8000)

    with EmbeddedServer.start(
        live_server.db_path, seed_demo=True, clock=live_server.clock, port=port
    ) as back:
        kiosk.outbox.send_now()
        qtbot.waitUntil(lambda: kiosk.journal.outbox(kind=OUTBOX_KIND) == [], timeout=8000)
        assert without_timings(stored(back)) == FEEDBACK_VISIT
        kiosk.outbox.send_now()  # another round sends nothing again
        qtbot.wait(300)
        assert len(stored(back)) == 5


def test_a_batch_whose_answer_was_lost_is_resent_and_stored_once(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    """The server stored a batch but its answer never arrived: the events stay in the
    journal, go again in the next round, and the server keeps each once."""
    batches_sent: list[list[str]] = []

    def deliver_losing_the_first_answer(bodies: list[Mapping[str, Any]]) -> None:
        kiosk.client.send_usage_events([UsageEvent.model_validate(body) for body in bodies])
        batches_sent.append([body["event_id"] for body in bodies])
        if len(batches_sent) == 1:
            raise BackendUnreachableError("the answer was lost on the way back")

    kiosk.outbox.register_batch(OUTBOX_KIND, deliver_losing_the_first_answer, 3)
    touch("home.checkin")
    touch("identify.back")
    touch.wait_for(Step.home)
    qtbot.waitUntil(lambda: kiosk.usage.saved, timeout=5000)
    journalled = [message.body["event_id"] for message in kiosk.journal.outbox(kind=OUTBOX_KIND)]
    assert len(journalled) == 4

    def all_sent() -> bool:
        """Asks for rounds until the journal is empty: the kiosk's own timers may start rounds
        too (the failing stop's CI saw one), and the outcome must not depend on who sends."""
        kiosk.outbox.send_now()
        return kiosk.journal.outbox(kind=OUTBOX_KIND) == []

    qtbot.waitUntil(all_sent, timeout=8000)
    lost = batches_sent[0]  # stored, but the kiosk never heard so (a round may start before
    assert lost == journalled[: len(lost)]  # all four are in the journal: it sends the oldest)
    assert batches_sent[1][: len(lost)] == lost  # so the same went again, first
    assert [event_id for batch in batches_sent[1:] for event_id in batch] == journalled
    assert [e["event_id"] for e in stored(live_server)] == journalled  # each once, in order
    assert [e["kind"] for e in stored(live_server)] == [
        "visit_started",
        "service_chosen",
        "step_reached",
        "visit_abandoned",
    ]


def test_payment_outcomes_declined_cancelled_and_paid(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    payment_id = open_qr(touch)
    pay_page_post(
        pay_url_of(live_server.url, live_server.db_path, payment_id), "decline"
    ).raise_for_status()
    wait_for_pay(touch, PayStep.failed)
    touch("payment_result.retry")
    wait_for_pay(touch, PayStep.qr)
    touch("payment_qr.cancel")
    wait_for_pay(touch, PayStep.cancelled)
    touch("payment_result.finish")
    touch.wait_for(Step.home)
    cancelled_visit = deliver(qtbot, kiosk, live_server, 1)

    payment_id = open_qr(touch)
    with qtbot.waitSignal(kiosk.ticket_printing.ticket_printed, timeout=8000):
        pay_page_post(
            pay_url_of(live_server.url, live_server.db_path, payment_id), "confirm"
        ).raise_for_status()
    touch("payment_result.finish")
    touch.wait_for(Step.home)
    paid_visit = deliver(qtbot, kiosk, live_server, len(cancelled_visit) + 1)[
        len(cancelled_visit) :
    ]

    first = without_timings(cancelled_visit)
    assert [d["outcome"] for k, d in first if k == "payment"] == ["declined", "cancelled"]
    assert first[0] == ("visit_started", {"how": "insurance_card"})  # the demo's card
    assert first[-1][0] == "visit_abandoned"
    second = without_timings(paid_visit)
    assert [d["outcome"] for k, d in second if k == "payment"] == ["paid"]
    assert ("ticket_printed", {"service": "payment"}) in second
    assert second[-1] == ("visit_finished", {"service": "payment"})


def test_a_ticket_the_printer_could_not_print_reports_its_fault(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    connection = SimulatedConnection(spool)
    connection.set_status(PrinterStatus.paper_out)
    kiosk = build_kiosk(qapp, live_server, spool, printer_connection=connection)
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        touch("home.checkin")
        touch("identify.demo.one_in_window")
        touch.wait_for(Step.appointments)
        with qtbot.waitSignal(kiosk.ticket_printing.print_failed, timeout=8000):
            touch("appointments.checkin.0")
        touch("ticket.done")
        touch.wait_for(Step.home)
        events = without_timings(deliver(qtbot, kiosk, live_server, 8))
    finally:
        kiosk.shutdown()
    assert ("ticket_failed", {"service": "checkin", "fault": "paper_out"}) in events
    assert "ticket_printed" not in [kind for kind, _ in events]
    # The ticket is on screen with its QR code: the visit got what it came for.
    assert events[-1] == ("visit_finished", {"service": "checkin"})


def test_a_malformed_event_in_the_journal_is_dropped_and_the_rest_arrive(
    qtbot: QtBot, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    good = {
        "event_id": "ev-good",
        "visit_id": "",
        "at": "2026-12-03T09:00:00+08:00",
        "kind": "staff_called",
        "detail": {"step": "home"},
    }
    bad = {**good, "event_id": "ev-bad", "kind": "bogus"}
    kiosk.journal.enqueue_all(OUTBOX_KIND, [("ev-bad", bad), ("ev-good", good)])
    kiosk.outbox.send_now()
    qtbot.waitUntil(lambda: kiosk.journal.outbox(kind=OUTBOX_KIND) == [], timeout=8000)
    assert [e["event_id"] for e in stored(live_server)] == ["ev-good"]


def test_a_first_visit_reports_its_steps_and_finishes_with_the_card_number(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    to_code(touch)
    type_on_keypad(touch, sent_code(live_server.db_path, PHONE))
    touch("first_visit.code.confirm")
    wait_for_first_visit(touch, FirstVisitStep.done)
    touch("first_visit.done.home")
    touch.wait_for(Step.home)

    events = without_timings(deliver(qtbot, kiosk, live_server, 8))
    first_visit = [e for e in events if e[1].get("service") == FIRST_VISIT]
    assert first_visit == [
        ("step_reached", {"service": FIRST_VISIT, "step": "form"}),
        ("step_reached", {"service": FIRST_VISIT, "step": "code"}),
        ("step_reached", {"service": FIRST_VISIT, "step": "done"}),
    ]
    assert events[0] == ("visit_started", {"how": "id_card"})
    # Finished where the record was made, not abandoned at the home button.
    assert events[-1][0] == "visit_finished"
    assert "visit_abandoned" not in [kind for kind, _ in events]
