"""A small synchronous FHIR R4 REST client on ``requests``: what the clinical source needs.

Every failure becomes one of ``kiosk.server.clinical``'s errors (unavailable, timeout,
conflict, not found, rejected with the OperationOutcome's own text), so nothing above this
module sees HTTP. ``requests_made`` counts FHIR requests (not token requests), for the
"FHIR requests per check-in" figure.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from kiosk.server.clinical import (
    ClinicalError,
    LinkState,
    RecordConflictError,
    RecordNotFoundError,
    RecordRejectedError,
    SourceTimeoutError,
    SourceUnavailableError,
)
from kiosk.server.fhir.config import Auth, FhirConfig

Resource = dict[str, Any]
FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
MAX_PAGES = 20  # a search that pages further is a runaway, not a patient's data
TOKEN_EARLY_S = 30  # renew a SMART access token this long before it expires


@dataclass(frozen=True)
class SearchResult:
    """The matches of a search, every page of it, and what ``_include`` brought along."""

    matches: list[Resource]
    included: list[Resource]

    def included_by_reference(self) -> dict[str, Resource]:
        """``"Type/id"`` → resource, for following references without another request."""
        return {f"{r['resourceType']}/{r['id']}": r for r in self.included + self.matches}


def version_of(resource: Resource) -> str:
    version = resource.get("meta", {}).get("versionId")
    if not version:
        name = f"{resource.get('resourceType')}/{resource.get('id')}"
        raise RecordRejectedError(f"{name} has no version")
    return str(version)


def outcome_text(body: object) -> str:
    """What an OperationOutcome says, in one line."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    parts = []
    for issue in body.get("issue", []):
        text = issue.get("diagnostics") or issue.get("details", {}).get("text") or ""
        parts.append(f"{issue.get('severity', 'error')} {issue.get('code', '')}: {text}".strip())
    return "; ".join(parts)


class FhirClient:
    def __init__(self, config: FhirConfig) -> None:
        self.config = config
        self.base_url = config.base_url
        self._session = requests.Session()
        self._session.headers["Accept"] = FHIR_JSON
        # Per request, not on the session: requests lets REQUESTS_CA_BUNDLE override a
        # session's verify, and the hospital's CA must win.
        self._verify: str | bool = str(config.ca_file) if config.ca_file else True
        if config.auth.kind == "bearer":
            self._session.headers["Authorization"] = f"Bearer {config.auth.token}"
        self._timeout = (config.connect_timeout_s, config.read_timeout_s)
        self._lock = threading.Lock()
        self._requests = 0
        self._smart_token = ""
        self._smart_expires = 0.0
        self._last: tuple[LinkState, float] | None = None  # and when, on the monotonic clock

    @property
    def requests_made(self) -> int:
        with self._lock:
            return self._requests

    def close(self) -> None:
        self._session.close()

    def last_exchange(self) -> tuple[LinkState, float] | None:
        """The last request's outcome and its ``time.monotonic()``; None before the first."""
        with self._lock:
            return self._last

    # --- interactions ---------------------------------------------------------------------

    def capabilities(self) -> Resource:
        return self._request("GET", "metadata")

    def read(self, kind: str, rid: str) -> Resource:
        return self._request("GET", f"{kind}/{rid}")

    def search(self, kind: str, params: Iterable[tuple[str, str]]) -> SearchResult:
        """Every page of ``kind?params``, following ``next`` links."""
        bundle = self._request("GET", kind, params=list(params))
        matches: list[Resource] = []
        included: list[Resource] = []
        for _ in range(MAX_PAGES):
            for entry in bundle.get("entry", []):
                resource = entry.get("resource")
                if not isinstance(resource, dict):
                    continue
                mode = entry.get("search", {}).get("mode", "match")
                (included if mode == "include" else matches).append(resource)
            next_url = next(
                (link["url"] for link in bundle.get("link", []) if link.get("relation") == "next"),
                None,
            )
            if next_url is None:
                return SearchResult(matches, included)
            bundle = self._request("GET", self._own_url(next_url))
        raise RecordRejectedError(f"{kind} search has more than {MAX_PAGES} pages")

    def create(self, resource: Resource, *, if_none_exist: str = "") -> Resource:
        """POST the resource; with ``if_none_exist`` (a search, e.g. ``identifier=S|V``) a
        conditional create: a resource matching it already is answered instead of a new one."""
        headers = {"Prefer": "return=representation"}
        if if_none_exist:
            headers["If-None-Exist"] = if_none_exist
        return self._request("POST", resource["resourceType"], json_body=resource, headers=headers)

    def update(self, resource: Resource, *, version: str) -> Resource:
        """PUT the resource if the server's copy is still ``version`` (412: a conflict)."""
        return self._request(
            "PUT",
            f"{resource['resourceType']}/{resource['id']}",
            json_body=resource,
            headers={"If-Match": f'W/"{version}"'},
        )

    def patch(
        self, kind: str, rid: str, operations: list[dict[str, Any]], *, version: str
    ) -> Resource:
        """A JSON Patch applied only if the server's copy is still ``version``."""
        return self._request(
            "PATCH",
            f"{kind}/{rid}",
            json_body=operations,
            headers={"If-Match": f'W/"{version}"', "Content-Type": JSON_PATCH},
        )

    def change(
        self,
        kind: str,
        rid: str,
        edit: Callable[[Resource], list[dict[str, Any]] | None],
        current: Resource | None = None,
    ) -> Resource:
        """Apply ``edit``'s JSON Patch (None: nothing to do) to the resource's current version;
        when someone else wrote it in between (412), read it again and try once more."""
        resource = current if current is not None else self.read(kind, rid)
        for attempt in range(2):
            operations = edit(resource)
            if operations is None:
                return resource
            try:
                return self.patch(kind, rid, operations, version=version_of(resource))
            except RecordConflictError:
                if attempt == 1:
                    raise
                resource = self.read(kind, rid)
        raise AssertionError("unreachable")

    def transaction(self, entries: list[Resource]) -> list[Resource]:
        """POST the entries as one transaction Bundle; the response's entries, in order."""
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        answer = self._request("POST", "", json_body=bundle)
        if answer.get("type") != "transaction-response":
            raise RecordRejectedError(f"transaction answered with a {answer.get('type')!r} Bundle")
        result: list[Resource] = answer.get("entry", [])
        return result

    # --- HTTP -----------------------------------------------------------------------------

    def _own_url(self, url: str) -> str:
        """A ``next`` link, as a path under our base URL (never another host's)."""
        base = urlsplit(self.base_url)
        link = urlsplit(url)
        if (link.scheme, link.netloc) != (base.scheme, base.netloc):
            raise RecordRejectedError(f"paging link to another server: {url}")
        return url

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json_body: object = None,
        headers: dict[str, str] | None = None,
    ) -> Resource:
        url = path if "://" in path else f"{self.base_url}/{path}".rstrip("/")
        sent_headers = {"Content-Type": FHIR_JSON} if json_body is not None else {}
        sent_headers.update(headers or {})
        if self.config.auth.kind == "smart":
            sent_headers["Authorization"] = f"Bearer {self._access_token()}"
        with self._lock:
            self._requests += 1
        what = f"{method} {url.removeprefix(self.base_url + '/') or '/'}"
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=sent_headers,
                timeout=self._timeout,
                verify=self._verify,
            )
        except requests.Timeout:
            self._note(started, f"no answer to {what} in time")
            raise SourceTimeoutError(f"FHIR server did not answer {what} in time") from None
        except requests.RequestException as exc:
            self._note(started, f"unreachable: {_reason(exc)}")
            raise SourceUnavailableError(
                f"FHIR server unreachable for {what}: {_reason(exc)}"
            ) from None
        refused = response.status_code >= 500 or response.status_code in (401, 403)
        self._note(started, f"{what}: HTTP {response.status_code}" if refused else "")
        return _answer(response, what)

    def _note(self, started: float, problem: str) -> None:
        """Keep the exchange's outcome (any answer but a failure or a refusal of our
        credentials is a working link)."""
        ended = time.monotonic()
        state = LinkState(
            up=not problem,
            latency_s=ended - started,
            at=dt.datetime.now(dt.UTC),
            problem=problem,
        )
        with self._lock:
            self._last = (state, ended)

    def _access_token(self) -> str:
        """A SMART backend-services access token, fetched again shortly before it expires."""
        with self._lock:
            if self._smart_token and time.monotonic() < self._smart_expires:
                return self._smart_token
        token, lifetime = smart_access_token(
            self.config.auth, self._session, self._timeout, self._verify
        )
        with self._lock:
            self._smart_token = token
            self._smart_expires = time.monotonic() + max(0, lifetime - TOKEN_EARLY_S)
        return token


def _reason(exc: requests.RequestException) -> str:
    """The last part of requests' nested message: "[Errno 111] Connection refused", not the
    connection pool's repr around it."""
    cause = exc.args[0] if exc.args else exc
    text = str(getattr(cause, "reason", cause))
    return text.rsplit(": ", 1)[-1] or type(exc).__name__


def _answer(response: requests.Response, what: str) -> Resource:
    try:
        body: object = response.json() if response.content else {}
    except ValueError:
        body = None
    status = response.status_code
    if 200 <= status < 300:
        if not isinstance(body, dict):
            raise RecordRejectedError(f"{what}: answer is not a FHIR JSON resource")
        return body
    text = outcome_text(body) or response.reason or f"HTTP {status}"
    message = f"{what}: HTTP {status}: {text}"
    error: type[ClinicalError]
    if status in (404, 410):
        error = RecordNotFoundError
    elif status in (409, 412):
        error = RecordConflictError
    elif status in (401, 403, 429) or status >= 500:
        error = SourceUnavailableError
    else:
        error = RecordRejectedError
    raise error(message)


def smart_access_token(
    auth: Auth, session: requests.Session, timeout: tuple[float, float], verify: str | bool
) -> tuple[str, float]:
    """Trade a signed JWT for an access token (SMART Backend Services, client credentials
    with ``private_key_jwt``). PyJWT signs it; it is imported only when SMART is configured."""
    import jwt

    assert auth.private_key_file is not None
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": auth.client_id,
            "sub": auth.client_id,
            "aud": auth.token_url,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        },
        auth.private_key_file.read_bytes(),
        algorithm=auth.algorithm,
        headers={"kid": auth.key_id} if auth.key_id else None,
    )
    form = {
        "grant_type": "client_credentials",
        "scope": auth.scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    try:
        response = session.post(auth.token_url, data=form, timeout=timeout, verify=verify)
    except requests.Timeout:
        raise SourceTimeoutError("SMART token endpoint did not answer in time") from None
    except requests.RequestException as exc:
        raise SourceUnavailableError(f"SMART token endpoint unreachable: {exc}") from None
    try:
        answer = response.json()
        token = str(answer["access_token"])
        lifetime = float(answer.get("expires_in", 300))
    except (ValueError, KeyError, TypeError):
        raise SourceUnavailableError(
            f"SMART token endpoint refused the client: HTTP {response.status_code}"
        ) from None
    if response.status_code != 200:
        raise SourceUnavailableError(f"SMART token endpoint: HTTP {response.status_code}")
    return token, lifetime
