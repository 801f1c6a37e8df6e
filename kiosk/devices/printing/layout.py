"""One description of a printed ticket, rendered two ways: ESC/POS bytes and a PNG preview.

A :class:`TicketLayout` is a tuple of immutable elements (title, big number, fields, QR, ...)
that knows nothing about paper. Wrapping into physical lines happens per paper width in
:func:`element_lines`, which both renderers share so the preview shows the printed lines.

Widths are counted in printer columns: a thermal printer's font A is 12 dots per ASCII
character and 24 dots per Chinese character, so a CJK (or full-width) character takes two
columns: 48 columns on 80 mm paper (576 dots), 32 on 58 mm (384 dots). Text keeps a margin
of a few columns on each side (:attr:`Paper.margin_columns`) so it never starts at the edge.

The tickets themselves are built in :mod:`kiosk.devices.printing.templates`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Literal

Language = Literal["zh_CN", "en"]  # the language a ticket is printed in

DOTS_PER_COLUMN = 12
LINE_HEIGHT_DOTS = 30


class Align(Enum):
    left = "left"
    center = "center"
    right = "right"


@dataclass(frozen=True)
class Paper:
    """A paper roll: printable width in dots (8 dots/mm at 203 dpi) and font A columns."""

    width_mm: int
    dots: int

    @property
    def columns(self) -> int:
        return self.dots // DOTS_PER_COLUMN

    @property
    def margin_columns(self) -> int:
        """Blank columns left and right of the text: 3 mm on 80 mm paper, 1.5 mm on 58 mm."""
        return 2 if self.width_mm >= 80 else 1

    @property
    def text_columns(self) -> int:
        """The columns text may fill between the margins."""
        return self.columns - 2 * self.margin_columns


PAPER_58 = Paper(58, 384)
PAPER_80 = Paper(80, 576)


def paper_for(width_mm: int) -> Paper:
    if width_mm == 58:
        return PAPER_58
    if width_mm == 80:
        return PAPER_80
    raise ValueError(f"unsupported paper width {width_mm} mm (58 or 80)")


# --- elements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    """Centred, bold, double height: the hospital name or the kind of ticket."""

    text: str


@dataclass(frozen=True)
class BigNumber:
    """The queue number in double width and height, centred."""

    text: str


@dataclass(frozen=True)
class Emphasis:
    """A fact the patient must not miss (where to go): double width and height, centred."""

    text: str


@dataclass(frozen=True)
class Field:
    """``label：value``; continuation lines are indented under the value."""

    label: str
    value: str


@dataclass(frozen=True)
class Row:
    """Left text and right text (an amount) on one line, the right one flush right."""

    left: str
    right: str


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = Align.left
    bold: bool = False


@dataclass(frozen=True)
class Note:
    """Small print: instructions, directions, disclaimers."""

    text: str


@dataclass(frozen=True)
class Qr:
    """A QR code, centred. ``module_dots`` None lets the renderer pick for the paper."""

    data: str
    module_dots: int | None = None


@dataclass(frozen=True)
class Separator:
    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1 or not (" " < self.char < "\x7f"):
            raise ValueError("a separator is one printable ASCII character")


@dataclass(frozen=True)
class Feed:
    lines: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.lines <= 255:
            raise ValueError("feed 1 to 255 lines")


@dataclass(frozen=True)
class Cut:
    pass


Element = Title | BigNumber | Emphasis | Field | Row | Text | Note | Qr | Separator | Feed | Cut


@dataclass(frozen=True)
class TicketLayout:
    """A whole ticket; ``name`` names the template (for file names and logs, no patient data)."""

    elements: tuple[Element, ...]
    name: str = "ticket"

    @property
    def qr_data(self) -> tuple[str, ...]:
        return tuple(e.data for e in self.elements if isinstance(e, Qr))


# --- physical lines ------------------------------------------------------------------------


@dataclass(frozen=True)
class StyledLine:
    """One printed line of text with its style; ``text`` fits ``columns // width_scale``."""

    text: str
    align: Align = Align.left
    bold: bool = False
    width_scale: int = 1
    height_scale: int = 1


def char_width(char: str) -> int:
    """Printer columns of one character: 1 for ASCII, 2 for wide and ambiguous (Chinese mode)."""
    code = ord(char)
    if code < 0x80:
        return 1
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def clean_text(text: str) -> str:
    """Control and format characters become spaces (tabs, stray escapes from data)."""
    return "".join(
        c if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") else " "
        for c in text
    )


def _tokens(paragraph: str) -> list[str]:
    """Runs of spaces, ASCII-ish words (narrow characters), and single wide characters."""
    tokens: list[str] = []
    word = ""
    for char in paragraph:
        if char == " " or char_width(char) == 2:
            if word:
                tokens.append(word)
                word = ""
            if char == " " and tokens and tokens[-1].startswith(" "):
                tokens[-1] += char
            else:
                tokens.append(char)
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, columns: int, indent: int = 0) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` display columns.

    ASCII words move whole to the next line when they fit on one; Chinese breaks between
    any two characters. Continuation lines start with ``indent`` spaces.
    """
    if columns < 2:
        raise ValueError("need at least 2 columns")
    indent = min(indent, columns // 2)
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        line = ""
        width = 0

        def flush() -> None:
            nonlocal line, width
            lines.append(line.rstrip())
            line = " " * indent
            width = indent

        for token in _tokens(paragraph):
            token_width = display_width(token)
            if width + token_width <= columns:
                line += token
                width += token_width
                continue
            if token.startswith(" "):
                flush()
                continue
            if line.strip():
                flush()
            for char in token:
                if width + char_width(char) > columns:
                    flush()
                line += char
                width += char_width(char)
        lines.append(line.rstrip())
    return lines


def _field_separator(label: str) -> str:
    return "：" if label and char_width(label[-1]) == 2 else ": "


def element_lines(element: Element, paper: Paper) -> list[StyledLine]:
    """The printed text lines of a text element (empty for QR, feed and cut).

    Left-aligned lines start after the paper's margin; centred ones are centred by the printer
    within the text columns' width, so they keep clear of both edges too."""
    columns = paper.text_columns
    margin = " " * paper.margin_columns

    def left(lines: list[str]) -> list[StyledLine]:
        return [StyledLine(margin + t if t else t) for t in lines]

    match element:
        case Title(text):
            return [StyledLine(t, Align.center, True, 1, 2) for t in wrap(text, columns)]
        case BigNumber(text) | Emphasis(text):
            return [StyledLine(t, Align.center, True, 2, 2) for t in wrap(text, columns // 2)]
        case Field(label, value):
            head = label + _field_separator(label)
            indent = display_width(head) if display_width(head) <= columns // 2 else 0
            return left(wrap(head + value, columns, indent))
        case Row(left_text, right):
            left_lines = wrap(left_text, columns)
            right = clean_text(right).strip()
            last = left_lines[-1]
            gap = columns - display_width(last) - display_width(right)
            if gap >= 1:
                left_lines[-1] = last + " " * gap + right
            else:
                pad = max(columns - display_width(right), 0)
                left_lines.extend(" " * pad + r for r in wrap(right, columns))
            return left(left_lines)
        case Text(text, align, bold):
            lines = wrap(text, columns)
            if align is Align.left:
                return [StyledLine(line.text, align, bold) for line in left(lines)]
            return [StyledLine(t, align, bold) for t in lines]
        case Note(text):
            return left(wrap(text, columns))
        case Separator(char):
            return left([char * columns])
        case _:
            return []


def default_qr_module_dots(paper: Paper) -> int:
    return 6 if paper.dots >= 576 else 5
