"""Logging for a kiosk in the field: rotating files in the platform log dir, one line per event.

Every line names the kiosk, so logs gathered from a fleet stay readable. Patient data never
belongs in a log; the code logs ids and reason codes only (never names), and every handler's
formatter masks its whole output, tracebacks included, wherever something still looks like a
resident ID, phone or card number (also full-width, spaced or dashed, next to Chinese text),
a health-QR payload or a patient's name, in case a library or a future change slips one in.
The files are the kiosk user's own (0600). Qt's own messages go through the same handlers.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import re
import sys
from collections import deque
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from kiosk.config import KioskConfig, app_log_dir
from kiosk.private_files import private_dir, private_file

LOG_FILE_NAME = "kiosk.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5

# Full-width forms (１３８…, ＨＣ, as Chinese input methods type them) are matched as their
# ASCII twins; the mapping is one character for one, so positions stay put.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# A number as people and devices write it: digits, perhaps cut by single spaces or dashes,
# perhaps ending in a resident ID's X. Whether it is masked depends on its digits (see
# _number_mask); Chinese text or letters around it do not hide it.
_NUMBER = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9])*(?:[ \-]?[Xx])?(?![0-9])")
_CARD_PREFIX = re.compile(r"[A-Za-z]{2}[ \-]?$")  # HC10000003, SI 1101…

# Names: a value after name= / patient_name: …, or Chinese characters after "patient" / 患者 /
# 姓名. The code never logs names (it logs ids); this catches a slip.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NAME_FIELD = re.compile(
    r"(?i)\b(?:patient_?name|display_?name|name)\s*[=:]\s*('[^']*'|\"[^\"]*\"|[^\s,;]+)"
)
_NAME_AFTER = re.compile(rf"(?i)(?:\bpatient\s+|患者\s*:?\s*|姓名\s*:?\s*)([{_HAN}][{_HAN}·*]*)")

DEFAULT_QR_PREFIXES = ("EHC:",)


def redact(text: str, qr_prefixes: tuple[str, ...] = DEFAULT_QR_PREFIXES) -> str:
    """``text`` with identifier-like numbers, health-QR payloads and names masked.

    Numbers keep their first two characters (11****************, 13*********) and cards their
    letters (HC********), so a technician still sees what kind of thing was there.
    """
    plain = text.translate(_HALF_WIDTH)
    masked = [False] * len(text)

    def mask(start: int, end: int) -> None:
        masked[start:end] = [True] * (end - start)

    for match in _NUMBER.finditer(plain):
        keep = _number_mask(plain, match)
        if keep is not None:
            mask(match.start() + keep, match.end())
    for prefix in qr_prefixes:
        for match in re.finditer(re.escape(prefix) + r"\S+", plain):
            mask(match.start() + len(prefix), match.end())
    for pattern in (_NAME_FIELD, _NAME_AFTER):
        for match in pattern.finditer(plain):
            mask(match.start(1), match.end(1))
    if not any(masked):
        return text
    return "".join("*" if hidden else char for char, hidden in zip(text, masked, strict=True))


def _number_mask(plain: str, match: re.Match[str]) -> int | None:
    """How many leading characters of a number to keep visible, or None to leave it alone.

    Masked: 12 digits and more (resident IDs, bank and insurance cards), 11 digits starting
    with 1 (mobile numbers), and 8 digits and more after two letters (hospital cards HC…).
    Ports, times, dates, ticket numbers and short ids stay readable.
    """
    count = sum(char.isdigit() for char in match.group(0))
    before = plain[max(0, match.start() - 3) : match.start()]
    if count >= 8 and before[-2:].isascii() and before[-2:].isalpha():
        return 0  # HC10000003 → HC********
    if count >= 12 or (count == 11 and match.group(0).startswith("1")):
        return 2
    if count >= 8 and _CARD_PREFIX.search(before):
        return 0  # HC 1000 0003
    return None


class RedactingFormatter(logging.Formatter):
    """Masks the whole formatted line: message, arguments, traceback and stack alike."""

    def __init__(self, fmt: str, qr_prefixes: tuple[str, ...] = DEFAULT_QR_PREFIXES) -> None:
        super().__init__(fmt)
        self._qr_prefixes = qr_prefixes

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._qr_prefixes)


class RedactingFilter(logging.Filter):
    """Masks identifier-like numbers in the message of every record, for every handler
    (the handlers' :class:`RedactingFormatter` then masks the whole line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RecentProblems(logging.Handler):
    """The last warnings and errors, for the diagnostics screen (already masked)."""

    def __init__(self, keep: int = 30) -> None:
        super().__init__(logging.WARNING)
        self.lines: deque[str] = deque(maxlen=keep)
        self.addFilter(RedactingFilter())
        self.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record).splitlines()[0])


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotating files created owner-only (0600): even masked, a log is the kiosk's own."""

    def _open(self) -> io.TextIOWrapper:
        private_file(Path(self.baseFilename))
        return super()._open()


def log_file(config: KioskConfig) -> Path:
    directory = Path(config.logging.directory) if config.logging.directory else app_log_dir()
    return directory / LOG_FILE_NAME


def configure_logging(config: KioskConfig, *, to_stderr: bool = True) -> Path:
    """Send every log record (and Qt's messages) to the rotating file; returns its path."""
    path = log_file(config)
    private_dir(path.parent)
    prefixes = tuple(dict.fromkeys((*DEFAULT_QR_PREFIXES, config.identifiers.health_qr_prefix)))
    formatter = RedactingFormatter(
        f"%(asctime)s %(levelname)s kiosk={config.kiosk.id} %(name)s: %(message)s", prefixes
    )
    handlers: list[logging.Handler] = [
        PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    ]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(config.logging.level)
    qInstallMessageHandler(_qt_message)
    return path


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

# Harmless notices of the offscreen platform used for screenshots and self-checks.
_QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if message in _QT_NOISE:
        return
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)
