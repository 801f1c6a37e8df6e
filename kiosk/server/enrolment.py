"""First visit (建档/办卡): the phone code and the new patient's record and card number.

The phone code stands in for an SMS gateway: the reference server "sends" it by writing it
to its log (logger ``kiosk.server.sms``, masked phone), where a tester finds it. One code per
mobile number at a time (``phone_codes``, migration 11): a new one replaces the old, no sooner
than ``RESEND_AFTER`` after it; it is good for ``CODE_LIFETIME`` and ``CODE_ATTEMPTS`` tries,
and only at the kiosk that asked for it.

A wrong code's try is counted in a transaction of its own *before* the creation (whose
transaction rolls back on any refusal), so tries cannot be had for free. The creation itself
runs once per Idempotency-Key: the record, its card number (the ``patient_card`` counter),
the code marked used and the visit, in one transaction. On the FHIR source the record is the
hospital system's, made before that transaction (``create_at_hospital``).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from kiosk.api.models import (
    ErrorCode,
    IdentifierKind,
    NewPatientRequest,
    Patient,
    PatientCreated,
    PhoneCodeSent,
)
from kiosk.identity import (
    is_mobile_phone,
    is_valid_resident_id,
    mask_phone,
    resident_id_birth_date,
    resident_id_sex,
)
from kiosk.server import clinical_copies, queries, visits
from kiosk.server.clinical import (
    NewRecord,
    RecordConflictError,
    RecordRejectedError,
    RemoteClinicalSource,
)
from kiosk.server.db import (
    Connection,
    from_db_time,
    lock_key,
    next_counter,
    require_transaction,
    to_db_time,
    write_transaction,
)
from kiosk.server.errors import ApiError

log = logging.getLogger(__name__)
sms_log = logging.getLogger("kiosk.server.sms")

CODE_LIFETIME = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
CODE_ATTEMPTS = 5
CODE_DIGITS = 6
# New card numbers start above the demo's (HC1000000x) so the two never meet.
CARD_NUMBER_BASE = 30_000_000
CARD_COUNTER = "patient_card"
# Numbers tried against the hospital's records before giving up (FHIR source).
CARD_NUMBER_TRIES = 3


@dataclass(frozen=True)
class CheckedRequest:
    """A creation request whose ID number and phone passed their checks, normalised."""

    id_number: str
    name: str
    address: str
    phone: str
    phone_code: str


def check_phone(value: str) -> str:
    """The mobile number's 11 digits, or 422 ``invalid_phone``."""
    phone = queries.normalize_identifier(IdentifierKind.phone, value)
    if not is_mobile_phone(phone):
        raise ApiError(
            422,
            ErrorCode.invalid_phone,
            "This is not a mobile number (11 digits starting 13 to 19).",
            details=[{"loc": ["body", "phone"], "msg": "not a mobile number", "type": "phone"}],
        )
    return phone


def check_request(body: NewPatientRequest) -> CheckedRequest:
    """422 for an ID number that is no resident ID, a phone that is no mobile number, or a
    name that is blank once trimmed."""
    id_number = queries.normalize_identifier(IdentifierKind.id_card, body.id_number)
    if not is_valid_resident_id(id_number):
        raise ApiError(
            422,
            ErrorCode.invalid_id_number,
            "This is not a resident ID number (format, birth date or check character).",
            details=[
                {"loc": ["body", "id_number"], "msg": "not a resident ID", "type": "id_number"}
            ],
        )
    name = body.name.strip()
    if not name:
        raise ApiError(
            422,
            ErrorCode.validation_failed,
            "The name is empty.",
            details=[{"loc": ["body", "name"], "msg": "empty", "type": "value_error"}],
        )
    return CheckedRequest(
        id_number=id_number,
        name=name,
        address=body.address.strip(),
        phone=check_phone(body.phone),
        phone_code=body.phone_code.strip(),
    )


def _exists() -> ApiError:
    return ApiError(
        409,
        ErrorCode.patient_exists,
        "This ID number has a record already: identify the patient with the ID card.",
    )


def refuse_existing(conn: Connection, id_number: str) -> None:
    """409 ``patient_exists`` when the ID number has a record: the kiosk identifies instead."""
    if queries.find_patient(conn, IdentifierKind.id_card, id_number) is not None:
        raise _exists()


def send_code(conn: Connection, kiosk_id: str, raw_phone: str, now: dt.datetime) -> PhoneCodeSent:
    """A new code for the number (replacing any earlier one), "sent" to the log; 429
    ``phone_code_cooldown`` with Retry-After while the last one is fresh."""
    phone = check_phone(raw_phone)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    with write_transaction(conn):
        lock_key(conn, "phone-code", phone)
        row = conn.execute("SELECT sent_at FROM phone_codes WHERE phone = ?", (phone,)).fetchone()
        if row is not None:
            wait = from_db_time(row["sent_at"]) + RESEND_AFTER - now
            if wait > dt.timedelta(0):
                seconds = max(1, int(wait.total_seconds() + 0.999))
                raise ApiError(
                    429,
                    ErrorCode.phone_code_cooldown,
                    "A code was sent to this number moments ago.",
                    details={"retry_after_s": seconds},
                    headers={"Retry-After": str(seconds)},
                )
        conn.execute(
            "INSERT INTO phone_codes (phone, code, kiosk_id, sent_at, expires_at, attempts_left, "
            "used_at) VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (phone) DO UPDATE SET "
            "code = excluded.code, kiosk_id = excluded.kiosk_id, sent_at = excluded.sent_at, "
            "expires_at = excluded.expires_at, attempts_left = excluded.attempts_left, "
            "used_at = NULL",
            (
                phone,
                code,
                kiosk_id,
                to_db_time(now),
                to_db_time(now + CODE_LIFETIME),
                CODE_ATTEMPTS,
            ),
        )
    sms_log.info("simulated SMS to %s: your code is %s", mask_phone(phone), code)
    return PhoneCodeSent(
        masked_phone=mask_phone(phone),
        expires_at=now + CODE_LIFETIME,
        resend_at=now + RESEND_AFTER,
        resend_after_s=int(RESEND_AFTER.total_seconds()),
        attempts=CODE_ATTEMPTS,
    )


def _expired() -> ApiError:
    return ApiError(
        422,
        ErrorCode.phone_code_expired,
        "No usable code for this number: ask for a new one.",
    )


def verify_code(conn: Connection, kiosk_id: str, phone: str, code: str, now: dt.datetime) -> None:
    """Count a try of ``code`` in its own committed transaction: 422 ``phone_code_wrong``
    (with the tries left) or ``phone_code_expired``; nothing when it is right."""
    with write_transaction(conn):
        lock_key(conn, "phone-code", phone)
        row = conn.execute(
            "SELECT code, kiosk_id, expires_at, attempts_left, used_at FROM phone_codes "
            "WHERE phone = ?",
            (phone,),
        ).fetchone()
        if (
            row is None
            or row["kiosk_id"] != kiosk_id
            or row["used_at"] is not None
            or int(row["attempts_left"]) <= 0
            or from_db_time(row["expires_at"]) <= now
        ):
            raise _expired()
        if secrets.compare_digest(str(row["code"]), code):
            return
        left = int(row["attempts_left"]) - 1
        conn.execute("UPDATE phone_codes SET attempts_left = ? WHERE phone = ?", (left, phone))
    if left <= 0:
        raise _expired()
    raise ApiError(
        422,
        ErrorCode.phone_code_wrong,
        "The code is wrong.",
        details={"attempts_left": left},
    )


def create_patient(
    conn: Connection,
    kiosk_id: str,
    request: CheckedRequest,
    now: dt.datetime,
    limits: visits.Limits,
) -> PatientCreated:
    """The record, its card number, the code used up and a visit: inside the caller's write
    transaction (the idempotent one), so a refusal leaves nothing behind."""
    require_transaction(conn)
    lock_key(conn, "new-patient", request.id_number)
    refuse_existing(conn, request.id_number)
    if not _use_code(conn, kiosk_id, request, now):  # another creation used it meanwhile
        raise _expired()
    number = next_counter(conn, CARD_COUNTER)
    patient_id = f"pat-n{number:07d}"
    card = _card_number(number)
    conn.execute(
        "INSERT INTO patients (id, name, gender, birth_date, id_number, phone, patient_card, "
        "address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            patient_id,
            request.name,
            resident_id_sex(request.id_number),
            resident_id_birth_date(request.id_number).isoformat(),
            request.id_number,
            request.phone,
            card,
            request.address,
            to_db_time(now),
        ),
    )
    row = queries.get_patient_row(conn, patient_id)
    if row is None:  # pragma: no cover - inserted just above
        raise RuntimeError("the new patient vanished")
    patient = queries.patient(row, now.date())
    token, expires_at = visits.start_visit(conn, kiosk_id, patient_id, now, limits)
    return PatientCreated(
        **patient.model_dump(),
        visit_token=token,
        visit_expires_at=expires_at,
        patient_card=card,
    )


def _use_code(conn: Connection, kiosk_id: str, request: CheckedRequest, now: dt.datetime) -> bool:
    used = conn.execute(
        "UPDATE phone_codes SET used_at = ? WHERE phone = ? AND kiosk_id = ? AND code = ? "
        "AND used_at IS NULL RETURNING phone",
        (to_db_time(now), request.phone, kiosk_id, request.phone_code),
    ).fetchone()
    return used is not None


def _card_number(number: int) -> str:
    return f"HC{CARD_NUMBER_BASE + number}"


# --- the hospital's own system keeps the records (FHIR source) ---------------------------


def refuse_existing_at(remote: RemoteClinicalSource, id_number: str, today: dt.date) -> None:
    """``refuse_existing`` asked of the hospital's system."""
    if remote.find_patient(IdentifierKind.id_card, id_number, today) is not None:
        raise _exists()


def create_at_hospital(
    conn: Connection, remote: RemoteClinicalSource, request: CheckedRequest, now: dt.datetime
) -> tuple[Patient, str]:
    """The record made in the hospital's system, before the server's write transaction: a
    card number from the server's counter that no record there holds, then a create that
    makes at most one record per ID number. Returns the patient and the card number."""
    for _ in range(CARD_NUMBER_TRIES):
        with write_transaction(conn):
            card = _card_number(next_counter(conn, CARD_COUNTER))
        if not remote.card_number_taken(card):
            break
    else:
        raise ApiError(
            409,
            ErrorCode.enrolment_unavailable,
            "The hospital's system holds the next patient card numbers already.",
        )
    record = NewRecord(
        id_number=request.id_number,
        name=request.name,
        sex=resident_id_sex(request.id_number),
        birth_date=resident_id_birth_date(request.id_number),
        address=request.address,
        phone=request.phone,
        card_number=card,
    )
    try:
        return remote.create_patient(record, now.date()), card
    except RecordConflictError:
        raise _exists() from None
    except RecordRejectedError as exc:
        log.warning("the hospital's system did not make the record: %s", exc)
        raise ApiError(
            409,
            ErrorCode.enrolment_unavailable,
            "The hospital's system does not take new records from kiosks.",
        ) from None


def finish_at_hospital(
    conn: Connection,
    kiosk_id: str,
    request: CheckedRequest,
    made: tuple[Patient, str],
    now: dt.datetime,
    limits: visits.Limits,
) -> PatientCreated:
    """The server's part once the hospital's system made the record: the code used up, the
    patient kept as identify keeps one, and a visit; inside the idempotent transaction."""
    require_transaction(conn)
    patient, card = made
    _use_code(conn, kiosk_id, request, now)  # made at the hospital whatever became of it
    clinical_copies.keep_patient(conn, patient)
    token, expires_at = visits.start_visit(conn, kiosk_id, patient.id, now, limits)
    return PatientCreated(
        **patient.model_dump(), visit_token=token, visit_expires_at=expires_at, patient_card=card
    )
