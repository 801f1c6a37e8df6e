"""The Kiosk API's OpenAPI document as a contract: the committed copy and the breaking-change check.

``docs/api/openapi.json`` is the document integrators build on. ``breaking_changes`` compares
it with the live one and names what would break a client written against it: a path or an
operation removed, an operationId renamed, a parameter or body that a request must now send,
a required field removed (or, in an answer, made optional), an enum value removed. Additions
pass. A new major API version (``info.version``) is a new contract: it lives beside the old
one under its own prefix (``/api/v2``) and the check starts again from its document.

``python -m kiosk.server.api_document`` writes the committed document and the error-code table
of ``docs/api.md`` from the code; ``--check`` says whether they are current.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kiosk.server.errors import ERROR_CODES

REPOSITORY = Path(__file__).resolve().parents[2]
DOCUMENT_PATH = REPOSITORY / "docs" / "api" / "openapi.json"
GUIDE_PATH = REPOSITORY / "docs" / "api.md"
CODES_BEGIN = "<!-- error codes: begin (python -m kiosk.server.api_document) -->"
CODES_END = "<!-- error codes: end -->"

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
Schema = Mapping[str, Any]


def live_document() -> dict[str, Any]:
    """The document the server serves at ``/openapi.json`` (an app over a scratch database)."""
    from kiosk.server.app import create_app

    with tempfile.TemporaryDirectory(prefix="kiosk-openapi-") as folder:
        app = create_app(Path(folder) / "scratch.sqlite3")
        document: dict[str, Any] = app.openapi()
        app.state.database.close()
    return document


def document_text(document: Mapping[str, Any]) -> str:
    """The committed form: sorted keys, two-space indent, UTF-8 text as it is."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def error_code_table() -> str:
    """The guide's table of error codes, from ``ERROR_CODES``."""
    lines = ["| code | HTTP | meaning |", "|---|---|---|"]
    for code, (status, meaning) in sorted(ERROR_CODES.items(), key=lambda i: (i[1][0], i[0])):
        lines.append(f"| `{code.value}` | {status} | {meaning} |")
    return "\n".join(lines)


def guide_with_codes(guide: str) -> str:
    """The guide with its error-code table replaced by the current one."""
    head, found, rest = guide.partition(CODES_BEGIN)
    _, found_end, tail = rest.partition(CODES_END)
    if not found or not found_end:
        raise ValueError(f"the guide has no {CODES_BEGIN} … {CODES_END} section")
    return f"{head}{CODES_BEGIN}\n{error_code_table()}\n{CODES_END}{tail}"


# --- the breaking-change check --------------------------------------------------------------


def breaking_changes(committed: Schema, live: Schema) -> list[str]:
    """What in ``live`` breaks a client of ``committed``, one line each (empty: compatible)."""
    if _major(committed) != _major(live):
        return []  # a new version is a new contract, served beside the old one
    problems: list[str] = []
    live_operations = dict(_operations(live))
    for key, operation in _operations(committed):
        method, path = key
        name = operation.get("operationId", f"{method.upper()} {path}")
        now = live_operations.get(key)
        if now is None:
            problems.append(f"{name}: {method.upper()} {path} was removed")
            continue
        if now.get("operationId") != operation.get("operationId"):
            problems.append(f"{name}: renamed to {now.get('operationId')}")
        compare = _Comparison(committed, live, name, problems)
        compare.parameters(operation, now)
        compare.request_body(operation, now)
        compare.success_responses(operation, now)
    return problems


def _major(document: Schema) -> str:
    return str(document.get("info", {}).get("version", "")).split(".", 1)[0]


def _operations(document: Schema) -> Iterator[tuple[tuple[str, str], Schema]]:
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                yield (method, path), item[method]


class _Comparison:
    """One operation of the committed document against the same operation live."""

    def __init__(self, old: Schema, new: Schema, operation: str, problems: list[str]) -> None:
        self.old = old
        self.new = new
        self.operation = operation
        self.problems = problems
        self.seen: set[tuple[str, str, str]] = set()

    def report(self, where: str, what: str) -> None:
        self.problems.append(f"{self.operation}: {where} {what}")

    def parameters(self, old_op: Schema, new_op: Schema) -> None:
        def by_name(op: Schema, document: Schema) -> dict[tuple[str, str], Schema]:
            found = (_resolve(document, p) for p in op.get("parameters", []))
            return {(p["in"], p["name"]): p for p in found}

        old_params = by_name(old_op, self.old)
        for key, param in by_name(new_op, self.new).items():
            where = f"{key[0]} parameter {key[1]}"
            before = old_params.get(key)
            if param.get("required") and not (before and before.get("required")):
                self.report(where, "is now required")
            if before is not None:
                self.schema(before.get("schema", {}), param.get("schema", {}), where, "request")

    def request_body(self, old_op: Schema, new_op: Schema) -> None:
        before = _resolve(self.old, old_op.get("requestBody", {}))
        after = _resolve(self.new, new_op.get("requestBody", {}))
        if after.get("required") and not before.get("required"):
            self.report("the request body", "is now required")
        if before and after:
            self.schema(_json_schema(before), _json_schema(after), "the request body", "request")

    def success_responses(self, old_op: Schema, new_op: Schema) -> None:
        new_responses = new_op.get("responses", {})
        for status, response in old_op.get("responses", {}).items():
            if not str(status).startswith("2"):
                continue
            if status not in new_responses:
                self.report(f"the {status} answer", "was removed")
                continue
            self.schema(
                _json_schema(_resolve(self.old, response)),
                _json_schema(_resolve(self.new, new_responses[status])),
                f"the {status} answer",
                "response",
            )

    def schema(self, old: Schema, new: Schema, where: str, direction: str) -> None:
        """Fields and enum values of one schema, then of the schemas inside it."""
        key = (json.dumps(old, sort_keys=True), json.dumps(new, sort_keys=True), direction)
        if key in self.seen:
            return
        self.seen.add(key)
        old, new = _single(_resolve(self.old, old)), _single(_resolve(self.new, new))
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if "enum" in old:
            gone = [v for v in old["enum"] if v not in new.get("enum", old["enum"])]
            if gone:
                self.report(where, f"no longer accepts or answers {gone}")
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        new_properties = new.get("properties", {})
        for name in sorted(old_required):
            if name not in new_properties and "properties" in old:
                self.report(where, f"lost its required field {name!r}")
            elif direction == "response" and name not in new_required:
                self.report(where, f"no longer always has {name!r}")
        if direction == "request":
            for name in sorted(new_required - old_required):
                self.report(where, f"now requires the field {name!r}")
        for name, old_property in old.get("properties", {}).items():
            if name in new_properties:
                self.schema(old_property, new_properties[name], f"{where}.{name}", direction)
        if "items" in old and "items" in new:
            self.schema(old["items"], new["items"], f"{where}[]", direction)
        old_values, new_values = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_values, Mapping) and isinstance(new_values, Mapping):
            self.schema(old_values, new_values, f"{where}{{}}", direction)


def _resolve(document: Schema, node: Schema) -> Schema:
    """``node`` itself, or what its ``$ref`` points at (inside the document)."""
    while "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _single(schema: Schema) -> Schema:
    """The one non-null choice of ``X | None`` (``anyOf``), else the schema as it is."""
    for combinator in ("anyOf", "oneOf"):
        choices = [c for c in schema.get(combinator, []) if c.get("type") != "null"]
        if len(choices) == 1:
            return {**schema, **choices[0], combinator: []}
    return schema


def _json_schema(body_or_response: Schema) -> Schema:
    content = body_or_response.get("content", {})
    schema: Schema = content.get("application/json", {}).get("schema", {})
    return schema


# --- the command ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.server.api_document",
        description="Write docs/api/openapi.json and the error codes of docs/api.md from the "
        "code; with --check, only say whether they are current (and what would break).",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    document = live_document()
    text = document_text(document)
    guide = GUIDE_PATH.read_text(encoding="utf-8")
    current_guide = guide_with_codes(guide)
    if args.check:
        committed = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
        problems = breaking_changes(committed, document)
        for problem in problems:
            print(f"breaking: {problem}")
        stale = [
            str(path.relative_to(REPOSITORY))
            for path, current, wanted in (
                (DOCUMENT_PATH, DOCUMENT_PATH.read_text(encoding="utf-8"), text),
                (GUIDE_PATH, guide, current_guide),
            )
            if current != wanted
        ]
        for path in stale:
            print(f"stale: {path} (run python -m kiosk.server.api_document)")
        return 1 if stale or problems else 0
    DOCUMENT_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT_PATH.write_text(text, encoding="utf-8")
    GUIDE_PATH.write_text(current_guide, encoding="utf-8")
    print(f"wrote {DOCUMENT_PATH.relative_to(REPOSITORY)} and the error codes of the guide")
    return 0


if __name__ == "__main__":
    sys.exit(main())
