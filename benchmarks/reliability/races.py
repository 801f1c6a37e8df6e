"""Part 4: 30-way races on every write.

For each write endpoint, 30 threads (each its own connection) released together by a barrier
send the same request with the same Idempotency-Key: all must get the same answer and the
effect must exist once. Where places are limited, 30 different requests compete: one
check-in per appointment, one pending payment per bill, one payment page confirmation, and a
session's 20 places shared by 30 patients (each from its own kiosk, free and paid sessions):
never more than 20 taken.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks.reliability.server import (
    ServerProcess,
    add_kiosk_cli,
    add_kiosks,
    add_patients,
    seeded_database,
)
from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER
from kiosk.server import db
from kiosk.server.db import Connection, Target

WAY = 30
PLACES = 20


@dataclass
class Race:
    name: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    effects: int = 0  # rows the race made (tickets, registrations, payments, ...)
    allowed: int = 1  # the most it may make
    duplicates: int = 0
    distinct_answers: int = 0
    one_answer: bool = False  # same key: every answer must be the same

    @property
    def held(self) -> bool:
        return (
            self.duplicates == 0
            and self.effects <= self.allowed
            and not any(status >= 500 for status in self.statuses)
            and (not self.one_answer or self.distinct_answers == 1)
        )


@dataclass
class Kiosk:
    kiosk_id: str
    token: str
    patient_id: str
    visit: str = ""


Request = tuple[Kiosk, str, str, Any, dict[str, str]]  # kiosk, method, url, json, headers


def _together(requests_: list[Request], form: bool = False) -> list[requests.Response]:
    """Send all at once (a barrier releases them); the answers in order."""
    answers: list[requests.Response | BaseException] = [RuntimeError("not sent")] * len(requests_)
    barrier = threading.Barrier(len(requests_))

    def send(index: int, request: Request) -> None:
        kiosk, method, url, body, headers = request
        with requests.Session() as session:
            if kiosk.token:
                session.headers["Authorization"] = f"Bearer {kiosk.token}"
            session.get(url.split("/api/")[0] + f"{API_PREFIX}/health", timeout=30)  # connect
            barrier.wait()
            try:
                if form:
                    answers[index] = session.request(
                        method, url, data=body, headers=headers, timeout=60
                    )
                else:
                    answers[index] = session.request(
                        method, url, json=body, headers=headers, timeout=60
                    )
            except requests.RequestException as exc:
                answers[index] = exc

    threads = [threading.Thread(target=send, args=pair) for pair in enumerate(requests_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for answer in answers:
        if isinstance(answer, BaseException):
            raise RuntimeError(f"a racing request got no answer: {answer}")
    return [answer for answer in answers if isinstance(answer, requests.Response)]


def _headers(kiosk: Kiosk, key: str | None = None) -> dict[str, str]:
    return {IDEMPOTENCY_HEADER: key or uuid.uuid4().hex, VISIT_TOKEN_HEADER: kiosk.visit}


def _record(name: str, answers: list[requests.Response], effects: int, allowed: int = 1) -> Race:
    race = Race(name, requests=len(answers), effects=effects, allowed=allowed)
    race.statuses.update(answer.status_code for answer in answers)
    race.duplicates = max(0, effects - allowed)
    race.one_answer = "same key" in name
    race.distinct_answers = len({_canonical(answer) for answer in answers if answer.ok})
    return race


def _canonical(answer: requests.Response) -> str:
    """The answer's JSON in one spelling (a replay is stored compactly), or a page's text."""
    if answer.headers.get("content-type", "").startswith("application/json"):
        return json.dumps(answer.json(), sort_keys=True)
    return answer.text


def _registration(kiosk: Kiosk, session_id: str) -> dict[str, str]:
    return {"patient_id": kiosk.patient_id, "session_id": session_id}


def _count(conn: Connection, sql: str, *args: Any) -> int:
    return int(conn.execute(sql, args).fetchone()[0])


def _prepare(conn: Connection, rounds: int) -> None:
    now = db.system_clock()
    doctor, department = conn.execute(
        "SELECT id, department_id FROM doctors ORDER BY id"
    ).fetchone()
    starts = now + dt.timedelta(minutes=20)
    with db.write_transaction(conn):
        for n in range(rounds):
            for suffix in ("same", "different"):
                conn.execute(
                    "INSERT INTO appointments (id, patient_id, department_id, doctor_id, "
                    "service_date, starts_at, ends_at, status) "
                    "VALUES (?, 'race-000', ?, ?, ?, ?, ?, 'booked')",
                    (f"race-a{n}-{suffix}", department, doctor, starts.date().isoformat(),
                     db.to_db_time(starts), db.to_db_time(starts + dt.timedelta(minutes=15))),
                )  # fmt: skip
                conn.execute(
                    "INSERT INTO bills (id, patient_id, department_id, title, status, "
                    "insurance_cents, created_at) "
                    "VALUES (?, 'race-000', ?, '检验费', 'unpaid', 0, ?)",
                    (f"race-b{n}-{suffix}", department, db.to_db_time(now)),
                )
                conn.execute(
                    "INSERT INTO bill_items (bill_id, seq, name, category, quantity, "
                    "unit_price_cents, amount_cents) VALUES (?, 1, '血常规', 'lab', 1, 2500, 2500)",
                    (f"race-b{n}-{suffix}",),
                )
            for session_id, fee in (
                (f"race-s{n}-same", 0),
                (f"race-s{n}-free", 0),
                (f"race-s{n}-paid", 500),
            ):
                conn.execute(
                    "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
                    "starts_at, ends_at, slots_total, slots_left, fee_cents) "
                    "VALUES (?, ?, ?, ?, 'afternoon', ?, ?, ?, ?, ?)",
                    (session_id, doctor, department, now.date().isoformat(),
                     db.to_db_time(now - dt.timedelta(minutes=5)),
                     db.to_db_time(now + dt.timedelta(hours=4)), PLACES, PLACES, fee),
                )  # fmt: skip


def _identify(url: str, kiosks: list[Kiosk], cards: dict[str, str]) -> None:
    for kiosk in kiosks:
        response = requests.post(
            f"{url}{API_PREFIX}/patients/identify",
            json={"kind": "patient_card", "value": cards[kiosk.patient_id]},
            headers={"Authorization": f"Bearer {kiosk.token}"},
            timeout=30,
        )
        response.raise_for_status()
        kiosk.visit = response.json()["visit_token"]


def _round(url: str, conn: Callable[[], Connection], kiosks: list[Kiosk], n: int) -> list[Race]:
    main = kiosks[0]
    api = f"{url}{API_PREFIX}"
    races: list[Race] = []

    def same_key(method: str, path: str, body: Any) -> list[requests.Response]:
        key = uuid.uuid4().hex
        return _together([(main, method, f"{api}{path}", body, _headers(main, key))] * WAY)

    def different_keys(method: str, path: str, body: Any) -> list[requests.Response]:
        return _together([(main, method, f"{api}{path}", body, _headers(main)) for _ in range(WAY)])

    def counted(sql: str, *args: Any) -> int:
        reader = conn()
        try:
            return _count(reader, sql, *args)
        finally:
            reader.close()

    tickets = "SELECT count(*) FROM tickets WHERE appointment_id = ?"
    answers = same_key("POST", f"/appointments/race-a{n}-same/check-in", {})
    races.append(_record("check-in, same key", answers, counted(tickets, f"race-a{n}-same")))
    answers = different_keys("POST", f"/appointments/race-a{n}-different/check-in", {})
    races.append(
        _record(
            "check-in of one appointment, 30 keys",
            answers,
            counted(tickets, f"race-a{n}-different"),
        )
    )

    registrations = "SELECT count(*) FROM registrations WHERE session_id = ?"
    body: dict[str, Any] = {"patient_id": main.patient_id, "session_id": f"race-s{n}-same"}
    answers = same_key("POST", "/registrations", body)
    races.append(
        _record("registration, same key", answers, counted(registrations, f"race-s{n}-same"))
    )
    pending: list[tuple[Kiosk, dict[str, Any]]] = []
    for kind in ("free", "paid"):
        session_id = f"race-s{n}-{kind}"
        answers = _together(
            [
                (k, "POST", f"{api}/registrations", _registration(k, session_id), _headers(k))
                for k in kiosks
            ]
        )
        taken = counted(registrations + " AND status != 'cancelled'", session_id)
        oversold = counted(
            "SELECT count(*) FROM sessions WHERE id = ? AND slots_left < 0", session_id
        )
        race = _record(
            f"{PLACES} places of a {kind} session, 30 patients", answers, taken, allowed=PLACES
        )
        race.duplicates += oversold
        races.append(race)
        pending = [
            (k, a.json()["registration"]) for k, a in zip(kiosks, answers, strict=True) if a.ok
        ]

    payments = "SELECT count(*) FROM payment_bills WHERE bill_id = ?"
    body = {"patient_id": main.patient_id, "bill_ids": [f"race-b{n}-same"]}
    answers = same_key("POST", "/payments", body)
    races.append(_record("payment, same key", answers, counted(payments, f"race-b{n}-same")))
    payment = answers[0].json()
    body = {"patient_id": main.patient_id, "bill_ids": [f"race-b{n}-different"]}
    answers = different_keys("POST", "/payments", body)
    races.append(
        _record("payment of one bill, 30 keys", answers, counted(payments, f"race-b{n}-different"))
    )

    cancelled = "SELECT count(*) FROM payments WHERE id = ? AND status = 'cancelled'"
    answers = same_key("POST", f"/payments/{payment['id']}/cancel", {})
    races.append(_record("payment cancel, same key", answers, counted(cancelled, payment["id"])))
    body = {"patient_id": main.patient_id, "bill_ids": [f"race-b{n}-same"]}
    second = _together([(main, "POST", f"{api}/payments", body, _headers(main))])[0].json()
    answers = different_keys("POST", f"/payments/{second['id']}/cancel", {})
    races.append(_record("payment cancel, 30 keys", answers, counted(cancelled, second["id"])))

    feedback = "SELECT count(*) FROM feedback WHERE kiosk_id = ? AND comment = ?"
    marker = f"race {n} {uuid.uuid4().hex[:8]}"
    answers = same_key("POST", "/feedback", {"rating": 4, "comment": marker})
    races.append(_record("feedback, same key", answers, counted(feedback, main.kiosk_id, marker)))

    # A patient's phone confirms the payment of a registration fee 30 times at once: one
    # payment, one ticket.
    kiosk, registration = pending[0]
    body = {"patient_id": kiosk.patient_id, "bill_ids": [registration["bill_id"]]}
    payment = _together([(kiosk, "POST", f"{api}/payments", body, _headers(kiosk))])[0].json()
    page = requests.get(payment["qr_payload"], timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if csrf is None:
        raise RuntimeError("the payment page has no CSRF field")
    tickets_of = "SELECT count(*) FROM tickets WHERE patient_id = ?"
    before = counted(tickets_of, kiosk.patient_id)
    phone = Kiosk("", "", kiosk.patient_id)
    confirm = (phone, "POST", f"{payment['qr_payload']}/confirm", {"csrf_token": csrf.group(1)})
    answers = _together([(*confirm, {"Origin": url})] * WAY, form=True)
    issued = counted(tickets_of, kiosk.patient_id) - before
    paid = "SELECT count(*) FROM payments WHERE id = ? AND status = 'paid'"
    if issued < 1 or counted(paid, payment["id"]) != 1:
        raise RuntimeError(f"the payment page did not pay {payment['id']}")
    races.append(_record("payment page confirm of a registration fee, 30 taps", answers, issued))
    return races


def run(rounds: int, target: Target, scratch: Path) -> list[Race]:
    """Every race ``rounds`` times, each round on fresh appointments, sessions and bills, in
    the new database ``target`` (the server's log goes to ``scratch``)."""
    conn = seeded_database(target)
    try:
        patients = add_patients(conn, "race", WAY)
        _prepare(conn, rounds)
        extra = add_kiosks(conn, "race", WAY - 1)
    finally:
        conn.close()
    first = ("race-kiosk", add_kiosk_cli(target, "race-kiosk"))
    kiosks = [Kiosk(k, t, p) for (k, t), (p, _) in zip([first, *extra], patients, strict=True)]
    cards = dict(patients)
    races: list[Race] = []
    with ServerProcess(target, scratch / "races-server.log") as server:
        _identify(server.url, kiosks, cards)
        for n in range(rounds):
            races += _round(server.url, lambda: db.connect(target), kiosks, n)
    return races
