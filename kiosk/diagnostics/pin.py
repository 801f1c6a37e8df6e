"""The technician PIN: stored as a salted, slow hash; five wrong tries lock it for 5 minutes.

Format: ``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``, made by
``kiosk hash-pin`` and pasted into ``[technician] pin_hash``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

SCHEME = "pbkdf2_sha256"
ITERATIONS = 300_000
MAX_TRIES = 5
LOCKOUT_S = 300.0
MIN_PIN_LENGTH = 4


class PinFormatError(ValueError):
    """The stored hash is not one ``kiosk hash-pin`` makes."""


def hash_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    if len(pin) < MIN_PIN_LENGTH or not pin.isdigit():
        raise ValueError(f"a PIN is at least {MIN_PIN_LENGTH} digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    encode = base64.b64encode
    return f"{SCHEME}${iterations}${encode(salt).decode()}${encode(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != SCHEME:
            raise ValueError(scheme)
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.pbkdf2_hmac(
            "sha256", pin.encode(), base64.b64decode(salt, validate=True), int(iterations)
        )
    except ValueError as error:
        raise PinFormatError(
            "the technician PIN hash is not valid; run `kiosk hash-pin`"
        ) from error
    return hmac.compare_digest(actual, expected)


class PinGate:
    """Checks PIN attempts and enforces the lockout."""

    def __init__(self, stored_hash: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._stored = stored_hash
        self._clock = clock
        self._failures = 0
        self._locked_until = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self._stored)

    def seconds_locked(self) -> int:
        return max(0, round(self._locked_until - self._clock()))

    def attempt(self, pin: str) -> bool:
        """True when the PIN is right and the gate is not locked."""
        if not self.enabled or self.seconds_locked() > 0:
            return False
        if verify_pin(pin, self._stored):
            self._failures = 0
            return True
        self._failures += 1
        if self._failures >= MAX_TRIES:
            self._failures = 0
            self._locked_until = self._clock() + LOCKOUT_S
        return False

    @property
    def tries_left(self) -> int:
        return MAX_TRIES - self._failures
