"""Importing python-escpos lazily, with its cache in the app cache dir and logging untouched.

python-escpos 3.1 does two things at import time the kiosk must not allow: it calls
``logging.basicConfig()`` (``escpos/capabilities.py``), which would install a stderr handler
on the root logger before the kiosk configures its own logging, and it pickles its printer
capabilities into ``$ESCPOS_CAPABILITIES_PICKLE_DIR`` or, without it, a fresh ``mkdtemp()``
on every start (litter in /tmp). Its printer classes also log through the root ``logging``
functions, which call ``basicConfig()`` when the root logger has no handler.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

from kiosk.config import app_cache_dir

PICKLE_DIR_ENV_VAR = "ESCPOS_CAPABILITIES_PICKLE_DIR"

_lock = threading.Lock()


@contextlib.contextmanager
def root_logging_untouched() -> Iterator[None]:
    """While inside, ``logging.basicConfig()`` finds a handler and configures nothing."""
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        yield
    finally:
        root.removeHandler(placeholder)


def escpos_cache_dir() -> str:
    return str(app_cache_dir() / "escpos")


def import_escpos(module: str = "escpos.printer") -> ModuleType:
    """Import ``module`` of python-escpos the first time it is needed."""
    with _lock:
        if module in sys.modules:
            return sys.modules[module]
        if "escpos.capabilities" not in sys.modules and PICKLE_DIR_ENV_VAR not in os.environ:
            cache = escpos_cache_dir()
            os.makedirs(cache, exist_ok=True)
            os.environ[PICKLE_DIR_ENV_VAR] = cache
        with root_logging_untouched():
            return importlib.import_module(module)
