"""A real CUPS server for the report printer's tests: Debian's ``cupsd`` run in the foreground
with its own configuration, spool and logs in a temporary folder, listening on a Unix socket and
a free loopback port, with one queue whose device is the ``cups-pdf`` virtual printer.

cups-pdf reads its settings from ``/etc/cups`` only (the path is compiled in): a device URI
``cups-pdf:/<queue>`` makes it read ``/etc/cups/cups-pdf-<queue>.conf`` after the shared file,
so the session writes that one file, with a queue name of its own, to send the PDFs into the
temporary folder, and removes it afterwards. cupsd refuses ``User root``, so filters run as
Debian's ``lp`` user; the cups-pdf backend itself runs as root (it is mode 0700), which is why
these tests need root (or they are skipped, saying so).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.fhir_server import free_port

CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
START_TIMEOUT_S = 20.0


def why_cups_cannot_run() -> str:
    """Empty when a private cupsd with the cups-pdf printer can run here, else the reason."""
    if shutil.which("cupsd") is None or shutil.which("lpadmin") is None:
        return "no cupsd/lpadmin (Debian cups, cups-client: scripts/ensure-system-deps.sh)"
    if not CUPS_PDF_PPD.exists() or not Path("/usr/lib/cups/backend/cups-pdf").exists():
        return "no cups-pdf printer (Debian printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "the cups-pdf backend runs only as root (mode 0700), and reads /etc/cups"
    return ""


@dataclass
class CupsServer:
    root: Path
    port: int
    queue: str
    process: subprocess.Popen[bytes]

    @property
    def server(self) -> str:
        """``host:port`` for ``CupsReportPrinter``."""
        return f"127.0.0.1:{self.port}"

    @property
    def socket(self) -> Path:
        return self.root / "cups.sock"

    @property
    def output_dir(self) -> Path:
        return self.root / "out"

    def command(self, *args: str) -> str:
        """Run a CUPS client command (lpadmin, cupsdisable, lpstat...) against this server."""
        environment = {**os.environ, "CUPS_SERVER": str(self.socket)}
        result = subprocess.run(args, env=environment, capture_output=True, text=True, timeout=20)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, args, result.stdout, f"{args[0]}: {result.stderr.strip()}"
            )
        return result.stdout

    def printed_pdfs(self) -> list[Path]:
        return sorted(self.output_dir.glob("*.pdf"))

    def reset_queue(self) -> None:
        """Enabled, accepting, no jobs left, no PDFs: as the session started it."""
        self.command("cupsenable", self.queue)
        self.command("cupsaccept", self.queue)
        self.command("cancel", "-a", self.queue)
        for pdf in self.printed_pdfs():
            pdf.unlink()


def _write_configuration(root: Path, port: int) -> None:
    for folder in ("spool", "cache", "state", "log", "out"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "out").chmod(0o777)
    (root / "cupsd.conf").write_text(
        f"Listen {root / 'cups.sock'}\n"
        f"Listen 127.0.0.1:{port}\n"
        "LogLevel info\nWebInterface No\nBrowsing No\nDefaultAuthType None\n"
        "PreserveJobHistory Yes\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
        encoding="utf-8",
    )
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root / 'spool'}\nCacheDir {root / 'cache'}\n"
        f"StateDir {root / 'state'}\nTempDir {root / 'spool'}\n"
        f"AccessLog {root / 'log' / 'access_log'}\nErrorLog {root / 'log' / 'error_log'}\n"
        f"PageLog {root / 'log' / 'page_log'}\nPrintcap {root / 'printcap'}\n"
        "SystemGroup root\nSandboxing Relaxed\n",
        encoding="utf-8",
    )


@contextmanager
def running_cups() -> Iterator[CupsServer]:
    """Start cupsd with a ``cups-pdf`` queue, yield it, stop it and remove its files.

    Its folder is not pytest's: that one is private to root (0700), and CUPS runs its filters
    as ``lp``, who must read the spooled job."""
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    root.chmod(0o755)
    port = free_port()
    _write_configuration(root, port)
    queue = f"kiosk-test-{os.getpid()}"
    queue_conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    queue_conf.write_text(
        f"Out {root / 'out'}\nAnonDirName {root / 'out'}\nLog {root / 'log'}\n", encoding="utf-8"
    )
    process = subprocess.Popen(
        ["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = CupsServer(root, port, queue, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            # A scheduler that answers lpstat may still refuse lpadmin for a moment on a busy
            # machine (seen under load): the queue is made once it takes it.
            try:
                server.command("lpstat", "-r")
                # Poppler's pdftops, not Ghostscript, turns the PDF into cups-pdf's PostScript:
                # with Ghostscript a page with a CJK font comes back as one image, without text.
                server.command(
                    "lpadmin", "-p", queue, "-E", "-v", f"cups-pdf:/{queue}",
                    "-P", str(CUPS_PDF_PPD),
                )  # fmt: skip
                server.command("lpadmin", "-p", queue, "-o", "pdftops-renderer-default=pdftops")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        queue_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
