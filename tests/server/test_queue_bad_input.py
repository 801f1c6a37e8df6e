"""Bad input to the queue API: a clear 4xx with an ErrorBody, never a 5xx, and nothing changed.

The cases are ``benchmarks.queue_load.BAD_INPUTS``; the load benchmark sends the same ones to
``kiosk-server`` after two stations have emptied a queue.
"""

from __future__ import annotations

import pytest
import requests

from benchmarks.queue_load import (
    BAD_INPUTS,
    Targets,
    call_next,
    find_targets,
    queue_state,
    refusal_problem,
    send_bad_input,
    sign_in,
)
from kiosk.api.models import API_PREFIX
from kiosk.server import stations
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.server import DEMO_NOW

STATION = "test-all-queues"
PASSWORD = "test-station-password"


@pytest.fixture
def targets(live_server: EmbeddedServer) -> Targets:
    """A station calling every queue of the demo hospital, signed in; of its queues one with
    a patient waiting and one with nobody waiting."""
    conn = connect(live_server.db_path)
    try:
        queues = [row["id"] for row in conn.execute("SELECT id FROM queues ORDER BY sort, id")]
        stations.add_station(conn, STATION, PASSWORD, queues, name="Test station", now=DEMO_NOW)
    finally:
        conn.close()
    with requests.Session() as session:
        token = sign_in(session, live_server.url, STATION, PASSWORD)
    return find_targets(live_server.db_path, DEMO_NOW.date(), queues, token)


@pytest.mark.parametrize("what", list(BAD_INPUTS))
def test_bad_input_is_refused_clearly_and_changes_nothing(
    what: str, live_server: EmbeddedServer, targets: Targets
) -> None:
    bad = BAD_INPUTS[what](targets)
    before = queue_state(live_server.db_path)
    with requests.Session() as session:
        response = send_bad_input(session, live_server.url, bad)
    assert response.status_code < 500, response.text
    assert refusal_problem(response, bad) is None
    assert queue_state(live_server.db_path) == before, "the queue changed"


def test_after_all_bad_input_the_next_call_is_the_patient_who_was_next(
    live_server: EmbeddedServer, targets: Targets
) -> None:
    with requests.Session() as session:
        view = f"{live_server.url}{API_PREFIX}/queues/{targets.queue_with_waiting}"
        auth = {"Authorization": f"Bearer {targets.token}"}
        next_up = session.get(view, headers=auth, timeout=10).json()["waiting"][0]
        for make in BAD_INPUTS.values():
            send_bad_input(session, live_server.url, make(targets))
        called = call_next(session, live_server.url, targets.token, targets.queue_with_waiting)
        assert called.status_code == 200, called.text
        assert (called.json()["id"], called.json()["number"]) == (next_up["id"], next_up["number"])
        assert called.json()["state"] == "called"
