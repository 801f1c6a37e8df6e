"""Contactless cards on a PC/SC reader, through pyscard (the optional ``pcsc`` extra).

A card's UID (APDU ``FF CA 00 00 00``) becomes a patient card when it fits the configured
patient-card pattern (:func:`parse_card_uid`); the ATR is kept for diagnostics only. pyscard is
imported in :meth:`PcscReader.start`, so a kiosk without it, or without the pcscd service, shows
the reader as "unavailable" with the reason and carries on.

Everything that talks to pcscd runs off the GUI thread (a probe thread, and pyscard's own card
monitor thread); results come back through queued signals.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.devices.parsing import ParsingRules, Rejection, RejectionReason, parse_card_uid
from kiosk.devices.readers.base import RETRY_FIRST_MS, RETRY_MAX_MS, Backoff, Reader, ReaderState

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
_SUCCESS = (0x90, 0x00)
CHECK_INTERVAL_MS = 5000
NOT_INSTALLED = "pyscard is not installed (install the kiosk with its 'pcsc' extra)"


class PcscReader(Reader):
    """Reads card UIDs from the PC/SC reader whose name contains ``reader_name`` (any if empty).

    Attributes:
        last_atr: hex ATR of the last card seen (card type, not who it belongs to).
    """

    kind = "pcsc"

    # Emitted from worker threads; Qt queues them to this object's (the GUI) thread.
    _probed = Signal(object, str)  # reader names or None, and the failure detail
    _uid_read = Signal(object, str)  # UID bytes (empty when the card gave none), ATR hex
    _card_failed = Signal(str)

    def __init__(
        self,
        name: str,
        rules: ParsingRules,
        *,
        reader_name: str = "",
        check_interval_ms: int = CHECK_INTERVAL_MS,
        retry_first_ms: int = RETRY_FIRST_MS,
        retry_max_ms: int = RETRY_MAX_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(name, rules, parent)
        self.reader_name = reader_name
        self.last_atr = ""
        self._smartcard: dict[str, Any] = {}
        self._monitor: Any = None
        self._observer: Any = None
        self._running = False
        self._probing = False
        self._retry = Backoff(self._probe, retry_first_ms, retry_max_ms, self)
        self._check = QTimer(self)
        self._check.setInterval(check_interval_ms)
        self._check.timeout.connect(self._probe)
        self._probed.connect(self._on_probed)
        self._uid_read.connect(self._on_uid_read)
        self._card_failed.connect(self._on_card_failed)

    def start(self) -> None:
        try:
            from smartcard import System
            from smartcard.CardMonitoring import CardMonitor, CardObserver
        except ImportError:
            self._set_state(ReaderState.unavailable, NOT_INSTALLED)
            return
        self._smartcard = {
            "readers": System.readers,
            "CardMonitor": CardMonitor,
            "CardObserver": CardObserver,
        }
        self._running = True
        self._probe()

    def stop(self) -> None:
        self._running = False
        self._retry.reset()
        self._check.stop()
        self._stop_monitor()
        self._set_state(ReaderState.stopped)

    def _probe(self) -> None:
        """Ask pcscd for its readers on a worker thread: it may be slow or absent."""
        if not self._running or self._probing:
            return
        self._probing = True
        threading.Thread(target=self._list_readers, name="pcsc-probe", daemon=True).start()

    def _list_readers(self) -> None:
        try:
            names = [str(reader) for reader in self._smartcard["readers"]()]
        except Exception as error:  # pyscard raises several unrelated types for "no pcscd"
            self._probed.emit(None, f"PC/SC service not reachable (is pcscd running?): {error}")
            return
        self._probed.emit(names, "")

    def _on_probed(self, names: list[str] | None, failure: str) -> None:
        self._probing = False
        if not self._running:
            return
        if names is None:
            self._stop_monitor()
            self._set_state(ReaderState.unavailable, failure)
            self._check.stop()
            self._retry.schedule()
            return
        matching = [name for name in names if self.reader_name in name]
        if not matching:
            self._stop_monitor()
            wanted = f" named like {self.reader_name!r}" if self.reader_name else ""
            self._set_state(ReaderState.disconnected, f"no PC/SC reader{wanted} connected")
            self._check.stop()
            self._retry.schedule()
            return
        self._retry.reset()
        self._check.start()  # notice when the reader is unplugged
        self._start_monitor()
        self._set_state(ReaderState.ready, matching[0])

    def _start_monitor(self) -> None:
        if self._observer is not None:
            return

        def update(_observer: Any, _observable: Any, actions: Any) -> None:
            added, _removed = actions
            for card in added:
                self._read_card(card)

        # A subclass of pyscard's CardObserver, made here because pyscard is imported late.
        observer_class = type(
            "_KioskCardObserver", (self._smartcard["CardObserver"],), {"update": update}
        )
        self._observer = observer_class()
        self._monitor = self._smartcard["CardMonitor"]()
        self._monitor.addObserver(self._observer)

    def _stop_monitor(self) -> None:
        if self._observer is not None:
            self._monitor.deleteObserver(self._observer)
        self._monitor = self._observer = None

    def _read_card(self, card: Any) -> None:
        """On pyscard's monitor thread: connect, ask for the UID, disconnect."""
        if self.reader_name not in str(card.reader):
            return
        try:
            connection = card.createConnection()
            connection.connect()
            try:
                data, sw1, sw2 = connection.transmit(GET_UID)
                atr = bytes(connection.getATR())
            finally:
                connection.disconnect()
        except Exception as error:  # card pulled away too soon, mute card, reader gone …
            self._card_failed.emit(type(error).__name__)
            return
        uid = bytes(data) if (sw1, sw2) == _SUCCESS else b""
        self._uid_read.emit(uid, atr.hex().upper())

    def _on_uid_read(self, uid: bytes, atr: str) -> None:
        if not self._running:
            return
        self.last_atr = atr
        if not uid:
            self._emit_result(Rejection(RejectionReason.unreadable))
            return
        self._emit_result(parse_card_uid(uid, self._rules))

    def _on_card_failed(self, error_name: str) -> None:
        if self._running:
            self.detail = f"last card could not be read ({error_name})"
            self._emit_result(Rejection(RejectionReason.unreadable))
