"""Ticket layout → ESC/POS bytes, without a device and without importing python-escpos.

The bytes are the same commands python-escpos's ``Dummy`` records for the equivalent calls
(the tests compare them): ``ESC @``, ``GS !`` sizes, ``ESC E`` bold, ``ESC a`` alignment,
``GS ( k`` QR codes, ``GS v 0`` raster images, ``ESC d 6`` + ``GS V 0`` cut.

Chinese text is printed in the printer's Chinese mode: every run of non-ASCII characters is
wrapped in ``FS &`` … ``FS .`` and encoded in the printer's encoding (GB18030 by default).
A line holding a character the printer's font lacks (``font_coverage``) or its encoding
cannot express is drawn as a raster image of that line only, so full-width punctuation and
rare names (𠮷, 龘) never turn into ``?``. A ticket stays a few hundred bytes; only the
full-raster mode (for printers without a Chinese font) sends the whole ticket as an image.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import PrinterSection
from kiosk.devices.printing.layout import (
    Align,
    Cut,
    Element,
    Feed,
    Paper,
    Qr,
    StyledLine,
    TicketLayout,
    default_qr_module_dots,
    element_lines,
    paper_for,
)

ESC = b"\x1b"
FS = b"\x1c"
GS = b"\x1d"
LF = b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CUT = ESC + b"d\x06" + GS + b"V\x00"
ALIGN = {Align.left: ESC + b"a\x00", Align.center: ESC + b"a\x01", Align.right: ESC + b"a\x02"}
BOLD_ON = ESC + b"E\x01"
BOLD_OFF = ESC + b"E\x00"

# Encodings where non-ASCII text needs the printer's Chinese (double-byte) mode.
CHINESE_ENCODINGS = frozenset({"gb18030", "gbk", "big5", "utf-8"})
# ESC t n for single-byte code pages (English-only printers).
CODE_PAGES = {"cp437": 0, "cp850": 2, "cp1252": 16}
COVERAGE_CODECS = {"gb2312": "gb2312", "gbk": "gbk", "gb18030": "gb18030"}


def size_command(width_scale: int, height_scale: int) -> bytes:
    """``GS !``: character size for ASCII and Chinese alike (``ESC !`` misses Chinese)."""
    return GS + b"!" + bytes((((width_scale - 1) << 4) | (height_scale - 1),))


def feed_command(lines: int) -> bytes:
    return ESC + b"d" + bytes((lines,))


def _int_low_high(number: int) -> bytes:
    return bytes((number & 0xFF, (number >> 8) & 0xFF))


def _qr_function(fn: int, data: bytes, modifier: bytes = b"") -> bytes:
    return (
        GS
        + b"(k"
        + _int_low_high(len(data) + len(modifier) + 2)
        + b"1"
        + bytes((fn,))
        + (modifier + data)
    )


def qr_commands(data: str, module_dots: int) -> bytes:
    """Native QR: model 2, module size, error correction M, store the data, print it."""
    if not 1 <= module_dots <= 16:
        raise ValueError("QR module size is 1 to 16 dots")
    return (
        _qr_function(65, b"2\x00")
        + _qr_function(67, bytes((module_dots,)))
        + _qr_function(69, b"1")
        + _qr_function(80, data.encode("utf-8"), b"0")
        + _qr_function(81, b"", b"0")
    )


@dataclass(frozen=True)
class RenderOptions:
    """What the printer can do; built from the ``[printer]`` section."""

    paper: Paper
    encoding: str = "gb18030"
    font_coverage: str = "gb18030"
    raster_only: bool = False
    native_qr: bool = True

    def __post_init__(self) -> None:
        if self.encoding not in CHINESE_ENCODINGS and self.encoding not in CODE_PAGES:
            raise ValueError(f"unsupported printer encoding {self.encoding!r}")
        if self.font_coverage not in COVERAGE_CODECS:
            raise ValueError(f"unsupported font coverage {self.font_coverage!r}")

    @classmethod
    def from_section(cls, section: PrinterSection) -> RenderOptions:
        return cls(
            paper=paper_for(section.paper_width_mm),
            encoding=section.encoding,
            font_coverage=section.font_coverage,
            raster_only=section.raster_only,
            native_qr=section.native_qr,
        )

    @property
    def chinese_mode(self) -> bool:
        return self.encoding in CHINESE_ENCODINGS


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


class EscposRenderer:
    """Renders layouts for one printer model; stateless between calls, safe to share."""

    def __init__(self, options: RenderOptions) -> None:
        self.options = options

    def prints_as_text(self, text: str) -> bool:
        """Whether the printer's own font and encoding can print ``text``."""
        non_ascii = "".join(c for c in text if ord(c) >= 0x80)
        if not non_ascii:
            return True
        if not _encodable(non_ascii, self.options.encoding):
            return False
        # A big5 printer's font is its encoding; GB printers' fonts vary by model.
        if self.options.encoding == "big5" or not self.options.chinese_mode:
            return True
        return _encodable(non_ascii, COVERAGE_CODECS[self.options.font_coverage])

    def encode_text(self, text: str) -> bytes:
        """Text-mode bytes of one line (no LF); Chinese runs inside ``FS &`` … ``FS .``."""
        if not self.options.chinese_mode:
            return text.encode(self.options.encoding)
        out = bytearray()
        run = ""
        for char in text + "\0":
            if char != "\0" and (ord(char) >= 0x80) == (bool(run) and ord(run[0]) >= 0x80):
                run += char
                continue
            if run and ord(run[0]) >= 0x80:
                out += CHINESE_ON + run.encode(self.options.encoding) + CHINESE_OFF
            elif run:
                out += run.encode("ascii")
            run = char
        return bytes(out)

    def render(self, layout: TicketLayout) -> bytes:
        """The whole job: initialise, every element, cut."""
        if self.options.raster_only:
            return self._render_raster_only(layout)
        out = bytearray(INIT)
        if not self.options.chinese_mode:
            out += ESC + b"t" + bytes((CODE_PAGES[self.options.encoding],))
        for element in layout.elements:
            out += self.render_element(element)
        return bytes(out)

    def render_element(self, element: Element) -> bytes:
        paper = self.options.paper
        if isinstance(element, Qr):
            return self._qr(element)
        if isinstance(element, Feed):
            return feed_command(element.lines)
        if isinstance(element, Cut):
            return CUT
        lines = element_lines(element, paper)
        if not lines:
            return b""
        style = lines[0]
        prefix = bytearray()
        suffix = bytearray()
        if (style.width_scale, style.height_scale) != (1, 1):
            prefix += size_command(style.width_scale, style.height_scale)
            suffix[:0] = size_command(1, 1)
        if style.bold:
            prefix += BOLD_ON
            suffix[:0] = BOLD_OFF
        if style.align is not Align.left:
            prefix += ALIGN[style.align]
            suffix[:0] = ALIGN[Align.left]
        body = bytearray()
        for line in lines:
            body += self._line(line)
        return bytes(prefix + body + suffix)

    def _line(self, line: StyledLine) -> bytes:
        if self.prints_as_text(line.text):
            return self.encode_text(line.text) + LF
        from kiosk.devices.printing import raster  # Pillow and qrcode: not before a print

        image, used = raster.render_line(line, self.options.paper)
        command = raster.gs_v0(raster.crop_width(image, used))
        if line.align is not Align.left:
            # The image carries its own alignment; the printer must not shift it again.
            return ALIGN[Align.left] + command + ALIGN[line.align]
        return command

    def _qr(self, element: Qr) -> bytes:
        module = element.module_dots or default_qr_module_dots(self.options.paper)
        if self.options.native_qr:
            return ALIGN[Align.center] + qr_commands(element.data, module) + ALIGN[Align.left]
        from kiosk.devices.printing import raster

        image, used = raster.centred(raster.qr_image(element.data, module), self.options.paper)
        return raster.gs_v0(raster.crop_width(image, used))

    def _render_raster_only(self, layout: TicketLayout) -> bytes:
        # Imported here: preview imports this module's neighbours, not the other way round.
        from kiosk.devices.printing import raster
        from kiosk.devices.printing.preview import render_image

        body = TicketLayout(
            tuple(e for e in layout.elements if not isinstance(e, Cut)), layout.name
        )
        out = INIT + raster.gs_v0(render_image(body, self.options.paper, margins=False))
        if any(isinstance(e, Cut) for e in layout.elements):
            out += CUT
        return out


def render_escpos(layout: TicketLayout, options: RenderOptions) -> bytes:
    return EscposRenderer(options).render(layout)
