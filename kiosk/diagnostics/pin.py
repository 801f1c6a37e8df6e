"""The technician PIN: stored as a salted, slow hash; five wrong tries lock it for 5 minutes.

Format: ``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``, made by
``kiosk hash-pin`` (at least 6 digits) and pasted into ``[technician] pin_hash``.

The count of wrong tries and the lockout are kept in a small owner-only file in the app data
dir, so restarting the kiosk (pulling the plug) does not reset them; attempts are evaluated one
at a time, so a burst of guesses gets no more than the five tries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.private_files import PRIVATE_FILE_MODE, private_dir

log = logging.getLogger(__name__)

SCHEME = "pbkdf2_sha256"
ITERATIONS = 300_000
MAX_TRIES = 5
LOCKOUT_S = 300.0
MIN_PIN_LENGTH = 6


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
    """Checks PIN attempts and enforces the lockout.

    ``state_path`` keeps the wrong tries and the lockout across restarts (None: memory only).
    ``clock`` is wall-clock seconds, so a lockout written before a restart still means the
    same moment after it.
    """

    def __init__(
        self,
        stored_hash: str,
        *,
        state_path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stored = stored_hash
        self._state_path = state_path
        self._clock = clock
        # One attempt at a time (held across the slow hash); the state lock is only held for
        # reading or changing the two numbers, so the GUI thread never waits for a hash.
        self._attempt_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._failures = 0
        self._locked_until = 0.0
        if state_path is not None:
            self._load(state_path)

    @property
    def enabled(self) -> bool:
        return bool(self._stored)

    def seconds_locked(self) -> int:
        with self._state_lock:
            return max(0, round(self._locked_until - self._clock()))

    def attempt(self, pin: str) -> bool:
        """True when the PIN is right and the gate is not locked."""
        if not self.enabled:
            return False
        with self._attempt_lock:
            if self.seconds_locked() > 0:
                return False
            right = verify_pin(pin, self._stored)
            with self._state_lock:
                if right:
                    self._failures, self._locked_until = 0, 0.0
                else:
                    self._failures += 1
                    if self._failures >= MAX_TRIES:
                        self._failures = 0
                        self._locked_until = self._clock() + LOCKOUT_S
                failures, locked_until = self._failures, self._locked_until
            self._save(failures, locked_until)
            return right

    @property
    def tries_left(self) -> int:
        with self._state_lock:
            return MAX_TRIES - self._failures

    def _load(self, path: Path) -> None:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            failures = int(state["failures"])
            locked_until = float(state["locked_until"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as error:
            # Someone tampered with it, or the disk failed: fail shut for one lockout.
            log.warning("technician lockout file %s unreadable (%s); locked", path, error)
            failures, locked_until = 0, self._clock() + LOCKOUT_S
        self._failures = min(max(failures, 0), MAX_TRIES - 1)
        # A clock set back must not turn five minutes into days.
        self._locked_until = min(locked_until, self._clock() + LOCKOUT_S)

    def _save(self, failures: int, locked_until: float) -> None:
        path = self._state_path
        if path is None:
            return
        try:
            private_dir(path.parent)
            temporary = path.with_name(path.name + ".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump({"failures": failures, "locked_until": locked_until}, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except OSError as error:
            log.error("technician lockout not saved to %s: %s", path, error)
