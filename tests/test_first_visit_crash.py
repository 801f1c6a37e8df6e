"""A kiosk killed (SIGKILL) at the worst moments of a first visit (建档/办卡) makes one record,
one card number and at most one card.

Real processes and parts: the kiosk runs as its own process (``tests/scripts/kiosk_journey.py``)
against the reference server on loopback, through a loopback proxy that can swallow one answer;
its card dispenser is the serial driver on a pseudo-terminal, with a device at the far end that
can move a card and never say so. After the kill the patient comes back to a new kiosk process
on the same data dir and holds the same ID card to the reader.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.app import DEMO_NEW_PATIENT
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.dispenser_device import FakeDispenserDevice
from tests.helpers.enrolment import sent_code
from tests.helpers.holding_proxy import HoldingProxy
from tests.helpers.kiosk_process import KioskProcess, write_config

PHONE = "13712345678"
ID_CARD = ("id_card", DEMO_NEW_PATIENT.id_number)
HOLD_TIMEOUT_S = 30.0


@dataclass
class Rig:
    server: EmbeddedServer
    proxy: HoldingProxy
    device: FakeDispenserDevice
    config: Path
    data: Path
    spool: Path
    started: list[KioskProcess] = field(default_factory=list)

    def kiosk(self, journey: str, *args: str) -> KioskProcess:
        process = KioskProcess(self.config, self.data, journey, *args)
        self.started.append(process)
        return process

    def records(self) -> list[tuple[str, str]]:
        """(patient id, patient card number) of every record of the ID card's number."""
        conn = connect(self.server.db_path)
        try:
            rows = conn.execute(
                "SELECT id, patient_card FROM patients WHERE id_number = ?",
                (DEMO_NEW_PATIENT.id_number,),
            ).fetchall()
        finally:
            conn.close()
        return [(str(row[0]), str(row[1])) for row in rows]

    def slips_with(self, card_number: str) -> int:
        return sum(card_number.encode() in job.read_bytes() for job in self.spool.glob("*.bin"))

    def to_the_code(self) -> KioskProcess:
        """A kiosk up to the SMS code, which the patient types: its answer is on its way."""
        first = self.kiosk("first-visit", PHONE)
        first.expect("code-sent")
        first.answer(sent_code(self.server.db_path, PHONE))
        return first


@pytest.fixture
def rig(live_server: EmbeddedServer, tmp_path: Path) -> Iterator[Rig]:
    proxy = HoldingProxy(live_server.url)
    device = FakeDispenserDevice(tmp_path / "ttyDISPENSER")
    config, spool = tmp_path / "kiosk.toml", tmp_path / "spool"
    write_config(
        config,
        proxy.url,
        spool,
        f'[card_dispenser]\nkind = "serial"\nport = "{device.link}"\n',
    )
    made = Rig(live_server, proxy, device, config, tmp_path / "data", spool)
    yield made
    for process in made.started:
        process.close()  # one a failed test left running
    device.close()
    proxy.close()


def test_killed_after_the_record_was_made_the_card_is_identified_not_made_again(
    rig: Rig,
) -> None:
    # The server makes the record and the card number; its answer never reaches the kiosk.
    rig.proxy.hold("POST", r"^/api/v1/patients$")
    first = rig.to_the_code()
    assert rig.proxy.held.wait(HOLD_TIMEOUT_S)
    assert rig.proxy.held_status == 200
    first.kill()
    [(patient_id, card_number)] = rig.records()
    assert card_number
    assert rig.device.dispensed == 0  # the kiosk never heard of the card number

    # The patient comes back with the same ID card: identified, no second record.
    again = rig.kiosk("identify", *ID_CARD)
    assert again.expect("identified") == [patient_id]
    again.kill()
    assert rig.records() == [(patient_id, card_number)]
    assert rig.device.dispensed == 0
    assert rig.slips_with(card_number) == 0


def test_killed_while_the_dispenser_moves_the_card_one_card_comes_out_and_is_binned(
    rig: Rig,
) -> None:
    rig.device.withhold_dispense_answer = True  # the card moves; "done" never comes back
    first = rig.to_the_code()
    [card_number] = first.expect("done")
    assert rig.device.dispense_taken.wait(HOLD_TIMEOUT_S)
    first.kill()
    rig.device.withhold_dispense_answer = False
    assert (rig.device.dispensed, rig.device.at_gate) == (1, True)
    [(patient_id, recorded)] = rig.records()
    assert recorded == card_number

    # The next start finds the card nobody waits for in the gate and bins it; the patient
    # coming back with the ID card is identified, and no second card comes out.
    again = rig.kiosk("identify", *ID_CARD)
    assert again.expect("identified") == [patient_id]
    deadline = time.monotonic() + HOLD_TIMEOUT_S
    while rig.device.captured == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    again.kill()
    assert (rig.device.dispensed, rig.device.captured, rig.device.at_gate) == (1, 1, False)
    assert rig.records() == [(patient_id, card_number)]
    assert rig.slips_with(card_number) <= 1  # queued before the kill; never a second
