"""What the patient is told when a journey cannot go on, as data the UI turns into words.

Flows never build sentences: they pick a :class:`NoticeKind` (and facts such as a time) and the
UI maps each kind to one translated message with the next step. Every backend failure goes
through :func:`notice_for_error` so the mapping lives in one place.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

from kiosk.api.models import Appointment, ErrorCode
from kiosk.backend.errors import (
    BackendError,
    BackendRejectedError,
    BackendServerError,
    BackendTimeoutError,
    BackendUnreachableError,
)

log = logging.getLogger(__name__)


class NoticeKind(StrEnum):
    patient_not_found = "patient_not_found"
    invalid_resident_id = "invalid_resident_id"
    invalid_phone = "invalid_phone"
    unreadable_card = "unreadable_card"
    no_appointment_today = "no_appointment_today"
    too_early = "too_early"
    too_late = "too_late"
    cancelled = "cancelled"
    backend_unreachable = "backend_unreachable"
    backend_slow = "backend_slow"
    backend_failed = "backend_failed"
    printer_failed = "printer_failed"
    bills_unavailable = "bills_unavailable"  # held by another payment in progress, or paid
    session_over = "session_over"
    session_full = "session_full"  # and no other session of the department has room
    identify_rate_limited = "identify_rate_limited"  # this kiosk identified too many, too fast
    insurance_voucher_invalid = "insurance_voucher_invalid"  # the platform does not know it
    insurance_voucher_expired = "insurance_voucher_expired"  # refresh it in the app


@dataclass(frozen=True)
class Notice:
    """One message for the patient. ``at`` is the time a too-early window opens;
    ``appointment`` the one it is about; ``has_unpaid_bills`` offers paying them meanwhile;
    ``can_enrol`` offers making a record (建档) for an ID card that has none."""

    kind: NoticeKind
    at: dt.datetime | None = None
    appointment: Appointment | None = None
    has_unpaid_bills: bool = False
    can_enrol: bool = False


_REJECTION_NOTICES = {
    ErrorCode.patient_not_found: NoticeKind.patient_not_found,
    ErrorCode.too_early: NoticeKind.too_early,
    ErrorCode.too_late: NoticeKind.too_late,
    ErrorCode.cancelled: NoticeKind.cancelled,
    ErrorCode.too_many_identifications: NoticeKind.identify_rate_limited,
    ErrorCode.insurance_voucher_invalid: NoticeKind.insurance_voucher_invalid,
    ErrorCode.insurance_voucher_expired: NoticeKind.insurance_voucher_expired,
}


def notice_for_error(error: Exception, *, context: str) -> Notice:
    """The patient's message for a failed backend call; the detail goes to the log only."""
    log.warning("%s failed: %s: %s", context, type(error).__name__, _detail(error))
    if isinstance(error, BackendRejectedError) and error.code in _REJECTION_NOTICES:
        return Notice(_REJECTION_NOTICES[ErrorCode(error.code)])
    if isinstance(error, BackendUnreachableError):
        return Notice(NoticeKind.backend_unreachable)
    if isinstance(error, BackendTimeoutError):
        return Notice(NoticeKind.backend_slow)
    if isinstance(error, BackendServerError | BackendError):
        return Notice(NoticeKind.backend_failed)
    # A bug rather than a backend problem: still a plain message, never a traceback.
    log.error("%s raised an unexpected %s", context, type(error).__name__, exc_info=error)
    return Notice(NoticeKind.backend_failed)


def _detail(error: Exception) -> str:
    return error.detail if isinstance(error, BackendError) else type(error).__name__
