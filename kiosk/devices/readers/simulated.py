"""A reader that is handed its input: the demo's cards and the tests' scans."""

from __future__ import annotations

from kiosk.devices.readers.base import Reader, ReaderState


class SimulatedReader(Reader):
    """Feeds what it is handed through the same parser as the real readers."""

    kind = "simulated"

    def present(self, raw: str) -> None:
        """As if a card or code (an e-health code, a wallet's payment code) had been read."""
        if self.state == ReaderState.ready:
            self._deliver(raw)

    def unplug(self, detail: str = "unplugged") -> None:
        """As if the cable had been pulled: the demo and UI tests show the reader's fault."""
        self._set_state(ReaderState.disconnected, detail)

    def plug_back(self) -> None:
        self._set_state(ReaderState.ready)
