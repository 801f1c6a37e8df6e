"""Feedback through the real window: kept in the journal first, delivered once, even when the
server is down while the patient gives it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.api.models import FeedbackRequest
from kiosk.app import Kiosk
from kiosk.backend.errors import BackendUnreachableError
from kiosk.flows.feedback import OUTBOX_KIND, FeedbackFlow, FeedbackStep
from kiosk.flows.visit import Step
from kiosk.journal import Journal
from kiosk.outbox import OutboxSender
from kiosk.runner import Runner, background_executor
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.feedback_view import FeedbackView
from tests.helpers.ui import Touch


def feedback_rows(server: EmbeddedServer) -> list[tuple[int, list[str], str]]:
    conn = sqlite3.connect(server.db_path)
    try:
        rows = conn.execute("SELECT rating, tags_json, kiosk_id FROM feedback").fetchall()
    finally:
        conn.close()
    return [(rating, json.loads(tags), kiosk_id) for rating, tags, kiosk_id in rows]


def give_feedback(touch: Touch) -> None:
    touch("home.feedback")
    send = touch.kiosk.window.find_button("feedback.submit")
    assert send is not None
    assert not send.isEnabled()  # a face first
    touch("feedback.rating.4")
    touch("feedback.tag.waiting_time")
    touch("feedback.tag.this_kiosk")
    touch("feedback.tag.waiting_time")  # changed their mind
    touch("feedback.submit")
    flow = touch.kiosk.part(FeedbackFlow)
    touch.qtbot.waitUntil(lambda: flow.step == FeedbackStep.thanks, timeout=5000)


def test_feedback_reaches_the_server_once(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    give_feedback(touch)
    assert kiosk.window.current_screen() is kiosk.part(FeedbackView).thanks
    touch.qtbot.waitUntil(lambda: feedback_rows(live_server) != [], timeout=5000)
    assert feedback_rows(live_server) == [(4, ["this_kiosk"], "demo-kiosk")]
    touch.qtbot.waitUntil(lambda: kiosk.journal.outbox(kind=OUTBOX_KIND) == [], timeout=5000)
    kiosk.outbox.send_now()  # another round sends nothing again
    touch.qtbot.wait(300)
    assert len(feedback_rows(live_server)) == 1
    touch("feedback_thanks.finish")
    touch.wait_for(Step.home)


def test_thanks_returns_home_by_itself(qtbot: QtBot, kiosk: Kiosk, touch: Touch) -> None:
    kiosk.part(FeedbackFlow)._thanks.setInterval(200)
    give_feedback(touch)
    touch.wait_for(Step.home)


def test_server_down_keeps_the_feedback_and_sends_it_later(
    touch: Touch, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    live_server.stop()
    give_feedback(touch)  # the patient is thanked all the same
    touch.qtbot.waitUntil(lambda: feedback_attempts(kiosk.journal) == [1], timeout=8000)
    assert kiosk.journal.outbox(kind=OUTBOX_KIND)[0].body["rating"] == 4


def test_a_lost_answer_is_resent_with_the_same_key_and_not_doubled(
    qtbot: QtBot, kiosk: Kiosk, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    """The server stored the feedback but its answer never arrived: the resend carries the
    same Idempotency-Key and the server keeps one row. The message waits in a journal of its
    own: the kiosk's outbox, started with the kiosk, would otherwise send it too."""
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.enqueue("feedback", "key-1", {"rating": 2, "tags": ["prices"], "comment": ""})
    lost = {"first": True}

    def deliver_losing_the_first_answer(body: object, key: str) -> None:
        kiosk.client.send_feedback(FeedbackRequest.model_validate(body), idempotency_key=key)
        if lost["first"]:
            lost["first"] = False
            raise BackendUnreachableError("the answer was lost on the way back")

    runner = Runner(background_executor("test-outbox"))
    sender = OutboxSender(journal, runner)
    sender.register(OUTBOX_KIND, deliver_losing_the_first_answer)
    sender.send_now()
    qtbot.waitUntil(lambda: feedback_attempts(journal) == [1], timeout=5000)
    sender.send_now()
    qtbot.waitUntil(lambda: journal.outbox(kind=OUTBOX_KIND) == [], timeout=5000)
    assert [row[:2] for row in feedback_rows(live_server)] == [(2, ["prices"])]
    journal.close()


def test_a_malformed_message_is_dropped_and_does_not_block_the_queue(
    qtbot: QtBot, kiosk: Kiosk, live_server: EmbeddedServer
) -> None:
    kiosk.journal.enqueue("feedback", "bad", {"rating": 9})
    kiosk.journal.enqueue("feedback", "good", {"rating": 5, "tags": []})
    kiosk.outbox.send_now()
    qtbot.waitUntil(lambda: kiosk.journal.outbox(kind=OUTBOX_KIND) == [], timeout=5000)
    assert [row[0] for row in feedback_rows(live_server)] == [5]


def feedback_attempts(journal: Journal) -> list[int]:
    """How often each feedback still in the outbox was tried (usage events wait there too)."""
    return [message.attempts for message in journal.outbox(kind=OUTBOX_KIND)]
