"""A QR code drawn crisp at any size from the qrcode library's module matrix."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class QrCode(QWidget):
    def __init__(self, size: int = 240, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._modules: list[list[bool]] = []
        self.data = ""
        self.setFixedSize(size, size)

    def set_data(self, data: str) -> None:
        self.data = data
        if data:
            import qrcode  # with Pillow, 45 ms: after the first frame, when a code is shown

            code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
            code.add_data(data)
            code.make(fit=True)
            self._modules = [list(row) for row in code.get_matrix()]
        else:
            self._modules = []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self._modules:
            count = len(self._modules)
            cell = min(self.width(), self.height()) / count
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("black"))
            for y, row in enumerate(self._modules):
                for x, dark in enumerate(row):
                    if dark:
                        painter.drawRect(QRectF(x * cell, y * cell, cell + 0.5, cell + 0.5))
        painter.end()
