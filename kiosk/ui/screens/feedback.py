"""Feedback screens: five faces, a few tags, submit; then thanks."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.flows.feedback import TAGS
from kiosk.ui.screens.base import Screen, label_home_button
from kiosk.ui.widgets.basics import LayoutSizedButton, button, label

FACE_COLOURS = ("#b3261e", "#c75b00", "#8a6d00", "#2e7d32", "#1b5e20")
FACE_SPACING_PX = 16
FACE_PADDING_PX = 16  # the face button's side margins and border


def face_pixmap(rating: int, size: int) -> QPixmap:
    """A round face whose mouth goes from a frown (1) to a wide smile (5)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(FACE_COLOURS[rating - 1])
    pen = QPen(colour, size / 16)
    painter.setPen(pen)
    margin = size / 16
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
    painter.setBrush(colour)
    eye = size / 14
    for x in (0.36, 0.64):
        painter.drawEllipse(QPointF(size * x, size * 0.4), eye, eye)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    curve = (rating - 3) * size * 0.06  # below the line smiles, above it frowns
    mouth = QPainterPath(QPointF(size * 0.3, size * 0.7))
    mouth.quadTo(QPointF(size * 0.5, size * 0.7 + 2 * curve), QPointF(size * 0.7, size * 0.7))
    painter.drawPath(mouth)
    painter.end()
    return pixmap


class FaceButton(LayoutSizedButton):
    """A checkable face with its words under it (a plain QPushButton cannot stack them), or
    beside it when the five stand in a column."""

    def __init__(self, rating: int) -> None:
        super().__init__()
        self.setObjectName(f"feedback.rating.{rating}")
        self.setProperty("role", "card-button")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.face = QLabel()
        self.face.setPixmap(face_pixmap(rating, 96))
        self.face.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.words = label(f"feedback.rating.{rating}.words", "small", wrap=True)
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        for part in (self.face, self.words):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            self._layout.addWidget(part)
        self._layout.setStretch(1, 1)
        self.set_in_column(in_column=False)

    def set_in_column(self, *, in_column: bool) -> None:
        """In a row: five equal widths, the words under the face. In a column: the words
        beside it, on one line (large text, portrait: "很不满意" must not lose its last 意)."""
        self._layout.setDirection(
            QBoxLayout.Direction.LeftToRight if in_column else QBoxLayout.Direction.TopToBottom
        )
        self._layout.setContentsMargins(*((24, 4, 24, 4) if in_column else (4, 12, 4, 12)))
        self._layout.setSpacing(24 if in_column else 6)
        self.words.setAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            if in_column
            else Qt.AlignmentFlag.AlignCenter
        )
        width = QSizePolicy.Policy.Preferred if in_column else QSizePolicy.Policy.Ignored
        policy = QSizePolicy(width, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)  # grows to fit its wrapped words
        self.setSizePolicy(policy)

    def set_words(self, words: str) -> None:
        self.words.setText(words)
        self.setAccessibleName(words)


class FeedbackScreen(Screen):
    """Signals:
    rated: 1 to 5.
    tag_toggled: a tag from :data:`kiosk.flows.feedback.TAGS`.
    submitted: send it.
    home_requested: finish without sending.
    """

    rated = Signal(int)
    tag_toggled = Signal(str)
    submitted = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("feedback", parent)
        self.heading = label("feedback.heading", "title", wrap=True)
        self.faces = [FaceButton(rating) for rating in range(1, 6)]
        self._faces = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._faces.setSpacing(FACE_SPACING_PX)
        self._faces_in_column = False
        for rating, face in enumerate(self.faces, start=1):
            face.clicked.connect(lambda _=False, r=rating: self.rated.emit(r))
            self._faces.addWidget(face)
        self.tags_heading = label("feedback.tags.heading", "heading", wrap=True)
        self.tags: dict[str, QPushButton] = {}
        tags = QGridLayout()
        tags.setSpacing(16)
        for index, tag in enumerate(TAGS):
            chip = button(f"feedback.tag.{tag}")
            chip.setCheckable(True)
            chip.clicked.connect(lambda _=False, t=tag: self.tag_toggled.emit(t))
            self.tags[tag] = chip
            tags.addWidget(chip, index // 2, index % 2)  # two columns fit large text upright
        self.finish = button("feedback.finish")
        self.finish.clicked.connect(self.home_requested)
        self.submit = button("feedback.submit", "primary")
        self.submit.clicked.connect(self.submitted)
        footer = QHBoxLayout()
        footer.addWidget(self.finish)
        footer.addStretch(1)
        footer.addWidget(self.submit)
        layout = QVBoxLayout(self)
        self._page = layout
        layout.setContentsMargins(48, 32, 48, 24)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addLayout(self._faces)
        layout.addWidget(self.tags_heading)
        layout.addLayout(tags)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.show_choice(0, ())

    def show_choice(self, rating: int, tags: Sequence[str]) -> None:
        for value, face in enumerate(self.faces, start=1):
            face.setChecked(value == rating)
        for tag, chip in self.tags.items():
            chip.setChecked(tag in tags)
        self.submit.setEnabled(rating > 0)
        self.retranslate()

    def wipe(self) -> None:
        self.show_choice(0, ())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange_faces()
        super().resizeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self._arrange_faces()  # the text size may have changed while another screen showed
        super().showEvent(event)

    def _arrange_faces(self) -> None:
        """A row of five while each face's words fit on one line under it, else a column."""
        margins = self._page.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        per_face = (room - 4 * FACE_SPACING_PX) // 5 - FACE_PADDING_PX
        widest = max(
            face.words.fontMetrics().horizontalAdvance(face.words.text()) for face in self.faces
        )
        in_column = widest > per_face
        if in_column == self._faces_in_column:
            return
        self._faces_in_column = in_column
        self._faces.setDirection(
            QBoxLayout.Direction.TopToBottom if in_column else QBoxLayout.Direction.LeftToRight
        )
        for face in self.faces:
            face.set_in_column(in_column=in_column)

    def instruction(self) -> str:
        return self.heading.text()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("How was your visit today?"))
        words = (
            self.tr("Very bad"),
            self.tr("Bad"),
            self.tr("Fair"),
            self.tr("Good"),
            self.tr("Very good"),
        )
        for face, text in zip(self.faces, words, strict=True):
            face.set_words(text)
        self.tags_heading.setText(self.tr("What was it about? (optional)"))
        names = {
            "waiting_time": self.tr("Waiting time"),
            "staff": self.tr("Staff"),
            "cleanliness": self.tr("Cleanliness"),
            "finding_the_way": self.tr("Finding the way"),
            "this_kiosk": self.tr("This machine"),
            "prices": self.tr("Prices"),
        }
        for tag, chip in self.tags.items():
            chip.setText(("✓ " if chip.isChecked() else "") + names[tag])
            chip.setAccessibleName(names[tag])
        label_home_button(self.finish)
        self.submit.setText(self.tr("Send"))
        self.submit.setAccessibleName(self.submit.text())


class ThanksScreen(Screen):
    """Signals:
    home_requested: back to the start (also after a few seconds by itself).
    """

    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("feedback_thanks", parent)
        self.title = label("feedback_thanks.title", "title", wrap=True)
        self.body = label("feedback_thanks.body", "hint", wrap=True)
        for text in (self.title, self.body):
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.finish = button("feedback_thanks.finish", "primary")
        self.finish.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.finish)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 32)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.retranslate()

    def instruction(self) -> str:
        return f"{self.title.text()} {self.body.text()}"

    def retranslate(self) -> None:
        self.title.setText(self.tr("Thank you"))
        self.body.setText(self.tr("Your feedback helps us do better."))
        label_home_button(self.finish)
