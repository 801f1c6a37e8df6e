"""The staff call's flow against the live server: sent once, followed, withdrawn, retried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from pytestqt.qtbot import QtBot

from kiosk.api.models import StaffCall
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendTimeoutError
from kiosk.flows.staff_call import CallStep, StaffCallFlow
from kiosk.runner import Runner
from kiosk.server.db import Target, connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN
from tests.helpers.executors import ImmediateExecutor, ManualExecutor


@pytest.fixture
def client(live_server: EmbeddedServer) -> Iterator[KioskApiClient]:
    built = KioskApiClient(live_server.url, DEMO_TOKEN, DEMO_KIOSK_ID)
    yield built
    built.close()


class LosesFirstAnswer:
    """The real client, but the answer to the first call is lost on the way back (the server
    has the call; the kiosk sees a timeout): what a flaky network does."""

    def __init__(self, client: KioskApiClient) -> None:
        self.client = client
        self.keys: list[str] = []

    def call_staff(self, screen: str, *, idempotency_key: str) -> StaffCall:
        self.keys.append(idempotency_key)
        call = self.client.call_staff(screen, idempotency_key=idempotency_key)
        if len(self.keys) == 1:
            raise BackendTimeoutError("POST /staff-calls: no answer in time")
        return call

    def staff_call(self, call_id: str) -> StaffCall:
        return self.client.staff_call(call_id)

    def cancel_staff_call(self, call_id: str, *, idempotency_key: str) -> StaffCall:
        return self.client.cancel_staff_call(call_id, idempotency_key=idempotency_key)


def rows(db: Target) -> list[dict[str, object]]:
    conn = connect(db)
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM staff_calls")]
    finally:
        conn.close()


def acknowledge(server: EmbeddedServer, call_id: str) -> None:
    url = f"{server.url}/admin/staff-calls/{call_id}/acknowledge"
    assert requests.post(url, timeout=10).status_code == 200


def test_a_lost_answer_is_sent_again_and_the_call_is_not_doubled(
    client: KioskApiClient, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    api = LosesFirstAnswer(client)
    flow = StaffCallFlow(
        api, Runner(ImmediateExecutor()), screen=lambda: "payment_qr", retry_interval_ms=50
    )
    steps: list[CallStep] = []
    flow.step_changed.connect(steps.append)
    flow.call()
    assert flow.step == CallStep.unsent  # the patient is told to ask at the desk meanwhile
    qtbot.waitUntil(lambda: flow.step == CallStep.waiting, timeout=5000)
    assert steps == [CallStep.sending, CallStep.unsent, CallStep.waiting]
    assert len(api.keys) == 2
    assert api.keys[0] == api.keys[1]
    stored = rows(live_server.db_path)
    assert len(stored) == 1
    assert stored[0]["id"] == flow.call_id
    assert stored[0]["screen"] == "payment_qr"


def test_staff_acknowledge_and_the_kiosk_learns_it(
    client: KioskApiClient, live_server: EmbeddedServer, qtbot: QtBot
) -> None:
    flow = StaffCallFlow(
        client,
        Runner(ImmediateExecutor()),
        screen=lambda: "home",
        poll_interval_ms=50,
        show_acknowledged_ms=200,
    )
    flow.call()
    flow.call()  # a second tap while the call is open adds nothing
    assert flow.step == CallStep.waiting
    assert len(rows(live_server.db_path)) == 1
    assert flow.call_id is not None
    acknowledge(live_server, flow.call_id)
    qtbot.waitUntil(lambda: flow.step == CallStep.acknowledged, timeout=5000)
    qtbot.waitUntil(lambda: flow.step == CallStep.idle, timeout=5000)  # shown briefly


def test_cancelling_withdraws_the_call_even_before_the_server_answered(
    client: KioskApiClient, live_server: EmbeddedServer
) -> None:
    network = ManualExecutor()
    flow = StaffCallFlow(client, Runner(network), screen=lambda: "bills")
    flow.call()
    flow.cancel()  # the patient changed their mind while the call was on its way
    assert flow.step == CallStep.idle
    network.run_all()  # the server's late answer, then the withdrawal it sets off
    network.run_all()
    assert [row["status"] for row in rows(live_server.db_path)] == ["cancelled"]

    flow.call()
    network.run_all()
    assert flow.step == CallStep.waiting
    flow.cancel()
    network.run_all()
    assert sorted(str(row["status"]) for row in rows(live_server.db_path)) == [
        "cancelled",
        "cancelled",
    ]


def test_the_end_of_the_visit_leaves_the_call_to_staff(
    client: KioskApiClient, live_server: EmbeddedServer
) -> None:
    flow = StaffCallFlow(client, Runner(ImmediateExecutor()), screen=lambda: "ticket")
    flow.call()
    flow.end()
    assert flow.step == CallStep.idle
    assert [row["status"] for row in rows(live_server.db_path)] == ["open"]


def test_a_refused_call_is_not_sent_again(live_server: EmbeddedServer, qtbot: QtBot) -> None:
    wrong = KioskApiClient(live_server.url, "not-this-kiosks-token", DEMO_KIOSK_ID)
    network = ManualExecutor()
    flow = StaffCallFlow(wrong, Runner(network), screen=lambda: "home", retry_interval_ms=20)
    try:
        flow.call()
        network.run_next()
        assert flow.step == CallStep.unsent
        qtbot.wait(200)
        assert network.waiting == 0  # 401 again would change nothing
    finally:
        wrong.close()


def test_a_screen_name_that_is_not_one_is_sent_as_unknown(
    client: KioskApiClient, live_server: EmbeddedServer
) -> None:
    flow = StaffCallFlow(client, Runner(ImmediateExecutor()), screen=lambda: "Mr Zhang's bills")
    flow.call()
    assert flow.step == CallStep.waiting
    assert [row["screen"] for row in rows(live_server.db_path)] == ["unknown"]
