"""The packaged build: size of ``dist/kiosk/`` and its start-up to the first painted frame.

Measures an existing build (``make package``); builds nothing. Without ``dist/kiosk/`` it
reports no figures and says so on stderr. The start-up is timed in turn with the bare PySide6
window of benchmarks/ui.py (the same run's reference: a loaded machine slows both), and
reported as that ratio too.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

Figure = tuple[str, float, str]

DIST = Path(__file__).resolve().parent.parent / "dist" / "kiosk"
RUNS = 5
FIRST_FRAME = re.compile(r"first frame ([0-9.]+) s after start")


def folder_size_mb(folder: Path) -> float:
    """Bytes of the regular files under ``folder`` (symlinks counted once, as links)."""
    total = 0
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total / 1e6


def first_frame_s(executable: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [str(executable), "self-check", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    match = FIRST_FRAME.search(result.stdout)
    if result.returncode != 0 or not match:
        raise RuntimeError(
            f"packaged self-check failed (exit {result.returncode}): {result.stdout.strip()}"
        )
    return float(match.group(1))


def collect() -> list[Figure]:
    executable = DIST / "kiosk"
    if not executable.is_file():
        print(
            f"benchmarks.package: {DIST} does not exist; run `make package` first", file=sys.stderr
        )
        return []
    from benchmarks.ui import _first_frame_s as source_first_frame_s

    first_frame_s(executable)  # not counted: the first start reads the files from disk
    source_first_frame_s(bare=True)
    starts, bare = [], []
    for _ in range(RUNS):
        starts.append(first_frame_s(executable))
        bare.append(source_first_frame_s(bare=True))
    return [
        ("dist/kiosk/ size", round(folder_size_mb(DIST), 1), "MB"),
        (
            f"packaged start-up to first frame (median of {RUNS}, self-check --demo)",
            statistics.median(starts),
            "s",
        ),
        (
            f"reference: bare PySide6 window to first paint, same run (median of {RUNS})",
            statistics.median(bare),
            "s",
        ),
        (
            "packaged start-up ÷ bare window",
            statistics.median(starts) / statistics.median(bare),
            "x",
        ),
    ]
