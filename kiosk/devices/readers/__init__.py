"""Identification sources: keyboard-wedge scanners, serial readers, PC/SC, helper programs."""

from __future__ import annotations

import re

from PySide6.QtCore import QObject

from kiosk.config import ReaderSection
from kiosk.devices.parsing import ParsingRules
from kiosk.devices.readers.base import IdentificationSource, Reader, ReaderState


class ReaderError(Exception):
    """A reader cannot be built from its configuration."""


def create_reader(
    section: ReaderSection, rules: ParsingRules, parent: QObject | None = None
) -> Reader:
    """The reader a config section describes; optional drivers are imported only when chosen.

    Nothing is opened here: :meth:`Reader.start` does that, and reports trouble as a state.

    Raises:
        ReaderError: the section cannot describe a working reader (a bad ``frame_pattern``).
    """
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
    if section.kind == "serial":
        from kiosk.devices.readers.serial import SerialReader

        try:
            return SerialReader(
                name,
                rules,
                device=section.device,
                baudrate=section.baudrate,
                frame_pattern=section.frame_pattern,
                parent=parent,
            )
        except re.error as error:
            raise ReaderError(
                f"frame_pattern is not a valid regular expression: {error}"
            ) from error
    if section.kind == "pcsc":
        from kiosk.devices.readers.pcsc import PcscReader

        return PcscReader(name, rules, reader_name=section.reader_name, parent=parent)
    if section.kind == "command":
        from kiosk.devices.readers.command import CommandReader

        return CommandReader(name, rules, command=section.command, parent=parent)
    if section.kind == "simulated":
        from kiosk.devices.readers.simulated import SimulatedReader

        return SimulatedReader(name, rules, parent)
    raise ReaderError(f"unknown reader kind {section.kind!r}")


__all__ = ["IdentificationSource", "Reader", "ReaderError", "ReaderState", "create_reader"]
