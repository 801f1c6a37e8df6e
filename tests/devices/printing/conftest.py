"""Printer test fixtures: python-escpos set up in tmp, a loopback network printer."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kiosk.devices.printing.escpos_import import PICKLE_DIR_ENV_VAR
from tests.helpers.printing import LoopbackPrinter


@pytest.fixture(scope="session", autouse=True)
def _escpos_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The app cache dir is the real user's; tests keep python-escpos's pickle in tmp.
    os.environ.setdefault(PICKLE_DIR_ENV_VAR, str(tmp_path_factory.mktemp("escpos")))


@pytest.fixture
def loopback_printer() -> Iterator[LoopbackPrinter]:
    printer = LoopbackPrinter()
    yield printer
    printer.close()
