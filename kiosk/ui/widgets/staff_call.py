"""The answer to 呼叫工作人员: over every screen, what happens to the patient's call for staff.

While staff are on their way it counts the time since the call once a second, so a patient
can see that the kiosk has not forgotten them; it says so plainly when the call could not be
sent and where to ask instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.flows.staff_call import CallStep
from kiosk.ui.widgets.basics import button, label
from kiosk.ui.widgets.overlays import _Overlay

# Dark enough that the patient's data on the screen below cannot be read past the card.
_SCRIM = QColor(0, 0, 0, 230)


class StaffCallOverlay(_Overlay):
    """Shows a staff call's step, and the patient's one way out of it.

    Signals:
        cancel_requested: cancel the call, or close the answer (the same button).
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget, waited_s: Callable[[], int]) -> None:
        super().__init__("staff_call", parent)
        self._waited_s = waited_s
        self._step = CallStep.idle
        self.title = label("staff_call.title", "title", wrap=True)
        self.waited = label("staff_call.waited", "heading", wrap=True)
        self.hint = label("staff_call.hint", "hint", wrap=True)
        for widget in (self.title, self.waited, self.hint):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cancel = button("staff_call.cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        layout.addWidget(self.title)
        layout.addWidget(self.waited)
        layout.addWidget(self.hint)
        layout.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignHCenter)
        self._tick = QTimer(self, interval=1000)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse tick may come early: 0 s
        self._tick.timeout.connect(self._show_waited)
        self.retranslate()

    def show_step(self, step: CallStep) -> None:
        self._step = step
        if step == CallStep.idle:
            self._tick.stop()
            self.hide()
            return
        self.retranslate()
        if step in (CallStep.sending, CallStep.waiting):
            self._tick.start()
        else:
            self._tick.stop()
        if not self.isVisible():
            self.appear()
            self.cancel.setFocus(Qt.FocusReason.OtherFocusReason)  # the keypad's Enter works

    def instruction(self) -> str:
        """What voice guidance reads when the step changes."""
        return " ".join(text for text in (self.title.text(), self.hint.text()) if text)

    def _show_waited(self) -> None:
        minutes, seconds = divmod(self._waited_s(), 60)
        if minutes:
            text = self.tr("Waiting for {minutes} min {seconds} s").format(
                minutes=minutes, seconds=seconds
            )
        else:
            text = self.tr("Waiting for {seconds} s").format(seconds=seconds)
        self.waited.setText(text)
        self.waited.setAccessibleName(text)

    def retranslate(self) -> None:
        step = self._step
        if step == CallStep.sending:
            title, hint = self.tr("Calling staff…"), self.tr("Please stay at this kiosk.")
        elif step == CallStep.acknowledged:
            title = self.tr("Staff have seen your call. Please wait here.")
            hint = ""
        elif step == CallStep.unsent:
            title = self.tr("The call could not be sent")
            hint = self.tr(
                "Please ask at the information desk. The kiosk keeps trying to call staff."
            )
        else:
            title, hint = self.tr("Staff are on their way"), self.tr("Please stay at this kiosk.")
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.waited.setVisible(step in (CallStep.sending, CallStep.waiting))
        self._show_waited()
        if step == CallStep.acknowledged:
            self.cancel.setText(self.tr("OK"))
        elif step == CallStep.unsent:
            self.cancel.setText(self.tr("Close"))
        else:
            self.cancel.setText(self.tr("Cancel the call"))
        self.cancel.setAccessibleName(self.cancel.text())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _SCRIM)
        painter.end()
        super().paintEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._step != CallStep.idle:
            self.retranslate()
        super().changeEvent(event)
