"""A kiosk killed (SIGKILL) after the server cancelled an appointment and refunded its fee, but
before the answer arrived, refunds once and frees the place once.

Real processes and parts: the kiosk runs as its own process (``tests/scripts/kiosk_journey.py``)
against the reference server on loopback, through a loopback proxy that lets the cancellation
reach the server and swallows its answer. The kiosk's cancellation key lived only in the dead
process: the patient coming back to the restarted kiosk cancels with a new one, and the server
must say it is cancelled already rather than refund again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.booking import paid_booking, slots_left
from tests.helpers.holding_proxy import HoldingProxy
from tests.helpers.kiosk_process import KioskProcess, write_config
from tests.helpers.server import ApiClient

PATIENT = "no_appointment_today"
HOLD_TIMEOUT_S = 30.0


def refunds(server: EmbeddedServer) -> list[tuple[str, int]]:
    conn = connect(server.db_path)
    try:
        rows = conn.execute("SELECT appointment_id, amount_cents FROM refunds").fetchall()
    finally:
        conn.close()
    return [(str(row[0]), int(row[1])) for row in rows]


def test_killed_after_the_server_cancelled_refunds_once_and_says_so_on_retry(
    live_server: EmbeddedServer, api: ApiClient, demo_now: dt.datetime, tmp_path: Path
) -> None:
    booking = paid_booking(api, PATIENT, demo_now.date() + dt.timedelta(days=1))
    places = slots_left(api, booking)
    identity = DEMO_IDENTITIES[PATIENT]
    card = (identity.kind.value, identity.value, booking.appointment_id)
    proxy = HoldingProxy(live_server.url)
    config = tmp_path / "kiosk.toml"
    write_config(config, proxy.url, tmp_path / "spool")
    data = tmp_path / "data"
    started: list[KioskProcess] = []
    try:
        proxy.hold("POST", r"^/api/v1/appointments/[^/]+/cancel$")
        started.append(first := KioskProcess(config, data, "cancel", *card, now=demo_now))
        assert first.expect("listed") == ["booked"]
        assert proxy.held.wait(HOLD_TIMEOUT_S)
        assert proxy.held_status == 200  # cancelled and refunded at the server
        first.kill()
        assert refunds(live_server) == [(booking.appointment_id, booking.fee_cents)]
        assert slots_left(api, booking) == places + 1

        # The patient comes back: the appointment shows as cancelled, and cancelling it again
        # (a new key: the old one died with the kiosk) is refused as cancelled already.
        started.append(again := KioskProcess(config, data, "cancel", *card, now=demo_now))
        assert again.expect("listed") == ["cancelled"]
        assert again.expect("refused") == ["already_cancelled"]
        again.kill()
    finally:
        for process in started:
            process.close()
        proxy.close()
    assert refunds(live_server) == [(booking.appointment_id, booking.fee_cents)]
    assert slots_left(api, booking) == places + 1
