"""What ``kiosk --demo`` prints: where to try the queue's three faces in a browser.

The staff page signed in as the room of the demo's first patient (the "one appointment now"
card), the waiting-room display of that room's floor, and the phone page of the newest ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.server.db import Connection
from kiosk.server.queue import TRACK_PAGE_PATH
from kiosk.server.seed import DEMO_STATION_PASSWORD, demo_station_id
from kiosk.server.seed_data import FIXED_PATIENTS

# The patient a demo visitor most likely checks in first: their room is the one to call from.
_FIRST_SCENARIO = "one_in_window"


@dataclass(frozen=True)
class DemoLinks:
    staff: str
    station: str
    password: str
    display: str
    phone: str | None  # None before the first ticket

    def lines(self) -> list[str]:
        lines = [
            f"staff page (叫号):      {self.staff}  station {self.station}, "
            f"password {self.password}",
            f"waiting-room display:  {self.display}",
        ]
        if self.phone is not None:
            lines.append(f"phone page (last ticket): {self.phone}")
        return lines


def demo_links(conn: Connection, base_url: str) -> DemoLinks:
    """The links for the demo hospital served at ``base_url``."""
    base = base_url.rstrip("/")
    patient = next(p.patient_id for p in FIXED_PATIENTS if p.scenario == _FIRST_SCENARIO)
    room = (
        conn.execute(
            "SELECT q.id, q.area_id FROM queues q JOIN appointments a "
            "ON a.department_id = q.department_id WHERE a.patient_id = ? "
            "ORDER BY a.starts_at, q.sort, q.id LIMIT 1",
            (patient,),
        ).fetchone()
        or conn.execute("SELECT id, area_id FROM queues ORDER BY sort, id LIMIT 1").fetchone()
    )
    newest = conn.execute(
        "SELECT track_token FROM queue_entries ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return DemoLinks(
        staff=f"{base}/staff",
        station=demo_station_id(room["id"]),
        password=DEMO_STATION_PASSWORD,
        display=f"{base}/display/{room['area_id']}",
        phone=None if newest is None else base + TRACK_PAGE_PATH.format(token=newest[0]),
    )
