"""A device's card on the diagnostics screen: light, state in words, advice, counters, actions.

The light is a shape as well as a colour (circle ok, triangle warning, square fault, diamond
unknown) with its word beside it, so it reads without colour vision. Every state a device can
report has its words here, and every state that is not "ok" has what to do about it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.api.models import IdentifierKind
from kiosk.devices.dispenser import DispenserStatus
from kiosk.devices.manager import ReaderInput
from kiosk.devices.parsing import RejectionReason
from kiosk.devices.printing.drivers import PrinterStatus
from kiosk.devices.readers.base import ReaderState
from kiosk.diagnostics.cards import DeviceCard, DeviceRole, Light, OutputState
from kiosk.diagnostics.counters import Counter
from kiosk.report_printing import QueueState
from kiosk.ui.widgets.basics import button, label, named

LAMP_PX = 44
LAMP_COLOURS = {
    Light.ok: "#2e7d32",
    Light.warning: "#b26a00",
    Light.fault: "#c62828",
    Light.unknown: "#5f6b73",
}


def light_word(light: Light) -> str:
    return {
        Light.ok: QCoreApplication.translate("DeviceCards", "OK"),
        Light.warning: QCoreApplication.translate("DeviceCards", "Warning"),
        Light.fault: QCoreApplication.translate("DeviceCards", "Fault"),
        Light.unknown: QCoreApplication.translate("DeviceCards", "Unknown"),
    }[light]


def state_words(role: DeviceRole, state: str) -> str:
    table: dict[DeviceRole, dict[str, str]] = {
        DeviceRole.printer: {
            PrinterStatus.ok: QCoreApplication.translate("DeviceCards", "Ready"),
            PrinterStatus.near_end: QCoreApplication.translate(
                "DeviceCards", "Paper nearly used up"
            ),
            PrinterStatus.paper_out: QCoreApplication.translate("DeviceCards", "Out of paper"),
            PrinterStatus.cover_open: QCoreApplication.translate("DeviceCards", "Cover open"),
            PrinterStatus.offline: QCoreApplication.translate(
                "DeviceCards", "Offline: not reachable"
            ),
            PrinterStatus.unknown: QCoreApplication.translate(
                "DeviceCards", "Did not report its status"
            ),
        },
        DeviceRole.reader: {
            ReaderState.ready: QCoreApplication.translate("DeviceCards", "Ready"),
            ReaderState.disconnected: QCoreApplication.translate("DeviceCards", "Not responding"),
            ReaderState.unavailable: QCoreApplication.translate(
                "DeviceCards", "Unavailable on this system"
            ),
            ReaderState.error: QCoreApplication.translate("DeviceCards", "Could not be started"),
            ReaderState.stopped: QCoreApplication.translate("DeviceCards", "Stopped"),
        },
        DeviceRole.sound: {
            OutputState.ready: QCoreApplication.translate("DeviceCards", "Ready"),
            OutputState.unavailable: QCoreApplication.translate("DeviceCards", "No sound output"),
        },
        DeviceRole.speech: {
            OutputState.ready: QCoreApplication.translate("DeviceCards", "Ready"),
            OutputState.unavailable: QCoreApplication.translate("DeviceCards", "No speech engine"),
        },
        DeviceRole.report_printer: {
            QueueState.ready: QCoreApplication.translate("DeviceCards", "Ready"),
            QueueState.paused: QCoreApplication.translate("DeviceCards", "Queue paused"),
            QueueState.rejecting: QCoreApplication.translate(
                "DeviceCards", "Queue not accepting jobs"
            ),
            QueueState.missing: QCoreApplication.translate("DeviceCards", "No such print queue"),
            QueueState.unreachable: QCoreApplication.translate(
                "DeviceCards", "Print server not answering"
            ),
        },
        DeviceRole.card_dispenser: {
            DispenserStatus.ready: QCoreApplication.translate("DeviceCards", "Ready"),
            DispenserStatus.near_empty: QCoreApplication.translate("DeviceCards", "Few cards left"),
            DispenserStatus.empty: QCoreApplication.translate("DeviceCards", "Out of cards"),
            DispenserStatus.jammed: QCoreApplication.translate("DeviceCards", "Card jammed"),
            DispenserStatus.card_at_gate: QCoreApplication.translate(
                "DeviceCards", "A card waits at the gate"
            ),
            DispenserStatus.offline: QCoreApplication.translate(
                "DeviceCards", "Offline: not answering"
            ),
            DispenserStatus.unknown: QCoreApplication.translate(
                "DeviceCards", "Did not report its status"
            ),
        },
    }
    return table[role].get(state, state)


def advice(role: DeviceRole, state: str, *, paper_width_mm: int) -> str:
    """What the technician should do next; empty when the device is fine."""
    width = paper_width_mm
    table: dict[DeviceRole, dict[str, str]] = {
        DeviceRole.printer: {
            PrinterStatus.near_end: QCoreApplication.translate(
                "DeviceCards", "Replace the {width} mm thermal paper roll."
            ).format(width=width),
            PrinterStatus.paper_out: QCoreApplication.translate(
                "DeviceCards", "Load a new {width} mm thermal paper roll, then tap Status now."
            ).format(width=width),
            PrinterStatus.cover_open: QCoreApplication.translate(
                "DeviceCards", "Close the printer cover."
            ),
            PrinterStatus.offline: QCoreApplication.translate(
                "DeviceCards",
                "Check the printer's power and its cable (USB or network), then tap Status now.",
            ),
            PrinterStatus.unknown: QCoreApplication.translate(
                "DeviceCards",
                "This connection cannot report a status: print a test page to check the printer.",
            ),
        },
        DeviceRole.reader: {
            ReaderState.disconnected: QCoreApplication.translate(
                "DeviceCards", "Check the USB cable and plug it in again."
            ),
            ReaderState.unavailable: QCoreApplication.translate(
                "DeviceCards",
                "Its driver or library is missing: see the last error, then check the setup.",
            ),
            ReaderState.error: QCoreApplication.translate(
                "DeviceCards",
                "Check the reader's settings in the configuration and its cable, "
                "then restart the kiosk.",
            ),
            ReaderState.stopped: QCoreApplication.translate(
                "DeviceCards", "Restart the kiosk to start the reader."
            ),
        },
        DeviceRole.sound: {
            OutputState.unavailable: QCoreApplication.translate(
                "DeviceCards",
                "Check the speaker cable and the system's sound output, then restart the kiosk.",
            ),
        },
        DeviceRole.report_printer: {
            QueueState.paused: QCoreApplication.translate(
                "DeviceCards",
                "Clear the A4 printer's fault (paper, toner, jam), then resume the queue "
                "(cupsenable).",
            ),
            QueueState.rejecting: QCoreApplication.translate(
                "DeviceCards", "Let the queue accept jobs again (cupsaccept)."
            ),
            QueueState.missing: QCoreApplication.translate(
                "DeviceCards",
                "Check [report_printer] name in the configuration against the CUPS queues.",
            ),
            QueueState.unreachable: QCoreApplication.translate(
                "DeviceCards", "Check that CUPS runs and [report_printer] server is right."
            ),
        },
        DeviceRole.speech: {
            OutputState.unavailable: QCoreApplication.translate(
                "DeviceCards",
                "Install a speech engine with Chinese and English voices, then restart the kiosk.",
            ),
        },
        DeviceRole.card_dispenser: {
            DispenserStatus.near_empty: QCoreApplication.translate(
                "DeviceCards", "Refill the card stack soon."
            ),
            DispenserStatus.empty: QCoreApplication.translate(
                "DeviceCards",
                "Refill the card stack, then tap Status now. New patients get their card "
                "number on the slip meanwhile.",
            ),
            DispenserStatus.jammed: QCoreApplication.translate(
                "DeviceCards",
                "Open the dispenser, take out the jammed card, close it, then tap Status now.",
            ),
            DispenserStatus.card_at_gate: QCoreApplication.translate(
                "DeviceCards", "Take the card from the gate; the next dispense captures it."
            ),
            DispenserStatus.offline: QCoreApplication.translate(
                "DeviceCards",
                "Check the dispenser's power and serial cable, and [card_dispenser] port.",
            ),
        },
    }
    return table[role].get(state, "")


class Picture(StrEnum):
    """A drawn hint beside the advice, where a picture says it faster than words."""

    paper_roll = "paper_roll"  # near end, out: the roll to put in
    printer_cover = "printer_cover"  # open: the cover to close
    usb_plug = "usb_plug"  # a reader or printer not answering: the plug to push in


_PICTURES = {
    (DeviceRole.printer, str(PrinterStatus.near_end)): Picture.paper_roll,
    (DeviceRole.printer, str(PrinterStatus.paper_out)): Picture.paper_roll,
    (DeviceRole.printer, str(PrinterStatus.cover_open)): Picture.printer_cover,
    (DeviceRole.printer, str(PrinterStatus.offline)): Picture.usb_plug,
    (DeviceRole.reader, str(ReaderState.disconnected)): Picture.usb_plug,
}


def picture(role: DeviceRole, state: str) -> Picture | None:
    """The picture of a fault's advice, or None where words alone do."""
    return _PICTURES.get((role, str(state)))


def counter_name(counter: Counter) -> str:
    return {
        Counter.printed: QCoreApplication.translate("DeviceCards", "Tickets printed"),
        Counter.cut: QCoreApplication.translate("DeviceCards", "Cuts"),
        Counter.paper_near_end: QCoreApplication.translate("DeviceCards", "Paper near end"),
        Counter.failed: QCoreApplication.translate(
            "DeviceCards", "Failed jobs (jam, paper, cover)"
        ),
        Counter.reads: QCoreApplication.translate("DeviceCards", "Cards and codes read"),
        Counter.rejected: QCoreApplication.translate("DeviceCards", "Unrecognised input"),
        Counter.dispensed: QCoreApplication.translate("DeviceCards", "Cards dispensed"),
        Counter.dispense_failed: QCoreApplication.translate(
            "DeviceCards", "Cards not dispensed (empty, jam, offline)"
        ),
    }[counter]


def title(card: DeviceCard) -> str:
    if card.role == DeviceRole.printer:
        return QCoreApplication.translate("DeviceCards", "Printer ({driver})").format(
            driver=card.driver
        )
    if card.role == DeviceRole.reader:
        return QCoreApplication.translate("DeviceCards", "Reader {name} ({driver})").format(
            name=card.name, driver=card.driver
        )
    if card.role == DeviceRole.sound:
        return QCoreApplication.translate("DeviceCards", "Sounds")
    if card.role == DeviceRole.card_dispenser:
        return QCoreApplication.translate("DeviceCards", "Card dispenser ({driver})").format(
            driver=card.driver
        )
    return QCoreApplication.translate("DeviceCards", "Speech")


def identifier_kind_words(kind: IdentifierKind) -> str:
    return {
        IdentifierKind.id_card: QCoreApplication.translate("DeviceCards", "ID card"),
        IdentifierKind.insurance_card: QCoreApplication.translate("DeviceCards", "insurance card"),
        IdentifierKind.insurance_qr: QCoreApplication.translate(
            "DeviceCards", "insurance e-voucher QR"
        ),
        IdentifierKind.patient_card: QCoreApplication.translate("DeviceCards", "patient card"),
        IdentifierKind.health_qr: QCoreApplication.translate("DeviceCards", "health code"),
        IdentifierKind.phone: QCoreApplication.translate("DeviceCards", "phone number"),
    }[kind]


def rejection_words(reason: str) -> str:
    words: dict[str, str] = {
        RejectionReason.unreadable: QCoreApplication.translate("DeviceCards", "unreadable"),
        RejectionReason.too_long: QCoreApplication.translate("DeviceCards", "too long"),
        RejectionReason.bad_checksum: QCoreApplication.translate(
            "DeviceCards", "wrong check digit"
        ),
        RejectionReason.unknown_format: QCoreApplication.translate("DeviceCards", "unknown format"),
    }
    return words.get(reason, reason)


def input_words(seen: ReaderInput) -> str:
    if seen.kind is None:
        return QCoreApplication.translate("DeviceCards", "Not recognised: {reason}").format(
            reason=rejection_words(seen.rejection)
        )
    return QCoreApplication.translate("DeviceCards", "Read: {kind} {value}").format(
        kind=identifier_kind_words(seen.kind), value=seen.masked
    )


def since_words(since: dt.datetime, now: dt.datetime) -> str:
    shown = since.strftime("%H:%M" if since.date() == now.date() else "%Y-%m-%d %H:%M")
    return QCoreApplication.translate("DeviceCards", "Since {time}").format(time=shown)


class StateLamp(QWidget):
    """The light as a shape in its colour: circle, triangle, square or diamond."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.light = Light.unknown
        self.setFixedSize(LAMP_PX, LAMP_PX)

    def set_light(self, light: Light) -> None:
        self.light = light
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(LAMP_COLOURS[self.light]))
        size = float(LAMP_PX)
        middle = size / 2
        if self.light == Light.ok:
            painter.drawEllipse(QPointF(middle, middle), middle - 2, middle - 2)
        elif self.light == Light.warning:
            painter.drawPolygon(
                QPolygonF([QPointF(middle, 2), QPointF(size - 2, size - 4), QPointF(2, size - 4)])
            )
        elif self.light == Light.fault:
            painter.drawRect(4, 4, LAMP_PX - 8, LAMP_PX - 8)
        else:
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(middle, 2),
                        QPointF(size - 2, middle),
                        QPointF(middle, size - 2),
                        QPointF(2, middle),
                    ]
                )
            )
        painter.end()


PICTURE_SIZE = (120, 84)
_INK = QColor("#1f2a33")
_PAPER = QColor("#ffffff")


class AdvicePicture(QWidget):
    """The advice's picture, drawn (no image files): a paper roll, a printer with its cover
    open and the arrow that closes it, a USB plug going into its port. The accent is the
    card's light colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture: Picture | None = None
        self.light = Light.unknown
        self.setFixedSize(*PICTURE_SIZE)

    def show_picture(self, picture: Picture | None, light: Light, words: str) -> None:
        self.picture, self.light = picture, light
        self.setVisible(picture is not None)
        self.setAccessibleName(words)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.picture is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = QColor(LAMP_COLOURS[self.light])
        {
            Picture.paper_roll: self._paper_roll,
            Picture.printer_cover: self._printer_cover,
            Picture.usb_plug: self._usb_plug,
        }[self.picture](painter, accent)
        painter.end()

    @staticmethod
    def _pen(colour: QColor, width: float = 4.0) -> QPen:
        pen = QPen(colour, width)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        return pen

    def _paper_roll(self, painter: QPainter, accent: QColor) -> None:
        """A roll seen from its end, the paper running off it; the core in the accent."""
        painter.setPen(self._pen(_INK))
        painter.setBrush(_PAPER)
        path = QPainterPath(QPointF(42, 10))
        path.lineTo(112, 10)
        path.lineTo(112, 30)
        path.lineTo(42, 30)
        painter.drawPath(path)  # the paper's end, leaving the roll at its top
        painter.drawLine(QPointF(66, 20), QPointF(104, 20))  # a printed line on it
        painter.drawEllipse(QPointF(42, 46), 36, 36)
        painter.setBrush(accent)
        painter.drawEllipse(QPointF(42, 46), 12, 12)
        painter.setBrush(_PAPER)
        painter.drawEllipse(QPointF(42, 46), 5, 5)

    def _printer_cover(self, painter: QPainter, accent: QColor) -> None:
        """A printer whose cover stands open; an arrow in the accent closes it."""
        painter.setPen(self._pen(_INK))
        painter.setBrush(_PAPER)
        painter.drawRoundedRect(QRectF(8, 44, 84, 36), 6, 6)  # the body
        painter.drawLine(QPointF(26, 70), QPointF(74, 70))  # the paper slot
        painter.drawPolygon(  # the cover, hinged at the back and standing up
            QPolygonF([QPointF(12, 44), QPointF(20, 8), QPointF(30, 10), QPointF(24, 44)])
        )
        painter.setPen(self._pen(accent, 5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        arc = QPainterPath(QPointF(44, 12))
        arc.quadTo(QPointF(92, 10), QPointF(100, 38))
        painter.drawPath(arc)
        painter.setBrush(accent)
        painter.drawPolygon(
            QPolygonF([QPointF(92, 34), QPointF(110, 34), QPointF(101, 46)])
        )  # the arrow's head: down onto the body

    def _usb_plug(self, painter: QPainter, accent: QColor) -> None:
        """A cable's USB plug with an arrow in the accent pushing it into its port."""
        painter.setPen(self._pen(_INK))
        painter.setBrush(_PAPER)
        painter.drawRect(QRectF(80, 22, 34, 40))  # the port
        painter.setBrush(_INK)
        painter.drawRect(QRectF(88, 30, 18, 8))
        painter.setBrush(_PAPER)
        painter.drawRoundedRect(QRectF(22, 30, 26, 24), 4, 4)  # the plug's grip
        painter.drawRect(QRectF(48, 34, 20, 16))  # its metal end
        painter.drawLine(QPointF(4, 42), QPointF(22, 42))  # the cable
        painter.setPen(self._pen(accent, 5))
        painter.drawLine(QPointF(30, 74), QPointF(62, 74))
        painter.setBrush(accent)
        painter.drawPolygon(QPolygonF([QPointF(60, 66), QPointF(74, 74), QPointF(60, 82)]))


class DeviceCardView(QFrame):
    """One device. Its action buttons are made by the screen (they differ per role).

    Signals:
        action: the name of the action button tapped ("test_page", "cut", "status", ...).
    """

    action = Signal(str)

    def __init__(
        self, card: DeviceCard, actions: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"device.{card.name}")
        self.setProperty("role", "card")
        self.card = card
        self.paper_width_mm = 80
        prefix = f"device.{card.name}"
        self.heading = label(f"{prefix}.title", "heading", wrap=True)
        self.lamp = named(StateLamp(), f"{prefix}.lamp")
        self.light = label(f"{prefix}.light", "light")
        self.state = label(f"{prefix}.state", "item-name", wrap=True)
        self.since = label(f"{prefix}.since", "small", wrap=True)
        self.advice = label(f"{prefix}.advice", "advice", wrap=True)
        self.picture = named(AdvicePicture(), f"{prefix}.picture")
        self.last_error = label(f"{prefix}.last_error", "small", wrap=True)
        self.counters = label(f"{prefix}.counters", "small", wrap=True)
        self.result = label(f"{prefix}.result", "small", wrap=True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.lamp)
        row.addWidget(self.light)
        row.addStretch(1)
        row.addWidget(self.picture)
        # One action a row: two side by side are clipped in a portrait column ("Speak English").
        buttons = QVBoxLayout()
        buttons.setSpacing(12)
        for name in actions:
            target = button(f"{prefix}.{name}")
            target.clicked.connect(lambda _=False, name=name: self.action.emit(name))
            self.buttons[name] = target
            buttons.addWidget(target)
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(8)
        column.addWidget(self.heading)
        column.addLayout(row)
        for line in (self.state, self.since, self.advice, self.last_error, self.counters):
            column.addWidget(line)
        column.addLayout(buttons)
        column.addWidget(self.result)
        column.addStretch(1)
        self.result.hide()
        self._now = dt.datetime.now().astimezone()

    def show_card(self, card: DeviceCard, now: dt.datetime) -> None:
        self.card, self._now = card, now
        self.retranslate()

    def retranslate(self) -> None:
        card, now = self.card, self._now
        self.heading.setText(title(card))
        self.lamp.set_light(card.light)
        self.light.setText(light_word(card.light))
        self.light.setProperty("light", card.light.value)
        self.light.style().polish(self.light)
        self.state.setText(state_words(card.role, card.state))
        self.since.setVisible(card.since is not None)
        if card.since is not None:
            self.since.setText(since_words(card.since, now))
        what_to_do = advice(card.role, card.state, paper_width_mm=self.paper_width_mm)
        self.advice.setVisible(bool(what_to_do))
        self.picture.show_picture(picture(card.role, card.state), card.light, what_to_do)
        self.advice.setText(
            QCoreApplication.translate("DeviceCards", "What to do: {advice}").format(
                advice=what_to_do
            )
        )
        self.last_error.setVisible(bool(card.last_error))
        self.last_error.setText(
            QCoreApplication.translate("DeviceCards", "Last error: {error}").format(
                error=card.last_error
            )
        )
        lines = [
            QCoreApplication.translate(
                "DeviceCards", "{name}: {today} today, {total} in total"
            ).format(name=counter_name(reading.counter), today=reading.today, total=reading.total)
            for reading in card.counters
        ]
        self.counters.setVisible(bool(lines))
        self.counters.setText("\n".join(lines))

    def show_result(self, text: str) -> None:
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def set_action_text(self, name: str, text: str) -> None:
        self.buttons[name].setText(text)
        self.buttons[name].setAccessibleName(text)
