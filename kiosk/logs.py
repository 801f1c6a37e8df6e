"""Logging for a kiosk in the field: rotating files in the platform log dir, one line per event.

Every line names the kiosk, so logs gathered from a fleet stay readable. Patient data never
belongs in a log; the code logs ids and reason codes only, and a last-line filter masks
anything that still looks like a resident ID, phone or card number, in case a library or a
future change slips one in. Qt's own messages go through the same handlers.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections import deque
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from kiosk.config import KioskConfig, app_log_dir

LOG_FILE_NAME = "kiosk.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5

# Resident IDs (17 digits + digit/X), mobile numbers, and long card numbers (>= 8 digits,
# optionally after two letters such as HC or SI). Ports, times and ticket numbers stay.
_SENSITIVE = re.compile(
    r"(?<![\w.])(?:\d{17}[\dXx]|1[3-9]\d{9}|[A-Za-z]{2}\d{8,}|\d{12,})(?![\w.])"
)


def redact(text: str) -> str:
    return _SENSITIVE.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), text)


class RedactingFilter(logging.Filter):
    """Masks identifier-like numbers in the final message of every record."""

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
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record).splitlines()[0])


def log_file(config: KioskConfig) -> Path:
    directory = Path(config.logging.directory) if config.logging.directory else app_log_dir()
    return directory / LOG_FILE_NAME


def configure_logging(config: KioskConfig, *, to_stderr: bool = True) -> Path:
    """Send every log record (and Qt's messages) to the rotating file; returns its path."""
    path = log_file(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter(
        f"%(asctime)s %(levelname)s kiosk={config.kiosk.id} %(name)s: %(message)s"
    )
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
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
