"""Same-day registration under load, from the same runs as ``checkin`` (``server_load``):
every patient registers for a free session of their department, and each session has
``SLOTS_SHORT`` places fewer than patients asking, so the last ones race for the last places.

Reported per configuration: throughput, its ratio to the ``/health`` floor of the same run,
p50 and p99, and what must hold: exactly as many tickets as places, the rest refused
``session_full``, no session giving more places than it has.
"""

from __future__ import annotations

from benchmarks.server_load import Figure, LoadRun, phase_rows, runs


def rows(run: LoadRun) -> list[Figure]:
    label = run.setup.label
    return [
        *phase_rows(run, "registration"),
        (f"{label}: tickets (of {run.places} places)", run.registrations, "registrations"),
        (f"{label}: refused session_full", run.refused_session_full, "registrations"),
        (f"{label}: sessions overbooked", run.overbooked_sessions, "sessions"),
    ]


def collect() -> list[Figure]:
    return [row for run in runs() for row in rows(run)]
