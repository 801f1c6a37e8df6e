"""The kiosk's durable journal: what is written survives the process, receipts print once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from kiosk.journal import Journal


def test_payment_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from kiosk.journal import Journal
        journal = Journal(Path({str(path)!r}))
        journal.record_payment("pay-1", "key-1", "pat-1", ("bill-1", "bill-2"), 12345)
        os._exit(9)  # no close, no atexit: as if the power went
        """
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    journal = Journal(path)
    [pending] = journal.unfinished_payments()
    assert (pending.payment_id, pending.idempotency_key, pending.bill_ids) == (
        "pay-1",
        "key-1",
        ("bill-1", "bill-2"),
    )
    assert pending.amount_cents == 12345
    journal.close()


def test_receipt_is_marked_printed_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_payment("pay-1", "key-1", "pat-1", ("b",), 100)
    journal.record_payment("pay-1", "key-1", "pat-1", ("b",), 100)  # a retry adds nothing
    journal.settle_payment("pay-1", "paid")
    assert [p.state for p in journal.unfinished_payments()] == ["paid"]
    assert journal.mark_receipt_printed("pay-1") is True
    assert journal.mark_receipt_printed("pay-1") is False
    assert journal.unfinished_payments() == []
    journal.close()


def test_outbox_keeps_messages_until_delivered(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    journal.enqueue("feedback", "key-a", {"rating": 5, "tags": ["快"]})
    journal.enqueue("feedback", "key-a", {"rating": 5, "tags": ["快"]})
    journal.enqueue("feedback", "key-b", {"rating": 2, "tags": []})
    journal.close()
    journal = Journal(path)
    first, second = journal.outbox()
    assert first.body == {"rating": 5, "tags": ["快"]}
    journal.delivery_failed(first.id, "BackendUnreachableError")
    journal.delivered(second.id)
    [left] = journal.outbox()
    assert (left.idempotency_key, left.attempts) == ("key-a", 1)
    journal.close()
