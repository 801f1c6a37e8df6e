"""Cancelling from my appointments when the answer is lost: the server cancelled and refunded,
the kiosk never heard; Try again sends the same key and the server replays its answer (one
cancellation, one refund, one place freed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from kiosk.api.models import CancellationResult
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendTimeoutError
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import paper_for
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.printing.tickets import TicketPrinting
from kiosk.flows.visit import Step, VisitFlow, VisitJourney
from kiosk.runner import Runner
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_KIOSK_ID, DEMO_TOKEN
from tests.helpers.booking import paid_booking
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.server import ApiClient

PATIENT = "no_appointment_today"


class LosingClient:
    """The real client, whose next cancellation answer is lost after the server answered."""

    def __init__(self, client: KioskApiClient) -> None:
        self._client = client
        self.keys: list[str] = []
        self.lose_next_answer = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def cancel_appointment(
        self, appointment_id: str, *, idempotency_key: str
    ) -> CancellationResult:
        self.keys.append(idempotency_key)
        result = self._client.cancel_appointment(appointment_id, idempotency_key=idempotency_key)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise BackendTimeoutError("the answer was lost (test)")
        return result


@pytest.fixture
def losing(
    live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot
) -> Iterator[tuple[VisitFlow, LosingClient]]:
    client = KioskApiClient(live_server.url, DEMO_TOKEN, DEMO_KIOSK_ID, read_timeout_s=5, retries=0)
    api = LosingClient(client)
    owner = QObject()
    service = PrinterService(
        SimulatedConnection(tmp_path),
        RenderOptions(paper=paper_for(80)),
        poll_interval_s=600,
        parent=owner,
    )
    printing = TicketPrinting(service, lambda: "zh_CN", parent=owner)
    flow = VisitFlow(
        api,  # the client's other calls through __getattr__
        Runner(ImmediateExecutor(), parent=owner),
        printing,
        hospital_name="示例市第一人民医院",
        today=lambda: live_server.clock().date(),
        clock=live_server.clock,
        parent=owner,
    )
    yield flow, api
    service.shutdown()
    client.close()
    shiboken6.delete(owner)


def test_a_lost_answer_then_try_again_cancels_and_refunds_once(
    losing: tuple[VisitFlow, LosingClient],
    api: ApiClient,
    live_server: EmbeddedServer,
    demo_now: dt.datetime,
) -> None:
    flow, client = losing
    booking = paid_booking(api, PATIENT, demo_now.date() + dt.timedelta(days=1))
    appointment_id, fee = booking.appointment_id, booking.fee_cents
    flow.choose(VisitJourney.appointments)
    identity = DEMO_IDENTITIES[PATIENT]
    flow.identifier_read(identity.kind, identity.value)
    assert flow.step == Step.upcoming
    flow.ask_cancel(appointment_id)
    assert flow.step == Step.cancel
    flow.confirm_cancel()
    assert flow.step == Step.cancel  # the same screen, with Try again
    assert flow.cancel_problem is not None
    assert flow.cancellation is None
    flow.confirm_cancel()
    assert flow.step == Step.cancelled
    result = flow.cancellation
    assert result is not None
    assert result.refund is not None
    assert result.refund.amount_cents == fee
    assert len(client.keys) == 2
    assert client.keys[0] == client.keys[1]  # the same key: the server replayed its answer
    conn = connect(live_server.db_path)
    try:
        rows = conn.execute("SELECT appointment_id FROM refunds").fetchall()
    finally:
        conn.close()
    assert [row[0] for row in rows] == [appointment_id]
