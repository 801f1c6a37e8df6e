"""One exception family for everything the Kiosk API can do wrong.

Flows catch :class:`BackendError` and map the subclass (and, for a rejection, its reason code)
to one translated patient message; the technical detail only goes to the log.
"""

from __future__ import annotations

from typing import Any

from kiosk.api.models import Ticket


class BackendError(Exception):
    """Base of every backend failure. ``detail`` is for logs and technicians, never patients."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BackendUnreachableError(BackendError):
    """No connection could be made (server down, DNS, TLS handshake, refused)."""


class BackendTimeoutError(BackendError):
    """Connected, but no complete answer within the read timeout."""


class BackendRejectedError(BackendError):
    """A 4xx answer with the server's reason code (``too_early``, ``patient_not_found``...).

    ``ticket`` is set when the server returned one alongside the refusal, as it does for
    ``already_checked_in`` so the patient can still leave with their number. ``details`` is
    the server's ``error.details`` as sent (untrusted: validate before use), e.g. the
    suggestions of a ``session_full``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        ticket: Ticket | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.ticket = ticket
        self.details = details


class BackendServerError(BackendError):
    """A 5xx answer: the backend is up but failed; retrying later may help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


class BadResponseError(BackendError):
    """The answer was not what the Kiosk API promises (not JSON, truncated, missing fields)."""
