"""Check-in under load, honestly: ``kiosk-server`` in its own process, the kiosks in separate
load-generator processes (``server_load``), on SQLite and on PostgreSQL with one and two
workers, for 50 and 200 kiosks.

Each configuration reports the ``/health`` floor measured by the same generators at the same
concurrency in the same run, then identify, check-in and a station's call-next as requests/s,
their ratio to that floor, p50 and p99, and the server's CPU time per request; then what must
be zero: duplicate ticket numbers, acknowledged tickets missing from the database, retries
(same Idempotency-Key) answered with another ticket, queue entries called twice and failed
requests (and, not a failure, the requests a kiosk sent again because uvicorn closed its idle
keep-alive connection just as it sent).
"""

from __future__ import annotations

from benchmarks.server_load import Figure, LoadRun, phase_rows, runs

PHASES = ("health", "identify", "check-in", "queue call")


def rows(run: LoadRun) -> list[Figure]:
    label = run.setup.label
    return [
        *(row for phase in PHASES for row in phase_rows(run, phase)),
        (f"{label}: duplicate ticket numbers", run.duplicate_tickets, "tickets"),
        (f"{label}: acknowledged tickets not stored", run.tickets_not_stored, "tickets"),
        (
            f"{label}: retries answered differently (of {run.replays})",
            run.replays_differing,
            "check-ins",
        ),
        (f"{label}: queue entries called twice", run.calls_doubled, "entries"),
        (f"{label}: failed requests{_by_reason(run)}", run.failures.total(), "requests"),
        (f"{label}: resent after a dropped keep-alive connection", run.resent, "requests"),
    ]


def _by_reason(run: LoadRun) -> str:
    """The failures' statuses and error codes, when there were any."""
    if not run.failures:
        return ""
    return " (" + ", ".join(f"{reason}: {n}" for reason, n in run.failures.most_common()) + ")"


def collect() -> list[Figure]:
    return [row for run in runs() for row in rows(run)]
