"""Part 2: identity guesses with stolen kiosk tokens.

The outside review found a patient with 1,000 resident-ID guesses in 6.1 s: knowing the district
and birth date (the first 14 digits), only the 3-digit sequence is unknown and the check digit
follows. This part walks those 1,000 candidates for each of three real patients (3,000 guesses,
in a shuffled order) through ``POST /patients/identify``, first from one kiosk's token, then
split over several kiosks' tokens (the limit is per kiosk). Counted: the answers (404 not found,
429 too_many_identifications, anything else), whether every 429 says Retry-After, the most
answers one kiosk got in any 60 s, and the real patients found.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from benchmarks.reliability.server import (
    ServerProcess,
    add_kiosk_cli,
    add_kiosks,
    seeded_database,
)
from kiosk.api.models import API_PREFIX
from kiosk.server.db import Target
from kiosk.server.visits import Limits

WINDOW_S = Limits().identify_window.total_seconds()
THREADS_PER_KIOSK = 3


@dataclass
class GuessResult:
    kiosks: int = 0
    attempts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    real_hidden: int = 0
    real_found: int = 0
    missing_retry_after: int = 0
    most_answered_per_window: int = 0
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(first_17: str) -> str:
    """The 18-digit resident ID with its GB 11643 check digit."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return first_17 + "10X98765432"[total % 11]


def _candidates(real_id: str) -> list[str]:
    """Every resident ID sharing the real one's district and birth date."""
    return [_resident_id(f"{real_id[:14]}{sequence:03d}") for sequence in range(1000)]


def _most_in_window(times: list[float]) -> int:
    times.sort()
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= WINDOW_S:
            first += 1
        most = max(most, last - first + 1)
    return most


def _attack(
    url: str, kiosks: list[tuple[str, str]], real_ids: list[str], attempts: int, seed: int
) -> GuessResult:
    walk = [value for real_id in real_ids for value in _candidates(real_id)]
    random.Random(seed).shuffle(walk)
    walk = walk[:attempts]
    guesses = [{"kind": "id_card", "value": value} for value in walk]
    result = GuessResult(kiosks=len(kiosks), attempts=len(guesses))
    result.real_hidden = len(set(real_ids) & set(walk))
    answered: dict[str, list[float]] = {kiosk_id: [] for kiosk_id, _ in kiosks}
    lock = threading.Lock()
    workers = [
        (kiosks[n % len(kiosks)], guesses[n :: len(kiosks) * THREADS_PER_KIOSK])
        for n in range(len(kiosks) * THREADS_PER_KIOSK)
    ]

    def attacker(kiosk: tuple[str, str], mine: list[dict[str, str]]) -> None:
        kiosk_id, token = kiosk
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            for guess in mine:
                response = session.post(
                    f"{url}{API_PREFIX}/patients/identify", json=guess, timeout=30
                )
                at = time.monotonic()
                with lock:
                    result.statuses[response.status_code] += 1
                    if response.status_code == 429 and not response.headers.get("Retry-After"):
                        result.missing_retry_after += 1
                    if response.status_code != 429:
                        answered[kiosk_id].append(at)
                    if response.status_code == 200:
                        result.real_found += 1

    threads = [threading.Thread(target=attacker, args=worker) for worker in workers]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    result.most_answered_per_window = max(_most_in_window(times) for times in answered.values())
    return result


def run(
    attempts: int, kiosk_count: int, target: Target, scratch: Path
) -> tuple[GuessResult, GuessResult]:
    """``attempts`` guesses from one kiosk, then ``attempts`` more split over ``kiosk_count``
    (each attack walks the candidates of its own three patients), on the new database
    ``target``."""
    conn = seeded_database(target)
    try:
        many = add_kiosks(conn, "stolen", kiosk_count)
        numbers = conn.execute("SELECT id_number FROM patients ORDER BY id").fetchall()
        real_ids = [str(row[0]) for row in numbers if str(row[0] or "")[:1].isdigit()][:6]
    finally:
        conn.close()
    one = ("guess-kiosk", add_kiosk_cli(target, "guess-kiosk"))
    with ServerProcess(target, scratch / "guesses-server.log") as server:
        alone = _attack(server.url, [one], real_ids[:3], attempts, seed=1)
        spread = _attack(server.url, many, real_ids[3:], attempts, seed=2)
    return alone, spread
