"""Every service the kiosk offers, each declared once.

Configuration checks ``[kiosk] services`` against this table, the home screen makes a tile of
each enabled entry, and ``app.py`` builds each entry's flow and offers it to the visit, and
builds its view once the home screen is painted. Adding a service is one entry here plus its
own flow, view and screens.

Builders import their flow when called and their view when it is built, so reading the table
(``check-config``) loads no widgets. Together with ``app.py`` they are the composition root:
the only code that knows concrete flows and views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject

from kiosk.flows.visit import VisitJourney

if TYPE_CHECKING:
    from kiosk.backend.client import KioskApiClient
    from kiosk.config import KioskConfig
    from kiosk.devices.printing.tickets import TicketPrinting
    from kiosk.devices.readers import Reader
    from kiosk.flows.visit import ServiceFlow, VisitFlow
    from kiosk.journal import Journal
    from kiosk.outbox import OutboxSender
    from kiosk.report_printing import ReportPrinter
    from kiosk.runner import Runner
    from kiosk.ui.visit_view import VisitView

TRANSLATION_CONTEXT = "Services"  # the tiles' titles and subtitles in translations/*.ts
REGISTRATION = "registration"  # also reached from the hospital guide's schedules


@dataclass(frozen=True)
class ServiceParts:
    """What a service's builder may use: the kiosk's shared collaborators."""

    config: KioskConfig
    client: KioskApiClient
    runner: Runner
    visit: VisitFlow
    visit_view: VisitView
    journal: Journal
    printing: TicketPrinting
    readers: Sequence[Reader]  # the scanners also read payment codes when asked
    report_printer: ReportPrinter | None  # the A4 printer of reports; None: at the window
    outbox: OutboxSender
    clock: Callable[[], dt.datetime]
    owner: QObject  # the parent of every flow
    journey: Callable[[str], Journey]  # another service's journey, built on first use

    def today(self) -> dt.date:
        return self.clock().date()


@dataclass(frozen=True)
class Journey:
    """One built service: its flow (offered to the visit), how its view is built, and what
    starts with it. The views' screens were most of the start-up: ``Kiosk`` builds them after
    the first frame, or before the visit first leaves the home screen if that comes sooner."""

    flow: ServiceFlow
    build_view: Callable[[], QObject]
    start: Callable[[], None] | None = None  # run by ``Kiosk.start`` (e.g. reconciliation)


@dataclass(frozen=True)
class Service:
    """One service: its name in the config, its tile, and how its journey is built.

    ``title`` and ``subtitle`` are English source strings, translated in the ``Services``
    context. ``build`` is None for the visit's own journeys (check-in, my appointments).
    """

    name: str
    title: str
    subtitle: str
    needs_identification: bool
    build: Callable[[ServiceParts], Journey] | None = None


def _build_registration(parts: ServiceParts) -> Journey:
    from kiosk.flows.payment import PaymentFlow
    from kiosk.flows.registration import RegistrationFlow

    fees = parts.journey("payment").flow  # a registration with a fee is paid like a bill
    if not isinstance(fees, PaymentFlow):
        raise TypeError("registration needs the payment service's flow")
    flow = RegistrationFlow(
        parts.client,
        parts.runner,
        parts.visit,
        fees,
        parts.printing,
        clock=parts.clock,
        service_name=REGISTRATION,
        hospital_name=parts.config.kiosk.hospital_name,
        parent=parts.owner,
    )
    parts.printing.print_failed.connect(flow.printer_failed)

    def view() -> QObject:
        from kiosk.ui.registration_view import RegistrationView

        return RegistrationView(parts.visit_view, flow, clock=parts.clock)

    return Journey(flow, view)


def _build_payment(parts: ServiceParts) -> Journey:
    from kiosk.flows.payment import PaymentFlow

    flow = PaymentFlow(
        parts.client,
        parts.runner,
        parts.visit,
        parts.journal,
        parts.printing,
        hospital_name=parts.config.kiosk.hospital_name,
        clock=parts.clock,
        parent=parts.owner,
    )
    parts.printing.print_failed.connect(flow.printer_failed)
    for reader in parts.readers:  # the payment code comes through the e-health code's scanner
        flow.payment_code_wanted.connect(reader.read_payment_codes)
        reader.payment_code_read.connect(flow.payment_code_scanned)

    def view() -> QObject:
        from kiosk.ui.payment_view import PaymentView

        return PaymentView(
            parts.visit_view,
            flow,
            service_window=parts.config.kiosk.service_window,
            demo=parts.config.demo,
        )

    # Whatever a crash or power cut left unsettled is settled once the kiosk starts.
    return Journey(flow, view, start=flow.reconcile)


def _build_reports(parts: ServiceParts) -> Journey:
    from kiosk.flows.reports import ReportsFlow

    flow = ReportsFlow(
        parts.client,
        parts.runner,
        parts.visit,
        parts.journal,
        parts.outbox,
        parts.report_printer,
        parent=parts.owner,
    )

    def view() -> QObject:
        from kiosk.ui.reports_view import ReportsView

        return ReportsView(parts.visit_view, flow, service_window=parts.config.kiosk.service_window)

    # Report jobs a stopped kiosk left behind are settled once the kiosk starts.
    return Journey(flow, view, start=flow.reconcile)


def _build_receipts(parts: ServiceParts) -> Journey:
    from kiosk.flows.receipts import ReceiptsFlow

    flow = ReceiptsFlow(
        parts.client,
        parts.runner,
        parts.visit,
        parts.journal,
        parts.printing,
        hospital_name=parts.config.kiosk.hospital_name,
        parent=parts.owner,
    )

    def view() -> QObject:
        from kiosk.ui.receipts_view import ReceiptsView

        return ReceiptsView(
            parts.visit_view, flow, cashier_window=parts.config.kiosk.service_window
        )

    return Journey(flow, view)


def _build_info(parts: ServiceParts) -> Journey:
    from kiosk.flows.info import InfoFlow
    from kiosk.flows.registration import RegistrationFlow

    registration: RegistrationFlow | None = None
    if REGISTRATION in parts.config.kiosk.services:  # a schedule's sessions lead to it
        built = parts.journey(REGISTRATION).flow
        if not isinstance(built, RegistrationFlow):
            raise TypeError("the hospital guide needs the registration service's flow")
        registration = built
    flow = InfoFlow(
        parts.client,
        parts.runner,
        parts.visit,
        registration=registration,
        today=parts.today,
        parent=parts.owner,
    )

    def view() -> QObject:
        from kiosk.ui.info_view import InfoView

        return InfoView(parts.visit_view, flow, clock=parts.clock)

    return Journey(flow, view)


def _build_feedback(parts: ServiceParts) -> Journey:
    from kiosk.api.models import FeedbackRequest
    from kiosk.flows.feedback import OUTBOX_KIND, FeedbackFlow

    client = parts.client
    parts.outbox.register(
        OUTBOX_KIND,
        lambda body, key: client.send_feedback(
            FeedbackRequest.model_validate(body), idempotency_key=key
        ),
    )
    flow = FeedbackFlow(parts.visit, parts.journal, parts.outbox, parts.runner, parent=parts.owner)

    def view() -> QObject:
        from kiosk.ui.feedback_view import FeedbackView

        return FeedbackView(parts.visit_view, flow)

    return Journey(flow, view)


# In the order of the default tiles (``[kiosk] services`` may choose and reorder them).
SERVICES: tuple[Service, ...] = (
    Service(
        VisitJourney.checkin,
        str(QT_TRANSLATE_NOOP("Services", "Check in")),
        str(QT_TRANSLATE_NOOP("Services", "Appointment today")),
        needs_identification=True,
    ),
    Service(
        VisitJourney.appointments,
        str(QT_TRANSLATE_NOOP("Services", "My appointments")),
        str(QT_TRANSLATE_NOOP("Services", "The next 30 days")),
        needs_identification=True,
    ),
    Service(
        REGISTRATION,
        str(QT_TRANSLATE_NOOP("Services", "Register")),
        str(QT_TRANSLATE_NOOP("Services", "See a doctor today")),
        needs_identification=True,
        build=_build_registration,
    ),
    Service(
        "payment",
        str(QT_TRANSLATE_NOOP("Services", "Pay bills")),
        str(QT_TRANSLATE_NOOP("Services", "Fees, receipts, pharmacy")),
        needs_identification=True,
        build=_build_payment,
    ),
    Service(
        "reports",
        str(QT_TRANSLATE_NOOP("Services", "Reports")),
        str(QT_TRANSLATE_NOOP("Services", "Lab and imaging, printed")),
        needs_identification=True,
        build=_build_reports,
    ),
    Service(
        "receipts",
        str(QT_TRANSLATE_NOOP("Services", "Reprint a receipt")),
        str(QT_TRANSLATE_NOOP("Services", "Past payments, printed again")),
        needs_identification=True,
        build=_build_receipts,
    ),
    Service(
        "info",
        str(QT_TRANSLATE_NOOP("Services", "Hospital guide")),
        str(QT_TRANSLATE_NOOP("Services", "Doctors, prices, floors")),
        needs_identification=False,
        build=_build_info,
    ),
    Service(
        "feedback",
        str(QT_TRANSLATE_NOOP("Services", "Feedback")),
        str(QT_TRANSLATE_NOOP("Services", "Tell us how we did")),
        needs_identification=False,
        build=_build_feedback,
    ),
)


def registry() -> tuple[Service, ...]:
    """The table as it is now (read at call time, so a test may add an entry)."""
    return SERVICES


def service_names() -> tuple[str, ...]:
    return tuple(str(service.name) for service in registry())
