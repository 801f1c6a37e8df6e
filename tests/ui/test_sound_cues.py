"""The cue log stays short however long the kiosk runs (the soak benchmark's day)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.ui.sounds import PLAYED_KEPT, SoundCues


def test_a_days_cues_keep_only_the_last_few(qtbot: QtBot) -> None:
    cues = SoundCues()
    for visit in range(10 * PLAYED_KEPT):
        cues.play("success" if visit % 3 else "error", volume=0.0, muted=True)
    cues.play("error", volume=0.0, muted=True)
    assert len(cues.played) == PLAYED_KEPT
    assert cues.played[-1] == "error"
    assert cues.played[-2] == "success"
