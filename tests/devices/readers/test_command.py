"""The helper-command reader with a real child process (a small Python script)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind
from kiosk.devices.parsing import DEFAULT_RULES, Identifier, Rejection, RejectionReason
from kiosk.devices.readers.base import ReaderState
from kiosk.devices.readers.command import CommandReader, parse_helper_line
from kiosk.identity import CardHolder

# Notes each start in argv[3], prints the file argv[1], then waits or exits (argv[2]).
HELPER = textwrap.dedent(
    """
    import sys, time
    lines_file, then = sys.argv[1], sys.argv[2]
    with open(sys.argv[3], "a") as starts:
        starts.write("started\\n")
    with open(lines_file, "rb") as lines:
        sys.stdout.buffer.write(lines.read())
    sys.stdout.flush()
    if then == "wait":
        time.sleep(60)
    """
)


@pytest.fixture
def helper(tmp_path: Path) -> Path:
    script = tmp_path / "helper.py"
    script.write_text(HELPER, encoding="utf-8")
    return script


def make_reader(tmp_path: Path, helper: Path, output: bytes, then: str = "wait") -> CommandReader:
    lines = tmp_path / "lines.bin"
    lines.write_bytes(output)
    return CommandReader(
        "id-card-sdk",
        DEFAULT_RULES,
        command=[sys.executable, str(helper), str(lines), then, str(tmp_path / "starts.log")],
        retry_first_ms=50,
        retry_max_ms=200,
    )


@pytest.fixture
def stopped_after() -> Iterator[list[CommandReader]]:
    readers: list[CommandReader] = []
    yield readers
    for reader in readers:
        reader.stop()


def test_reads_typed_and_raw_lines(
    qtbot: QtBot, tmp_path: Path, helper: Path, stopped_after: list[CommandReader]
) -> None:
    reader = make_reader(
        tmp_path,
        helper,
        b'{"kind": "id_card", "value": "11010519491231002x"}\n{"raw": "HC10000001\\r\\n"}\n',
    )
    stopped_after.append(reader)
    read: list[Identifier] = []
    reader.identifier_read.connect(read.append)
    with qtbot.waitSignal(reader.state_changed, timeout=5000) as changed:
        reader.start()
    assert changed.args == ["ready"]
    qtbot.waitUntil(lambda: len(read) == 2, timeout=5000)
    assert read == [
        Identifier(IdentifierKind.id_card, "11010519491231002X"),
        Identifier(IdentifierKind.patient_card, "HC10000001"),
    ]


def test_garbage_lines_are_rejected(
    qtbot: QtBot, tmp_path: Path, helper: Path, stopped_after: list[CommandReader]
) -> None:
    output = b"\n".join(
        [
            b"not json at all",
            b"\xff\xfe\x00\x01",
            b"[1, 2, 3]",
            b'{"kind": "passport", "value": "E12345678"}',
            b'{"kind": "id_card", "value": "110105194912310021"}',
            b'{"kind": "id_card", "value": 42}',
            b'{"raw": "\\u0000\\u001b"}',
            b'{"raw": "hello"}',
            b"x" * 2000,
            b'{"raw": "13800138000"}',
        ]
    )
    reader = make_reader(tmp_path, helper, output + b"\n")
    stopped_after.append(reader)
    rejected: list[str] = []
    reader.input_rejected.connect(rejected.append)
    with qtbot.waitSignal(reader.identifier_read, timeout=5000) as read:
        reader.start()
    assert read.args == [Identifier(IdentifierKind.phone, "13800138000")]
    assert rejected == [
        "unreadable",
        "unreadable",
        "unreadable",
        "unknown_format",
        "bad_checksum",
        "unknown_format",
        "unreadable",
        "unknown_format",
        "too_long",
    ]


def test_helper_that_exits_is_restarted(
    qtbot: QtBot, tmp_path: Path, helper: Path, stopped_after: list[CommandReader]
) -> None:
    reader = make_reader(tmp_path, helper, b'{"raw": "HC10000001"}', then="exit")
    stopped_after.append(reader)
    states: list[str] = []
    reader.state_changed.connect(states.append)
    read: list[Identifier] = []
    reader.identifier_read.connect(read.append)
    reader.start()
    qtbot.waitUntil(
        lambda: states[:4] == ["ready", "disconnected", "ready", "disconnected"], timeout=10_000
    )
    assert "helper ended (exit 0)" in reader.detail
    assert len(read) >= 2  # the last line had no newline and still counted, each run
    starts = (tmp_path / "starts.log").read_text(encoding="utf-8").splitlines()
    assert len(starts) >= 2


def test_missing_program_is_an_error_and_retried(qtbot: QtBot, tmp_path: Path) -> None:
    reader = CommandReader(
        "sdk",
        DEFAULT_RULES,
        command=[str(tmp_path / "no-such-helper")],
        retry_first_ms=50,
        retry_max_ms=100,
    )
    with qtbot.waitSignal(reader.state_changed, timeout=5000) as changed:
        reader.start()
    assert changed.args == ["error"]
    assert "no-such-helper" in reader.detail
    assert reader.state == ReaderState.error
    reader.stop()
    assert reader.state == ReaderState.stopped


def test_stop_ends_a_running_helper(qtbot: QtBot, tmp_path: Path, helper: Path) -> None:
    reader = make_reader(tmp_path, helper, b"")
    with qtbot.waitSignal(reader.state_changed, timeout=5000):
        reader.start()
    reader.stop()
    with qtbot.assertNotEmitted(reader.state_changed, wait=200):
        pass
    assert reader.state == ReaderState.stopped


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            b'{"kind": "phone", "value": "13800138000"}',
            Identifier(IdentifierKind.phone, "13800138000"),
        ),
        (b'{"value": "13800138000"}', Rejection(RejectionReason.unknown_format)),
        (b'"13800138000"', Rejection(RejectionReason.unreadable)),
    ],
)
def test_parse_helper_line(line: bytes, expected: Identifier | Rejection) -> None:
    assert parse_helper_line(line, DEFAULT_RULES) == expected


def test_an_id_card_line_brings_its_holder_for_a_first_visit() -> None:
    line = (
        '{"kind": "id_card", "value": "110101199208150023", "name": "林晓雨", '
        '"address": "北京市东城区东长安街1号"}'
    ).encode()
    parsed = parse_helper_line(line, DEFAULT_RULES)
    assert isinstance(parsed, Identifier)
    assert parsed.holder == CardHolder("110101199208150023", "林晓雨", "北京市东城区东长安街1号")
    assert parsed.holder.sex == "female"
    assert "林" not in repr(parsed)  # patient data stays out of reprs and logs


@pytest.mark.parametrize(
    "extra",
    [
        '"name": ""',
        '"name": 7',
        '"name": "a\\nb"',
        '"name": "' + "王" * 65 + '"',
    ],
)
def test_an_unusable_holder_name_leaves_the_identifier_alone(extra: str) -> None:
    line = ('{"kind": "id_card", "value": "110101199208150023", ' + extra + "}").encode()
    parsed = parse_helper_line(line, DEFAULT_RULES)
    assert parsed == Identifier(IdentifierKind.id_card, "110101199208150023")
    assert isinstance(parsed, Identifier)
    assert parsed.holder is None


def test_a_phone_line_never_carries_a_holder() -> None:
    parsed = parse_helper_line(
        b'{"kind": "phone", "value": "13800138000", "name": "x"}', DEFAULT_RULES
    )
    assert isinstance(parsed, Identifier)
    assert parsed.holder is None
