"""The bar across the top of every screen: hospital name, the kiosk's date and time, and the
patient's controls (sound; whatever else is added with :meth:`HeaderBar.add_control`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.assets import assets_dir
from kiosk.ui.widgets.basics import FittedLabel, label, named

LOGO_HOLD_MS = 5000


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def to_qdatetime(moment: dt.datetime) -> QDateTime:
    """The wall-clock reading of ``moment`` (as the kiosk's clock gives it) for Qt's formats."""
    return QDateTime(
        QDate(moment.year, moment.month, moment.day),
        QTime(moment.hour, moment.minute, moment.second),
    )


class HeaderBar(QWidget):
    """Shows the hospital name (per language), the kiosk clock's time, and the controls.

    The controls live in one container, :attr:`controls`: beside the name on a wide screen, on
    a row of their own on a narrow one, and the window may take the whole container into its
    bottom bar (portrait: the top of a floor-standing kiosk is out of reach). A control added
    with :meth:`add_control` goes wherever the others go.

    Signals:
        logo_held: the logo was held for five seconds (technician entry).
        repeat_requested: the patient asked to hear the instruction again.
        mute_toggled: the patient switched the voice off or on.
        volume_requested: the patient asked for the next volume step.
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
        clock: Callable[[], dt.datetime] = local_now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._names = {"zh": hospital_name, "en": hospital_name_en or hospital_name}
        self._volume_text = ""
        self._clock = clock
        self.hospital_label = named(FittedLabel(), "header.hospital", "heading")
        self.clock_label = label("header.clock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clock_label.setAccessibleName("clock")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 12, 32, 12)
        outer.setSpacing(8)
        self._top_row = QHBoxLayout()
        self._controls_row = QHBoxLayout()
        outer.addLayout(self._top_row)
        outer.addLayout(self._controls_row)
        logo = QSvgWidget(str(assets_dir() / "illustrations" / "logo.svg"))
        logo.setObjectName("header.logo")
        logo.setFixedSize(56, 56)
        logo.installEventFilter(self)
        self.logo = logo
        self._hold = QTimer(self, singleShot=True, interval=LOGO_HOLD_MS)
        self._hold.timeout.connect(self.logo_held)
        self._top_row.addWidget(logo)
        self._top_row.addSpacing(16)
        self._top_row.addWidget(self.hospital_label, 1)

        self.controls = named(QWidget(), "header.controls")
        self._controls_layout = QGridLayout(self.controls)
        self._controls_layout.setContentsMargins(0, 0, 0, 0)
        self._control_list: list[QPushButton] = []
        self._control_columns = 0
        self._control_room: int | None = None  # None: one row, whatever its width
        self.repeat = self.add_control("header.repeat")
        self.repeat.clicked.connect(self.repeat_requested)
        self.mute = self.add_control("header.mute")
        self.mute.setCheckable(True)
        self.mute.clicked.connect(self.mute_toggled)
        self.volume = self.add_control("header.volume")
        self.volume.clicked.connect(self.volume_requested)
        self.call_staff = self.add_control("header.call_staff")  # wired by the composition root
        self._controls_index = self._top_row.count()
        self._top_row.addWidget(self.clock_label)
        self._wide: bool | None = None
        self._docked = True
        # Narrow until the first resize: a wide first layout would hold the window wider than
        # a portrait display.
        self._arrange(wide=False)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh_clock)
        self._timer.start()
        self._retranslate()

    def add_control(self, name: str) -> QPushButton:
        """A button among the header's controls (it moves with them to the bottom bar)."""
        control = named(QPushButton(), name)
        control.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._control_list.append(control)
        self._control_columns = 0  # placed again below, with the new one
        self._reflow_controls()
        return control

    def fit_controls(self, room: int | None) -> None:
        """Controls in one row, or in two when one row would be wider than ``room`` px (the
        portrait bottom bar in large text: four squeezed buttons clip their words)."""
        self._control_room = room
        self._reflow_controls()

    def _reflow_controls(self) -> None:
        count = len(self._control_list)
        columns = count
        if self._control_room is not None:
            spacing = self._controls_layout.horizontalSpacing()
            row = sum(c.sizeHint().width() for c in self._control_list) + spacing * (count - 1)
            if row > self._control_room:
                columns = -(-count // 2)
        if columns == self._control_columns:
            return
        self._control_columns = columns
        for control in self._control_list:
            self._controls_layout.removeWidget(control)
        for index, control in enumerate(self._control_list):
            self._controls_layout.addWidget(control, index // columns, index % columns)

    def control_buttons(self) -> list[QPushButton]:
        """Every control, in the order the physical keypad's arrows reach them."""
        return list(self._control_list)

    def dock_controls(self) -> None:
        """Take the controls back from the window's bottom bar (landscape again)."""
        self._docked = True
        self._wide = None
        self.fit_controls(None)
        self._arrange(wide=self._is_wide())

    def undock_controls(self) -> QWidget:
        """Hand the controls' container to the window (it lays it out elsewhere)."""
        self._docked = False
        self._top_row.removeWidget(self.controls)
        self._controls_row.removeWidget(self.controls)
        return self.controls

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The controls sit beside the name while the name still fits on one line beside them,
        # on a row of their own otherwise, so nothing is squeezed (large text, 1280 px).
        self._arrange(wide=self._is_wide(event.size().width()))
        super().resizeEvent(event)

    def _is_wide(self, width: int | None = None) -> bool:
        """Room for the logo, the whole name, the controls and the clock on one row."""
        outer = self.layout()
        margins = outer.contentsMargins() if outer is not None else None
        room = (width or self.width()) - (margins.left() + margins.right() if margins else 0)
        name = self.hospital_label.fontMetrics().horizontalAdvance(self.hospital_label.text())
        controls = self.controls.sizeHint().width() if self._docked else 0
        clock = self.clock_label.sizeHint().width()
        return self.logo.width() + 16 + name + 16 + controls + 16 + clock <= room

    def _arrange(self, *, wide: bool) -> None:
        if wide == self._wide or not self._docked:
            return
        self._wide = wide
        self._top_row.removeWidget(self.controls)
        self._controls_row.removeWidget(self.controls)
        if wide:
            self._top_row.insertWidget(self._controls_index, self.controls)
        else:
            self._controls_row.addWidget(self.controls, 0, Qt.AlignmentFlag.AlignRight)
        self.controls.show()

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
        """The kiosk's clock, not the wall clock: the demo and the walkthrough run their own."""
        locale = QLocale()
        now = to_qdatetime(self._clock())
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
        self._reflow_controls()  # another language's words may not fit the row
        self._arrange(wide=self._is_wide())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.LocaleChange):
            self._retranslate()
        super().changeEvent(event)
