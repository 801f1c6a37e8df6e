"""The bar across the top of every screen: hospital name and the current date and time."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDateTime, QEvent, QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.assets import assets_dir
from kiosk.ui.widgets.basics import label

LOGO_HOLD_MS = 5000


class HeaderBar(QWidget):
    """Shows the hospital name (per language) and a clock that ticks every second.

    Signals:
        logo_held: the logo was held for five seconds (technician entry).
    """

    logo_held = Signal()

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
        self._now = now
        self.hospital_label = label("header.hospital", "heading")
        self.hospital_label.setWordWrap(True)
        self.clock_label = label("header.clock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clock_label.setAccessibleName("clock")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
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
        layout.addWidget(self.clock_label)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh_clock)
        self._timer.start()
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
        self.refresh_clock()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.LocaleChange):
            self._retranslate()
        super().changeEvent(event)
