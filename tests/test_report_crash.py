"""A kiosk killed (SIGKILL) while a report prints on the A4 printer comes out once and is counted
once.

Real processes and parts: the kiosk runs as its own process (``tests/scripts/kiosk_journey.py``)
against the reference server on loopback and a real cupsd with the cups-pdf printer (the
session's, see ``tests/helpers/cups.py``); loopback proxies in front of both let a request
through and swallow its answer, so the kill lands at the worst moment exactly. The patient then
comes back to a new kiosk process on the same data dir and opens the reports again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.cups import CupsServer
from tests.helpers.holding_proxy import HoldingProxy
from tests.helpers.kiosk_process import KioskProcess, write_config
from tests.helpers.server import ApiClient

PATIENT = "unpaid_bills"
REPORT = "Complete blood count"
HOLD_TIMEOUT_S = 40.0  # the server makes the PDF, CUPS turns it into cups-pdf's: seconds
COPIES_PER_REPORT = 2  # the reference server's reprint policy: the first and one free
PRINT_JOB = b"\x00\x02"  # the IPP operation, after the version (RFC 8011 4.2.1)


def is_print_job(body: bytes) -> bool:
    return body[2:4] == PRINT_JOB


@dataclass
class Rig:
    server: EmbeddedServer
    cups: CupsServer
    backend: HoldingProxy
    ipp: HoldingProxy
    config: Path
    data: Path
    report_id: str
    started: list[KioskProcess] = field(default_factory=list)

    def kiosk(self, *extra: str) -> KioskProcess:
        identity = DEMO_IDENTITIES[PATIENT]
        process = KioskProcess(
            self.config,
            self.data,
            "report",
            identity.kind.value,
            identity.value,
            self.report_id,
            *extra,
            now=self.server.clock(),
        )
        self.started.append(process)
        return process

    def prints(self) -> int:
        """The copies the server counted."""
        conn = connect(self.server.db_path)
        try:
            row = conn.execute(
                "SELECT count(*) FROM report_prints WHERE report_id = ?", (self.report_id,)
            ).fetchone()
        finally:
            conn.close()
        return int(row[0])

    def wait_for_pdfs(self, count: int) -> None:
        deadline = time.monotonic() + HOLD_TIMEOUT_S
        while len(self.cups.printed_pdfs()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.cups.printed_pdfs()) == count

    def comes_back(self) -> None:
        """The patient opens the reports on the restarted kiosk (once its start settled what
        the killed one left): printed once, one free reprint left."""
        again = self.kiosk("list")
        assert again.expect("listed") == ["1", str(COPIES_PER_REPORT - 1)]
        again.kill()


@pytest.fixture
def rig(
    live_server: EmbeddedServer, api: ApiClient, cups: CupsServer, tmp_path: Path
) -> Iterator[Rig]:
    patient = api.identify(PATIENT)["id"]
    listed = api.get(f"/patients/{patient}/reports").json()["reports"]
    report_id = next(r["id"] for r in listed if r["title_en"] == REPORT)
    backend, ipp = HoldingProxy(live_server.url), HoldingProxy(f"http://{cups.server}")
    config = tmp_path / "kiosk.toml"
    write_config(
        config,
        backend.url,
        tmp_path / "spool",
        f'[report_printer]\nkind = "cups"\nserver = "{ipp.address}"\nname = "{cups.queue}"\n'
        "job_timeout_s = 30\n",
    )
    made = Rig(live_server, cups, backend, ipp, config, tmp_path / "data", report_id)
    yield made
    for process in made.started:
        process.close()  # one a failed test left running
    ipp.close()
    backend.close()


def test_killed_before_cups_answered_the_job_it_prints_once_and_is_counted_once_at_restart(
    rig: Rig,
) -> None:
    # CUPS takes the job; its answer (the job id) never reaches the kiosk, which dies
    # waiting. Only the job's name, which carries the journalled key, can find it again.
    rig.ipp.hold("POST", r"^/printers/", is_print_job)
    first = rig.kiosk()
    assert first.expect("listed") == ["0", str(COPIES_PER_REPORT)]
    assert rig.ipp.held.wait(HOLD_TIMEOUT_S)
    first.kill()
    rig.wait_for_pdfs(1)
    assert rig.prints() == 0

    rig.comes_back()
    assert rig.prints() == 1
    time.sleep(0.5)
    assert len(rig.cups.printed_pdfs()) == 1


def test_killed_after_cups_took_the_job_it_prints_once_and_is_counted_once_at_restart(
    rig: Rig,
) -> None:
    # CUPS answers the Print-Job (its job id is journalled); the kiosk's first question about
    # the job never gets its answer, and the kiosk dies while it waits.
    rig.ipp.hold("POST", r"^/jobs/")
    first = rig.kiosk()
    assert first.expect("listed") == ["0", str(COPIES_PER_REPORT)]
    assert rig.ipp.held.wait(HOLD_TIMEOUT_S)
    first.kill()
    rig.wait_for_pdfs(1)  # cups-pdf finishes the job with the kiosk gone
    assert rig.prints() == 0

    rig.comes_back()
    assert rig.prints() == 1
    time.sleep(0.5)  # nothing more comes out of the printer
    assert len(rig.cups.printed_pdfs()) == 1


def test_killed_before_the_server_answered_printed_it_is_counted_once_at_restart(
    rig: Rig,
) -> None:
    # The job completed, the "printed" message reached the server and was recorded; the
    # answer is lost and the kiosk dies waiting for it. Its outbox sends it again at the
    # next start, with the same key: the server answers as before and counts nothing more.
    rig.backend.hold("POST", r"^/api/v1/reports/[^/]+/printed$")
    first = rig.kiosk()
    assert first.expect("listed") == ["0", str(COPIES_PER_REPORT)]
    assert rig.backend.held.wait(HOLD_TIMEOUT_S)
    assert rig.backend.held_status == 200
    first.kill()
    assert rig.prints() == 1
    assert len(rig.cups.printed_pdfs()) == 1

    rig.comes_back()
    assert rig.prints() == 1
    assert len(rig.cups.printed_pdfs()) == 1
