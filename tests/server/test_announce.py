"""The spoken call: ``GET /api/v1/calls/{call_id}/announcement.wav`` on the live server, with
the real espeak-ng."""

from __future__ import annotations

import io
import os
import shutil
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.api.models import QueueKind
from kiosk.server.announce import SAMPLE_RATE, CallWords, announcement_wav, chime
from kiosk.server.db import Target, connect
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.queue import Station
from tests.helpers.server import TIMEOUT_S


def _call_next(live_server: EmbeddedServer) -> dict[str, Any]:
    """The next patient of room 201 (内科), called by its demo station."""
    response = Station(live_server.url).call_next("q-dep-a")
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


def _latest_event_id(db_path: Target, entry_id: int, kind: str) -> int:
    """The id of the entry's latest event of ``kind``: a call's id names its announcement."""
    conn = connect(db_path)
    try:
        row = conn.execute(
            "SELECT max(id) FROM queue_events WHERE entry_id = ? AND kind = ?", (entry_id, kind)
        ).fetchone()
    finally:
        conn.close()
    assert row[0] is not None, (entry_id, kind)
    return int(row[0])


def _frames(wav: bytes) -> tuple[int, int]:
    with wave.open(io.BytesIO(wav), "rb") as sound:
        assert (sound.getnchannels(), sound.getsampwidth()) == (1, 2)
        return sound.getframerate(), sound.getnframes()


def test_a_call_reads_its_number_digit_by_digit_and_the_masked_name_as_mou() -> None:
    words = CallWords("A005", "王*英", "201诊室", "Room 201", QueueKind.room)

    assert words.chinese() == "请 A零零五号 王某英 到 二零一诊室 就诊"
    assert words.english() == "Number A 0 0 5, please go to Room 201."
    pharmacy = CallWords("P012", "", "2号窗口", "Window 2", QueueKind.pharmacy)
    assert pharmacy.chinese() == "请 P零一二号 到 二号窗口 取药"


def test_the_chime_is_two_tones_that_fade_out() -> None:
    samples = chime()
    half = len(samples) // 2

    assert len(samples) == pytest.approx(1.1 * SAMPLE_RATE, rel=0.01)
    assert max(samples) > 10_000
    # Each tone is struck then fades: its last tenth is far quieter than its first.
    for tone in (samples[:half], samples[half:]):
        tenth = len(tone) // 10
        assert max(tone[-tenth:]) < max(tone[:tenth]) / 20


def test_the_whole_announcement_is_said_twice() -> None:
    once = CallWords("A005", "王*英", "201诊室", "Room 201", QueueKind.room)

    rate, frames = _frames(announcement_wav(once))

    assert rate == SAMPLE_RATE
    # Chime, Mandarin and English take several seconds; twice, well over ten.
    assert 10 * SAMPLE_RATE < frames < 60 * SAMPLE_RATE


def test_a_chinese_call_is_a_wav_made_once(
    live_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    entry = _call_next(live_server)
    call_id = _latest_event_id(live_server.db_path, entry["id"], "called")
    url = f"{live_server.url}/api/v1/calls/{call_id}/announcement.wav"
    spoken = _count_espeak_runs(monkeypatch, tmp_path)

    # Every display of the area asks at once, and again later.
    with ThreadPoolExecutor(max_workers=4) as displays:
        answers = list(displays.map(lambda _: requests.get(url, timeout=TIMEOUT_S), range(4)))
    again = requests.get(url, timeout=TIMEOUT_S)

    first = answers[0]
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/wav"
    assert first.content[:4] == b"RIFF"
    assert first.content[8:12] == b"WAVE"
    rate, frames = _frames(first.content)
    assert rate == SAMPLE_RATE
    assert frames > 0
    assert all(answer.content == first.content for answer in [*answers, again])
    # Made once: espeak-ng ran for the Mandarin and the English sentence, no more.
    runs = spoken.read_text(encoding="utf-8").splitlines()
    assert len(runs) == 2
    assert any("cmn-latn-pinyin" in run and "某" in run for run in runs)  # the masked name


def _count_espeak_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Put an ``espeak-ng`` first on PATH that notes its arguments, then runs the real one."""
    real = shutil.which("espeak-ng")
    assert real is not None, "espeak-ng is missing: scripts/ensure-system-deps.sh installs it"
    log = tmp_path / "espeak-runs.txt"
    log.touch()
    shim = tmp_path / "bin" / "espeak-ng"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.mark.parametrize("call_id", ["999999", "0", "-1", "abc", "9" * 30])
def test_an_unknown_call_is_a_clear_4xx(live_server: EmbeddedServer, call_id: str) -> None:
    response = requests.get(
        f"{live_server.url}/api/v1/calls/{call_id}/announcement.wav", timeout=TIMEOUT_S
    )

    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] in ("not_found", "validation_failed")


def test_an_event_that_is_not_a_call_is_not_announced(live_server: EmbeddedServer) -> None:
    entry = _call_next(live_server)
    issued = _latest_event_id(live_server.db_path, entry["id"], "issued")

    response = requests.get(
        f"{live_server.url}/api/v1/calls/{issued}/announcement.wav", timeout=TIMEOUT_S
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_without_espeak_the_answer_says_so(
    live_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    entry = _call_next(live_server)
    call_id = _latest_event_id(live_server.db_path, entry["id"], "called")
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without espeak-ng

    response = requests.get(
        f"{live_server.url}/api/v1/calls/{call_id}/announcement.wav", timeout=TIMEOUT_S
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "speech_unavailable"
    monkeypatch.undo()  # installed again: the next try speaks (a failure is not kept)
    spoken = requests.get(
        f"{live_server.url}/api/v1/calls/{call_id}/announcement.wav", timeout=TIMEOUT_S
    )
    assert spoken.status_code == 200
