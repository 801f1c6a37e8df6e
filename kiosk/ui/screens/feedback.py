"""Feedback screens: five faces, a few tags, submit; then thanks."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
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
    """A checkable face with its words under it (a plain QPushButton cannot stack them)."""

    def __init__(self, rating: int) -> None:
        super().__init__()
        self.setObjectName(f"feedback.rating.{rating}")
        self.setProperty("role", "card-button")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # Five equal widths whatever their words; the words wrap instead.
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)  # grows to fit its wrapped words
        self.setSizePolicy(policy)
        self.face = QLabel()
        self.face.setPixmap(face_pixmap(rating, 96))
        self.face.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.words = label(f"feedback.rating.{rating}.words", "small", wrap=True)
        self.words.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 12, 4, 12)
        for part in (self.face, self.words):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            layout.addWidget(part)

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
        faces = QHBoxLayout()
        faces.setSpacing(16)
        for rating, face in enumerate(self.faces, start=1):
            face.clicked.connect(lambda _=False, r=rating: self.rated.emit(r))
            faces.addWidget(face)
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
        layout.setContentsMargins(48, 32, 48, 24)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addLayout(faces)
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
