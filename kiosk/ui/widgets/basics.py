"""Small constructors so every widget gets its stable objectName and style role in one line."""

from __future__ import annotations

import math
import re
from typing import TypeVar

from PySide6.QtCore import QLocale, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.ui.theme import BODY_PX

W = TypeVar("W", bound=QWidget)

# Qt's line breaker never breaks at U+2060 WORD JOINER, which is invisible and has no width in
# the bundled CJK font. It does break after a space whatever follows, so a space inside a term
# becomes a no-break space.
WORD_JOINER = "\u2060"
NO_BREAK_SPACE = "\u00a0"
IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A number with what belongs to it: a currency sign before it (with the space before that sign:
# "个人支付 ¥34.00" is one statement), a unit and up to two more characters of the name it
# starts after it ("2楼", "201室", "1号窗口", "50%").
_NUMBER_TERM = re.compile(
    rf"(?:[ {NO_BREAK_SPACE}]?[¥￥$€£])?\d(?:[\d.,:/]*\d)?(?:%|[{IDEOGRAPHS}]{{1,3}})?"
)
# A short run of characters between spaces or punctuation is one term: 取药, 主任医师, 很不满意.
_SHORT_RUN = re.compile(rf"(?<![{IDEOGRAPHS}])[{IDEOGRAPHS}]{{2,4}}(?![{IDEOGRAPHS}])")
# A word and the number it introduces stay on one line: "room 201", "floor 2", "Window 1".
_WORD_NUMBER = re.compile(r"[A-Za-z] \d")
# The last two characters of a paragraph go together: no single character alone on a line.
_LAST_PAIR = re.compile(rf"[{IDEOGRAPHS}]{{2}}(?=[^{IDEOGRAPHS}\w]*$)")


def unbreakable_positions(text: str) -> set[int]:
    """Where a line must not break (between ``text[i - 1]`` and ``text[i]``), by our rules.

    Shared by :func:`keep_together`, which glues these places, and the audit, which reports a
    label laid out with a break at one of them.
    """
    positions: set[int] = set()
    offset = 0
    for paragraph in text.split("\n"):
        for pattern in (_NUMBER_TERM, _SHORT_RUN, _LAST_PAIR):
            for match in pattern.finditer(paragraph):
                positions.update(range(offset + match.start() + 1, offset + match.end()))
        positions.update(offset + m.start() + 2 for m in _WORD_NUMBER.finditer(paragraph))
        offset += len(paragraph) + 1
    return positions


def _latin(character: str) -> bool:
    return character.isascii() and not character.isspace()


def keep_together(text: str) -> str:
    """``text`` glued where a line must not break (word joiners; a no-break space for a
    space): terms stay whole on a line."""
    text = as_written(text)
    glued = [
        index
        for index in sorted(unbreakable_positions(text))
        # Qt never breaks inside a Latin number or word; joiners there would only add noise.
        if not (_latin(text[index - 1]) and _latin(text[index]))
    ]
    pieces = []
    start = 0
    for index in glued:
        piece = text[start:index]
        pieces.append(piece[:-1] + NO_BREAK_SPACE if piece.endswith(" ") else piece + WORD_JOINER)
        start = index
    pieces.append(text[start:])
    return "".join(pieces)


def as_written(text: str) -> str:
    """``text`` without what :func:`keep_together` added."""
    return text.replace(WORD_JOINER, "").replace(NO_BREAK_SPACE, " ")


def named(widget: W, name: str, role: str = "") -> W:
    """Give ``widget`` the objectName tests and automation find it by, and its style role."""
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    return widget


def button(name: str, role: str = "") -> QPushButton:
    """A touch target that the physical keypad can reach too.

    Tab focus only: the keypad's arrow keys move focus onto it and Enter presses it (see
    ``KioskWindow.keyPressEvent``), while a tap leaves keyboard focus where it was.
    """
    widget = named(QPushButton(), name, role)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return widget


class WrappingLabel(QLabel):
    """A label that wraps its text without splitting a term, a number from its unit, or
    leaving one character alone on the last line (see :func:`keep_together`).

    Where a glued term is wider than the label (a column too narrow, which the audit reports),
    it wraps as Qt would: a split term reads better than a clipped one. ``text()`` gives the
    text as set; what is laid out (``QLabel.text``) holds the joiners.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self._written = ""

    def setText(self, text: str) -> None:
        self._written = as_written(text)
        self._lay_out()

    def text(self) -> str:
        return as_written(super().text())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._lay_out()

    def _lay_out(self) -> None:
        glued = keep_together(self._written)
        width = self.contentsRect().width() - 2 * self.margin()
        if width > 0 and glued != self._written:
            needed = self.fontMetrics().boundingRect(
                QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap), glued
            )
            if needed.width() > width:
                glued = self._written
        if QLabel.text(self) != glued:
            super().setText(glued)


class FittedLabel(QLabel):
    """A name that must not break inside a word (the hospital's, in the header), whatever
    the text size: its font shrinks until it fits one line; text with spaces may instead wrap
    at a space onto the lines the label's height holds, whichever keeps the larger font.
    Never below body size; past that it elides.
    """

    def __init__(self) -> None:
        super().__init__()
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)  # text with spaces may need more lines when narrow
        self.setSizePolicy(policy)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """At least one line; for text with spaces, all its lines wrapped at body size."""
        height = super().minimumSizeHint().height()
        if " " not in self.text():
            return height
        body = QFont(self.font())
        body.setPixelSize(BODY_PX)
        margins = self.contentsMargins()
        room = QRect(0, 0, max(1, width - margins.left() - margins.right()), 100_000)
        wrapped = QFontMetrics(body).boundingRect(room, int(Qt.TextFlag.TextWordWrap), self.text())
        return max(height, wrapped.height() + margins.top() + margins.bottom())

    def fitted(self) -> tuple[QFont, Qt.TextFlag]:
        """The font to draw with, and whether to wrap at spaces."""
        font = self.font()
        room = self.contentsRect()
        styled = font.pixelSize()
        if styled <= 0 or room.width() <= 0:
            return font, Qt.TextFlag(0)
        needed = QFontMetrics(font).horizontalAdvance(self.text())
        one_line = min(styled, max(BODY_PX, math.floor(styled * room.width() / max(needed, 1))))
        if " " in self.text():
            for size in range(styled, one_line - 1, -1):
                font.setPixelSize(size)
                wrapped = QFontMetrics(font).boundingRect(
                    room, int(Qt.TextFlag.TextWordWrap), self.text()
                )
                if wrapped.width() <= room.width() and wrapped.height() <= room.height():
                    return font, Qt.TextFlag.TextWordWrap
        font.setPixelSize(one_line)
        return font, Qt.TextFlag(0)

    def paintEvent(self, event: QPaintEvent) -> None:
        font, wrap = self.fitted()
        room = self.contentsRect()
        text = self.text()
        if not wrap:
            text = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, room.width())
        painter = QPainter(self)
        painter.setFont(font)
        self.style().drawItemText(
            painter,
            room,
            int(self.alignment()) | int(wrap),
            self.palette(),
            self.isEnabled(),
            text,
            self.foregroundRole(),
        )


def label(name: str, role: str = "", *, wrap: bool = False) -> QLabel:
    return named(WrappingLabel() if wrap else QLabel(), name, role)


def in_language(chinese: str, english: str) -> str:
    """Pick the server's Chinese or English text for the current language."""
    if QLocale().language() == QLocale.Language.Chinese or not english:
        return chinese
    return english


class LayoutSizedButton(QPushButton):
    """A button sized by the labels in its layout, growing in height as they wrap."""

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        needed = layout.totalHeightForWidth(width) if layout is not None else -1
        return max(needed, self.minimumHeight())


class CardButton(LayoutSizedButton):
    """A big touch target whose lines wrap (a plain QPushButton never wraps its text)."""

    def __init__(self, name: str, *, centred: bool = False) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "card-button")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)  # grows to fit its wrapped lines
        self.setSizePolicy(policy)
        self.title = label(f"{name}.title", "heading", wrap=True)
        self.detail = label(f"{name}.detail", "small", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        for line in (self.title, self.detail):
            line.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            if centred:
                line.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(line)

    def set_lines(self, title: str, detail: str = "") -> None:
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)
