"""The floor guide: one button per building, then a strip per floor with what is on it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.api.models import Building, Floor, FloorPlace
from kiosk.ui.screens.base import Screen, clear_layout, label_home_button, scrolling
from kiosk.ui.widgets.basics import CardButton, button, in_language, label, named
from kiosk.ui.widgets.card_grid import CardGrid


def floor_name(floor: str) -> str:
    """ "3楼" / "Floor 3"; a basement ("B1") keeps its own name."""
    if not floor.isdigit():
        return floor
    if QLocale().language() == QLocale.Language.Chinese:
        return f"{floor}楼"
    return QCoreApplication.translate("Floors", "Floor {floor}").format(floor=floor)


def room_name(room: str) -> str:
    if not room:
        return ""
    if QLocale().language() == QLocale.Language.Chinese:
        return f"{room}室" if room.isdigit() else room
    return QCoreApplication.translate("Floors", "Room {room}").format(room=room)


class FloorGuideScreen(Screen):
    """Signals:
    building_chosen: the index of a building.
    department_chosen: a department id (touching a department on a floor).
    back_requested: back to the directory.
    home_requested: finish.
    """

    building_chosen = Signal(int)
    department_chosen = Signal(str)
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("floors", parent)
        self._buildings: list[Building] = []
        self._index = 0
        self.heading = label("floors.heading", "title", wrap=True)
        self.hint = label("floors.hint", "hint", wrap=True)
        self._tabs_widget = QWidget()
        self._tabs = QGridLayout(self._tabs_widget)
        self._tabs.setContentsMargins(0, 0, 0, 0)
        self._tabs.setSpacing(12)
        self.building_buttons: list[QPushButton] = []
        self._floors_widget = QWidget()
        self._floors = QVBoxLayout(self._floors_widget)
        self._floors.setContentsMargins(0, 0, 0, 0)
        self._floors.setSpacing(12)
        self.home = button("floors.home")
        self.home.clicked.connect(self.home_requested)
        self.back = button("floors.back")
        self.back.clicked.connect(self.back_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(self._tabs_widget)
        layout.addWidget(self.hint)
        layout.addWidget(scrolling(self._floors_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_buildings(self, buildings: Sequence[Building], index: int) -> None:
        self._buildings = list(buildings)
        self._index = index
        self.retranslate()

    def wipe(self) -> None:
        self._buildings = []
        self._index = 0
        self.retranslate()

    def instruction(self) -> str:
        return self.hint.text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange_tabs()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Floor guide"))
        self.hint.setText(self.tr("Touch a department for where it is and who works when."))
        label_home_button(self.home)
        self.back.setText(self.tr("All departments"))
        self.back.setAccessibleName(self.back.text())
        clear_layout(self._tabs)
        self.building_buttons = []
        for index, building in enumerate(self._buildings):
            tab = button(f"floors.building.{index}")
            tab.setCheckable(True)
            tab.setChecked(index == self._index)
            tab.setText(in_language(building.name, building.name_en))
            tab.setAccessibleName(tab.text())
            tab.clicked.connect(lambda _=False, i=index: self._on_building(i))
            self.building_buttons.append(tab)
        self._arrange_tabs()
        self._fill_floors()

    def _arrange_tabs(self) -> None:
        """All buildings in one row when their names fit, else as many to a row as fit."""
        tabs = self.building_buttons
        if not tabs:
            return
        space = self._tabs_widget.width() or self.width()
        widest = max(tab.sizeHint().width() for tab in tabs)
        columns = max(1, min(len(tabs), (space + 12) // (widest + 12)))
        for index, tab in enumerate(tabs):
            self._tabs.removeWidget(tab)
            self._tabs.addWidget(tab, index // columns, index % columns)

    def _on_building(self, index: int) -> None:
        for other, tab in enumerate(self.building_buttons):
            tab.setChecked(other == self._index)  # the flow's answer decides
        self.building_chosen.emit(index)

    def _fill_floors(self) -> None:
        clear_layout(self._floors)
        if not 0 <= self._index < len(self._buildings):
            return
        for number, floor in enumerate(self._buildings[self._index].floors):
            self._floors.addWidget(self._strip(number, floor))
        self._floors.addStretch(1)

    def _strip(self, number: int, floor: Floor) -> QFrame:
        """One floor: its name in a band on the left, its places in a grid beside it."""
        name = f"floors.floor.{number}"
        strip = named(QFrame(), name, "floor-strip")
        layout = QHBoxLayout(strip)
        layout.setContentsMargins(0, 0, 16, 0)
        layout.setSpacing(16)
        band = label(f"{name}.name", "floor-name")  # "Floor 1" stays on one line
        band.setText(floor_name(floor.floor))
        band.setAlignment(Qt.AlignmentFlag.AlignCenter)
        band.setMinimumWidth(150)
        band.setContentsMargins(12, 0, 12, 0)
        layout.addWidget(band)
        # As many places to a row as leave their names room (three in landscape).
        places = CardGrid(f"{name}.places", max_columns=3, spacing=12)
        places.setContentsMargins(0, 12, 0, 12)
        places.set_cards(
            [
                self._place(f"floors.place.{number}.{index}", place)
                for index, place in enumerate(floor.places)
            ]
        )
        layout.addWidget(places, 1)
        strip.setAccessibleName(band.text())
        return strip

    def _place(self, name: str, place: FloorPlace) -> QWidget:
        title = in_language(place.name, place.name_en)
        room = room_name(place.room)
        department = place.department
        if department is not None:
            tile = CardButton(name)
            hint = in_language(department.hint, department.hint_en)
            tile.set_lines(title, "\n".join(line for line in (room, hint) if line))
            tile.clicked.connect(lambda _=False, d=department.id: self.department_chosen.emit(d))
            return tile
        # A facility (pharmacy, cashier...): where it is, nothing to open, but as plain to read
        # as a department (not greyed out as if unavailable).
        box = named(QFrame(), name, "card")
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(20, 14, 20, 14)
        heading = label(f"{name}.title", "heading", wrap=True)
        heading.setText(title)
        detail = label(f"{name}.detail", "small", wrap=True)
        detail.setText(room)
        box_layout.addWidget(heading)
        box_layout.addWidget(detail)
        box.setAccessibleName(f"{title} {room}".strip())
        return box
