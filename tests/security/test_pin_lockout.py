"""Finding 9: the technician PIN is at least 6 digits, its lockout survives a restart, and a
burst of guesses gets at most five evaluated."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from kiosk.config import DEMO_PIN, DEMO_PIN_HASH
from kiosk.diagnostics import pin as pin_module
from kiosk.diagnostics.pin import LOCKOUT_S, MAX_TRIES, PinGate, hash_pin, verify_pin

RIGHT = "864209"
STORED = hash_pin(RIGHT, iterations=1000)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # wall-clock seconds: the lockout outlives a restart

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("short", ["2468", "12345", "1"])
def test_a_pin_is_at_least_six_digits(short: str) -> None:
    with pytest.raises(ValueError, match="at least 6 digits"):
        hash_pin(short)
    assert verify_pin("123456", hash_pin("123456", iterations=1000))


def test_the_demo_pin_has_six_digits() -> None:
    assert len(DEMO_PIN) >= 6
    assert DEMO_PIN.isdigit()
    assert verify_pin(DEMO_PIN, DEMO_PIN_HASH)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{DEMO_PIN}`" in readme


def test_a_burst_of_guesses_gets_at_most_five_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluated: list[str] = []

    def slow_verify(pin: str, stored: str) -> bool:
        evaluated.append(pin)
        time.sleep(0.02)  # a real PBKDF2 takes a few hundred ms
        return verify_pin(pin, stored)

    monkeypatch.setattr(pin_module, "verify_pin", slow_verify)
    gate = PinGate(STORED)
    start = threading.Barrier(20)
    results: list[bool] = []

    def guess(n: int) -> None:
        start.wait()
        results.append(gate.attempt(f"{n:06d}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert not any(results)
    assert len(evaluated) <= MAX_TRIES
    assert gate.seconds_locked() > 0
    assert not gate.attempt(RIGHT)  # locked: not even the right PIN
    assert len(evaluated) <= MAX_TRIES


def test_the_lockout_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "data" / "pin-lockout.json"
    clock = FakeClock()
    gate = PinGate(STORED, state_path=state, clock=clock)
    for _ in range(MAX_TRIES):
        assert not gate.attempt("000000")
    assert gate.seconds_locked() == LOCKOUT_S

    clock.now += 60
    restarted = PinGate(STORED, state_path=state, clock=clock)
    assert restarted.seconds_locked() == LOCKOUT_S - 60
    assert not restarted.attempt(RIGHT)

    clock.now += LOCKOUT_S
    again = PinGate(STORED, state_path=state, clock=clock)
    assert again.seconds_locked() == 0
    assert again.attempt(RIGHT)
    if os.name == "posix":
        assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_failures_short_of_the_lockout_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "pin-lockout.json"
    gate = PinGate(STORED, state_path=state, clock=FakeClock())
    for _ in range(3):
        gate.attempt("000000")
    restarted = PinGate(STORED, state_path=state, clock=FakeClock())
    assert restarted.tries_left == MAX_TRIES - 3
    assert restarted.attempt(RIGHT)
    assert PinGate(STORED, state_path=state, clock=FakeClock()).tries_left == MAX_TRIES


def test_an_unreadable_lockout_file_locks(tmp_path: Path) -> None:
    state = tmp_path / "pin-lockout.json"
    state.write_text("{not json", encoding="utf-8")
    clock = FakeClock()
    gate = PinGate(STORED, state_path=state, clock=clock)
    assert gate.seconds_locked() == LOCKOUT_S
    assert not gate.attempt(RIGHT)
