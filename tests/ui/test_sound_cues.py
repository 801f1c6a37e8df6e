"""The cue log stays short however long the kiosk runs (the soak benchmark's day), and Qt
Multimedia loads after the kiosk's first frame."""

from __future__ import annotations

import os
import subprocess
import sys

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


def test_qt_multimedia_loads_after_the_kiosk_is_built() -> None:
    """Not while the kiosk is being built (its first frame waits for that), but once asked."""
    probe = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from kiosk.ui.sounds import SoundCues\n"
        "app = QApplication([])\n"
        "cues = SoundCues()\n"
        "print('PySide6.QtMultimedia' in sys.modules)\n"
        "print(cues.loaded, 'PySide6.QtMultimedia' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["False", "True", "True"]
