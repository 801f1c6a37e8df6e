"""POST /api/v1/patients/identify over real loopback HTTP."""

from __future__ import annotations

import pytest

from kiosk.api.models import ErrorBody, Patient
from kiosk.identity import is_valid_resident_id
from kiosk.server.seed import DEMO_IDENTITIES
from kiosk.server.seed_data import DEMO_PHONE


def _identify(api, kind: str, value: str):
    return api.post("/patients/identify", json={"kind": kind, "value": value})


@pytest.mark.parametrize("scenario", sorted(DEMO_IDENTITIES))
def test_every_demo_identity_is_found(api, scenario):
    ident = DEMO_IDENTITIES[scenario]
    response = _identify(api, ident.kind, ident.value)
    assert response.status_code == 200, response.text
    patient = Patient.model_validate(response.json())
    assert patient.display_name
    assert "*" in patient.display_name


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("id_card", "11010519491231002X"),
        ("id_card", "11010519491231002x"),  # lower-case check character
        ("id_card", " 11010519491231002X "),
        ("insurance_card", "SI11010500000001"),
        ("patient_card", "HC10000001"),
        ("patient_card", "hc10000001"),
        ("health_qr", "EHC:demo-0001-7f3a9c"),
        ("phone", DEMO_PHONE),
        ("phone", "+86 138 0013 8000"),
    ],
)
def test_each_identifier_kind_finds_the_same_patient(api, kind, value):
    response = _identify(api, kind, value)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "pat-0001"
    assert body["display_name"] == "王*英"
    assert body["masked_id_number"] == "1101**********002X"
    assert body["gender"] == "female"
    assert body["age"] == 75


def test_names_are_masked_by_code_point(api):
    assert api.identify("rare_name")["display_name"] == "𠮷*"
    assert api.identify("middle_dot")["display_name"] == "买**·*力"
    assert api.identify("no_appointment_today")["display_name"] == "龘*"


def test_demo_resident_ids_are_valid():
    for ident in DEMO_IDENTITIES.values():
        if ident.kind == "id_card":
            assert is_valid_resident_id(ident.value), ident


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("id_card", "110101199001010011"),
        ("phone", "13000000000"),
        ("health_qr", "EHC:nobody"),
        ("insurance_card", "SI00000000000000"),
    ],
)
def test_unknown_identifier_is_404_patient_not_found(api, kind, value):
    response = _identify(api, kind, value)
    assert response.status_code == 404
    body = ErrorBody.model_validate(response.json())
    assert body.error.code == "patient_not_found"
    assert body.ticket is None


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "passport", "value": "E12345678"},
        {"kind": "id_card"},
        {"value": "11010519491231002X"},
        {"kind": "id_card", "value": ""},
        {"kind": "id_card", "value": "1" * 129},
        {"kind": "id_card", "value": 11010519491231002},
        {"kind": "id_card", "value": "11010519491231002X", "extra": 1},
        [],
        "id_card",
    ],
)
def test_bad_identify_payloads_are_422(api, payload):
    response = api.post("/patients/identify", json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_failed"
