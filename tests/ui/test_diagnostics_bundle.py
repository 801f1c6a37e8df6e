"""Issue 21, item 6: an admin asks a kiosk for a diagnostics bundle on the fleet page; the real
kiosk hears it in a heartbeat's answer, makes the zip off the GUI thread and sends it, and the
server holds it before the second heartbeat. The zip holds what a technician needs and no
patient data, even after demo journeys put identities through the kiosk and an older log held
them unmasked. The cap holds on both sides; a lost upload is sent again at the next heartbeat
and stored once."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.api.models import MAX_DIAGNOSTICS_BUNDLE_BYTES, HeartbeatAck, HeartbeatRequest
from kiosk.app import Kiosk
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendRejectedError
from kiosk.config import KioskConfig, demo_config
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import paper_for
from kiosk.devices.printing.service import PrinterService
from kiosk.diagnostics.bundle import BundleParts, BundleTooLargeError, build_bundle
from kiosk.flows.visit import Step
from kiosk.logs import configure_logging
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN
from kiosk.server.seed_data import FIXED_PATIENTS
from kiosk.ui.voice import RecordingSpeech
from tests.helpers.fleet import LossyProxy, press_request_button, stored_bundle

FILES = {
    "bundle.json",
    "config.toml",
    "devices.json",
    "system.json",
    "backend.json",
    "crashes.txt",
    "problems.txt",
    "logs/kiosk.log",
}
# An older release's log, written before every line was masked: the bundle masks it again.
UNMASKED_LINES = [
    f"2025-03-10 09:00:0{n} INFO kiosk=demo-kiosk old: patient {p.name} id {p.id_number} "
    f"phone {p.phone} card {p.patient_card} insurance {p.insurance_card} qr {p.health_qr}"
    for n, p in enumerate(FIXED_PATIENTS[:3])
]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def kiosk_config(backend_url: str, tmp_path: Path) -> KioskConfig:
    base = demo_config(backend_url, tmp_path / "spool")
    return base.model_copy(
        update={
            "logging": base.logging.model_copy(
                update={"directory": str(tmp_path / "logs"), "level": "DEBUG"}
            )
        }
    )


@pytest.fixture
def start_kiosk(
    qapp: QApplication,
    qtbot: QtBot,
    live_server: EmbeddedServer,
    tmp_path: Path,
    restore_logging: None,
) -> Iterator[object]:
    """``start_kiosk(backend_url)``: a real kiosk writing its log to ``tmp_path / "logs"``."""
    built: list[Kiosk] = []

    def start(backend_url: str = live_server.url) -> Kiosk:
        config = kiosk_config(backend_url, tmp_path)
        configure_logging(config, to_stderr=False)
        (tmp_path / "spool").mkdir(exist_ok=True)
        printer = PrinterService(
            SimulatedConnection(tmp_path / "spool"),
            RenderOptions(paper=paper_for(80)),
            poll_interval_s=600,
        )
        kiosk = Kiosk(
            config, qapp, printer=printer, clock=live_server.clock, speech=RecordingSpeech()
        )
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(1920, 1080)
        kiosk.window.show()
        with qtbot.waitSignal(kiosk.heartbeat.beat_sent, timeout=10_000):
            kiosk.start()  # its first heartbeat: before anyone asked
        built.append(kiosk)
        return kiosk

    yield start
    for kiosk in built:
        kiosk.shutdown()
        kiosk.translations.switch_to("en")


def beat(kiosk: Kiosk, qtbot: QtBot) -> HeartbeatAck:
    with qtbot.waitSignal(kiosk.heartbeat.beat_sent, timeout=10_000) as sent:
        kiosk.heartbeat.beat()
    ack = sent.args[0]
    assert isinstance(ack, HeartbeatAck)
    return ack


def demo_journeys(kiosk: Kiosk, qtbot: QtBot) -> list[str]:
    """Patients identify by card, phone and scanned hospital card and check in; the visit
    tokens the server gave out."""
    tokens: list[str] = []

    def tap(name: str) -> None:
        button = kiosk.window.find_button(name)
        assert button is not None, name
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))

    def wait_for(*steps: Step) -> None:
        qtbot.waitUntil(lambda: kiosk.flow.step in steps and not kiosk.flow.busy, timeout=5000)
        if kiosk.client.visit_token:
            tokens.append(kiosk.client.visit_token)

    for scenario in ("one_in_window", "rare_name", "middle_dot"):
        tap("home.checkin")
        tap(f"identify.demo.{scenario}")
        wait_for(Step.appointments)
        tap("appointments.checkin.0")
        wait_for(Step.ticket, Step.notice)
        kiosk.flow.go_home()
    tap("home.checkin")
    for key in "13800138000":  # 王秀英 by phone
        tap(f"keypad.digit{key}")
    tap("identify.submit")
    wait_for(Step.appointments)
    kiosk.flow.go_home()
    for char in "HC10000003":  # 张伟's hospital card through the keyboard-wedge scanner
        qtbot.keyClick(kiosk.window, char)
        qtbot.wait(5)
    qtbot.keyClick(kiosk.window, Qt.Key.Key_Return)
    wait_for(Step.notice)
    kiosk.flow.go_home()
    assert len(set(tokens)) >= 4
    return tokens


def test_the_fleet_page_s_request_arrives_within_two_heartbeats_without_patient_data(
    start_kiosk: object, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    assert callable(start_kiosk)
    kiosk: Kiosk = start_kiosk()
    tokens = demo_journeys(kiosk, qtbot)
    (tmp_path / "logs" / "kiosk.log.1").write_text(
        "\n".join(UNMASKED_LINES) + "\n", encoding="utf-8"
    )

    press_request_button(live_server)
    with qtbot.waitSignal(kiosk.bundles.bundle_sent, timeout=30_000) as sent:
        first = beat(kiosk, qtbot)
        assert first.diagnostics_request_id
    receipt = sent.args[0]
    assert receipt.request_id == first.diagnostics_request_id
    second = beat(kiosk, qtbot)
    assert second.diagnostics_request_id is None  # the server has it: nothing more is asked

    bundle = stored_bundle(live_server)
    assert hashlib.sha256(bundle).hexdigest() == receipt.sha256
    assert len(bundle) <= MAX_DIAGNOSTICS_BUNDLE_BYTES
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    assert set(archive.namelist()) == FILES
    texts = {name: archive.read(name).decode("utf-8") for name in FILES}

    manifest = json.loads(texts["bundle.json"])
    assert manifest["request_id"] == first.diagnostics_request_id
    assert manifest["kiosk"] == DEMO_KIOSK_ID
    assert manifest["log_lines_dropped_oldest"] == 0
    assert json.loads(texts["system.json"])["version"]
    assert {d["name"] for d in json.loads(texts["devices.json"])} >= {"printer"}
    assert "printed" in texts["devices.json"]  # the device counters
    assert 'token = "(hidden)"' in texts["config.toml"]
    assert json.loads(texts["backend.json"])["heartbeats"]
    log = texts["logs/kiosk.log"]
    assert "/patients/identify" in log  # the journeys' own lines are there…
    assert "old: patient" in log  # …and the older log's, masked:
    assert "id 11**************** phone 13********* card HC********" in log

    everything = "\n".join(texts.values())
    secrets = [DEMO_TOKEN, *tokens]
    for patient in FIXED_PATIENTS:
        secrets += [
            patient.name,
            patient.id_number,
            patient.phone,
            patient.patient_card,
            patient.insurance_card,
            patient.health_qr,
        ]
    assert [secret for secret in secrets if secret in everything] == []
    assert "王*英" not in everything  # not even the masked name the screen shows


def _noisy_log(path: Path, lines: int) -> list[str]:
    """Lines that deflate barely at all, numbered oldest first, over the log and its
    rotated file."""
    written = [f"line {n:06d} | {os.urandom(48).hex()}" for n in range(lines)]
    half = len(written) // 2
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / f"{path.name}.1").write_text("\n".join(written[:half]) + "\n")
    path.write_text("\n".join(written[half:]) + "\n")
    return written


@pytest.mark.parametrize("cap", [MAX_DIAGNOSTICS_BUNDLE_BYTES, 64 * 1024])
def test_the_kiosk_drops_its_oldest_log_lines_to_fit_the_cap(tmp_path: Path, cap: int) -> None:
    config = kiosk_config("http://127.0.0.1:9", tmp_path)
    log_path = tmp_path / "logs" / "kiosk.log"
    written = _noisy_log(log_path, 40_000)  # about 4.2 MB of text
    bundle = build_bundle(BundleParts("diag-" + "a" * 32, config, log_path, 5.0), cap=cap)
    assert len(bundle) <= cap
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    manifest = json.loads(archive.read("bundle.json"))
    kept = archive.read("logs/kiosk.log").decode().splitlines()
    assert manifest["log_lines_kept"] == len(kept)
    assert manifest["log_lines_dropped_oldest"] == len(written) - len(kept) > 0
    assert [line[:12] for line in kept] == [line[:12] for line in written[-len(kept) :]]
    assert len(bundle) > cap * 0.8  # trimmed to fit, not emptied
    with pytest.raises(BundleTooLargeError):
        build_bundle(BundleParts("diag-" + "a" * 32, config, log_path, 5.0), cap=500)


def test_the_server_takes_a_trimmed_bundle_and_refuses_a_larger_one_with_413(
    live_server: EmbeddedServer, tmp_path: Path
) -> None:
    config = kiosk_config(live_server.url, tmp_path)
    log_path = tmp_path / "logs" / "kiosk.log"
    _noisy_log(log_path, 40_000)
    client = KioskApiClient(live_server.url, DEMO_TOKEN, DEMO_KIOSK_ID)
    try:
        press_request_button(live_server)
        request_id = client.heartbeat(
            HeartbeatRequest(version="t", uptime_s=1)
        ).diagnostics_request_id
        assert request_id
        uncapped = build_bundle(BundleParts(request_id, config, log_path, 5.0), cap=10**9)
        assert len(uncapped) > MAX_DIAGNOSTICS_BUNDLE_BYTES
        with pytest.raises(BackendRejectedError) as refused:
            client.upload_diagnostics_bundle(request_id, uncapped)
        assert (refused.value.status, refused.value.code) == (413, "payload_too_large")

        bundle = build_bundle(BundleParts(request_id, config, log_path, 5.0))
        receipt = client.upload_diagnostics_bundle(request_id, bundle)
        assert receipt.size_bytes == len(bundle)
        assert stored_bundle(live_server) == bundle
    finally:
        client.close()


def _fleet_bundle(server: EmbeddedServer) -> dict[str, object]:
    fleet = requests.get(f"{server.url}/admin/kiosks?format=json", timeout=10).json()
    [kiosk] = fleet["kiosks"]
    found: dict[str, object] = kiosk["diagnostics"]
    return found


def test_a_lost_upload_is_sent_again_at_the_next_heartbeat_and_stored_once(
    start_kiosk: object, qtbot: QtBot, live_server: EmbeddedServer
) -> None:
    assert callable(start_kiosk)
    parts = urlsplit(live_server.url)
    proxy = LossyProxy((parts.hostname or "", parts.port or 0), "/diagnostics-bundle")
    with proxy.running():
        kiosk: Kiosk = start_kiosk(proxy.url)

        # Every try of the first upload is lost on the way (the call retries twice itself).
        proxy.lose_requests = 3
        press_request_button(live_server)
        with qtbot.waitSignal(kiosk.bundles.bundle_failed, timeout=30_000) as failed:
            first = beat(kiosk, qtbot)
        assert failed.args == [first.diagnostics_request_id, "BackendUnreachableError"]
        assert proxy.lost == ["request"] * 3
        assert _fleet_bundle(live_server)["received_at"] is None

        # The next heartbeat still asks: the same zip goes again, and arrives.
        with qtbot.waitSignal(kiosk.bundles.bundle_sent, timeout=30_000) as sent:
            assert beat(kiosk, qtbot).diagnostics_request_id == first.diagnostics_request_id
        assert sent.args[0].request_id == first.diagnostics_request_id
        assert beat(kiosk, qtbot).diagnostics_request_id is None
        assert _fleet_bundle(live_server)["sha256"] == sent.args[0].sha256

        # A second request whose answer is lost once: the server stored it, the kiosk's
        # retry gets the same receipt, and nothing is stored twice.
        kiosk.client.close()  # new connections, so the proxy sees the next upload's first line
        proxy.lose_answers = 1
        press_request_button(live_server)
        with qtbot.waitSignal(kiosk.bundles.bundle_sent, timeout=30_000) as sent_again:
            again = beat(kiosk, qtbot)
        assert proxy.lost[-1] == "answer"
        assert sent_again.args[0].request_id == again.diagnostics_request_id
        assert beat(kiosk, qtbot).diagnostics_request_id is None
        stored = _fleet_bundle(live_server)
        assert stored["request_id"] == again.diagnostics_request_id
        assert stored["sha256"] == sent_again.args[0].sha256
        assert hashlib.sha256(stored_bundle(live_server)).hexdigest() == stored["sha256"]
        assert kiosk.bundles.finished == {
            first.diagnostics_request_id,
            again.diagnostics_request_id,
        }
