"""Talking to the live reference server in tests: the demo clock's start and an HTTP client."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import requests

from kiosk.api.models import API_PREFIX, IDEMPOTENCY_HEADER
from kiosk.server.seed import DEMO_IDENTITIES, DEMO_TOKEN

# A Monday morning in Beijing time: every demo scenario is in its intended state.
DEMO_NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TIMEOUT_S = 10


class ApiClient:
    """A ``requests.Session`` bound to one server and token; paths are under ``/api/v1``."""

    def __init__(self, base_url: str, token: str | None = DEMO_TOKEN) -> None:
        self.base_url = base_url.rstrip("/")
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
        """The patient JSON of a ``DEMO_IDENTITIES`` scenario (asserts 200)."""
        ident = DEMO_IDENTITIES[scenario]
        response = self.post("/patients/identify", json={"kind": ident.kind, "value": ident.value})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

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
