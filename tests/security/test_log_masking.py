"""Finding 5: whatever a log line holds, no resident ID, phone or card number, health-QR payload
or patient name survives in the written log, tracebacks included.

Property-based: hypothesis writes identifiers as people and devices do (plain, full-width,
spaced, dashed) inside random text (Chinese around them, punctuation, ASCII words), into the
message, its arguments and an exception's traceback; the real file handler writes the line.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import demo_config
from kiosk.logs import configure_logging, redact

LOGGER = "kiosk.security"
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789XxHCSI"}
HALF_WIDTH = {v: k for k, v in FULL_WIDTH.items()} | {0x3000: None}
SEPARATORS = {ord(" "): None, ord("-"): None, 0x3000: None}

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def number(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


resident_ids = st.builds(lambda body, last: body + last, number(17), st.sampled_from("0123456789X"))
phones = st.builds(lambda second, rest: "1" + second + rest, st.sampled_from("3456789"), number(9))
bank_cards = st.integers(min_value=12, max_value=19).flatmap(number)
hospital_cards = st.builds(lambda n: "HC" + n, number(8))
insurance_cards = st.builds(lambda n: "SI" + n, number(14))
identifiers = st.one_of(resident_ids, phones, bank_cards, hospital_cards, insurance_cards)


@st.composite
def written(draw: st.DrawFn, identifier: str) -> str:
    """The identifier as it may be written: full-width, or cut by spaces or dashes."""
    style = draw(st.sampled_from(["plain", "full_width", "separated", "full_width_separated"]))
    # A card's two letters stay together (HC 1000 0003): only the digits are cut.
    prefix, text = (identifier[:2], identifier[2:]) if identifier[0].isalpha() else ("", identifier)
    if "separated" in style:
        if prefix:
            prefix += draw(st.sampled_from(["", " ", "-"]))
        parts, rest = [], text
        while rest:
            size = draw(st.integers(min_value=1, max_value=6))
            parts.append(rest[:size])
            rest = rest[size:]
        separators = [draw(st.sampled_from([" ", "-", "\u3000"])) for _ in parts[1:]]
        text = parts[0] + "".join(s + p for s, p in zip(separators, parts[1:], strict=True))
    text = prefix + text
    if "full_width" in style:
        text = text.translate(FULL_WIDTH)
    return text


CONTEXT = st.text(
    alphabet=st.sampled_from(
        list("身份证号码手机就诊卡患者王秀英张伟挂号缴费，。：（）")
        + list("abcdefgxyz :=,;()[]'\"/")
    ),
    max_size=12,
)


@st.composite
def log_texts(draw: st.DrawFn) -> tuple[str, str]:
    secret = draw(identifiers)
    return secret, draw(CONTEXT) + draw(written(secret)) + draw(CONTEXT)


def normalized(text: str) -> str:
    return text.translate(HALF_WIDTH).translate(SEPARATORS)


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    base = demo_config("http://127.0.0.1:9", tmp_path / "spool")
    config = base.model_copy(
        update={"logging": base.logging.model_copy(update={"directory": str(tmp_path / "logs")})}
    )
    yield configure_logging(config, to_stderr=False)
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


class LogFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = 0

    def new_text(self) -> str:
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = self.path.read_text(encoding="utf-8")
        added, self.seen = text[self.seen :], len(text)
        return added


def message_part(written_text: str) -> str:
    """What follows ``<logger>:`` on each line, and the traceback lines (not the time stamp)."""
    return written_text.split(f" {LOGGER}: ", 1)[1]


def assert_masked(secret: str, logged: str) -> None:
    # Two characters may stay (11**…, HC**…): the rest of the number must not be readable,
    # whatever width or separators it was written with.
    assert normalized(secret)[2:] not in normalized(logged), (secret, logged)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=log_texts())
def test_no_identifier_survives_in_a_message_or_its_arguments(
    log_path: Path, case: tuple[str, str]
) -> None:
    secret, text = case
    log = LogFile(log_path)
    log.new_text()
    logging.getLogger(LOGGER).warning("looked up %s", text)
    assert_masked(secret, message_part(log.new_text()))
    logging.getLogger(LOGGER).warning(text)
    assert_masked(secret, message_part(log.new_text()))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=log_texts())
def test_no_identifier_survives_in_a_traceback(log_path: Path, case: tuple[str, str]) -> None:
    secret, text = case
    log = LogFile(log_path)
    log.new_text()
    try:
        raise ValueError(f"no patient for {text}")
    except ValueError:
        logging.getLogger(LOGGER).exception("lookup failed")
    logged = message_part(log.new_text())
    assert "Traceback" in logged
    assert "ValueError: no patient for" in logged
    assert_masked(secret, logged)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("身份证11010519491231002X已读取", "11010519491231002X"),
        ("手机１３８００１３８０００", "13800138000"),
        ("card 6222 0212 3456 7890 123", "6222021234567890123"),
        ("phone 138-0013-8000", "13800138000"),
        ("scanned EHC:demo-0001-7f3a9c at the front", "demo-0001-7f3a9c"),
        ("patient 王秀英 checked in", "王秀英"),
        ("name=王*英 paid", "王*英"),
        ("patient_name='买买提·艾力' printed", "买买提"),
        ("患者：𠮷祥 已签到", "𠮷祥"),
    ],
)
def test_examples_from_the_review(log_path: Path, text: str, secret: str) -> None:
    log = LogFile(log_path)
    logging.getLogger(LOGGER).warning("%s", text)
    logged = message_part(log.new_text())
    assert secret not in logged
    if any(c.isdigit() for c in secret):
        assert normalized(secret)[2:] not in normalized(logged)
    else:  # a name: not one of its characters is left
        assert [c for c in secret if c not in "*·" and c in logged] == []


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/patients/pat-0001/appointments -> 200 in 4 ms",
        "ticket A005 at 127.0.0.1:8080 09:30",
        "payment pay-0001 settled; receipt printed",
        "heartbeat failed: BackendTimeoutError",
        "2026-12-02 23:23:03 slot 10:00-10:30",
    ],
)
def test_ordinary_lines_stay_readable(text: str) -> None:
    assert redact(text) == text


def test_the_code_never_logs_a_name() -> None:
    """The simplest honest rule: no logging call in the kiosk or server passes a name."""
    root = Path(__file__).resolve().parents[2] / "kiosk"
    levels = {"debug", "info", "warning", "error", "exception", "critical", "log"}
    name_like = {"display_name", "patient_name", "full_name", "name_en", "family_name"}
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in levels
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in {"log", "logger", "logging"}
            ):
                continue
            for argument in ast.walk(
                ast.Module(body=[ast.Expr(a) for a in node.args], type_ignores=[])
            ):
                if (isinstance(argument, ast.Attribute) and argument.attr in name_like) or (
                    isinstance(argument, ast.Name) and argument.id in name_like
                ):
                    offenders.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    assert offenders == []
