"""``kiosk --demo`` prints the phone page of every ticket the kiosk issues, once, so whoever
tries the demo can open it in a browser (the wiring of ``kiosk.app.run_demo``)."""

from __future__ import annotations

import io

import requests

from kiosk.app import Kiosk, print_ticket_links
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.ui import Touch


def test_each_ticket_prints_its_phone_page_once(
    kiosk: Kiosk, touch: Touch, live_server: EmbeddedServer
) -> None:
    out = io.StringIO()
    print_ticket_links(kiosk.flow, out)
    touch("home.checkin")
    touch("identify.demo.one_in_window")
    touch.wait_for(Step.appointments)
    touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)
    ticket = kiosk.flow.ticket
    assert ticket is not None
    assert out.getvalue() == f"phone page of ticket {ticket.number}: {ticket.status_url}\n"
    assert ticket.status_url.startswith(f"{live_server.url}/q/")
    page = requests.get(ticket.status_url, timeout=10)
    assert page.status_code == 200
    assert ticket.number in page.text
    token = ticket.status_url.rsplit("/", 1)[1]
    status = requests.get(f"{live_server.url}/api/v1/track/{token}", timeout=10)
    assert status.status_code == 200, status.text
    assert status.json()["number"] == ticket.number
    touch("ticket.reprint")  # the same ticket again: no second line
    touch.qtbot.wait(100)
    assert out.getvalue().count("\n") == 1
    touch("ticket.done")
    touch.wait_for(Step.home)
    touch("home.appointments")
    touch("identify.demo.already_checked_in")
    touch.wait_for(Step.upcoming)
    assert out.getvalue().count("\n") == 1  # a list of appointments is no ticket
