"""First visit (建档/办卡): a phone code, then a record and a patient card number.

``createPatient`` answers like identify (masked patient and a visit token), so the kiosk goes
on to register the new patient at once. It runs once per Idempotency-Key: a resend after a
lost answer gets the same patient and card number.

On the FHIR source the record is made in the hospital's system before the server's write
transaction opens (a create conditional on the resident ID, so never two), with a card number
from the server's counter; the server keeps the code, the patient's copy and the visit. A
resend whose first try made the record there but never got its answer stored finds the
record: 409 ``patient_exists``, and the kiosk identifies the patient with the card.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.api.models import (
    API_PREFIX,
    ErrorCode,
    NewPatientRequest,
    Patient,
    PatientCreated,
    PhoneCodeRequest,
    PhoneCodeSent,
)
from kiosk.server import enrolment
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    Conn,
    IdempotencyKeyHeader,
    KioskId,
    Now,
    RemoteClinical,
    ServerLimits,
)
from kiosk.server.errors import ApiError, documented_error
from kiosk.server.idempotency import answered, idempotent_response, require_key

router = APIRouter(prefix=API_PREFIX, responses=ERRORS, tags=["patients"])


@router.post(
    "/enrolment/phone-codes",
    response_model=PhoneCodeSent,
    operation_id="requestPhoneCode",
    summary="Send a 6-digit code to a mobile number (first visit, 建档)",
    responses={
        422: documented_error(
            "Not a mobile number, or not the schema",
            ErrorCode.invalid_phone,
            ErrorCode.validation_failed,
        ),
        429: documented_error(
            "A code went to this number moments ago (Retry-After)",
            ErrorCode.phone_code_cooldown,
        ),
    },
)
def request_phone_code(
    body: PhoneCodeRequest, kiosk_id: KioskId, conn: Conn, now: Now, remote: RemoteClinical
) -> PhoneCodeSent:
    """A new code replaces the number's earlier one; it is good at this kiosk only, for a few
    minutes and a few tries. The reference server's SMS is simulated: the code is written to
    its log (``kiosk.server.sms``)."""
    return enrolment.send_code(conn, kiosk_id, body.phone, now)


@router.post(
    "/patients",
    response_model=PatientCreated,
    operation_id="createPatient",
    summary="Make a record and a patient card number for a first visit (建档/办卡)",
    responses={
        **IDEMPOTENT_ERRORS,
        409: documented_error(
            "The ID number has a record already, or the hospital's system (FHIR source) takes"
            " no new records from kiosks",
            ErrorCode.patient_exists,
            ErrorCode.enrolment_unavailable,
        ),
        422: documented_error(
            "Bad ID number, mobile number or phone code, or not the schema",
            ErrorCode.invalid_id_number,
            ErrorCode.invalid_phone,
            ErrorCode.phone_code_wrong,
            ErrorCode.phone_code_expired,
            ErrorCode.validation_failed,
            ErrorCode.idempotency_conflict,
        ),
    },
)
def create_patient(
    body: NewPatientRequest,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    limits: ServerLimits,
    idempotency_key: IdempotencyKeyHeader,
    remote: RemoteClinical,
) -> Response:
    """The new patient, masked, with a visit token (as ``identifyPatient`` gives) and the
    patient card number. The phone code from ``requestPhoneCode`` is checked first; a wrong
    one costs a try even though nothing is made. An ID number with a record is 409
    ``patient_exists``: identify the patient with it instead."""
    key = require_key(idempotency_key)
    checked = enrolment.check_request(body)
    made: tuple[Patient, str] | None = None
    if not answered(conn, kiosk_id, key):
        try:
            if remote is None:
                enrolment.refuse_existing(conn, checked.id_number)
            else:
                enrolment.refuse_existing_at(remote, checked.id_number, now.date())
            enrolment.verify_code(conn, kiosk_id, checked.phone, checked.phone_code, now)
        except ApiError:
            # A resend racing its own first try finds the record made (or the code used) by
            # it: that try's answer is replayed below instead.
            if not answered(conn, kiosk_id, key):
                raise
        else:
            if remote is not None:  # asked before the server's write transaction opens
                made = enrolment.create_at_hospital(conn, remote, checked, now)

    def action() -> tuple[int, Any]:
        if remote is None:
            created = enrolment.create_patient(conn, kiosk_id, checked, now, limits)
        elif made is None:  # pragma: no cover - only an answered key comes here unmade
            raise RuntimeError("an answered createPatient is replayed, never run again")
        else:
            created = enrolment.finish_at_hospital(conn, kiosk_id, checked, made, now, limits)
        return 200, created.model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, key, body.model_dump(mode="json"), now, action
    )
