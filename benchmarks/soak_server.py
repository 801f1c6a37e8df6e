"""The soak's hospital in its own process, so the kiosk's memory is measured alone.

``python -m benchmarks.soak_server DB``: the embedded reference server (demo hospital, the
demo morning's clock, a day's identification limit) on a loopback port; prints its URL on
one line, serves until its standard input closes. Imports nothing of Qt.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from kiosk.server.embedded import EmbeddedServer
from kiosk.server.visits import Limits

# A day's patients come here in minutes: more identifications a minute than the server lets
# one kiosk make (10, against a stolen token).
DAY_IN_MINUTES = Limits(identify_per_window=1_000)


def demo_morning() -> Callable[[], dt.datetime]:
    """kiosk.walkthrough's clock (today at 10:15, running), without importing its Qt."""
    now = dt.datetime.now().astimezone()
    offset = now.replace(hour=10, minute=15, second=0, microsecond=0) - now
    return lambda: dt.datetime.now().astimezone() + offset


def main() -> None:
    with EmbeddedServer.start(
        Path(sys.argv[1]), seed_demo=True, clock=demo_morning(), limits=DAY_IN_MINUTES
    ) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # until the soak closes the pipe (or dies)


if __name__ == "__main__":
    main()
