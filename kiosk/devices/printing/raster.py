"""Drawing ticket lines and QR codes as 1-bit images, and ``GS v 0`` raster commands.

Shared by the ESC/POS renderer (raster lines for characters the printer font lacks, the
full-raster mode, the raster QR fallback) and the PNG preview, so a preview shows what the
printer prints. Text is drawn on the printer's grid: 12 dots per ASCII column, 24 per
Chinese character, 30-dot lines, with the bundled Noto Sans CJK font (never a system font,
so every kiosk renders the same).
"""

from __future__ import annotations

import functools
import math

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont, ImageOps

from kiosk.assets import cjk_font_path
from kiosk.devices.printing.layout import (
    DOTS_PER_COLUMN,
    LINE_HEIGHT_DOTS,
    Align,
    Paper,
    StyledLine,
    char_width,
    display_width,
)

GS = b"\x1d"
FONT_SIZE = 24
BASELINE = 25
FRAGMENT_HEIGHT = 960
WHITE = 255
BLACK = 0


@functools.lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


def _bilevel(image: Image.Image) -> Image.Image:
    """Pure black and white in mode L, so dithering never changes a pixel later."""
    return image.point(lambda value: BLACK if value < 160 else WHITE)


def _draw_text(text: str, bold: bool, width: int) -> Image.Image:
    image = Image.new("L", (width, LINE_HEIGHT_DOTS), WHITE)
    draw = ImageDraw.Draw(image)
    font = _font(FONT_SIZE)
    column = 0
    for char in text:
        cells = char_width(char)
        if char != " " and cells:
            cell_width = cells * DOTS_PER_COLUMN
            advance = font.getlength(char)
            x = column * DOTS_PER_COLUMN + (cell_width - advance) / 2
            draw.text((x, BASELINE), char, fill=BLACK, font=font, anchor="ls")
            if bold:
                draw.text((x + 1, BASELINE), char, fill=BLACK, font=font, anchor="ls")
        column += cells
    return image


def text_offset(line: StyledLine, available: int) -> int:
    """Where the text starts, in dots at scale 1, for the line's alignment."""
    used = display_width(line.text) * DOTS_PER_COLUMN
    if line.align is Align.center:
        return max((available - used) // 2, 0)
    if line.align is Align.right:
        return max(available - used, 0)
    return 0


def render_line(line: StyledLine, paper: Paper) -> tuple[Image.Image, int]:
    """The line as a paper-wide bilevel image, and how many dots from the left it uses."""
    available = paper.dots // line.width_scale
    offset = text_offset(line, available)
    used = offset + display_width(line.text) * DOTS_PER_COLUMN
    text_image = _draw_text(line.text, line.bold, available - offset)
    image = Image.new("L", (available, LINE_HEIGHT_DOTS), WHITE)
    image.paste(text_image, (offset, 0))
    if line.width_scale != 1 or line.height_scale != 1:
        size = (available * line.width_scale, LINE_HEIGHT_DOTS * line.height_scale)
        image = image.resize(size, Image.Resampling.NEAREST)
    full = Image.new("L", (paper.dots, image.height), WHITE)
    full.paste(image, (0, 0))
    return _bilevel(full), min(used * line.width_scale, paper.dots)


def qr_image(data: str, module_dots: int) -> Image.Image:
    """The QR code (model 2, error correction M, one-module border) as a bilevel image."""
    code = qrcode.QRCode(
        version=None,
        box_size=module_dots,
        border=1,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image().get_image().convert("L")
    return _bilevel(image)


def centred(image: Image.Image, paper: Paper) -> tuple[Image.Image, int]:
    """``image`` centred on a paper-wide white strip, and the dots it uses from the left."""
    if image.width > paper.dots:
        raise ValueError(f"image {image.width} dots wide does not fit {paper.dots} dots")
    offset = (paper.dots - image.width) // 2
    full = Image.new("L", (paper.dots, image.height), WHITE)
    full.paste(image, (offset, 0))
    return full, offset + image.width


def crop_width(image: Image.Image, used: int) -> Image.Image:
    """Drop the white right-hand part: a raster line costs only the dots it uses."""
    width = min(max(8, math.ceil(used / 8) * 8), image.width)
    return image.crop((0, 0, width, image.height))


def _int_low_high(number: int) -> bytes:
    return bytes((number & 0xFF, (number >> 8) & 0xFF))


def gs_v0(image: Image.Image) -> bytes:
    """``GS v 0`` raster bit image commands, split every 960 rows like python-escpos does."""
    out = bytearray()
    for top in range(0, image.height, FRAGMENT_HEIGHT):
        fragment = image.crop((0, top, image.width, min(top + FRAGMENT_HEIGHT, image.height)))
        bits = ImageOps.invert(fragment.convert("L")).convert("1")
        out += GS + b"v0\x00" + _int_low_high((bits.width + 7) >> 3) + _int_low_high(bits.height)
        out += bits.tobytes()
    return bytes(out)
