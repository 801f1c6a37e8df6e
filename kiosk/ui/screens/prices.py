"""The price list: category chips, an on-screen letter keyboard, and the matching items."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.api.models import ItemCategory, PriceItem
from kiosk.flows.notices import Notice
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import Screen, clear_layout, label_home_button, scrolling
from kiosk.ui.screens.registration import fee_text
from kiosk.ui.widgets.basics import button, in_language, label, named
from kiosk.ui.widgets.card_grid import CardGrid
from kiosk.ui.widgets.letter_keyboard import LetterKeyboard

ALL = ""  # the chip for every category


def short_category_name(category: str) -> str:
    """A category's name short enough for a chip ("" is every category)."""
    names = {
        ALL: QCoreApplication.translate("Prices", "All"),
        ItemCategory.registration: QCoreApplication.translate("Prices", "Registration"),
        ItemCategory.consultation: QCoreApplication.translate("Prices", "Consultation"),
        ItemCategory.lab: QCoreApplication.translate("Prices", "Lab tests"),
        ItemCategory.imaging: QCoreApplication.translate("Prices", "Imaging"),
        ItemCategory.drug: QCoreApplication.translate("Prices", "Drugs"),
        ItemCategory.treatment: QCoreApplication.translate("Prices", "Treatment"),
        ItemCategory.material: QCoreApplication.translate("Prices", "Materials"),
    }
    return names.get(category, category)


class PriceListScreen(Screen):
    """Prices anyone may look up: by category and by typed pinyin initials, name or code.

    Signals:
        query_changed: the letters typed so far.
        category_chosen: a category's value, or "" for all.
        back_requested: back to the directory.
        home_requested: finish.
    """

    query_changed = Signal(str)
    category_chosen = Signal(str)
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("prices", parent)
        self._categories: list[str] = []
        self._category = ALL
        self._items: list[PriceItem] = []
        self._searching = False
        self._problem: Notice | None = None
        self._wide: bool | None = None
        self.heading = label("prices.heading", "title", wrap=True)
        self._chips_widget = QWidget()
        self._chips = QGridLayout(self._chips_widget)
        self._chips.setContentsMargins(0, 0, 0, 0)
        self._chips.setSpacing(10)
        self.chips: dict[str, QPushButton] = {}
        self.count = label("prices.count", "small")
        self.problem = named(QFrame(), "prices.problem", "banner-error")
        problem_layout = QVBoxLayout(self.problem)
        problem_layout.setContentsMargins(24, 16, 24, 16)
        self.problem_text = label("prices.problem.text", "hint", wrap=True)
        problem_layout.addWidget(self.problem_text)
        self.problem.hide()
        self.empty = label("prices.empty", "heading", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Two columns beside the keyboard in landscape (the list would leave half its width
        # empty), one under it in portrait.
        self.rows = CardGrid("prices.rows", spacing=10)
        self.keyboard = LetterKeyboard()
        self.keyboard.text_changed.connect(self.query_changed)
        results = QVBoxLayout()
        results.setSpacing(12)
        results.addWidget(self._chips_widget)
        results.addWidget(self.count)
        results.addWidget(self.problem)
        results.addWidget(self.empty)
        results.addWidget(scrolling(self.rows), 1)
        self._body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._body.setSpacing(32)
        self._body.addLayout(results, 3)
        self._body.addWidget(self.keyboard, 2)
        self.home = button("prices.home")
        self.home.clicked.connect(self.home_requested)
        self.back = button("prices.back")
        self.back.clicked.connect(self.back_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 20, 40, 20)
        layout.setSpacing(14)
        layout.addWidget(self.heading)
        layout.addLayout(self._body, 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_prices(
        self,
        categories: Sequence[ItemCategory],
        category: ItemCategory | None,
        items: Sequence[PriceItem],
        *,
        searching: bool,
        problem: Notice | None,
    ) -> None:
        wanted = [ALL, *(c.value for c in categories)]
        if wanted != self._categories:
            self._categories = wanted
            self._build_chips()
        self._category = category.value if category is not None else ALL
        changed = list(items) != self._items
        self._items = list(items)
        self._searching = searching
        self._problem = problem
        self._show_texts()
        if changed:  # not on every letter typed: only when the answer differs
            self._fill_rows()

    def wipe(self) -> None:
        self.keyboard.clear()
        self._categories = []
        self._category = ALL
        self._items = []
        self._searching = False
        self._problem = None
        self._build_chips()
        self.retranslate()

    def instruction(self) -> str:
        return self.tr("Choose a category, or type the first letters of the pinyin.")

    def retranslate(self) -> None:
        self._show_texts()
        self._fill_rows()

    def _show_texts(self) -> None:
        self.heading.setText(self.tr("Price list"))
        self.keyboard.set_placeholder(self.tr("Type pinyin initials, e.g. AMXL"))
        for value, chip in self.chips.items():
            chip.setChecked(value == self._category)
            chip.setText(short_category_name(value))
            chip.setAccessibleName(chip.text())
        self._arrange_chips()
        label_home_button(self.home)
        self.back.setText(self.tr("All departments"))
        self.back.setAccessibleName(self.back.text())
        if self._problem is not None:
            words = notice_text(self._problem, service_window="")
            lines = (words.title, words.body)
            self.problem_text.setText("\n".join(line for line in lines if line))
        self.problem.setVisible(self._problem is not None)
        if self._searching:
            self.count.setText(self.tr("Searching…"))
        else:
            count = len(self._items)
            self.count.setText(
                self.tr("1 item") if count == 1 else self.tr("{count} items").format(count=count)
            )
        self.count.setVisible(self._problem is None and bool(self._items or self._searching))
        self.empty.setText(self.tr("No matching items"))
        self.empty.setVisible(not self._items and not self._searching and self._problem is None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() > event.size().height()
        if wide != self._wide:
            self._wide = wide
            # Landscape: the keyboard beside the list; portrait: under it, within reach.
            self._body.setDirection(
                QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
            )
            self._body.setStretch(0, 3 if wide else 1)
            self._body.setStretch(1, 2 if wide else 0)
            self.rows.set_max_columns(2 if wide else 1)
        self._arrange_chips()

    def _build_chips(self) -> None:
        clear_layout(self._chips)
        self.chips = {}
        for value in self._categories:
            chip = button(f"prices.category.{value or 'all'}", "chip")
            chip.setCheckable(True)
            chip.clicked.connect(lambda _=False, v=value: self._on_chip(v))
            self.chips[value] = chip

    def _on_chip(self, value: str) -> None:
        for other, chip in self.chips.items():
            chip.setChecked(other == self._category)  # the flow's answer decides
        self.category_chosen.emit(value)

    def _arrange_chips(self) -> None:
        """As many chips to a row as fit their words: the row count grows in large text."""
        chips = list(self.chips.values())
        if not chips:
            return
        space = self._chips_widget.width() or self.width() // 2
        widest = max(chip.sizeHint().width() for chip in chips)
        columns = max(1, min(len(chips), (space + 10) // (widest + 10)))
        for index, chip in enumerate(chips):
            self._chips.removeWidget(chip)
            self._chips.addWidget(chip, index // columns, index % columns)

    def _fill_rows(self) -> None:
        self.rows.set_cards([self._row(index, item) for index, item in enumerate(self._items)])

    def _row(self, index: int, item: PriceItem) -> QFrame:
        name = f"prices.item.{index}"
        row = named(QFrame(), name, "card")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.setSpacing(16)
        words = QVBoxLayout()
        words.setSpacing(2)
        title = label(f"{name}.name", "item-name", wrap=True)
        title.setText(in_language(item.name, item.name_en))
        unit = label(f"{name}.unit", "small", wrap=True)
        unit_name = in_language(item.unit, item.unit_en)
        unit.setText(self.tr("per {unit}").format(unit=unit_name) if unit_name else "")
        words.addWidget(title)
        words.addWidget(unit)
        layout.addLayout(words, 1)
        if item.insurance_covered:
            badge = label(f"{name}.insurance", "badge")
            badge.setText(self.tr("Insurance"))
            badge.setToolTip(self.tr("Covered by medical insurance"))
            badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignVCenter)
        price = label(f"{name}.price", "heading")
        price.setText(fee_text(item.price_cents))
        price.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        price.setMinimumWidth(price.sizeHint().width())
        layout.addWidget(price)
        covered = f", {self.tr('Insurance')}" if item.insurance_covered else ""
        row.setAccessibleName(f"{title.text()}, {price.text()}{covered}")
        return row
