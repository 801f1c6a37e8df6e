"""First-visit helpers: new resident ID numbers and the phone code the server "sent"."""

from __future__ import annotations

from kiosk.identity import resident_id_check_character
from kiosk.server.db import Target, connect


def new_resident_id(first17: str = "11010519900307123") -> str:
    """A valid resident ID number (its check character computed) no demo patient has."""
    return first17 + resident_id_check_character(first17)


def sent_code(target: Target, phone: str) -> str:
    """The code the simulated SMS carried to ``phone`` (what the patient reads on the phone)."""
    conn = connect(target)
    try:
        row = conn.execute("SELECT code FROM phone_codes WHERE phone = ?", (phone,)).fetchone()
    finally:
        conn.close()
    assert row is not None, f"no code was sent to {phone}"
    return str(row["code"])
