"""Part 1: schemathesis over the live server's ``/openapi.json`` as the kiosk.

A first, small schemathesis run (its CLI, in a subprocess) measures the request rate; the next
runs (each a few minutes at most, with a new seed) have a time budget (``--max-time``:
schemathesis repeats its fuzzing cycles until it is spent) sized from the last rate to reach the
target number of requests, within the harness's own budget. The
requests are counted from each run's HAR report (every request schemathesis sent, with its
answer's status), so the count and the 5xx count do not depend on schemathesis's own summary.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.reliability.server import ServerProcess, add_kiosk_cli, seeded_database
from kiosk.server.db import Target

# The schemathesis checks and expectations, shared with tests/security/test_openapi_conformance.py.
CONFIG = """
[checks.positive_data_acceptance]
# Schema-valid requests for made-up ids meet documented refusals: unknown patient (404),
# another patient's data (403), a missing visit token (401/403), a business rule (409).
expected-statuses = ["2xx", "401", "403", "404", "409", "429"]

[[operations]]
# Generated requests may reuse an Idempotency-Key with another body: 422 idempotency_conflict.
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "401", "403", "404", "409", "422", "429"
]

[[operations]]
# A range longer than 92 days is schema-valid but refused (422); OpenAPI cannot say so.
include-path = "/api/v1/patients/{patient_id}/appointments"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "401", "403", "404", "409", "422", "429"
]

[[operations]]
# The event streams stay open until the server ends them: a fuzzer would only wait on them.
# tests/server/test_queue_api.py and the browser tests cover them.
include-path-regex = "/events$"
enabled = false
"""
# The token comes from the environment, not the command line (``ps`` shows arguments).
_TOKEN_ENV = "RELIABILITY_KIOSK_TOKEN"
_AUTH = f"""
[headers]
Authorization = "Bearer ${{{_TOKEN_ENV}}}"
"""
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "positive_data_acceptance,missing_required_header,unsupported_method,ignored_auth"
)
PHASES = "examples,coverage,fuzzing"
LATER_EXAMPLES = 100  # per operation and fuzzing cycle in the timed runs
MIN_ROUND_S = 10.0
MAX_ROUND_S = 150.0  # the rate is measured again after each run: little overshoot
_FAILURES = re.compile(r"(\d+) failures?\b")


@dataclass
class FuzzResult:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    conformance_failures: int = 0
    rounds: int = 0
    seconds: float = 0.0
    failure_report: str = ""

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


def _round(
    url: str,
    token: str,
    scratch: Path,
    phases: str,
    examples: int,
    seed: int,
    max_time_s: float | None,
) -> tuple[int, Counter[int], int, str]:
    """One schemathesis run: requests sent, their statuses, failures found, its report."""
    config = scratch / "schemathesis.toml"
    config.write_text(CONFIG + _AUTH, encoding="utf-8")
    har = scratch / f"round-{seed}.har"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", f"{url}/openapi.json",
        "--checks", CHECKS,
        "--phases", phases,
        "--max-examples", str(examples),
        "--seed", str(seed),
        "--workers", "1",
        "--request-timeout", "10",
        "--generation-database", "none",
        "--suppress-health-check", "too_slow,filter_too_much",
        "--report", "har", "--report-har-path", str(har),
    ]  # fmt: skip
    if max_time_s is not None:
        command += ["--max-time", str(max(1, round(max_time_s)))]
    done = subprocess.run(
        command,
        cwd=scratch,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, _TOKEN_ENV: token},
        timeout=(max_time_s or 300) + 300,
    )
    output = done.stdout + done.stderr
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"] if har.exists() else []
    har.unlink(missing_ok=True)
    statuses = Counter(int(entry["response"]["status"]) for entry in entries)
    found = _FAILURES.findall(output)
    failures = int(found[-1]) if found else (0 if done.returncode == 0 else 1)
    return len(entries), statuses, failures, output if failures else ""


def run(
    target_requests: int,
    budget_s: float,
    target: Target,
    scratch: Path,
    first_examples: int = 10,
    phases: str = PHASES,
) -> FuzzResult:
    """Fuzz the server on the new database ``target`` until ``target_requests`` were sent, or
    for about ``budget_s`` when that is less. The first run has ``first_examples`` per
    operation and no time limit."""
    seeded_database(target).close()
    token = add_kiosk_cli(target, "fuzz-kiosk")
    result = FuzzResult()
    started = time.monotonic()
    max_time_s: float | None = None
    with ServerProcess(target, scratch / "fuzz-server.log") as server:
        while result.requests < target_requests:
            began = time.monotonic()
            with tempfile.TemporaryDirectory(dir=scratch) as work:
                sent, statuses, failures, report = _round(
                    server.url,
                    token,
                    Path(work),
                    phases,
                    first_examples if max_time_s is None else LATER_EXAMPLES,
                    seed=20250310 + result.rounds,
                    max_time_s=max_time_s,
                )
            rate = sent / max(time.monotonic() - began, 0.001)
            result.rounds += 1
            result.requests += sent
            result.statuses += statuses
            result.conformance_failures += failures
            result.failure_report += report[-4000:]
            remaining_s = budget_s - (time.monotonic() - started)
            if sent == 0 or remaining_s < MIN_ROUND_S:
                break
            needed_s = (target_requests - result.requests) / rate * 1.25
            max_time_s = max(MIN_ROUND_S, min(needed_s, remaining_s, MAX_ROUND_S))
    result.seconds = time.monotonic() - started
    return result
