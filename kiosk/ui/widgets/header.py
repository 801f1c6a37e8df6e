"""The bar across the top of every screen: hospital name and the current date and time."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDateTime, QEvent, QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.assets import assets_dir
from kiosk.ui.widgets.basics import FittedLabel, label, named

LOGO_HOLD_MS = 5000


class HeaderBar(QWidget):
    """Shows the hospital name (per language) and a clock that ticks every second.

    Signals:
        logo_held: the logo was held for five seconds (technician entry).
    """

    logo_held = Signal()
    repeat_requested = Signal()
    mute_toggled = Signal()
    volume_requested = Signal()

    def __init__(
        self,
        hospital_name: str,
        hospital_name_en: str,
        *,
        now: Callable[[], QDateTime] = QDateTime.currentDateTime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._names = {"zh": hospital_name, "en": hospital_name_en or hospital_name}
        self._volume_text = ""
        self._now = now
        self.hospital_label = named(FittedLabel(), "header.hospital", "heading")
        self.clock_label = label("header.clock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clock_label.setAccessibleName("clock")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 12, 32, 12)
        outer.setSpacing(8)
        layout = QHBoxLayout()
        self._controls_row = QHBoxLayout()
        self._controls_row.addStretch(1)
        self._call_row = QHBoxLayout()
        self._call_row.addStretch(1)
        outer.addLayout(layout)
        outer.addLayout(self._controls_row)
        outer.addLayout(self._call_row)
        self._top_row = layout
        logo = QSvgWidget(str(assets_dir() / "illustrations" / "logo.svg"))
        logo.setObjectName("header.logo")
        logo.setFixedSize(56, 56)
        logo.installEventFilter(self)
        self.logo = logo
        self._hold = QTimer(self, singleShot=True, interval=LOGO_HOLD_MS)
        self._hold.timeout.connect(self.logo_held)
        layout.addWidget(logo)
        layout.addSpacing(16)
        layout.addWidget(self.hospital_label, 1)
        self.repeat = self._control("header.repeat")
        self.repeat.clicked.connect(self.repeat_requested)
        self.mute = self._control("header.mute")
        self.mute.setCheckable(True)
        self.mute.clicked.connect(self.mute_toggled)
        self.volume = self._control("header.volume")
        self.volume.clicked.connect(self.volume_requested)
        self.call_staff = self._control("header.call_staff")  # wired by the composition root
        self._controls = (self.call_staff, self.repeat, self.mute, self.volume)
        self._controls_index = layout.count()
        layout.addWidget(self.clock_label)
        self._arrangement: tuple[bool, bool] | None = None
        # Narrow until the first resize: a wide first layout would hold the window wider
        # than a portrait display.
        self._arrange(wide=False, call_beside=False)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh_clock)
        self._timer.start()
        self._retranslate()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The sound controls sit beside the name on a wide screen, on a row of their own on a
        # narrow one, so nothing is squeezed (large text, portrait).
        self._rearrange(event.size().width())
        super().resizeEvent(event)

    def _rearrange(self, width: int) -> None:
        outer = self.layout()
        room = width - (
            outer.contentsMargins().left() + outer.contentsMargins().right() if outer else 0
        )
        row = sum(c.sizeHint().width() for c in self._controls) + 8 * len(self._controls)
        # Beside the name only while the name still fits on one line.
        name = self.hospital_label.fontMetrics().horizontalAdvance(self.hospital_label.text())
        top = self.logo.width() + 16 + name + row + 16 + self.clock_label.sizeHint().width()
        self._arrange(wide=top <= room, call_beside=row <= room)

    def _arrange(self, *, wide: bool, call_beside: bool) -> None:
        if (wide, call_beside) == self._arrangement:
            return
        self._arrangement = (wide, call_beside)
        for control in self._controls:
            self._top_row.removeWidget(control)
            self._controls_row.removeWidget(control)
            self._call_row.removeWidget(control)
        for offset, control in enumerate(self._controls):
            if wide:
                self._top_row.insertWidget(self._controls_index + offset, control)
            elif control is self.call_staff and not call_beside:
                self._call_row.addWidget(control)  # long words: below the others, not squeezed
            else:
                self._controls_row.addWidget(control)

    @staticmethod
    def _control(name: str) -> QPushButton:
        control = QPushButton()
        control.setObjectName(name)
        control.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return control

    def show_sound(self, *, muted: bool, step: int, steps: int) -> None:
        self._volume_text = f"{step}/{steps}"
        self.mute.setChecked(muted)
        self._retranslate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The technicians' hidden door: hold the logo for about five seconds.
        if watched is self.logo:
            if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
                self._hold.start()
            elif event.type() in (
                QEvent.Type.MouseButtonRelease,
                QEvent.Type.TouchEnd,
                QEvent.Type.TouchCancel,
                QEvent.Type.Leave,
            ):
                self._hold.stop()
        return False

    def refresh_clock(self) -> None:
        locale = QLocale()
        now = self._now()
        if locale.language() == QLocale.Language.Chinese:
            date = locale.toString(now, "yyyy年M月d日 dddd")
        else:
            date = locale.toString(now, "dddd d MMMM yyyy")
        self.clock_label.setText(f"{locale.toString(now, 'HH:mm')}\n{date}")

    def _retranslate(self) -> None:
        chinese = QLocale().language() == QLocale.Language.Chinese
        name = self._names["zh" if chinese else "en"]
        self.hospital_label.setText(name)
        self.hospital_label.setAccessibleName(name)
        self.repeat.setText(self.tr("Repeat"))
        self.repeat.setAccessibleName(self.tr("Repeat the spoken instruction"))
        self.mute.setText(self.tr("Sound off") if self.mute.isChecked() else self.tr("Mute"))
        self.mute.setAccessibleName(self.tr("Switch the voice off or on"))
        self.volume.setText(self.tr("Volume {level}").format(level=self._volume_text))
        self.volume.setAccessibleName(self.tr("Change the volume"))
        self.call_staff.setText(self.tr("Call staff"))
        self.call_staff.setAccessibleName(self.tr("Call a member of staff to this kiosk"))
        self.refresh_clock()
        self._rearrange(self.width())  # the words of another language may not fit the row

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.LocaleChange):
            self._retranslate()
        super().changeEvent(event)
