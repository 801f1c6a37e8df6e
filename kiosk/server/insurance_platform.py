"""The simulated national medical insurance platform's e-voucher exchange (医保电子凭证).

The insured show the QR code of their medical insurance e-voucher in the national insurance
app (国家医保服务平台) or a wallet's mini-program. The code is opaque to the hospital and lives
a short while: the hospital's system sends what the scanner read to the insurance platform,
which answers who it is (the resident ID number and name) and a token for the settlement that
follows (the voucher type "01", 电子凭证令牌, of the platform's settlement interfaces). The
hospital never reads anything out of the code itself.

The reference server stands in for the platform: ``insurance_vouchers`` maps each code it
"issued" to a resident ID number and an expiry; the demo seeds one for some demo patients
(``demo_voucher``). The exchange answers the ID number, and identification goes on as for an
ID card through the clinical source (its own tables or the hospital's FHIR server).

The codes' shape is this simulation's (the real one is the platform's business; a kiosk's
``[identifiers] insurance_qr_pattern`` follows whatever the hospital's scanners see): the
insured person's area code (医保区划, 6 digits), ``EC``, and 32 upper-case hex digits.
"""

from __future__ import annotations

import datetime as dt
import re

from kiosk.api.models import ErrorCode
from kiosk.server.db import Connection, from_db_time, to_db_time
from kiosk.server.errors import ApiError
from kiosk.server.seed_data import demo_voucher

__all__ = ["VOUCHER_FORMAT", "add_voucher", "demo_voucher", "exchange"]

VOUCHER_FORMAT = re.compile(r"^\d{6}EC[0-9A-F]{32}$")


def add_voucher(conn: Connection, token: str, id_number: str, expires_at: dt.datetime) -> None:
    """The platform issued ``token`` for the person with ``id_number`` until ``expires_at``."""
    conn.execute(
        "INSERT INTO insurance_vouchers (token, id_number, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (token) DO UPDATE SET id_number = excluded.id_number, "
        "expires_at = excluded.expires_at",
        (token, id_number, to_db_time(expires_at)),
    )


def exchange(conn: Connection, code: str, now: dt.datetime) -> str | ApiError:
    """The resident ID number the platform answers for a scanned code, or the error the kiosk
    gets (returned, not raised: the identify attempt it belongs to is still counted)."""
    code = code.strip()
    if not VOUCHER_FORMAT.match(code):
        return ApiError(
            422,
            ErrorCode.insurance_voucher_invalid,
            "This is not a medical insurance e-voucher code.",
            details={"reason": "malformed"},
        )
    row = conn.execute(
        "SELECT id_number, expires_at FROM insurance_vouchers WHERE token = ?", (code,)
    ).fetchone()
    if row is None:
        return ApiError(
            422,
            ErrorCode.insurance_voucher_invalid,
            "The insurance platform does not know this e-voucher code.",
            details={"reason": "unknown"},
        )
    if from_db_time(row["expires_at"]) <= now:
        return ApiError(
            422,
            ErrorCode.insurance_voucher_expired,
            "This e-voucher code has expired: refresh it in the app and scan it again.",
            details={"reason": "expired"},
        )
    return str(row["id_number"])
