"""Voice guidance: each screen says what to do, the focused control says what it is.

Speech goes through a small :class:`SpeechOutput` interface: the platform's QtTextToSpeech
where a voice engine exists, or a recorder in tests. Without an engine the kiosk stays silent
and :attr:`SpeechOutput.reason` tells diagnostics why.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QLocale, QObject, Signal

log = logging.getLogger(__name__)

VOLUMES = (0.4, 0.7, 1.0)


class SpeechOutput(Protocol):
    @property
    def available(self) -> bool: ...

    @property
    def reason(self) -> str: ...

    def say(self, text: str, language: str) -> None: ...

    def stop(self) -> None: ...

    def set_volume(self, volume: float) -> None: ...


class RecordingSpeech:
    """Remembers what would have been said: for tests and for machines without a voice."""

    def __init__(self, *, reason: str = "") -> None:
        self.spoken: list[tuple[str, str]] = []
        self.volume = 1.0
        self._reason = reason

    @property
    def available(self) -> bool:
        return not self._reason

    @property
    def reason(self) -> str:
        return self._reason

    def say(self, text: str, language: str) -> None:
        self.spoken.append((text, language))

    def stop(self) -> None:
        pass

    def set_volume(self, volume: float) -> None:
        self.volume = volume


class QtSpeech:
    """QtTextToSpeech with the first real engine that starts (never Qt's "mock" engine)."""

    def __init__(self) -> None:
        self._engine: object | None = None
        self._reason = ""
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech
        except ImportError as error:
            self._reason = f"QtTextToSpeech cannot load: {error}"
            return
        engines = [name for name in QTextToSpeech.availableEngines() if name != "mock"]
        for name in engines:
            engine = QTextToSpeech(name)
            if engine.state() != QTextToSpeech.State.Error:
                self._engine = engine
                return
            self._reason = f"speech engine {name!r}: {engine.errorString() or 'failed to start'}"
        if not engines:
            self._reason = "no speech engine installed (for example speech-dispatcher)"

    @property
    def available(self) -> bool:
        return self._engine is not None

    @property
    def reason(self) -> str:
        return self._reason

    def say(self, text: str, language: str) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        engine = self._engine
        if isinstance(engine, QTextToSpeech):
            engine.setLocale(QLocale(language))
            engine.say(text)

    def stop(self) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        if isinstance(self._engine, QTextToSpeech):
            self._engine.stop()

    def set_volume(self, volume: float) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        if isinstance(self._engine, QTextToSpeech):
            self._engine.setVolume(volume)


class VoiceGuide(QObject):
    """Says instructions in the current language, with mute and three volume steps.

    Signals:
        spoken: the text just handed to the speech output (also when muted: no).
    """

    spoken = Signal(str)

    def __init__(self, output: SpeechOutput, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.output = output
        self.muted = False
        self._volume_step = 1
        self.last_instruction = ""
        output.set_volume(VOLUMES[self._volume_step])

    @property
    def volume(self) -> float:
        return VOLUMES[self._volume_step]

    @property
    def volume_step(self) -> tuple[int, int]:
        """(step, of steps), counting from 1, for the header."""
        return self._volume_step + 1, len(VOLUMES)

    def instruct(self, text: str) -> None:
        """A screen's instruction: remembered for "repeat", then said."""
        self.last_instruction = text
        self.say(text)

    def say(self, text: str) -> None:
        if self.muted or not text:
            return
        self.output.stop()
        self.output.say(text, QLocale().name())
        self.spoken.emit(text)

    def repeat(self) -> None:
        self.say(self.last_instruction)

    def toggle_mute(self) -> None:
        self.muted = not self.muted
        if self.muted:
            self.output.stop()

    def next_volume(self) -> None:
        self._volume_step = (self._volume_step + 1) % len(VOLUMES)
        self.output.set_volume(self.volume)
