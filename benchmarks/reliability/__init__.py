"""What the outside review tried, re-run against ``kiosk-server`` in its own process.

``python -m benchmarks --only reliability`` (``make reliability``) runs the full sizes and
records the figures in ``benchmarks/results.json``; ``python -m benchmarks.reliability`` runs
it alone and prints the README's table (``--small`` for the quick version the test suite runs,
``--engine postgresql`` for the same parts on a throwaway PostgreSQL cluster on a Unix socket).
Parts: ``fuzz`` (schemathesis), ``guesses`` (identify rate limit), ``crash`` (writes across
``kill -9``), ``races`` (30 requests at once on every write). All traffic is loopback.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.reliability import crash, fuzz, guesses, races
from kiosk.server.db import Target

Figure = tuple[str, float, str]
NewDatabase = Callable[[str], Target]
"""Makes the empty database a part runs on, named after the part."""
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Sizes:
    fuzz_requests: int = 23_516
    fuzz_budget_s: float = 900.0  # 23,516 took ~12 min on 2 shared cores
    fuzz_first_examples: int = 10  # per operation in the first (sizing) round
    fuzz_phases: str = fuzz.PHASES
    guesses: int = 3_000
    guessing_kiosks: int = 10
    writes: int = 2_668
    kill_after_s: tuple[float, float] = (0.3, 2.5)  # server uptime before each kill -9
    race_rounds: int = 3


SMALL = Sizes(
    fuzz_requests=1,
    fuzz_budget_s=30.0,
    fuzz_first_examples=1,
    fuzz_phases="examples,fuzzing",
    guesses=60,
    guessing_kiosks=3,
    writes=60,
    kill_after_s=(0.2, 0.6),
    race_rounds=1,
)


@dataclass(frozen=True)
class Row:
    """One line of the README's table."""

    tried: str
    count: int
    result: str
    held: bool


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    figures: list[Figure]
    seconds: float
    fuzzed: fuzz.FuzzResult
    guessed: tuple[guesses.GuessResult, guesses.GuessResult]
    crashed: crash.CrashResult
    raced: list[races.Race]
    seconds_per_part: dict[str, float]
    engine: str = "sqlite"

    @property
    def held(self) -> bool:
        return all(row.held for row in self.rows)

    def table(self) -> str:
        day = dt.date.today().isoformat()
        lines = [
            "| what was tried | count | result | held |",
            "|----------------|------:|--------|------|",
        ]
        lines += [
            f"| {r.tried} | {r.count:,} | {r.result} | {'yes' if r.held else '**no**'} |"
            for r in self.rows
        ]
        parts = ", ".join(
            f"{part} {seconds:.0f} s" for part, seconds in self.seconds_per_part.items()
        )
        lines.append(
            f"\nMeasured {day} on {ENGINES[self.engine]}, {os.cpu_count()} cores, in "
            f"{self.seconds / 60:.1f} minutes ({parts})."
        )
        return "\n".join(lines)


class Lap:
    """Seconds each part took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._since = time.monotonic()

    def __call__(self, part: str) -> None:
        now = time.monotonic()
        self.seconds[part] = round(now - self._since, 1)
        self._since = now


@contextmanager
def databases(engine: str, scratch: Path) -> Iterator[NewDatabase]:
    """New databases for the parts: SQLite files in ``scratch``, or databases of a PostgreSQL
    cluster of the run's own, started here and removed afterwards."""
    if engine == "sqlite":
        yield lambda part: scratch / f"{part}.sqlite3"
        return
    from tests.helpers.postgres import TempCluster

    cluster = TempCluster.start()
    try:
        yield lambda part: cluster.create_database(f"reliability_{part}")
    finally:
        cluster.stop()


def run(sizes: Sizes, engine: str = "sqlite") -> Report:
    """Every part on a fresh database of ``engine`` each."""
    began = time.monotonic()
    lap = Lap()
    with (
        tempfile.TemporaryDirectory(prefix="kiosk-reliability-") as scratch,
        databases(engine, Path(scratch)) as new_database,
    ):
        where = Path(scratch)
        fuzzed = fuzz.run(
            sizes.fuzz_requests,
            sizes.fuzz_budget_s,
            new_database("fuzz"),
            where,
            sizes.fuzz_first_examples,
            sizes.fuzz_phases,
        )
        lap("fuzz")
        alone, spread = guesses.run(
            sizes.guesses, sizes.guessing_kiosks, new_database("guesses"), where
        )
        lap("guesses")
        crashed = crash.run(sizes.writes, new_database("crash"), where, sizes.kill_after_s)
        lap("crash")
        raced = races.run(sizes.race_rounds, new_database("races"), where)
        lap("races")
    rows = [
        Row(
            f"schemathesis over `/openapi.json` as a kiosk (rounds: {fuzzed.rounds}, "
            f"{fuzzed.seconds / 60:.1f} min)",
            fuzzed.requests,
            f"{fuzzed.server_errors} answers ≥ 500, {fuzzed.conformance_failures} "
            "conformance failures",
            fuzzed.server_errors == 0
            and fuzzed.conformance_failures == 0
            and fuzzed.requests >= sizes.fuzz_requests,
        )
    ]
    for attack, source in (
        (alone, "one kiosk's token"),
        (spread, f"{spread.kiosks} kiosks' tokens"),
    ):
        rows.append(
            Row(
                f"resident-ID guesses from {source}: the 1,000 candidates of a known district "
                "and birth date, for 3 real patients",
                attack.attempts,
                f"{attack.statuses[404]} answered not found, {attack.statuses[429]} refused 429 "
                f"(Retry-After on all: {'yes' if not attack.missing_retry_after else 'no'}); "
                f"at most {attack.most_answered_per_window} answers per kiosk in any minute; "
                f"{attack.real_found} of {attack.real_hidden} real patients found; "
                f"{attack.server_errors} ≥ 500",
                attack.real_found == 0
                and attack.server_errors == 0
                and attack.missing_retry_after == 0
                and attack.most_answered_per_window <= 10,
            )
        )
    kinds = ", ".join(
        f"{count:,} {kind.replace('_', '-')}" for kind, count in sorted(crashed.by_kind.items())
    )
    rows.append(
        Row(
            f"writes with Idempotency-Keys while `kill -9` hits the server {crashed.kills} times "
            f"({kinds}; {crashed.interrupted} lost their answer and were retried)",
            crashed.writes,
            f"{crashed.lost} lost, {crashed.duplicated} duplicated, {crashed.mismatched} "
            f"replays differing, {sum(crashed.refused.values())} refused",
            crashed.lost == crashed.duplicated == crashed.mismatched == 0
            and not crashed.refused
            and crashed.writes >= sizes.writes,
        )
    )
    by_name: dict[str, list[races.Race]] = {}
    for race in raced:
        by_name.setdefault(race.name, []).append(race)
    for name, runs in by_name.items():
        statuses: Counter[int] = Counter()
        for r in runs:
            statuses.update(r.statuses)
        answers = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
        rows.append(
            Row(
                f"30 at once: {name} (rounds: {len(runs)})",
                sum(r.requests for r in runs),
                f"{answers}; {sum(r.duplicates for r in runs)} duplicates, at most "
                f"{max(r.effects for r in runs)} made (allowed {runs[0].allowed})",
                all(r.held for r in runs),
            )
        )
    figures: list[Figure] = [
        ("fuzzed requests", fuzzed.requests, "requests"),
        ("fuzzed answers >= 500", fuzzed.server_errors, "responses"),
        ("fuzz conformance failures", fuzzed.conformance_failures, "failures"),
        ("identity guesses, one kiosk", alone.attempts, "requests"),
        ("  answered (not 429)", alone.attempts - alone.statuses[429], "answers"),
        ("identity guesses, several kiosks", spread.attempts, "requests"),
        ("  answered (not 429)", spread.attempts - spread.statuses[429], "answers"),
        ("real patients found by guessing", alone.real_found + spread.real_found, "patients"),
        ("writes across kill -9", crashed.writes, "writes"),
        ("kill -9 of the server", crashed.kills, "kills"),
        ("writes lost", crashed.lost, "writes"),
        ("writes duplicated", crashed.duplicated, "writes"),
        ("30-way races", len(raced), "races"),
        ("race duplicates or oversold places", sum(r.duplicates for r in raced), "rows"),
        ("races that did not hold", sum(not r.held for r in raced), "races"),
    ]
    seconds = time.monotonic() - began
    guessed = (alone, spread)
    return Report(rows, figures, seconds, fuzzed, guessed, crashed, raced, lap.seconds, engine)


def collect() -> list[Figure]:
    report = run(Sizes())
    print(report.table())
    return report.figures
