"""Qt Linguist translations: English source strings, ``translations/kiosk_zh_CN.ts`` in git.

``python -m kiosk.ui.i18n --update`` extracts strings from the code into the .ts files,
``--check`` fails while any zh_CN string is unfinished, and ``--build`` compiles the .qm files
the kiosk loads (built, never committed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QTranslator

from kiosk.assets import translations_dir

TRANSLATED_LANGUAGES = ("zh_CN",)
SOURCE_LANGUAGE = "en"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def ts_path(language: str) -> Path:
    return translations_dir() / f"kiosk_{language}.ts"


def qm_path(language: str) -> Path:
    return translations_dir() / f"kiosk_{language}.qm"


class Translations:
    """Switches the application's language live; widgets retranslate on LanguageChange."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._translator: QTranslator | None = None
        self.language = ""  # nothing installed yet: the first switch always applies

    def switch_to(self, language: str) -> None:
        """Install ``language`` (``zh_CN`` or ``en``); a missing .qm file is an error."""
        if language == self.language:
            return
        QLocale.setDefault(QLocale(language))
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        if language != SOURCE_LANGUAGE:
            translator = QTranslator(self._app)
            if not translator.load(str(qm_path(language))):
                raise FileNotFoundError(f"{qm_path(language)} is missing: run `make translations`")
            self._app.installTranslator(translator)
            self._translator = translator
        self.language = language
        # Deliver the LanguageChange events now so the switch is complete when this returns.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)

    def uninstall(self) -> None:
        """Leave the application as it was (several kiosks are built in one test process)."""
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        self.language = ""


def _tool(name: str) -> str:
    """``pyside6-<name>`` from the running environment, so the venv's own copy is used."""
    beside_python = Path(sys.executable).parent / f"pyside6-{name}"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"pyside6-{name} not found; install PySide6 into this environment")
    return found


def update() -> None:
    sources = sorted(str(p) for p in PACKAGE_DIR.rglob("*.py"))
    for language in TRANSLATED_LANGUAGES:
        subprocess.run(
            [
                _tool("lupdate"),
                "-extensions",
                "py",
                "-no-obsolete",
                "-locations",
                "none",
                "-target-language",
                language,
                *sources,
                "-ts",
                str(ts_path(language)),
            ],
            check=True,
        )


def build() -> None:
    for language in TRANSLATED_LANGUAGES:
        subprocess.run(
            [_tool("lrelease"), "-silent", str(ts_path(language)), "-qm", str(qm_path(language))],
            check=True,
        )


def unfinished_messages(ts_file: Path) -> list[str]:
    """Source strings of ``ts_file`` without a finished translation."""
    root = ET.parse(ts_file).getroot()
    unfinished = []
    for message in root.iter("message"):
        translation = message.find("translation")
        source = message.findtext("source", default="")
        if translation is None:
            unfinished.append(source)
            continue
        forms = translation.findall("numerusform")
        texts = [f.text for f in forms] if forms else [translation.text]
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not all(texts):
            unfinished.append(source)
    return unfinished


def check() -> int:
    status = 0
    for language in TRANSLATED_LANGUAGES:
        missing = unfinished_messages(ts_path(language))
        for source in missing:
            print(f"{ts_path(language).name}: unfinished: {source!r}")
        if missing:
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.i18n", description=__doc__)
    parser.add_argument("--update", action="store_true", help="extract strings into .ts files")
    parser.add_argument("--check", action="store_true", help="fail on unfinished strings")
    parser.add_argument("--build", action="store_true", help="compile .qm files")
    args = parser.parse_args(argv)
    if args.update:
        update()
    if args.check and check():
        return 1
    if args.build:
        build()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
