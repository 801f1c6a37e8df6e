"""First visit (建档/办卡): requestPhoneCode and createPatient over loopback HTTP, both engines."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest

from kiosk.api.models import IDEMPOTENCY_HEADER, ErrorCode, PatientCreated, PhoneCodeSent
from kiosk.server import enrolment
from kiosk.server.db import connect
from tests.helpers.enrolment import new_resident_id, sent_code

PHONE = "13912345678"
ID_NUMBER = new_resident_id()  # 1990-03-07, 17th digit 3: a man


def _code(api, phone: str = PHONE) -> PhoneCodeSent:
    response = api.post("/enrolment/phone-codes", json={"phone": phone})
    assert response.status_code == 200, response.text
    return PhoneCodeSent.model_validate(response.json())


def _create(api, code: str, *, key: str = "enrol-1", **changes: str):
    body = {
        "id_number": ID_NUMBER,
        "name": "张三丰",
        "address": "北京市朝阳区建国路1号",
        "phone": PHONE,
        "phone_code": code,
        **changes,
    }
    return api.post("/patients", json=body, headers={IDEMPOTENCY_HEADER: key})


def _error(response) -> str:
    return str(response.json()["error"]["code"])


def _count(target, sql: str, args: tuple[object, ...] = ()) -> int:
    conn = connect(target)
    try:
        return int(conn.execute(sql, args).fetchone()[0])
    finally:
        conn.close()


def test_a_code_then_a_record_with_a_card_number_and_a_visit(api, live_server, demo_now):
    sent = _code(api)
    assert sent.masked_phone == "139****5678"
    assert sent.attempts == enrolment.CODE_ATTEMPTS
    assert sent.expires_at == demo_now + enrolment.CODE_LIFETIME
    response = _create(api, sent_code(live_server.db_path, PHONE))
    assert response.status_code == 200, response.text
    created = PatientCreated.model_validate(response.json())
    assert created.display_name == "张*丰"
    assert created.masked_id_number == "1101**********" + ID_NUMBER[-4:]
    assert created.gender == "male"
    assert created.age == 35  # on 2025-03-10, the demo day
    assert created.patient_card.startswith("HC3")
    # The visit token works like identify's, and the card number identifies the patient.
    api.session.headers["X-Visit-Token"] = created.visit_token
    assert api.get(f"/patients/{created.id}/appointments").status_code == 200
    found = api.post(
        "/patients/identify", json={"kind": "patient_card", "value": created.patient_card}
    )
    assert found.json()["id"] == created.id
    conn = connect(live_server.db_path)
    try:
        row = conn.execute("SELECT * FROM patients WHERE id = ?", (created.id,)).fetchone()
    finally:
        conn.close()
    assert row["address"] == "北京市朝阳区建国路1号"
    assert row["birth_date"] == "1990-03-07"
    assert row["phone"] == PHONE


def test_the_simulated_sms_is_in_the_log_with_the_phone_masked(api, live_server, caplog):
    with caplog.at_level(logging.INFO, logger="kiosk.server.sms"):
        _code(api)
    code = sent_code(live_server.db_path, PHONE)
    messages = [r.getMessage() for r in caplog.records if r.name == "kiosk.server.sms"]
    assert messages == [f"simulated SMS to 139****5678: your code is {code}"]
    assert PHONE not in caplog.text


def test_a_resend_with_the_same_key_makes_one_patient_and_one_card(api, live_server):
    _code(api)
    code = sent_code(live_server.db_path, PHONE)
    first = _create(api, code)
    again = _create(api, code)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (
        _count(
            live_server.db_path, "SELECT count(*) FROM patients WHERE id_number = ?", (ID_NUMBER,)
        )
        == 1
    )


def test_concurrent_resends_with_one_key_make_one_patient(api, live_server):
    _code(api)
    code = sent_code(live_server.db_path, PHONE)
    answers: list[int] = []

    def send() -> None:
        answers.append(_create(api.__class__(api.base_url), code).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 4
    assert (
        _count(
            live_server.db_path, "SELECT count(*) FROM patients WHERE id_number = ?", (ID_NUMBER,)
        )
        == 1
    )


def test_an_id_number_with_a_record_is_409_patient_exists(api, live_server):
    _code(api)
    code = sent_code(live_server.db_path, PHONE)
    response = _create(api, code, id_number="11010519491231002X")
    assert response.status_code == 409
    assert _error(response) == ErrorCode.patient_exists
    # The code was not used up by the refusal.
    assert _create(api, code, key="enrol-2").status_code == 200


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (
            {"id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")},
            "invalid_id_number",
        ),
        ({"id_number": "110105199013071234"}, "invalid_id_number"),  # month 13
        ({"id_number": "12345"}, "invalid_id_number"),
        ({"phone": "02012345678"}, "invalid_phone"),
        ({"phone": "1391234567"}, "invalid_phone"),
        ({"name": "   "}, "validation_failed"),
    ],
)
def test_bad_input_is_a_clear_422(api, live_server, changes, code):
    response = _create(api, "123456", **changes)
    assert response.status_code == 422, response.text
    assert _error(response) == code
    assert _count(live_server.db_path, "SELECT count(*) FROM patients WHERE id LIKE 'pat-n%'") == 0


def test_a_phone_code_for_a_landline_is_422(api):
    response = api.post("/enrolment/phone-codes", json={"phone": "010-12345678"})
    assert response.status_code == 422
    assert _error(response) == ErrorCode.invalid_phone


def test_a_wrong_code_costs_a_try_and_the_last_try_ends_the_code(api, live_server):
    _code(api)
    right = sent_code(live_server.db_path, PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for left in range(enrolment.CODE_ATTEMPTS - 1, 0, -1):
        response = _create(api, wrong)
        assert response.status_code == 422
        assert _error(response) == ErrorCode.phone_code_wrong
        assert response.json()["error"]["details"] == {"attempts_left": left}
    last = _create(api, wrong)
    assert _error(last) == ErrorCode.phone_code_expired
    # Tried out: even the right code no longer makes a record.
    assert _error(_create(api, right)) == ErrorCode.phone_code_expired
    assert _count(live_server.db_path, "SELECT count(*) FROM patients WHERE id LIKE 'pat-n%'") == 0


def test_an_expired_code_is_refused_and_a_new_one_works(api, live_server, manual_clock):
    _code(api)
    old = sent_code(live_server.db_path, PHONE)
    manual_clock.advance(enrolment.CODE_LIFETIME + dt.timedelta(seconds=1))
    assert _error(_create(api, old)) == ErrorCode.phone_code_expired
    _code(api)
    assert _create(api, sent_code(live_server.db_path, PHONE)).status_code == 200


def test_a_resend_within_the_cooldown_is_429_with_retry_after(api, manual_clock):
    _code(api)
    manual_clock.advance(dt.timedelta(seconds=20))
    response = api.post("/enrolment/phone-codes", json={"phone": PHONE})
    assert response.status_code == 429
    assert _error(response) == ErrorCode.phone_code_cooldown
    assert response.headers["Retry-After"] == "40"
    manual_clock.advance(dt.timedelta(seconds=40))
    assert api.post("/enrolment/phone-codes", json={"phone": PHONE}).status_code == 200


def test_a_code_is_good_only_at_the_kiosk_that_asked(api, other_kiosk, live_server):
    _code(api)
    response = _create(other_kiosk, sent_code(live_server.db_path, PHONE))
    assert _error(response) == ErrorCode.phone_code_expired


def test_a_used_code_makes_no_second_record(api, live_server):
    _code(api)
    code = sent_code(live_server.db_path, PHONE)
    assert _create(api, code).status_code == 200
    other = new_resident_id("11010519850101001")
    response = _create(api, code, key="enrol-2", id_number=other)
    assert _error(response) == ErrorCode.phone_code_expired


def test_creation_needs_an_idempotency_key(api, live_server):
    _code(api)
    body = {
        "id_number": ID_NUMBER,
        "name": "张三丰",
        "phone": PHONE,
        "phone_code": sent_code(live_server.db_path, PHONE),
    }
    response = api.post("/patients", json=body)
    assert response.status_code == 400
    assert _error(response) == ErrorCode.bad_request
