"""Identification sources: keyboard-wedge scanners, serial readers, PC/SC, helper programs."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.config import ReaderSection
from kiosk.devices.parsing import ParsingRules
from kiosk.devices.readers.base import Reader, ReaderState


class ReaderError(Exception):
    """A reader cannot be built from its configuration."""


def create_reader(
    section: ReaderSection, rules: ParsingRules, parent: QObject | None = None
) -> Reader:
    """The reader a config section describes; optional drivers are imported only when chosen."""
    name = section.name or section.kind
    if section.kind == "keyboard":
        from kiosk.devices.readers.keyboard import KeyboardWedgeReader

        return KeyboardWedgeReader(
            name,
            rules,
            max_key_interval_ms=section.max_key_interval_ms,
            min_burst_length=section.min_burst_length,
            terminator=section.terminator,
            parent=parent,
        )
    if section.kind == "simulated":
        from kiosk.devices.readers.simulated import SimulatedReader

        return SimulatedReader(name, rules, parent)
    raise ReaderError(f"{section.kind} readers are not supported by this build yet")


__all__ = ["Reader", "ReaderError", "ReaderState", "create_reader"]
