"""A reader that is handed its input: the demo's cards and the tests' scans."""

from __future__ import annotations

from kiosk.devices.readers.base import Reader, ReaderState


class SimulatedReader(Reader):
    def present(self, raw: str) -> None:
        """As if a card or code had been read."""
        if self.state == ReaderState.ready:
            self._deliver(raw)
