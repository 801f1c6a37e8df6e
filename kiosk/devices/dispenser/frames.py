"""The frames of the common serial card-dispenser command set (the CRT-571 / K720 family).

Every exchange is a command, an acknowledgement, an enquiry and a response::

    host → dispenser   STX ADDR LEN_H LEN_L 'C' CM1 CM2 DATA… ETX BCC     the command
    dispenser → host   ACK (06h) for a good frame, NAK (15h) for a bad BCC  at once
    host → dispenser   ENQ (05h)                                           "go ahead"
    dispenser → host   STX ADDR LEN_H LEN_L 'P'|'N' CM1 CM2 DATA… ETX BCC  when done

- ``STX`` 02h, ``ETX`` 03h; ``ADDR`` the dispenser's address byte (00h unless strapped).
- ``LEN`` (big-endian, two bytes) counts the bytes from the ``C``/``P``/``N`` through DATA.
- ``BCC`` is the XOR of every byte from STX through ETX.
- ``P`` is a positive response, ``N`` a negative one whose DATA is a two-digit error code.

The commands this kiosk sends (``CM1 CM2``):

============  ======================================================================
``AP``        status. ``P`` DATA: three ASCII digits ``st0 st1 st2``: st0 the channel
              (``0`` no card, ``1`` a card at the gate, ``2`` a card inside); st1 the stack
              (``0`` empty, ``1`` near empty, ``2`` enough); st2 a fault (``0`` none,
              ``1`` jammed, ``2`` another fault).
``DC``        dispense one card to the gate (the patient pulls it out).
``CP``        capture the card in the channel into the reject bin.
============  ======================================================================

Negative error codes: ``10`` the stack is empty, ``20`` a card jammed; anything else is a
fault of the machine. (Real models add more commands and codes; these are the ones every
member of the family has, under these or similar letters.)
"""

from __future__ import annotations

from dataclasses import dataclass

STX = 0x02
ETX = 0x03
ENQ = 0x05
ACK = 0x06
NAK = 0x15

STATUS = b"AP"
DISPENSE = b"DC"
CAPTURE = b"CP"

ERROR_EMPTY = b"10"
ERROR_JAMMED = b"20"

MAX_TEXT = 512


def bcc(data: bytes) -> int:
    """XOR of every byte."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def frame(kind: bytes, command: bytes, data: bytes = b"", *, address: int = 0) -> bytes:
    """One frame: ``kind`` is ``C`` (a command) or ``P``/``N`` (a response)."""
    text = kind + command + data
    if len(text) > MAX_TEXT:
        raise ValueError("frame text too long")
    body = bytes([STX, address]) + len(text).to_bytes(2, "big") + text + bytes([ETX])
    return body + bytes([bcc(body)])


@dataclass(frozen=True)
class Response:
    positive: bool
    command: bytes
    data: bytes


class FrameError(ValueError):
    """Bytes that are not a well-formed frame (length, ETX or BCC wrong)."""


def frame_length(head: bytes) -> int | None:
    """The whole frame's length once its first four bytes (STX ADDR LEN_H LEN_L) are in."""
    if len(head) < 4:
        return None
    if head[0] != STX:
        raise FrameError("no STX")
    return 4 + int.from_bytes(head[2:4], "big") + 2


def parse_response(raw: bytes) -> Response:
    """A complete response frame → :class:`Response`; :class:`FrameError` when malformed."""
    length = frame_length(raw)
    if length is None or len(raw) != length:
        raise FrameError("incomplete frame")
    if raw[-2] != ETX:
        raise FrameError("no ETX")
    if bcc(raw[:-1]) != raw[-1]:
        raise FrameError("bad BCC")
    text = raw[4:-2]
    if len(text) < 3 or text[:1] not in (b"P", b"N"):
        raise FrameError("not a response")
    return Response(text[:1] == b"P", text[1:3], text[3:])
