"""Spoken calls for the waiting-room display: ``GET /api/v1/calls/{call_id}/announcement.wav``.

A lobby TV's browser often has no Chinese voice, and a display relying on an online voice goes
silent with the network, so the server speaks: a two-tone chime, the call in Mandarin ("请
A零零五号 王某英 到 二零一诊室 就诊"), then in English ("Number A 0 0 5, please go to Room
201"), the whole sequence twice, as one WAV made by espeak-ng (a Debian package).

Every display of an area asks for the same call within a second of it, so each call is made
once, on one worker thread (espeak-ng never runs twice at once and never on the event loop),
and kept in memory: the last ``CACHE_SIZE`` calls (about 1 MB each, some 20 s of 22 kHz
sound), which covers every call a display can still be asking for (it only announces calls of
the last minute). Without espeak-ng the answer is a 503 ``speech_unavailable`` and the
display shows the call silently.

Mandarin is spoken with the ``cmn-latn-pinyin`` voice: Debian's ``cmn`` voice reads every
character missing from its short dictionary as English pinyin ("qing three" for 请); the
pinyin voice reads the same dictionary's pinyin with Mandarin sounds. Digits are read one by one
(二零一, not 二百零一), as hospitals call them.
"""

from __future__ import annotations

import asyncio
import io
import math
import shutil
import subprocess
import tempfile
import threading
import wave
from array import array
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kiosk.api.models import API_PREFIX, ErrorCode, QueueKind
from kiosk.server import queue
from kiosk.server.db import Connection
from kiosk.server.deps import ERRORS, Conn, not_found
from kiosk.server.errors import ApiError, documented_error

ESPEAK = "espeak-ng"
CHINESE_VOICE = "cmn-latn-pinyin"
ENGLISH_VOICE = "en"
CACHE_SIZE = 32
SAMPLE_RATE = 22050  # espeak-ng's own rate: its speech is copied, not resampled
_ESPEAK_TIMEOUT_S = 20.0

# What the patient is called to do at each kind of queue: the end of the spoken call and of the
# phone page's "请到 201诊室 就诊".
CALL_ACTIONS: dict[QueueKind, tuple[str, str]] = {
    QueueKind.room: ("就诊", "see the doctor"),
    QueueKind.lab: ("采血", "give your sample"),
    QueueKind.pharmacy: ("取药", "collect your medicine"),
    QueueKind.cashier: ("缴费", "pay"),
}

_CHINESE_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))


class SpeechUnavailableError(Exception):
    """espeak-ng is not installed or failed: the call is shown, not spoken."""


@dataclass(frozen=True)
class CallWords:
    """What one call says, from its ``called``/``recalled`` event."""

    number: str  # "A005"
    display_name: str  # masked: "王*英" (may be empty)
    room: str  # "201诊室"
    room_en: str  # "Room 201"
    kind: QueueKind

    def chinese(self) -> str:
        """ "请 A零零五号 王某英 到 二零一诊室 就诊": the mask is read as 某, digits one by one."""
        name = self.display_name.replace("*", "某")
        parts = ["请", f"{_digits_in_chinese(self.number)}号", name, "到"]
        parts += [_digits_in_chinese(self.room), CALL_ACTIONS[self.kind][0]]
        return " ".join(part for part in parts if part)

    def english(self) -> str:
        """ "Number A 0 0 5, please go to Room 201": the number spelled out sign by sign."""
        return f"Number {' '.join(self.number)}, please go to {self.room_en or self.room}."


def _digits_in_chinese(text: str) -> str:
    return "".join(_CHINESE_DIGITS.get(char, char) for char in text)


# --- sound ----------------------------------------------------------------------------------


def chime(rate: int = SAMPLE_RATE) -> array[int]:
    """A two-tone "ding-dong" (E5 then C5), each tone struck and fading like a bell."""
    samples: array[int] = array("h")
    for frequency in (659.25, 523.25):
        length = int(0.55 * rate)
        attack = int(0.01 * rate)
        for index in range(length):
            envelope = min(1.0, index / attack) * math.exp(-4.5 * index / length)
            value = math.sin(2 * math.pi * frequency * index / rate) * envelope
            samples.append(int(0.45 * 32767 * value))
    return samples


def silence(seconds: float, rate: int = SAMPLE_RATE) -> array[int]:
    return array("h", bytes(2 * int(seconds * rate)))


def speak(text: str, voice: str) -> array[int]:
    """``text`` spoken by espeak-ng as 16-bit mono samples at ``SAMPLE_RATE``.

    Raises ``SpeechUnavailableError`` when espeak-ng is missing, fails or speaks nothing.
    """
    program = shutil.which(ESPEAK)
    if program is None:
        raise SpeechUnavailableError(f"{ESPEAK} is not installed")
    with tempfile.TemporaryDirectory(prefix="kiosk-speech-") as folder:
        path = Path(folder) / "speech.wav"
        try:
            subprocess.run(
                [program, "-v", voice, "-w", str(path), "--", text],
                check=True,
                capture_output=True,
                timeout=_ESPEAK_TIMEOUT_S,
            )
            with wave.open(str(path), "rb") as speech:
                if (speech.getnchannels(), speech.getsampwidth()) != (1, 2) or (
                    speech.getframerate() != SAMPLE_RATE
                ):
                    raise SpeechUnavailableError(f"{ESPEAK} wrote an unexpected format")
                samples = array("h", speech.readframes(speech.getnframes()))
        except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as exc:
            raise SpeechUnavailableError(f"{ESPEAK} failed: {exc}") from exc
    if not samples:
        raise SpeechUnavailableError(f"{ESPEAK} said nothing for {text!r}")
    return samples


def announcement_wav(words: CallWords) -> bytes:
    """The whole announcement as a WAV file: (chime, Mandarin, English) twice."""
    once = chime()
    once += silence(0.25)
    once += speak(words.chinese(), CHINESE_VOICE)
    once += silence(0.4)
    once += speak(words.english(), ENGLISH_VOICE)
    once += silence(1.0)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((once + once).tobytes())
    return buffer.getvalue()


class Announcements:
    """Each call's WAV, made once on one worker thread and kept for the last ``size`` calls.

    Displays asking for a call being made wait for the same result; a failure is not kept, so
    installing espeak-ng later makes the next call speak.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        # Reentrant: a sound that fails at once runs its done-callback inside ``wav``.
        self._lock = threading.RLock()
        self._made: OrderedDict[int, Future[bytes]] = OrderedDict()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-speech")

    async def wav(self, call_id: int, words: CallWords) -> bytes:
        with self._lock:
            future = self._made.get(call_id)
            if future is None:
                future = self._worker.submit(announcement_wav, words)
                self._made[call_id] = future
                future.add_done_callback(lambda done: self._forget_failure(call_id, done))
                while len(self._made) > self._size:
                    self._made.popitem(last=False)
            else:
                self._made.move_to_end(call_id)
        return await asyncio.wrap_future(future)

    def _forget_failure(self, call_id: int, future: Future[bytes]) -> None:
        if future.exception() is not None:
            with self._lock:
                if self._made.get(call_id) is future:
                    del self._made[call_id]


# --- the route ------------------------------------------------------------------------------


def call_words(conn: Connection, call_id: int) -> CallWords | None:
    """What the call of event ``call_id`` says; None unless it is a ``called`` or ``recalled``
    event."""
    text = queue.call_text(conn, call_id)
    if text is None:
        return None
    row = conn.execute(
        "SELECT q.kind FROM queue_events ev JOIN queues q ON q.id = ev.queue_id WHERE ev.id = ?",
        (call_id,),
    ).fetchone()
    return CallWords(text.number, text.display_name, text.room, text.room_en, QueueKind(row[0]))


router = APIRouter(prefix=API_PREFIX, tags=["queue"], responses=ERRORS)
_announcements_lock = threading.Lock()


def _announcements(request: Request) -> Announcements:
    """The app's one ``Announcements``, made on first use."""
    state = request.app.state
    with _announcements_lock:
        if getattr(state, "announcements", None) is None:
            state.announcements = Announcements()
        announcements: Announcements = state.announcements
    return announcements


@router.get(
    "/calls/{call_id}/announcement.wav",
    response_class=Response,
    responses={
        200: {
            "content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The spoken call",
        },
        404: documented_error("No call with this id", ErrorCode.not_found),
        503: documented_error("No espeak-ng here", ErrorCode.speech_unavailable),
    },
    operation_id="getCallAnnouncement",
    summary="A call, spoken: chime, Mandarin, English, twice (WAV)",
)
async def announcement(
    call_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)], request: Request, conn: Conn
) -> Response:
    """``call_id`` is the call's event id (``BoardCall.call_id``); a call never changes, so
    browsers may keep the sound."""
    words = await run_in_threadpool(call_words, conn, call_id)
    if words is None:
        raise not_found("call", str(call_id))
    try:
        wav = await _announcements(request).wav(call_id, words)
    except SpeechUnavailableError as exc:
        raise ApiError(
            503, ErrorCode.speech_unavailable, f"Calls are not spoken here: {exc}."
        ) from exc
    return Response(
        wav, media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"}
    )
