"""Finding 12: a paid payment's receipt is printed exactly once, a crash included.

The journal marks a receipt printed only once the printer has finished its jobs. A kiosk that
"crashes" after claiming the receipt but before the printer took it (the first flow's printer
never completes the job; the flow is dropped) leaves the receipt unmarked; the next kiosk on
the same journal file prints it on reconciliation, exactly once. Real parts: the reference
server on loopback, the real client, the journal file, the simulated ESC/POS printer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import Payment
from kiosk.flows.payment import PaymentFlow, PaymentPrinting, PayStep
from kiosk.flows.visit import Step
from kiosk.journal import Journal
from kiosk.runner import Runner
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.flows import Rig, build_rig
from tests.helpers.server import pay_page_post

RECEIPT_TITLE = "缴费凭证".encode("gb18030")


class PrinterThatDiesWithTheKiosk:
    """Takes the receipt and never finishes it: the kiosk crashes before the printer does."""

    def __init__(self) -> None:
        self.taken: list[str] = []

    def print_payment(
        self,
        payment: Payment,
        patient_name: str,
        hospital_name: str,
        on_printed: Callable[[], None] | None = None,
    ) -> None:
        self.taken.append(payment.id)


class Kiosk:
    """One kiosk "process": a visit rig, a journal on the shared file and a payment flow."""

    def __init__(
        self,
        server: EmbeddedServer,
        spool: Path,
        journal_path: Path,
        printing: PaymentPrinting | None = None,
    ) -> None:
        self._rig_steps = build_rig(
            server.url, spool, ImmediateExecutor(), lambda: server.clock().date()
        )
        self.rig: Rig = next(self._rig_steps)
        self.journal = Journal(journal_path)
        self.pay = PaymentFlow(
            self.rig.client,
            Runner(ImmediateExecutor(), parent=self.rig.printing),
            self.rig.flow,
            self.journal,
            printing or self.rig.printing,
            hospital_name="示例市第一人民医院",
            clock=server.clock,
            poll_interval_ms=50,
            parent=self.rig.printing,
        )
        self.rig.printing.print_failed.connect(self.pay.printer_failed)
        self.rig.flow.offer("payment", self.pay, needs_identification=True)

    def receipts(self) -> list[Path]:
        return [p for p in self.rig.printed_jobs() if RECEIPT_TITLE in p.read_bytes()]

    def close(self) -> None:
        self.journal.close()
        next(self._rig_steps, None)


@pytest.fixture
def kiosks(live_server: EmbeddedServer, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(printing: PaymentPrinting | None = None) -> Kiosk:
        spool = tmp_path / f"spool-{len(made)}"
        kiosk = Kiosk(live_server, spool, tmp_path / "journal.sqlite3", printing)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()


def receipt_printed(journal_path: Path, payment_id: str) -> int:
    with sqlite3.connect(journal_path) as conn:
        row = conn.execute(
            "SELECT receipt_printed FROM pending_payments WHERE payment_id = ?", (payment_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_crash_before_the_printer_took_the_receipt_prints_it_once_on_the_next_start(
    kiosks: Callable[..., Kiosk], live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot
) -> None:
    dying_printer = PrinterThatDiesWithTheKiosk()
    first = kiosks(dying_printer)
    identity = DEMO_IDENTITIES["unpaid_bills"]
    first.rig.flow.choose("payment")
    first.rig.flow.identifier_read(identity.kind, identity.value)
    assert first.rig.flow.step == Step.service
    first.pay.pay()
    assert first.pay.step == PayStep.qr
    assert first.pay.payment is not None
    payment_id = first.pay.payment.id
    pay_page_post(first.pay.payment.pay_url, "confirm").raise_for_status()
    qtbot.waitUntil(lambda: first.pay.step == PayStep.paid, timeout=5000)
    qtbot.waitUntil(lambda: dying_printer.taken == [payment_id], timeout=5000)
    # The crash: nothing was printed, and the journal must not say otherwise.
    assert receipt_printed(tmp_path / "journal.sqlite3", payment_id) == 0

    second = kiosks()  # the next start, on the same journal file
    second.pay.reconcile()
    qtbot.waitUntil(lambda: len(second.receipts()) == 1, timeout=5000)
    qtbot.waitUntil(
        lambda: receipt_printed(tmp_path / "journal.sqlite3", payment_id) == 1, timeout=5000
    )
    second.pay.reconcile()  # again in the same run: nothing more
    third = kiosks()  # and at the start after that
    third.pay.reconcile()
    qtbot.wait(500)
    assert len(second.receipts()) + len(third.receipts()) == 1
    assert second.journal.unfinished_payments() == []


def test_a_receipt_is_marked_only_when_its_jobs_are_done(
    kiosks: Callable[..., Kiosk], live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot
) -> None:
    kiosk = kiosks()
    identity = DEMO_IDENTITIES["unpaid_bills"]
    kiosk.rig.flow.choose("payment")
    kiosk.rig.flow.identifier_read(identity.kind, identity.value)
    kiosk.pay.pay()
    assert kiosk.pay.payment is not None
    payment_id = kiosk.pay.payment.id
    marked_when_done: list[int] = []
    kiosk.rig.printing.ticket_printed.connect(  # each job, as the printer reports it done
        lambda: marked_when_done.append(receipt_printed(tmp_path / "journal.sqlite3", payment_id))
    )
    pay_page_post(kiosk.pay.payment.pay_url, "confirm").raise_for_status()
    qtbot.waitUntil(lambda: len(kiosk.receipts()) == 1, timeout=5000)
    qtbot.waitUntil(
        lambda: receipt_printed(tmp_path / "journal.sqlite3", payment_id) == 1, timeout=5000
    )
    # When the printer reported the receipt done, the journal had not claimed it printed yet.
    assert marked_when_done[0] == 0
    kiosk.pay.reconcile()
    qtbot.wait(300)
    assert len(kiosk.receipts()) == 1
