"""A kiosk in its own process for the kill tests: ``tests/scripts/kiosk_journey.py`` run with
a config file and a private data dir, its progress lines read with deadlines, SIGKILLed at the
moment the test chooses."""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from kiosk.config import DEMO_PIN_HASH

SCRIPT = Path(__file__).parent.parent / "scripts" / "kiosk_journey.py"
START_TIMEOUT_S = 60.0  # a kiosk starting on a busy shared machine
STEP_TIMEOUT_S = 30.0


def write_config(path: Path, server_url: str, spool: Path, extra: str = "") -> None:
    """A kiosk config on the server at ``server_url``, the simulated ticket printer spooling
    into ``spool``; ``extra`` adds sections (a dispenser, a report printer)."""
    path.write_text(
        f"""
[kiosk]
id = "demo-kiosk"

[backend]
url = "{server_url}"
token = "demo-token"
read_timeout_s = 20
deadline_s = 25

[printer]
kind = "simulated"
spool_dir = "{spool}"

[technician]
pin_hash = "{DEMO_PIN_HASH}"

[logging]
directory = "{path.parent / "logs"}"
{extra}
""",
        encoding="utf-8",
    )
    path.chmod(0o600)  # holds a token: refused if others may change it


class KioskProcess:
    """One run of the journey script; ``lines`` are its stdout lines, split into words."""

    def __init__(
        self,
        config: Path,
        data_home: Path,
        journey: str,
        *args: str,
        now: dt.datetime | None = None,
    ) -> None:
        """``now``: where the kiosk's clock starts (the test server's day), else the wall's."""
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(data_home))
        if now is not None:
            env["KIOSK_TEST_NOW"] = now.isoformat()
        self._errors = (config.parent / "kiosk-stderr.txt").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(config), journey, *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
        )
        self._errors_path = Path(self._errors.name)
        self._lines: queue.Queue[list[str] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.expect("started", timeout_s=START_TIMEOUT_S)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.split())
        self._lines.put(None)

    def expect(self, first: str, *, timeout_s: float = STEP_TIMEOUT_S) -> list[str]:
        """The next line (its words after the first), which must start with ``first``."""
        try:
            words = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(f"no {first!r} within {timeout_s} s{self._stderr()}") from None
        if words is None:
            raise AssertionError(f"the kiosk ended before {first!r}{self._stderr()}")
        assert words[:1] == [first], f"{words} instead of {first!r}{self._stderr()}"
        return words[1:]

    def answer(self, text: str) -> None:
        """What the patient types when the script asks (the SMS code)."""
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, as a power cut or the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self._end(-signal.SIGKILL)

    def close(self) -> None:
        """Killed if still running (a failed test's teardown); nothing asserted."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self._errors.close()

    def _end(self, returncode: int) -> None:
        try:
            self.process.wait(timeout=20)
        finally:
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
            self._errors.close()
        assert self.process.returncode == returncode, self._stderr()

    def _stderr(self) -> str:
        text = self._errors_path.read_text(errors="replace")
        return f"\n--- kiosk stderr ---\n{text[-4000:]}" if text else ""
