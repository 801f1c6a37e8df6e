"""Layers over the screens: "please wait" during slow calls, the idle countdown, and "take your
card" at the end of a card visit."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.screens.base import illustration, label_home_button
from kiosk.ui.widgets.basics import button, label, named

SHOW_BUSY_AFTER_MS = 300
OFFER_CANCEL_AFTER_MS = 10_000
MIN_CARD_WIDTH_PX = 560


class _Overlay(QWidget):
    """Covers its parent completely and follows its size."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "overlay")  # while one is up, only it is what a patient sees
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._host = parent
        parent.installEventFilter(self)
        self.card = named(QFrame(self), f"{name}.card", "card")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def appear(self) -> None:
        self.show()
        self.raise_()
        self._fit()

    def _fit(self) -> None:
        """Cover the host, and size the card for its text as it is now (large text may have
        come on while it was hidden): a set width, and the height its wrapped lines need."""
        self.setGeometry(self._host.rect())
        width = max(MIN_CARD_WIDTH_PX, min(960, self._host.width() - 96))
        for child in self.card.findChildren(QWidget):
            child.ensurePolished()
        self.card.setFixedWidth(width)
        needed = self.card.heightForWidth(width)
        if needed > 0:
            self.card.setFixedHeight(needed)


class BusyOverlay(_Overlay):
    """Shown 300 ms into a backend call; offers to give up after 10 s.

    Signals:
        cancelled: the patient gave up waiting.
    """

    cancelled = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__("busy", parent)
        self.message = label("busy.message", "heading", wrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cancel = button("busy.cancel")
        self.cancel.clicked.connect(self.cancelled)
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        layout.addWidget(self.message)
        layout.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignHCenter)
        self._show_timer = QTimer(self, singleShot=True, interval=SHOW_BUSY_AFTER_MS)
        self._show_timer.timeout.connect(self.appear)
        self._cancel_timer = QTimer(self, singleShot=True, interval=OFFER_CANCEL_AFTER_MS)
        self._cancel_timer.timeout.connect(lambda: self.cancel.setVisible(True))
        self.retranslate()

    def set_busy(self, busy: bool) -> None:
        if busy:
            if not self._show_timer.isActive() and not self.isVisible():
                self.cancel.setVisible(False)
                self._show_timer.start()
                self._cancel_timer.start()
        else:
            self._show_timer.stop()
            self._cancel_timer.stop()
            self.hide()

    def retranslate(self) -> None:
        self.message.setText(self.tr("Please wait a moment…"))
        self.cancel.setText(self.tr("Stop waiting"))
        self.cancel.setAccessibleName(self.cancel.text())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class CountdownOverlay(_Overlay):
    """ "Returning home in 20 s": the idle watcher's last seconds, on every screen.

    The seconds come from :class:`~kiosk.flows.idle.IdleWatcher`; this only shows them. Any
    touch ends it (the watcher hears every touch); the home button ends the visit at once.

    Signals:
        more_time: keep the visit going.
        finish: end the visit now.
    """

    more_time = Signal()
    finish = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__("idle", parent)
        self._seconds = 0
        self.seconds = label("idle.seconds", "title", wrap=True)
        self.question = label("idle.question", "hint", wrap=True)
        for widget in (self.seconds, self.question):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.more = button("idle.more_time", "primary")
        self.more.clicked.connect(self.more_time)
        self.end = button("idle.finish")
        # On press, not click: the touch itself already ends the countdown and hides this
        # card, so its release would land on a hidden button.
        self.end.pressed.connect(self.finish)
        buttons = QHBoxLayout()
        buttons.addWidget(self.end)
        buttons.addStretch(1)
        buttons.addWidget(self.more)
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        layout.addWidget(self.seconds)
        layout.addWidget(self.question)
        layout.addSpacing(24)
        layout.addLayout(buttons)
        self.retranslate()

    def start(self, seconds: int) -> None:
        self.update_seconds(seconds)
        self.appear()

    def update_seconds(self, seconds: int) -> None:
        self._seconds = seconds
        self.seconds.setText(self.tr("Returning home in {seconds} s").format(seconds=seconds))

    def retranslate(self) -> None:
        self.question.setText(self.tr("Still there? Touch the screen anywhere to continue."))
        self.more.setText(self.tr("Continue"))
        self.more.setAccessibleName(self.tr("I need more time"))
        label_home_button(self.end)
        self.update_seconds(self._seconds)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


TAKE_CARD_SHOW_MS = 10_000


class TakeCardOverlay(_Overlay):
    """ "Please take your card": after a visit that read a card lying on the reader.

    Leaves by itself after ten seconds, or at the first touch or key anywhere (the next patient
    must not have to dismiss it first).
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__("take_card", parent)
        # A reminder, not a gate: the next patient's touch goes through to the screen.
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.message = label("take_card.message", "title", wrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        layout.addWidget(illustration("card.svg", 160), 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.message)
        self._timer = QTimer(self, singleShot=True, interval=TAKE_CARD_SHOW_MS)
        self._timer.timeout.connect(self.dismiss)
        self.retranslate()

    def remind(self) -> None:
        self.appear()
        self._timer.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def dismiss(self) -> None:
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.isVisible() and event.type() in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.TouchBegin,
            QEvent.Type.KeyPress,
        ):
            self.dismiss()
        return super().eventFilter(watched, event)

    def retranslate(self) -> None:
        self.message.setText(self.tr("Please take your card"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
