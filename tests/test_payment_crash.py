"""A kiosk killed (SIGKILL) while its payment QR code is shown, or while a payment code's
charge waits for the payer, loses nothing and prints once.

Real processes: the kiosk runs as its own Python process against the reference server on
loopback, with the simulated printer spooling into a temporary directory and its journal in a
private XDG data dir. The payment is paid on the server's payment page after the kill; the next
start of the kiosk (the real ``kiosk --config`` command) reconciles it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk.api.payment_codes import EXAMPLE_CODES, ChargeOutcome
from kiosk.config import DEMO_PIN_HASH
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.server import pay_page_post, pay_url_of

SCRIPT = Path(__file__).parent / "scripts" / "kiosk_with_pending_payment.py"


def write_config(path: Path, server_url: str, spool: Path, logs: Path) -> None:
    path.write_text(
        f"""
[kiosk]
id = "demo-kiosk"

[backend]
url = "{server_url}"
token = "demo-token"

[printer]
kind = "simulated"
spool_dir = "{spool}"

[technician]
pin_hash = "{DEMO_PIN_HASH}"

[logging]
directory = "{logs}"
""",
        encoding="utf-8",
    )
    path.chmod(0o600)  # holds a token: refused if others may change it


RECEIPT_TITLE = "缴费凭证".encode("gb18030")
STARTED = "started against"  # the kiosk's log line once its window is up


def receipts(spool: Path) -> list[Path]:
    return [p for p in sorted(spool.glob("*.bin")) if RECEIPT_TITLE in p.read_bytes()]


def run_kiosk_for(config: Path, env: dict[str, str], seconds: float, spool: Path) -> None:
    """The real ``kiosk --config`` for ``seconds`` once it is up (reconciliation runs at
    start), then SIGTERM."""
    command = Path(sys.executable).with_name("kiosk")  # the installed console script
    output = spool.parent / "kiosk-output.txt"
    earlier_runs = len(output.read_text(errors="replace")) if output.exists() else 0
    with output.open("ab") as sink:
        process = subprocess.Popen(
            [str(command), "--config", str(config), "--windowed"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            # Up first (its stop signals handled from then on), however slow the machine is.
            deadline = time.monotonic() + 60
            while STARTED not in output.read_text(errors="replace")[earlier_runs:]:
                assert process.poll() is None, output.read_text(errors="replace")
                assert time.monotonic() < deadline, output.read_text(errors="replace")
                time.sleep(0.1)
            time.sleep(seconds)
            assert process.poll() is None, output.read_text(errors="replace")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        assert process.returncode == 0  # SIGTERM (systemctl stop) ends the kiosk cleanly


def kill_while_pending(
    config: Path, env: dict[str, str], journal: Path, payment_code: str = ""
) -> str:
    """Run the script's kiosk up to a pending payment, check the journal holds it, SIGKILL it;
    the payment's id."""
    identity = DEMO_IDENTITIES["unpaid_bills"]
    args = [identity.kind.value, identity.value] + ([payment_code] if payment_code else [])
    kiosk = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(config), *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert kiosk.stdout is not None
        line = kiosk.stdout.readline().split()
        assert line[:1] == ["pending"], line
        payment_id = line[1]
        with sqlite3.connect(journal) as conn:
            rows = conn.execute("SELECT payment_id, state FROM pending_payments").fetchall()
        assert rows == [(payment_id, "pending")]
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=10)
        if kiosk.stdout is not None:
            kiosk.stdout.close()
    assert kiosk.returncode == -signal.SIGKILL
    return payment_id


def paid_payments(server: EmbeddedServer, payment_id: str) -> int:
    """How many paid payments the server holds for the patient of ``payment_id``."""
    db = sqlite3.connect(server.db_path)
    try:
        return int(
            db.execute(
                "SELECT COUNT(*) FROM payments WHERE status = 'paid' AND patient_id = "
                "(SELECT patient_id FROM payments WHERE id = ?)",
                (payment_id,),
            ).fetchone()[0]
        )
    finally:
        db.close()


def test_killed_with_a_pending_payment_then_paid_prints_exactly_one_receipt(
    live_server: EmbeddedServer, tmp_path: Path
) -> None:
    spool, logs = tmp_path / "spool", tmp_path / "logs"
    config = tmp_path / "kiosk.toml"
    write_config(config, live_server.url, spool, logs)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    journal = tmp_path / "data" / "hospital-kiosk" / "journal-demo-kiosk.sqlite3"
    payment_id = kill_while_pending(config, env, journal)

    # The patient pays on their phone after the kiosk died.
    pay_url = pay_url_of(live_server.url, live_server.db_path, payment_id)
    confirm = pay_page_post(pay_url, "confirm")
    assert confirm.status_code == 200
    assert receipts(spool) == []

    run_kiosk_for(config, env, 6.0, spool)
    assert len(receipts(spool)) == 1
    with sqlite3.connect(journal) as conn:
        assert conn.execute(
            "SELECT state, receipt_printed FROM pending_payments WHERE payment_id = ?",
            (payment_id,),
        ).fetchall() == [("paid", 1)]

    # Another restart prints nothing more; the server has exactly one paid payment.
    run_kiosk_for(config, env, 4.0, spool)
    assert len(receipts(spool)) == 1
    answer = requests.get(
        f"{live_server.url}/api/v1/payments/{payment_id}",
        headers={"Authorization": "Bearer demo-token"},
        timeout=10,
    ).json()
    assert answer["status"] == "paid"
    assert paid_payments(live_server, payment_id) == 1


def test_killed_while_a_payment_code_waits_for_the_payer_prints_exactly_one_receipt(
    live_server: EmbeddedServer, tmp_path: Path
) -> None:
    spool, logs = tmp_path / "spool", tmp_path / "logs"
    config = tmp_path / "kiosk.toml"
    write_config(config, live_server.url, spool, logs)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    journal = tmp_path / "data" / "hospital-kiosk" / "journal-demo-kiosk.sqlite3"
    payment_id = kill_while_pending(config, env, journal, EXAMPLE_CODES[ChargeOutcome.held])

    # The payer confirms the held charge on their phone after the kiosk died.
    pay_url = pay_url_of(live_server.url, live_server.db_path, payment_id)
    assert pay_page_post(pay_url, "confirm").status_code == 200
    assert receipts(spool) == []

    run_kiosk_for(config, env, 6.0, spool)
    assert len(receipts(spool)) == 1
    with sqlite3.connect(journal) as conn:
        assert conn.execute(
            "SELECT state, receipt_printed FROM pending_payments WHERE payment_id = ?",
            (payment_id,),
        ).fetchall() == [("paid", 1)]
    run_kiosk_for(config, env, 4.0, spool)
    assert len(receipts(spool)) == 1
    assert paid_payments(live_server, payment_id) == 1


def test_killed_while_a_payment_code_waits_and_never_confirmed_is_cancelled(
    live_server: EmbeddedServer, tmp_path: Path
) -> None:
    spool, logs = tmp_path / "spool", tmp_path / "logs"
    config = tmp_path / "kiosk.toml"
    write_config(config, live_server.url, spool, logs)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    journal = tmp_path / "data" / "hospital-kiosk" / "journal-demo-kiosk.sqlite3"
    payment_id = kill_while_pending(config, env, journal, EXAMPLE_CODES[ChargeOutcome.held])

    run_kiosk_for(config, env, 6.0, spool)
    assert receipts(spool) == []
    with sqlite3.connect(journal) as conn:
        assert conn.execute(
            "SELECT state FROM pending_payments WHERE payment_id = ?", (payment_id,)
        ).fetchall() == [("cancelled",)]
    # Nothing was charged, and the payer can no longer confirm it.
    pay_url = pay_url_of(live_server.url, live_server.db_path, payment_id)
    pay_page_post(pay_url, "confirm")
    assert paid_payments(live_server, payment_id) == 0
