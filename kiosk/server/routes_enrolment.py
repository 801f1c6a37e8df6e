"""First visit (建档/办卡): a phone code, then a record and a patient card number.

``createPatient`` answers like identify (masked patient and a visit token), so the kiosk goes
on to register the new patient at once. It runs once per Idempotency-Key: a resend after a
lost answer gets the same patient and card number.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.api.models import (
    API_PREFIX,
    ErrorCode,
    NewPatientRequest,
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

_AT_THE_HOSPITAL = documented_error(
    "The hospital's own system keeps the records (FHIR source): make it at a window",
    ErrorCode.enrolment_unavailable,
)


def _refuse_remote(remote: RemoteClinical) -> None:
    """Records of a FHIR-backed server are the hospital system's to make: a clear 409 (the
    kiosk sends the patient to the registration window), not a half-made record here."""
    if remote is not None:
        raise ApiError(
            409,
            ErrorCode.enrolment_unavailable,
            "New records are made at the hospital's registration window.",
        )


@router.post(
    "/enrolment/phone-codes",
    response_model=PhoneCodeSent,
    operation_id="requestPhoneCode",
    summary="Send a 6-digit code to a mobile number (first visit, 建档)",
    responses={
        409: _AT_THE_HOSPITAL,
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
    _refuse_remote(remote)
    return enrolment.send_code(conn, kiosk_id, body.phone, now)


@router.post(
    "/patients",
    response_model=PatientCreated,
    operation_id="createPatient",
    summary="Make a record and a patient card number for a first visit (建档/办卡)",
    responses={
        **IDEMPOTENT_ERRORS,
        409: documented_error(
            "The ID number has a record already, or records are made at the hospital",
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
    _refuse_remote(remote)
    key = require_key(idempotency_key)
    checked = enrolment.check_request(body)
    if not answered(conn, kiosk_id, key):
        try:
            enrolment.refuse_existing(conn, checked.id_number)
            enrolment.verify_code(conn, kiosk_id, checked.phone, checked.phone_code, now)
        except ApiError:
            # A resend racing its own first try finds the record made (or the code used) by
            # it: that try's answer is replayed below instead.
            if not answered(conn, kiosk_id, key):
                raise

    def action() -> tuple[int, Any]:
        created = enrolment.create_patient(conn, kiosk_id, checked, now, limits)
        return 200, created.model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, key, body.model_dump(mode="json"), now, action
    )
