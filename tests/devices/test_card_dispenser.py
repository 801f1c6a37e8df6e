"""The card dispenser: the serial driver against a device on a real pseudo-terminal, the frames
byte for byte, the simulated twin, and the service's signals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.devices.dispenser import DispenserError, DispenserStatus
from kiosk.devices.dispenser import frames as f
from kiosk.devices.dispenser.serial import SerialDispenser
from kiosk.devices.dispenser.service import DispenserService
from kiosk.devices.dispenser.simulated import SimulatedDispenser
from tests.helpers.dispenser_device import FakeDispenserDevice


@pytest.fixture
def device(tmp_path: Path) -> Iterator[FakeDispenserDevice]:
    fake = FakeDispenserDevice(tmp_path / "ttyDISPENSER")
    yield fake
    fake.close()


def driver(device: FakeDispenserDevice) -> SerialDispenser:
    return SerialDispenser(str(device.link), 9600)


def test_a_command_frame_byte_for_byte() -> None:
    # STX, address 0, length 3 ("CAP"), ETX, then the XOR of all of it.
    assert f.frame(b"C", b"AP") == bytes([0x02, 0x00, 0x00, 0x03, 0x43, 0x41, 0x50, 0x03, 0x50])


def test_a_response_with_a_bad_bcc_is_refused() -> None:
    good = f.frame(b"P", b"AP", b"002")
    assert f.parse_response(good) == f.Response(True, b"AP", b"002")
    with pytest.raises(f.FrameError, match="BCC"):
        f.parse_response(good[:-1] + bytes([good[-1] ^ 0xFF]))


@pytest.mark.parametrize(
    ("cards", "at_gate", "jammed", "status"),
    [
        (20, False, False, DispenserStatus.ready),
        (2, False, False, DispenserStatus.near_empty),
        (0, False, False, DispenserStatus.empty),
        (20, True, False, DispenserStatus.card_at_gate),
        (20, False, True, DispenserStatus.jammed),
    ],
)
def test_the_status_bits_over_the_wire(
    device: FakeDispenserDevice, cards: int, at_gate: bool, jammed: bool, status: DispenserStatus
) -> None:
    device.cards, device.at_gate, device.jammed = cards, at_gate, jammed
    assert driver(device).status() == status
    assert device.commands == [b"AP"]


def test_a_dispense_puts_one_card_at_the_gate(device: FakeDispenserDevice) -> None:
    dispenser = driver(device)
    dispenser.dispense()
    assert (device.cards, device.dispensed, device.at_gate) == (19, 1, True)
    assert device.commands == [b"AP", b"DC"]
    assert dispenser.status() == DispenserStatus.card_at_gate


def test_a_card_left_at_the_gate_is_captured_before_the_next(device: FakeDispenserDevice) -> None:
    device.at_gate = True
    driver(device).dispense()
    assert device.captured == 1
    assert device.dispensed == 1
    assert device.commands == [b"AP", b"CP", b"AP", b"DC"]


def test_an_empty_stack_refuses_before_anything_moves(device: FakeDispenserDevice) -> None:
    device.cards = 0
    with pytest.raises(DispenserError) as raised:
        driver(device).dispense()
    assert raised.value.status == DispenserStatus.empty
    assert b"DC" not in device.commands


def test_a_jam_reported_by_the_dispense_itself(device: FakeDispenserDevice) -> None:
    dispenser = driver(device)
    assert dispenser.status() == DispenserStatus.ready
    device.jammed = True  # jams between the check and the move
    with pytest.raises(DispenserError) as raised:
        dispenser._move(f.DISPENSE)
    assert raised.value.status == DispenserStatus.jammed


def test_an_empty_answer_to_the_dispense_itself(device: FakeDispenserDevice) -> None:
    dispenser = driver(device)
    device.cards = 0
    with pytest.raises(DispenserError) as raised:
        dispenser._move(f.DISPENSE)
    assert raised.value.status == DispenserStatus.empty


def test_one_nak_is_resent_and_goes_through(device: FakeDispenserDevice) -> None:
    device.nak_next = 1
    assert driver(device).status() == DispenserStatus.ready
    assert device.commands == [b"AP"]


def test_a_silent_dispenser_is_offline_not_a_hang(device: FakeDispenserDevice) -> None:
    device.silent = True
    dispenser = driver(device)
    assert dispenser.status() == DispenserStatus.offline
    with pytest.raises(DispenserError) as raised:
        dispenser.dispense()
    assert raised.value.status == DispenserStatus.offline
    assert device.dispensed == 0


def test_a_missing_port_is_offline(tmp_path: Path) -> None:
    dispenser = SerialDispenser(str(tmp_path / "nothing-here"))
    assert dispenser.status() == DispenserStatus.offline
    with pytest.raises(DispenserError):
        dispenser.dispense()


def test_the_service_reports_a_dispensed_card_then_a_failure(
    qtbot: QtBot, device: FakeDispenserDevice
) -> None:
    service = DispenserService(driver(device))
    try:
        with qtbot.waitSignal(service.card_dispensed, timeout=10_000) as dispensed:
            service.dispense("HC30000001")
        assert dispensed.args == ["HC30000001"]
        assert service.status == DispenserStatus.card_at_gate
        device.at_gate = False  # the patient took it
        device.cards = 0
        with qtbot.waitSignal(service.dispense_failed, timeout=10_000) as failed:
            service.dispense("HC30000002")
        assert failed.args == ["HC30000002", "empty"]
        assert service.status == DispenserStatus.empty
        assert device.dispensed == 1
    finally:
        service.shutdown()


def test_the_simulated_twin_runs_out_and_jams() -> None:
    dispenser = SimulatedDispenser(cards=2, near_empty_at=1)
    assert dispenser.status() == DispenserStatus.ready
    dispenser.dispense()
    assert dispenser.status() == DispenserStatus.card_at_gate
    dispenser.take_card()
    assert dispenser.status() == DispenserStatus.near_empty
    dispenser.dispense()
    dispenser.take_card()
    with pytest.raises(DispenserError) as empty:
        dispenser.dispense()
    assert empty.value.status == DispenserStatus.empty
    dispenser.set_cards(10)
    dispenser.set_fault(DispenserStatus.jammed)
    with pytest.raises(DispenserError) as jammed:
        dispenser.dispense()
    assert jammed.value.status == DispenserStatus.jammed
    assert dispenser.dispensed == 2


def test_a_card_left_in_the_gate_at_start_goes_to_the_reject_bin(
    qtbot: QtBot, device: FakeDispenserDevice
) -> None:
    device.at_gate = True  # the kiosk that dispensed it stopped before its patient took it
    service = DispenserService(driver(device))
    try:
        with qtbot.waitSignal(service.status_changed, timeout=10_000) as changed:
            service.start()
        assert changed.args == [DispenserStatus.ready]
        assert (device.captured, device.at_gate, device.dispensed) == (1, False, 0)
        assert device.commands == [b"AP", b"CP", b"AP"]
    finally:
        service.shutdown()


def test_an_empty_gate_at_start_is_only_asked_about(
    qtbot: QtBot, device: FakeDispenserDevice
) -> None:
    service = DispenserService(driver(device))
    try:
        with qtbot.waitSignal(service.status_changed, timeout=10_000):
            service.start()
        assert device.commands == [b"AP"]
        assert device.captured == 0
    finally:
        service.shutdown()


def test_a_capture_that_jams_at_start_is_reported_not_raised(
    qtbot: QtBot, device: FakeDispenserDevice
) -> None:
    device.at_gate = True
    device.capture_jams = True
    service = DispenserService(driver(device))
    try:
        with qtbot.waitSignal(service.status_changed, timeout=10_000) as changed:
            service.start()
        assert changed.args == [DispenserStatus.jammed]  # the technician's light says so
        assert "CP refused" in service.last_error
        assert device.captured == 0
    finally:
        service.shutdown()
