"""Writes the two short cues in assets/sounds (run once; the WAVs are committed).

success.wav: two rising tones; error.wav: two falling, lower tones. 16 kHz mono, 16-bit.
staff-call.wav: the fleet page's alert while a patient waits for staff, looped by the page: a
two-tone chime twice, then a pause (so the loop does not drone).
"""

import math
import struct
import wave
from pathlib import Path

RATE = 16_000


def tones(frequencies: list[float], seconds: float = 0.16) -> bytes:
    frames = bytearray()
    for frequency in frequencies:
        count = int(RATE * seconds)
        for n in range(count):
            envelope = min(1.0, n / 400, (count - n) / 400)  # no clicks
            sample = 0.45 * envelope * math.sin(2 * math.pi * frequency * n / RATE)
            frames += struct.pack("<h", int(sample * 32767))
    return bytes(frames)


def write(path: Path, data: bytes) -> None:
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(data)


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "assets" / "sounds"
    out.mkdir(parents=True, exist_ok=True)
    write(out / "success.wav", tones([660.0, 880.0]))
    write(out / "error.wav", tones([440.0, 330.0], seconds=0.22))
    pause = bytes(2 * int(RATE * 0.9))
    write(out / "staff-call.wav", tones([988.0, 784.0, 988.0, 784.0], seconds=0.2) + pause)
