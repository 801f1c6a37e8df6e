"""Short distinct cues: one for success (a ticket), one for a problem (a notice)."""

from __future__ import annotations

import logging
from collections import deque

from PySide6.QtCore import QObject, QUrl

from kiosk.assets import assets_dir

log = logging.getLogger(__name__)

# The cues remembered for tests and diagnostics: the last few, not every cue since start-up
# (a kiosk plays one or two a visit, for weeks).
PLAYED_KEPT = 20


class SoundCues(QObject):
    """The two WAV cues through Qt Multimedia, which loads on :meth:`load` (the kiosk calls it
    after its first frame: 20 ms of start-up) or when the cues are first played or asked about.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.played: deque[str] = deque(maxlen=PLAYED_KEPT)
        self._effects: dict[str, object] = {}
        self._tried = False
        self._loaded = False
        self._reason = ""

    def load(self) -> None:
        """Load Qt Multimedia and the cues; once."""
        if self._tried:
            return
        self._tried = True
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as error:
            self._reason = f"QtMultimedia cannot load: {error}"
            return
        self._loaded = True
        if not QMediaDevices.audioOutputs():
            self._reason = "no audio output device"
            return
        for name in ("success", "error"):
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(assets_dir() / "sounds" / f"{name}.wav")))
            self._effects[name] = effect

    @property
    def loaded(self) -> bool:
        """False when Qt Multimedia itself cannot load (an installation problem: the package
        takes libpulse0 from the machine); a kiosk without speakers loads it and is silent."""
        self.load()
        return self._loaded

    @property
    def reason(self) -> str:
        """Why the cues are silent; empty when they play."""
        self.load()
        return self._reason

    def play(self, name: str, *, volume: float, muted: bool) -> None:
        self.played.append(name)
        self.load()
        effect = self._effects.get(name)
        if effect is None or muted:
            return
        from PySide6.QtMultimedia import QSoundEffect

        if isinstance(effect, QSoundEffect):
            effect.setVolume(volume)
            effect.play()
