"""Issue 22: the OpenAPI document is a contract: clean names, errors with their codes, the
committed copy (``docs/api/openapi.json``) kept compatible, and the check that says so.

The breaking-change check is tested on small hand-made documents first (a removal fails, an
addition passes), so that it cannot pass by finding nothing; then on the live document with a
real operation taken away; then the committed document against the live one.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import requests
from pydantic import BaseModel

from kiosk.api import models
from kiosk.api.models import ErrorCode
from kiosk.server import api_document
from kiosk.server.api_document import (
    DOCUMENT_PATH,
    GUIDE_PATH,
    breaking_changes,
    document_text,
    guide_with_codes,
    live_document,
)
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.errors import ERROR_CODES
from tests.helpers.server import ApiClient

OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*$")
PATIENT_SCOPED = {
    "endVisit",
    "listAppointments",
    "checkIn",
    "createRegistration",
    "listBills",
    "createPayment",
    "payByPaymentCode",
    "listReports",
    "getReportPdf",
}
WEB_PAGES = ("/pay", "/staff", "/display", "/q/", "/web/", "/admin/login", "/admin/assets")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return live_document()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


# --- the live document ----------------------------------------------------------------------


def test_every_operation_has_a_stable_name_a_summary_and_a_description(
    document: dict[str, Any],
) -> None:
    names = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(names) == len(set(names)), names
    for method, path, operation in _operations(document):
        assert OPERATION_ID.match(operation["operationId"]), (method, path, operation)
        assert operation.get("summary", "").strip(), (method, path)
        assert operation.get("description", "").strip(), (method, path)
    assert {"identifyPatient", "checkIn", "createPayment", "callNext"} <= set(names)
    used_tags = {tag for _, _, operation in _operations(document) for tag in operation["tags"]}
    assert used_tags == {tag["name"] for tag in document["tags"]}  # each described, in order


def test_the_web_pages_are_not_in_the_document(document: dict[str, Any]) -> None:
    assert not [path for path in document["paths"] if path.startswith(WEB_PAGES)]
    assert "/api/v1/patients/identify" in document["paths"]


def test_no_request_body_is_optional_or_null(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        body = operation.get("requestBody")
        if body is None:
            continue
        schema = body["content"]["application/json"]["schema"]
        assert "anyOf" not in schema, (method, path, schema)
        assert "oneOf" not in schema, (method, path, schema)
        assert schema.get("type") != "null", (method, path)


def test_visit_and_idempotency_headers_are_required(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        headers = {
            p["name"]: p.get("required", False)
            for p in operation.get("parameters", [])
            if p["in"] == "header"
        }
        if operation["operationId"] in PATIENT_SCOPED:
            assert headers.get("X-Visit-Token") is True, (method, path)
        if "Idempotency-Key" in headers:
            assert headers["Idempotency-Key"] is True, (method, path)
            assert method == "post", (method, path)


def test_every_error_answer_is_an_error_body_with_its_codes(document: dict[str, Any]) -> None:
    codes = {code.value for code in ErrorCode}
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if not str(status).startswith(("4", "5")):
                continue
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
            examples = content["examples"]
            assert examples, (method, path, status)
            for name, example in examples.items():
                assert name in codes, (method, path, status, name)
                assert example["value"]["error"]["code"] == name
                assert name in response["description"], (method, path, status, name)


def test_every_error_code_has_its_status_and_meaning() -> None:
    assert set(ERROR_CODES) == set(ErrorCode)
    for code, (status, meaning) in ERROR_CODES.items():
        assert 400 <= status < 600, code
        assert meaning.strip(), code


def test_a_missing_visit_token_is_refused_as_before(api: ApiClient) -> None:
    """The header is now required in the document; the answer is still the 403 the kiosk
    knows (an empty one too), not a schema error."""
    patient = api.identify("one_in_window")
    api.session.headers.pop("X-Visit-Token")
    for headers in ({}, {"X-Visit-Token": ""}):
        response = api.get(f"/patients/{patient['id']}/appointments", headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "visit_token_required"
    ended = api.request("DELETE", "/visits/current")
    assert ended.status_code == 403
    assert ended.json()["error"]["code"] == "visit_token_required"
    other_problem = api.get(f"/patients/{patient['id']}/appointments", params={"from": "x"})
    assert other_problem.status_code == 422, other_problem.text


def test_the_served_document_is_the_one_checked(live_server: EmbeddedServer) -> None:
    served = requests.get(f"{live_server.url}/openapi.json", timeout=10).json()
    assert breaking_changes(served, live_document()) == []
    assert breaking_changes(live_document(), served) == []


# --- the committed document and the guide ---------------------------------------------------


def test_the_committed_document_is_compatible_with_the_live_one(
    document: dict[str, Any],
) -> None:
    committed = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert committed["info"]["version"] == document["info"]["version"], (
        "a new API version: serve it beside v1 and commit its document (docs/api.md)"
    )
    problems = breaking_changes(committed, document)
    assert problems == [], "\n".join(problems)


def test_the_committed_document_is_written_as_the_command_writes_it() -> None:
    text = DOCUMENT_PATH.read_text(encoding="utf-8")
    assert text == document_text(json.loads(text))


def test_the_check_command_finds_the_committed_files_current(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert api_document.main(["--check"]) == 0, capsys.readouterr().out


def test_the_guides_error_codes_are_the_servers() -> None:
    guide = GUIDE_PATH.read_text(encoding="utf-8")
    assert guide_with_codes(guide) == guide, "run: python -m kiosk.server.api_document"


# --- the breaking-change check itself -------------------------------------------------------


def _small_document() -> dict[str, Any]:
    """Two operations, a request and an answer with required fields, an enum."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "parameters": [
                        {"name": "Idempotency-Key", "in": "header", "required": True},
                        {"name": "note", "in": "query", "required": False},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/New"}}
                        },
                    },
                    "responses": {
                        "201": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            }
                        }
                    },
                }
            },
            "/things/{id}": {"get": {"operationId": "getThing", "responses": {}}},
        },
        "components": {
            "schemas": {
                "New": {
                    "type": "object",
                    "properties": {
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "label": {"type": "string"},
                    },
                    "required": ["kind"],
                },
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "parent": {
                            "anyOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "null"}]
                        },
                    },
                    "required": ["id", "kind"],
                },
                "Kind": {"type": "string", "enum": ["small", "large"]},
            }
        },
    }


def _changed(change: str) -> dict[str, Any]:
    document = _small_document()
    paths, schemas = document["paths"], document["components"]["schemas"]
    post = paths["/things"]["post"]
    if change == "path removed":
        del paths["/things/{id}"]
    elif change == "method removed":
        paths["/things/{id}"] = {"put": paths["/things/{id}"].pop("get")}
    elif change == "operation renamed":
        paths["/things/{id}"]["get"]["operationId"] = "fetchThing"
    elif change == "parameter now required":
        post["parameters"][1]["required"] = True
    elif change == "new required parameter":
        post["parameters"].append({"name": "X-Visit-Token", "in": "header", "required": True})
    elif change == "request field now required":
        schemas["New"]["required"].append("label")
    elif change == "response field removed":
        del schemas["Thing"]["properties"]["id"]
        schemas["Thing"]["required"].remove("id")
    elif change == "response field made optional":
        schemas["Thing"]["required"].remove("kind")
    elif change == "enum value removed":
        schemas["Kind"]["enum"].remove("large")
    elif change == "enum value renamed":
        schemas["Kind"]["enum"] = ["small", "big"]
    elif change == "nested enum value removed":
        schemas["Thing"]["properties"]["parent"]["anyOf"][0] = {
            "type": "object",
            "properties": {"id": {"type": "string"}, "kind": {"enum": ["small"]}},
            "required": ["id", "kind"],
        }
    elif change == "success answer removed":
        post["responses"] = {"200": post["responses"].pop("201")}
    elif change == "body now required":
        paths["/things/{id}"]["get"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    else:
        raise AssertionError(change)
    return document


@pytest.mark.parametrize(
    "change",
    [
        "path removed",
        "method removed",
        "operation renamed",
        "parameter now required",
        "new required parameter",
        "request field now required",
        "response field removed",
        "response field made optional",
        "enum value removed",
        "enum value renamed",
        "nested enum value removed",
        "success answer removed",
        "body now required",
    ],
)
def test_a_breaking_change_is_found(change: str) -> None:
    assert breaking_changes(_small_document(), _changed(change)), change


def test_additions_pass() -> None:
    document = _small_document()
    schemas = document["components"]["schemas"]
    document["paths"]["/others"] = {"get": {"operationId": "listOthers", "responses": {}}}
    document["paths"]["/things/{id}"]["delete"] = {"operationId": "deleteThing"}
    document["paths"]["/things"]["post"]["parameters"].append(
        {"name": "dry_run", "in": "query", "required": False}
    )
    document["paths"]["/things"]["post"]["responses"]["409"] = {"description": "conflict"}
    schemas["Kind"]["enum"].append("medium")
    schemas["New"]["properties"]["colour"] = {"type": "string"}
    schemas["Thing"]["properties"]["colour"] = {"type": "string"}
    schemas["Thing"]["required"].append("colour")  # an answer may promise more
    schemas["New"]["required"].remove("kind")  # a request may ask for less
    assert breaking_changes(_small_document(), document) == []
    assert breaking_changes(_small_document(), _small_document()) == []


def test_a_new_major_version_is_a_new_contract() -> None:
    version_2 = _changed("path removed")
    version_2["info"]["version"] = "2"
    assert breaking_changes(_small_document(), version_2) == []


def test_the_live_document_with_an_operation_taken_away_fails(document: dict[str, Any]) -> None:
    without_check_in = copy.deepcopy(document)
    del without_check_in["paths"]["/api/v1/appointments/{appointment_id}/check-in"]
    [problem] = breaking_changes(document, without_check_in)
    assert problem.startswith("checkIn:"), problem
    renamed_kind = copy.deepcopy(document)
    renamed_kind["components"]["schemas"]["IdentifierKind"]["enum"].remove("health_qr")
    problems = breaking_changes(document, renamed_kind)
    assert any(p.startswith("identifyPatient:") and "health_qr" in p for p in problems), problems


# --- /docs ----------------------------------------------------------------------------------


def test_docs_are_served_from_the_servers_own_files(live_server: EmbeddedServer) -> None:
    page = requests.get(f"{live_server.url}/docs", timeout=10)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    for source in sources:
        assert source.startswith("/docs/assets/"), source
        asset = requests.get(f"{live_server.url}{source}", timeout=10)
        assert asset.status_code == 200, source
        assert asset.content, source
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy
    assert requests.get(f"{live_server.url}/docs/assets/nope.js", timeout=10).status_code == 404


def test_the_examples_are_valid_answers_and_requests() -> None:
    """Each model's examples validate into the model (an example cannot drift from it)."""
    checked = []
    for name in dir(models):
        model = getattr(models, name)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        extra = model.model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        for example in examples if isinstance(examples, list) else []:
            model.model_validate(example)
            checked.append(name)
    assert {"IdentifyRequest", "IdentifyResult", "Ticket", "Payment", "CheckInRequest"} <= set(
        checked
    )
