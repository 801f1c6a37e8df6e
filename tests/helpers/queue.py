"""The queue in tests: a signed-in calling station, and more patients waiting in a queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import requests

from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER
from kiosk.server.db import Target, connect, insert_appointment, new_id, write_transaction
from kiosk.server.queue import issue_ticket
from kiosk.server.seed import DEMO_STATION_PASSWORD

TIMEOUT_S = 10


class Station:
    """A calling station signed in over the REST API (``Authorization: Bearer``)."""

    def __init__(self, base_url: str, station_id: str = "dep-a", password: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            self.url("/stations/session"),
            json={"station": station_id, "password": password or DEMO_STATION_PASSWORD},
            timeout=TIMEOUT_S,
        )
        assert response.status_code == 200, response.text
        self.token = str(response.json()["token"])
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=TIMEOUT_S, **kwargs)

    def post(self, path: str, *, key: str | None = None, **kwargs: Any) -> requests.Response:
        """A write with a fresh Idempotency-Key (or ``key``)."""
        headers = {IDEMPOTENCY_HEADER: key or uuid.uuid4().hex}
        return self.session.post(self.url(path), headers=headers, timeout=TIMEOUT_S, **kwargs)

    def call_next(self, queue_id: str = "q-dep-a") -> requests.Response:
        return self.post(f"/queues/{queue_id}/call-next")

    def act(self, entry_id: int, action: str, **kwargs: Any) -> requests.Response:
        return self.post(f"/queue-entries/{entry_id}/{action}", **kwargs)

    def view(self, queue_id: str = "q-dep-a") -> dict[str, Any]:
        response = self.get(f"/queues/{queue_id}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        self.session.close()


def add_waiting(
    db_path: Target, count: int, now: dt.datetime, *, department_id: str = "dep-a"
) -> list[str]:
    """Check ``count`` more patients (all under 70: no priority by age) into the department's
    queue at ``now``; returns their ticket numbers in order."""
    conn = connect(db_path)
    try:
        with write_transaction(conn):
            doctor = conn.execute(
                "SELECT id FROM doctors WHERE department_id = ? ORDER BY id LIMIT 1",
                (department_id,),
            ).fetchone()["id"]
            patients = conn.execute(
                "SELECT id FROM patients WHERE birth_date > ? ORDER BY id LIMIT ?",
                ((now.date() - dt.timedelta(days=365 * 60)).isoformat(), count),
            ).fetchall()
            assert len(patients) == count
            numbers = []
            for patient in patients:
                appointment_id = new_id("apt-queue")
                insert_appointment(
                    conn,
                    appointment_id=appointment_id,
                    patient_id=patient["id"],
                    doctor_id=doctor,
                    starts_at=now,
                )
                ticket_id = issue_ticket(conn, appointment_id, now, "test")
                numbers.append(
                    str(
                        conn.execute(
                            "SELECT number FROM tickets WHERE id = ?", (ticket_id,)
                        ).fetchone()["number"]
                    )
                )
    finally:
        conn.close()
    return numbers


def track_token(db_path: Target, number: str) -> str:
    """The phone-page token of a ticket number (today's, any department)."""
    conn = connect(db_path)
    try:
        row = conn.execute(
            "SELECT track_token FROM queue_entries WHERE number = ? ORDER BY id DESC LIMIT 1",
            (number,),
        ).fetchone()
    finally:
        conn.close()
    assert row is not None, number
    return str(row["track_token"])
