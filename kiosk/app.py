"""The composition root: the only module that builds concrete objects from the configuration.

Everything else receives its collaborators, so tests and the walkthrough can build the same
window with other parts.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from kiosk.backend.client import KioskApiClient
from kiosk.config import KioskConfig, app_cache_dir, demo_config
from kiosk.runner import Runner, background_executor
from kiosk.ui.i18n import Translations
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.theme import apply_theme, register_fonts
from kiosk.ui.widgets.header import HeaderBar

log = logging.getLogger(__name__)


class Kiosk(QObject):
    """Owns the parts of one running kiosk and shuts them down in order."""

    def __init__(self, config: KioskConfig, app: QApplication) -> None:
        super().__init__()
        self.config = config
        self.client = KioskApiClient(
            config.backend.url,
            config.backend.token,
            config.kiosk.id,
            ca_bundle=config.backend.ca_bundle,
            connect_timeout_s=config.backend.connect_timeout_s,
            read_timeout_s=config.backend.read_timeout_s,
        )
        self._executor = background_executor("backend")
        self.runner = Runner(self._executor, parent=self)
        self.translations = Translations(app)
        self.translations.switch_to(config.kiosk.language)
        apply_theme(app, register_fonts(), config.kiosk.theme, large_text=False)
        self.home = HomeScreen()
        self.window = KioskWindow(
            HeaderBar(config.kiosk.hospital_name, config.kiosk.hospital_name_en)
        )
        self.window.add_screen(self.home)
        self.window.show_screen(self.home)
        self.setParent(self.window)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()


def _application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("create a QApplication before building the kiosk")
    return app


def create_window(config: KioskConfig) -> KioskWindow:
    """Build the whole kiosk from ``config`` without showing it (tests, walkthrough)."""
    return Kiosk(config, _application()).window


def run(config: KioskConfig, *, windowed: bool, argv: list[str]) -> int:
    app = QApplication(argv)
    app.setApplicationName("hospital-kiosk")
    kiosk = Kiosk(config, app)
    app.aboutToQuit.connect(kiosk.shutdown)
    if windowed:
        kiosk.window.resize(1280, 800)
        kiosk.window.show()
    else:
        kiosk.window.showFullScreen()
    log.info("kiosk %s started against %s", config.kiosk.id, config.backend.url)
    return app.exec()


def run_demo(*, windowed: bool, argv: list[str]) -> int:
    """The embedded reference server with a fresh demo hospital, and simulated devices."""
    from kiosk.server.embedded import EmbeddedServer  # only the demo needs the server

    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as scratch:
        with EmbeddedServer.start(Path(scratch) / "demo.sqlite3", seed_demo=True) as server:
            config = demo_config(server.url, app_cache_dir() / "demo-spool")
            return run(config, windowed=windowed, argv=argv)
