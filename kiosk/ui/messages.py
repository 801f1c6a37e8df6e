"""Every patient notice in words: a title, what happened, and what to do next.

The one place where :class:`~kiosk.flows.notices.NoticeKind` becomes translated text.
Placeholders are filled after translation, so translators see ``{window}``, not a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from kiosk.flows.notices import Notice, NoticeKind


@dataclass(frozen=True)
class NoticeText:
    title: str
    body: str
    next_step: str
    may_retry_identify: bool


def notice_text(notice: Notice, *, service_window: str) -> NoticeText:
    kind = notice.kind
    window = QCoreApplication.translate(
        "Notices", "Please go to service window {window} for help."
    ).format(window=service_window)
    identify_again = QCoreApplication.translate(
        "Notices", "Please try again, or choose another way to identify yourself."
    )
    if kind == NoticeKind.patient_not_found and notice.can_enrol:
        return NoticeText(
            QCoreApplication.translate("Notices", "No record yet"),
            QCoreApplication.translate(
                "Notices", "This ID card has no patient record at this hospital yet."
            ),
            QCoreApplication.translate(
                "Notices",
                "You can make a record and get a patient card here now; it takes a mobile "
                "phone for a text message code.",
            ),
            True,
        )
    if kind == NoticeKind.patient_not_found:
        return NoticeText(
            QCoreApplication.translate("Notices", "We could not find you"),
            QCoreApplication.translate("Notices", "No patient record matches this card or number."),
            identify_again + " " + window,
            True,
        )
    if kind == NoticeKind.invalid_resident_id:
        return NoticeText(
            QCoreApplication.translate("Notices", "Please check the number"),
            QCoreApplication.translate(
                "Notices",
                "This is not a valid resident ID number. It has 18 characters; the last may be X.",
            ),
            identify_again,
            True,
        )
    if kind == NoticeKind.invalid_phone:
        return NoticeText(
            QCoreApplication.translate("Notices", "Please check the number"),
            QCoreApplication.translate("Notices", "This is not a mobile phone number."),
            identify_again,
            True,
        )
    if kind == NoticeKind.unreadable_card:
        return NoticeText(
            QCoreApplication.translate("Notices", "The card could not be read"),
            QCoreApplication.translate("Notices", "The card or code was not recognised."),
            QCoreApplication.translate(
                "Notices", "Please place it on the reader again, or type your ID number."
            ),
            True,
        )
    if kind == NoticeKind.no_appointment_today:
        return NoticeText(
            QCoreApplication.translate("Notices", "No appointment today"),
            QCoreApplication.translate("Notices", "You have no appointment for today."),
            QCoreApplication.translate(
                "Notices",
                "You can register for a visit today with “Register” on the home screen, "
                "or at service window {window}.",
            ).format(window=service_window),
            False,
        )
    if kind == NoticeKind.too_early:
        opens = notice.at.astimezone().strftime("%H:%M") if notice.at else ""
        body = (
            QCoreApplication.translate(
                "Notices", "Check-in for this appointment opens at {time}."
            ).format(time=opens)
            if opens
            else QCoreApplication.translate(
                "Notices", "Check-in for this appointment has not opened yet."
            )
        )
        return NoticeText(
            QCoreApplication.translate("Notices", "Too early to check in"),
            body,
            QCoreApplication.translate("Notices", "Please come back to the kiosk then."),
            False,
        )
    if kind == NoticeKind.too_late:
        return NoticeText(
            QCoreApplication.translate("Notices", "Check-in has closed"),
            QCoreApplication.translate(
                "Notices", "The check-in time for this appointment has passed."
            ),
            window,
            False,
        )
    if kind == NoticeKind.cancelled:
        return NoticeText(
            QCoreApplication.translate("Notices", "Appointment cancelled"),
            QCoreApplication.translate("Notices", "This appointment has been cancelled."),
            window,
            False,
        )
    if kind == NoticeKind.backend_slow:
        return NoticeText(
            QCoreApplication.translate("Notices", "The hospital system is slow"),
            QCoreApplication.translate(
                "Notices", "The hospital system did not answer in time. Nothing was changed."
            ),
            QCoreApplication.translate("Notices", "Please try again in a moment.") + " " + window,
            False,
        )
    if kind == NoticeKind.printer_failed:
        return NoticeText(
            QCoreApplication.translate("Notices", "The ticket could not be printed"),
            QCoreApplication.translate(
                "Notices", "Your check-in is done, but the printer is not working."
            ),
            window,
            False,
        )
    if kind == NoticeKind.bills_unavailable:
        return NoticeText(
            QCoreApplication.translate("Notices", "These bills cannot be paid right now"),
            QCoreApplication.translate(
                "Notices",
                "A payment for them is already in progress, or they were just paid. "
                "Nothing was charged now.",
            ),
            QCoreApplication.translate("Notices", "Please try again in 5 minutes.") + " " + window,
            False,
        )
    if kind == NoticeKind.session_over:
        return NoticeText(
            QCoreApplication.translate("Notices", "This session has ended"),
            QCoreApplication.translate(
                "Notices", "The doctor's session is over, so it cannot be booked any more."
            ),
            QCoreApplication.translate("Notices", "Please choose another session."),
            False,
        )
    if kind == NoticeKind.session_full:
        return NoticeText(
            QCoreApplication.translate("Notices", "No places left"),
            QCoreApplication.translate(
                "Notices", "This session is full and the department has no free places soon."
            ),
            window,
            False,
        )
    if kind == NoticeKind.identify_rate_limited:
        return NoticeText(
            QCoreApplication.translate("Notices", "Please wait a moment"),
            QCoreApplication.translate(
                "Notices",
                "This kiosk has looked up many patients in a short time and is pausing briefly.",
            ),
            QCoreApplication.translate("Notices", "Please try again in a minute.") + " " + window,
            True,
        )
    if kind == NoticeKind.insurance_voucher_expired:
        return NoticeText(
            QCoreApplication.translate("Notices", "The insurance code has expired"),
            QCoreApplication.translate(
                "Notices", "Your medical insurance e-voucher QR code is no longer valid."
            ),
            QCoreApplication.translate(
                "Notices", "Please refresh the code in your app and show it to the scanner again."
            ),
            True,
        )
    if kind == NoticeKind.insurance_voucher_invalid:
        return NoticeText(
            QCoreApplication.translate("Notices", "The insurance code was not accepted"),
            QCoreApplication.translate(
                "Notices", "The medical insurance platform did not recognise this QR code."
            ),
            identify_again + " " + window,
            True,
        )
    if kind == NoticeKind.backend_unreachable:
        body = QCoreApplication.translate(
            "Notices", "The kiosk cannot reach the hospital system right now."
        )
    else:
        body = QCoreApplication.translate(
            "Notices", "The hospital system could not complete your request."
        )
    return NoticeText(
        QCoreApplication.translate("Notices", "Sorry, something went wrong"), body, window, False
    )
