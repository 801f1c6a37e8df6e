"""Finding 2: a kiosk token alone must not read every patient's appointments and bills, and
identify must be rate limited per kiosk.

Identify answers with a short-lived visit token bound to the kiosk and the patient;
patient-scoped calls need it in ``X-Visit-Token``; the kiosk ends the visit at the idle wipe
or 返回首页 with ``DELETE /api/v1/visits/current``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.api.models import IDEMPOTENCY_HEADER, IdentifierKind
from kiosk.flows.notices import Notice, NoticeKind
from kiosk.flows.visit import Step
from kiosk.server.clock import ManualClock
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_KIOSK_ID
from kiosk.ui.i18n import Translations, ts_path, unfinished_messages
from kiosk.ui.messages import notice_text
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.flows import Rig, build_rig
from tests.helpers.server import ApiClient

VISIT = "X-Visit-Token"


def identify(session: ApiClient, scenario: str) -> requests.Response:
    ident = DEMO_IDENTITIES[scenario]
    return session.post("/patients/identify", json={"kind": ident.kind, "value": ident.value})


@pytest.fixture
def raw(live_server: EmbeddedServer) -> Iterator[ApiClient]:
    """A kiosk client that manages no visit token by itself."""
    client = ApiClient(live_server.url)
    client.session.headers.pop(VISIT, None)
    yield client
    client.close()


def visit(raw: ApiClient, scenario: str) -> tuple[str, str]:
    response = identify(raw, scenario)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    token = body["visit_token"]
    assert len(token) >= 32
    return body["id"], token


def test_patient_scoped_calls_need_the_visit_token_of_that_patient(raw: ApiClient) -> None:
    patient, token = visit(raw, "unpaid_bills")
    other, other_token = visit(raw, "no_appointment_today")
    for path in (f"/patients/{patient}/appointments", f"/patients/{patient}/bills"):
        missing = raw.get(path)
        assert missing.status_code == 403, missing.text
        assert missing.json()["error"]["code"] == "visit_token_required"
        wrong = raw.get(path, headers={VISIT: other_token})
        assert wrong.status_code == 403
        assert wrong.json()["error"]["code"] == "wrong_patient"
        made_up = raw.get(path, headers={VISIT: "x" * 43})
        assert made_up.status_code == 403
        assert made_up.json()["error"]["code"] == "visit_token_required"
        assert raw.get(path, headers={VISIT: token}).status_code == 200
    bills = raw.get(f"/patients/{patient}/bills", headers={VISIT: token}).json()["bills"]
    pay = raw.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [bills[0]["id"]]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex, VISIT: other_token},
    )
    assert pay.status_code == 403
    assert pay.json()["error"]["code"] == "wrong_patient"
    registration = raw.post(
        "/registrations",
        json={"patient_id": other, "session_id": "ses-none"},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert registration.status_code == 403
    assert registration.json()["error"]["code"] == "visit_token_required"


def test_check_in_needs_the_visit_of_the_appointments_patient(raw: ApiClient) -> None:
    patient, token = visit(raw, "one_in_window")
    _, other_token = visit(raw, "no_appointment_today")
    appointments = raw.get(f"/patients/{patient}/appointments", headers={VISIT: token}).json()[
        "appointments"
    ]
    appointment = appointments[0]["id"]
    path = f"/appointments/{appointment}/check-in"
    assert raw.post(path, json={}, headers={IDEMPOTENCY_HEADER: "k1"}).status_code == 403
    wrong = raw.post(path, json={}, headers={IDEMPOTENCY_HEADER: "k2", VISIT: other_token})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "wrong_patient"
    assert raw.post(path, json={}, headers={IDEMPOTENCY_HEADER: "k3", VISIT: token}).ok


def test_a_visit_token_is_bound_to_its_kiosk_and_ends(
    raw: ApiClient, other_kiosk: ApiClient, manual_clock: ManualClock
) -> None:
    patient, token = visit(raw, "unpaid_bills")
    path = f"/patients/{patient}/bills"
    stolen = other_kiosk.get(path, headers={VISIT: token})
    assert stolen.status_code == 403
    ended = raw.request("DELETE", "/visits/current", headers={VISIT: token})
    assert ended.status_code == 200, ended.text
    assert raw.get(path, headers={VISIT: token}).status_code == 403
    # ending twice, or an unknown visit, is harmless
    assert raw.request("DELETE", "/visits/current", headers={VISIT: token}).status_code == 200
    # a visit token lapses by itself after some minutes
    _, fresh = visit(raw, "unpaid_bills")
    assert raw.get(path, headers={VISIT: fresh}).status_code == 200
    manual_clock.advance(dt.timedelta(hours=1))
    lapsed = raw.get(path, headers={VISIT: fresh})
    assert lapsed.status_code == 403
    assert lapsed.json()["error"]["code"] == "visit_token_required"


def test_identify_is_rate_limited_per_kiosk(
    raw: ApiClient, other_kiosk: ApiClient, manual_clock: ManualClock
) -> None:
    for _ in range(10):
        assert identify(raw, "unpaid_bills").status_code == 200
    limited = identify(raw, "unpaid_bills")
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "too_many_identifications"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # unknown identifiers count too: no enumeration of phone numbers
    assert (
        raw.post("/patients/identify", json={"kind": "phone", "value": "13900000000"}).status_code
        == 429
    )
    assert identify(other_kiosk, "unpaid_bills").status_code == 200  # per kiosk
    manual_clock.advance(dt.timedelta(seconds=61))
    assert identify(raw, "unpaid_bills").status_code == 200


def test_a_kiosk_tripping_the_limit_repeatedly_is_flagged_on_the_fleet_page(
    raw: ApiClient, live_server: EmbeddedServer, manual_clock: ManualClock
) -> None:
    for _ in range(3):
        for _ in range(12):
            identify(raw, "unpaid_bills")
        manual_clock.advance(dt.timedelta(seconds=61))
    fleet = requests.get(f"{live_server.url}/admin/kiosks?format=json", timeout=10).json()
    demo = next(k for k in fleet["kiosks"] if k["kiosk_id"] == DEMO_KIOSK_ID)
    assert demo["identify_rate_limited"] >= 3
    assert any("identify" in warning for warning in demo["warnings"])
    page = requests.get(f"{live_server.url}/admin/kiosks", timeout=10).text
    assert "identify" in page


def test_the_client_keeps_the_visit_token_and_go_home_ends_the_visit(
    qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Any, raw: ApiClient
) -> None:
    rigs = build_rig(
        live_server.url, tmp_path / "spool", ImmediateExecutor(), lambda: dt.date(2025, 3, 10)
    )
    rig: Rig = next(rigs)
    try:
        ident = DEMO_IDENTITIES["one_in_window"]
        rig.flow.identifier_read(IdentifierKind(ident.kind), ident.value)
        qtbot.waitUntil(lambda: rig.flow.step == Step.appointments, timeout=8000)
        token = rig.client.visit_token
        assert token
        patient = rig.flow.patient
        assert patient is not None
        assert raw.get(f"/patients/{patient.id}/bills", headers={VISIT: token}).status_code == 200
        rig.flow.go_home()
        assert rig.client.visit_token is None
        qtbot.waitUntil(
            lambda: (
                raw.get(f"/patients/{patient.id}/bills", headers={VISIT: token}).status_code == 403
            ),
            timeout=5000,
        )
    finally:
        next(rigs, None)


def test_the_kiosk_says_politely_that_it_is_busy(
    qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Any, raw: ApiClient
) -> None:
    for _ in range(10):
        identify(raw, "unpaid_bills")
    rigs = build_rig(
        live_server.url, tmp_path / "spool", ImmediateExecutor(), lambda: dt.date(2025, 3, 10)
    )
    rig: Rig = next(rigs)
    try:
        ident = DEMO_IDENTITIES["one_in_window"]
        rig.flow.identifier_read(IdentifierKind(ident.kind), ident.value)
        qtbot.waitUntil(lambda: rig.flow.step == Step.notice, timeout=8000)
        assert rig.flow.notice is not None
        assert rig.flow.notice.kind == NoticeKind.identify_rate_limited
        assert notice_text(rig.flow.notice, service_window="3")
    finally:
        next(rigs, None)


def test_the_rate_limit_message_is_translated(qapp: QApplication) -> None:
    english = notice_text(Notice(NoticeKind.identify_rate_limited), service_window="3")
    translations = Translations(qapp)
    translations.switch_to("zh_CN")
    try:
        chinese = notice_text(Notice(NoticeKind.identify_rate_limited), service_window="3")
    finally:
        translations.switch_to("en")
    assert english.title
    assert english.body
    assert chinese.title != english.title
    assert chinese.body != english.body
    assert unfinished_messages(ts_path("zh_CN")) == []
