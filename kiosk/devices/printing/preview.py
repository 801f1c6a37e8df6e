"""Ticket layout → PNG, as the printer would print it: paper-wide, 1 px per printer dot.

Used on screen (the ticket stays visible when the printer fails), by the simulated printer
and the walkthrough, and by the full-raster mode for printers without a Chinese font. The
lines are the same :func:`~kiosk.devices.printing.layout.element_lines` the ESC/POS renderer
prints, drawn with the bundled CJK font.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from kiosk.devices.printing import raster
from kiosk.devices.printing.layout import (
    LINE_HEIGHT_DOTS,
    Cut,
    Feed,
    Paper,
    Qr,
    TicketLayout,
    default_qr_module_dots,
    element_lines,
)

MARGIN_DOTS = 16
QR_GAP_DOTS = 8


def _element_images(layout: TicketLayout, paper: Paper, margins: bool) -> list[Image.Image]:
    images: list[Image.Image] = []
    for element in layout.elements:
        if isinstance(element, Qr):
            module = element.module_dots or default_qr_module_dots(paper)
            image, _ = raster.centred(raster.qr_image(element.data, module), paper)
            images.append(image)
        elif isinstance(element, Feed):
            images.append(Image.new("L", (paper.dots, LINE_HEIGHT_DOTS * element.lines), 255))
        elif isinstance(element, Cut):
            if margins:
                images.append(_cut_mark(paper))
        else:
            images.extend(
                raster.render_line(line, paper)[0] for line in element_lines(element, paper)
            )
    return images


def _cut_mark(paper: Paper) -> Image.Image:
    image = Image.new("L", (paper.dots, 3 * MARGIN_DOTS), 255)
    draw = ImageDraw.Draw(image)
    y = 2 * MARGIN_DOTS
    for x in range(0, paper.dots, 12):
        draw.line((x, y, x + 6, y), fill=0)
    return image


def render_image(layout: TicketLayout, paper: Paper, *, margins: bool = True) -> Image.Image:
    """The ticket as a bilevel greyscale image ``paper.dots`` wide."""
    images = _element_images(layout, paper, margins)
    top = MARGIN_DOTS if margins else 0
    height = top * 2 + sum(image.height for image in images)
    page = Image.new("L", (paper.dots, max(height, 1)), 255)
    y = top
    for image in images:
        page.paste(image, (0, y))
        y += image.height
    return page


def preview_png(layout: TicketLayout, paper: Paper) -> bytes:
    """PNG file contents of :func:`render_image` (1-bit, small)."""
    buffer = io.BytesIO()
    render_image(layout, paper).convert("1", dither=Image.Dither.NONE).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()
