"""Visit-flow rigs on the live reference server (see ``tests.helpers.flows``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.server.embedded import EmbeddedServer
from tests.helpers.executors import ImmediateExecutor, ManualExecutor
from tests.helpers.flows import Rig, RigFactory, build_rig


@pytest.fixture
def rig_factory(qtbot: QtBot) -> RigFactory:
    """``build_rig`` for tests that need their own server (silent, down)."""
    return build_rig


@pytest.fixture
def rig(live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot) -> Iterator[Rig]:
    """Backend calls answered at once (on the GUI thread) by the real server."""
    yield from build_rig(
        live_server.url,
        tmp_path / "spool",
        ImmediateExecutor(),
        lambda: live_server.clock().date(),
        clock=live_server.clock,
    )


@pytest.fixture
def manual_rig(live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot) -> Iterator[Rig]:
    """Backend calls wait until the test runs them: for late answers."""
    yield from build_rig(
        live_server.url,
        tmp_path / "spool",
        ManualExecutor(),
        lambda: live_server.clock().date(),
        clock=live_server.clock,
    )
