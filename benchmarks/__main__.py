"""``python -m benchmarks``: run every benchmark, print one table, write results.json.

Each benchmark module offers ``collect() -> list[Figure]``; a figure is (name, value, unit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

MODULES = (
    "benchmarks.checkin",
    "benchmarks.registration",
    "benchmarks.queue_load",
    "benchmarks.usage_ingest",
    "benchmarks.fhir",
    "benchmarks.insight",
    "benchmarks.printing",
    "benchmarks.ui",
    "benchmarks.package",
)
# Run only when named with --only: `make reliability` (about 15 minutes), and the soak
# (500 journeys through the UI: 3 minutes when the two cores are free, several times that
# when they are shared).
ON_REQUEST = ("benchmarks.reliability", "benchmarks.soak")
RESULTS = Path(__file__).resolve().parent / "results.json"

Figure = tuple[str, float, str]


def format_value(value: float) -> str:
    if value == int(value) and abs(value) < 1e12:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: list[tuple[str, Figure]]) -> str:
    cells = [("benchmark", "figure", "value", "unit")]
    cells += [(group, name, format_value(value), unit) for group, (name, value, unit) in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "| "
            + " | ".join(
                cell.rjust(widths[i]) if i == 2 and index else cell.ljust(widths[i])
                for i, cell in enumerate(row)
            )
            + " |"
        )
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", action="append", help="run only this module (repeatable)")
    args = parser.parse_args(argv)
    named = MODULES + ON_REQUEST if args.only else MODULES
    modules = [m for m in named if not args.only or m.rsplit(".", 1)[-1] in args.only]
    rows: list[tuple[str, Figure]] = []
    timings = {}
    for name in modules:
        started = time.perf_counter()
        module = importlib.import_module(name)
        group = name.rsplit(".", 1)[-1]
        rows += [(group, figure) for figure in module.collect()]
        timings[group] = round(time.perf_counter() - started, 2)
    print(table(rows))
    figures = [
        {"benchmark": group, "name": name, "value": value, "unit": unit}
        for group, (name, value, unit) in rows
    ]
    if args.only and RESULTS.exists():  # keep the other modules' figures from the last run
        earlier = json.loads(RESULTS.read_text(encoding="utf-8"))
        timings = {**earlier["seconds_per_module"], **timings}
        ran = {group for group, _ in rows}
        kept = [f for f in earlier["figures"] if f["benchmark"] not in ran]
        order = [m.rsplit(".", 1)[-1] for m in MODULES + ON_REQUEST]
        figures = sorted(kept + figures, key=lambda f: order.index(str(f["benchmark"])))
    results = {
        "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "seconds_per_module": timings,
        "figures": figures,
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
