"""Talking to the live reference server in tests: the demo clock's start and an HTTP client."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests

from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER, Payment
from kiosk.server.db import Target, connect, write_transaction
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_KIOSK_ID, DEMO_TOKEN
from kiosk.server.seed_data import FIXED_PATIENTS
from kiosk.server.visits import Limits, start_visit

# A Monday morning in Beijing time: every demo scenario is in its intended state.
DEMO_NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TIMEOUT_S = 10


class ApiClient:
    """A ``requests.Session`` bound to one server and token; paths are under ``/api/v1``."""

    def __init__(
        self, base_url: str, token: str | None = DEMO_TOKEN, *, db_path: Target | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._db_path = db_path
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def identify(self, scenario: str) -> dict[str, Any]:
        """The patient JSON of a ``DEMO_IDENTITIES`` scenario (asserts 200). Its visit token
        is kept: later patient-scoped calls of this client send it, as the kiosk does."""
        ident = DEMO_IDENTITIES[scenario]
        response = self.post("/patients/identify", json={"kind": ident.kind, "value": ident.value})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        self.session.headers[VISIT_TOKEN_HEADER] = result["visit_token"]
        return result

    def visit_for(self, patient_id: str) -> str:
        """Start a visit of a patient known by id (as identify would) and keep its token."""
        scenario = next(
            (s for s, ident in DEMO_IDENTITIES.items() if _patient_id(s) == patient_id), None
        )
        if scenario is not None:
            return str(self.identify(scenario)["visit_token"])
        conn = connect(self._db_path) if self._db_path else None
        assert conn is not None, "visit_for a patient outside DEMO_IDENTITIES needs db_path"
        try:
            row = conn.execute("SELECT phone FROM patients WHERE id = ?", (patient_id,)).fetchone()
        finally:
            conn.close()
        assert row is not None, patient_id
        assert row["phone"], patient_id
        response = self.post("/patients/identify", json={"kind": "phone", "value": row["phone"]})
        assert response.status_code == 200, response.text
        token = str(response.json()["visit_token"])
        self.session.headers[VISIT_TOKEN_HEADER] = token
        return token

    def appointments_today(self, scenario: str) -> list[dict[str, Any]]:
        patient = self.identify(scenario)
        response = self.get(f"/patients/{patient['id']}/appointments")
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()["appointments"]
        return result

    def check_in(
        self, appointment_id: str, *, key: str | None = None, json: Any = None
    ) -> requests.Response:
        headers = {IDEMPOTENCY_HEADER: key or uuid.uuid4().hex}
        return self.post(
            f"/appointments/{appointment_id}/check-in",
            json={} if json is None else json,
            headers=headers,
        )

    def close(self) -> None:
        self.session.close()


def _patient_id(scenario: str) -> str:
    return next(p.patient_id for p in FIXED_PATIENTS if p.scenario == scenario)


class Phone:
    """The patient's phone on the simulated payment page, as a browser: it remembers each
    page's CSRF token when it shows the form, and posts from the page's own origin.

    ``post(f"{pay_url}/confirm")`` opens the page first when this phone has not seen it."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.csrf: dict[str, str] = {}

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        response = self.session.get(url, **kwargs)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if found:
            self.csrf[url.rstrip("/")] = html.unescape(found.group(1))
        return response

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        page_url = url.rstrip("/").rsplit("/", 1)[0]
        if page_url not in self.csrf:
            self.get(page_url)
        data = dict(kwargs.pop("data", None) or {})
        if page_url in self.csrf:
            data.setdefault("csrf_token", self.csrf[page_url])
        parts = urlsplit(url)
        headers = {"Origin": f"{parts.scheme}://{parts.netloc}", **kwargs.pop("headers", {})}
        return self.session.post(url, data=data, headers=headers, **kwargs)

    def close(self) -> None:
        self.session.close()


def pay_page_post(pay_url: str, answer: str) -> requests.Response:
    """Open the payment page and press Pay (``confirm``) or Decline (``decline``)."""
    phone = Phone()
    try:
        return phone.post(f"{pay_url}/{answer}")
    finally:
        phone.close()


def pay_url_of(server_url: str, db_path: Target, payment_id: str) -> str:
    """The payment page of a payment known only by id (as the kiosk's journal knows it)."""
    conn = connect(db_path)
    try:
        row = conn.execute("SELECT pay_token FROM payments WHERE id = ?", (payment_id,)).fetchone()
    finally:
        conn.close()
    assert row is not None, payment_id
    assert row["pay_token"], payment_id
    return f"{server_url.rstrip('/')}/pay/{row['pay_token']}"


def visit_token(
    db_path: Target,
    *,
    patient_id: str | None = None,
    appointment_id: str | None = None,
    kiosk_id: str = DEMO_KIOSK_ID,
    now: dt.datetime = DEMO_NOW,
) -> str:
    """A visit token minted straight in the database, as identify would for this kiosk: for
    tests that need many visits at once (beyond identify's rate limit) or patients without a
    demo identifier. Give the patient, or an appointment whose patient it is."""
    conn = connect(db_path)
    try:
        if patient_id is None:
            row = conn.execute(
                "SELECT patient_id FROM appointments WHERE id = ?", (appointment_id,)
            ).fetchone()
            assert row is not None, appointment_id
            patient_id = str(row["patient_id"])
        with write_transaction(conn):
            token, _ = start_visit(conn, kiosk_id, patient_id, now, Limits())
    finally:
        conn.close()
    return token


def new_payment(api: ApiClient) -> Payment:
    """A payment of all the demo patient "unpaid_bills"'s bills, by ``api``'s kiosk."""
    patient = api.identify("unpaid_bills")["id"]
    bills = api.get(f"/patients/{patient}/bills").json()["bills"]
    response = api.post(
        "/payments",
        json={"patient_id": patient, "bill_ids": [bill["id"] for bill in bills]},
        headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return Payment.model_validate(response.json())
