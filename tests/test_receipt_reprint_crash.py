"""A kiosk killed (SIGKILL) after the server counted a receipt's reprint (票据补打) and before
its printer finished the copy: the next run prints that copy and the server counts it once.

Real processes: the kiosk runs as its own Python process against the reference server on
loopback, with the simulated printer spooling into a temporary directory and its journal in a
private XDG data dir (see tests/test_payment_crash.py).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from kiosk.api.models import IDEMPOTENCY_HEADER
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.server import ApiClient
from tests.test_payment_crash import write_config

SCRIPT = Path(__file__).parent / "scripts" / "kiosk_reprinting_a_receipt.py"
COPY_MARK = "补打".encode("gb18030")
CHARGED_CODE = "134567890123456789"
TIMEOUT_S = 60


def paid_receipt(api: ApiClient) -> str:
    patient = api.identify("unpaid_bills")["id"]
    bill = api.get(f"/patients/{patient}/bills").json()["bills"][0]["id"]
    created = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [bill]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()
    paid = api.post(
        f"/payments/{created['id']}/payment-code",
        json={"code": CHARGED_CODE},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    ).json()
    return str(paid["receipt"]["receipt_number"])


def reprints_on_server(server: EmbeddedServer, number: str) -> int:
    db = sqlite3.connect(server.db_path)
    try:
        return int(
            db.execute(
                "SELECT count(*) FROM receipt_reprints r JOIN payments p ON p.id = r.payment_id"
                " WHERE p.receipt_number = ?",
                (number,),
            ).fetchone()[0]
        )
    finally:
        db.close()


def copies(spool: Path) -> list[bytes]:
    return [data for p in sorted(spool.glob("*.bin")) if COPY_MARK in (data := p.read_bytes())]


def run_script(
    config: Path, env: dict[str, str], number: str, mode: str
) -> tuple[subprocess.Popen[str], list[str]]:
    identity = DEMO_IDENTITIES["unpaid_bills"]
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(config), identity.kind.value, identity.value, number,
         mode],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    return process, process.stdout.readline().split()


def kept_keys(journal: Path) -> int:
    """The reprint keys the kiosk's journal still keeps."""
    with sqlite3.connect(journal) as conn:
        return int(conn.execute("SELECT count(*) FROM receipt_reprints").fetchone()[0])


def test_killed_after_the_count_before_the_print_prints_that_copy_once_on_the_next_run(
    live_server: EmbeddedServer, api: ApiClient, tmp_path: Path
) -> None:
    number = paid_receipt(api)
    spool, logs = tmp_path / "spool", tmp_path / "logs"
    config = tmp_path / "kiosk.toml"
    write_config(config, live_server.url, spool, logs)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    journal = tmp_path / "data" / "hospital-kiosk" / "journal-demo-kiosk.sqlite3"

    kiosk, line = run_script(config, env, number, "stall")
    try:
        assert line == ["counted", "1"], line
        assert reprints_on_server(live_server, number) == 1
        with sqlite3.connect(journal) as conn:
            kept = conn.execute(
                "SELECT receipt_number, idempotency_key FROM receipt_reprints"
            ).fetchall()
        assert [row[0] for row in kept] == [number]
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=TIMEOUT_S)
        if kiosk.stdout is not None:
            kiosk.stdout.close()
    assert kiosk.returncode == -signal.SIGKILL
    assert copies(spool) == []  # killed before the printer finished

    again, line = run_script(config, env, number, "print")
    try:
        assert line == ["printed", "1"], line  # the same copy, replayed for the kept key
        # The key is forgotten off the GUI thread just after the copy is printed.
        deadline = time.monotonic() + TIMEOUT_S
        while kept_keys(journal) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=TIMEOUT_S)
        if again.stdout is not None:
            again.stdout.close()
    assert reprints_on_server(live_server, number) == 1
    (slip,) = copies(spool)
    assert number.encode() in slip
    assert kept_keys(journal) == 0
