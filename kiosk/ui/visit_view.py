"""Shows the visit flow on the window: one screen per step, overlays, idle handling.

Holds no journey logic. It forwards what the patient touches to the flow and shows what the
flow decided; the only state it keeps is presentation (large text, which overlay is up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton

from kiosk.flows.idle import IdleWatcher
from kiosk.flows.notices import Notice
from kiosk.flows.visit import PAY_BILLS_SERVICE, Step, VisitFlow, VisitJourney
from kiosk.services import Service
from kiosk.ui.main_window import NAVIGATION_KEYS, KioskWindow
from kiosk.ui.screens.appointments import TodayScreen, UpcomingScreen
from kiosk.ui.screens.base import Screen
from kiosk.ui.screens.cancellation import CancelledScreen, CancelScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.identify import DemoCard, IdentifyScreen
from kiosk.ui.screens.notice import NoticeScreen
from kiosk.ui.screens.out_of_order import OutOfOrderScreen
from kiosk.ui.screens.ticket import TicketScreen
from kiosk.ui.widgets.overlays import BusyOverlay, CountdownOverlay, TakeCardOverlay

OUT_OF_ORDER_PAUSE_MS = 8000

_PATIENT_INPUT = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
}


class VisitView(QObject):
    def __init__(
        self,
        window: KioskWindow,
        flow: VisitFlow,
        idle: IdleWatcher,
        *,
        services: Sequence[Service],
        service_window: str,
        demo_cards: Sequence[DemoCard],
        toggle_language: Callable[[], None],
        set_large_text: Callable[[bool], None],
        clock: Callable[[], dt.datetime],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.flow = flow
        self.idle = idle
        self._set_large_text = set_large_text
        self.large_text = False
        self.home = HomeScreen(services)
        self.identify = IdentifyScreen(demo_cards)
        self.today = TodayScreen(clock)
        self.upcoming = UpcomingScreen(clock)
        self.cancel = CancelScreen()
        self.cancelled = CancelledScreen()
        self.ticket = TicketScreen()
        self.notice = NoticeScreen(service_window)
        self.out_of_order = OutOfOrderScreen(service_window)
        self.screens: dict[Step, Screen] = {
            Step.service: self.home,  # placeholder: the service's own view shows its screens
            Step.home: self.home,
            Step.identify: self.identify,
            Step.looking_up: self.identify,
            Step.appointments: self.today,
            Step.checking_in: self.today,
            Step.upcoming: self.upcoming,
            Step.ticket: self.ticket,
            Step.notice: self.notice,
            Step.cancel: self.cancel,
            Step.cancelled: self.cancelled,
        }
        for screen in dict.fromkeys(self.screens.values()):
            window.add_screen(screen)
        window.add_screen(self.out_of_order)
        self.busy = BusyOverlay(window.screens)
        self.countdown = CountdownOverlay(window)
        self.take_card = TakeCardOverlay(window)

        self.home.service_chosen.connect(flow.choose)
        self._extra_screens: list[Screen] = []
        self.home.language_toggled.connect(toggle_language)
        self.home.large_text_toggled.connect(self._toggle_large_text)
        self.identify.typed_submitted.connect(flow.submit_typed)
        # A demo ID card may carry its holder's data, as the helper reader sends it.
        holders = {card.value: card.holder for card in demo_cards if card.holder is not None}
        self.identify.demo_card_presented.connect(
            lambda kind, value: flow.identifier_read(kind, value, holders.get(value))
        )
        self.identify.back_requested.connect(flow.go_home)
        self.today.check_in_requested.connect(flow.check_in)
        self.today.home_requested.connect(flow.go_home)
        self.upcoming.check_in_requested.connect(flow.check_in)
        self.upcoming.home_requested.connect(flow.go_home)
        self.upcoming.cancel_requested.connect(flow.ask_cancel)
        self.cancel.confirmed.connect(flow.confirm_cancel)
        self.cancel.back_requested.connect(flow.back_to_upcoming)
        self.cancel.home_requested.connect(flow.go_home)
        self.cancelled.back_requested.connect(flow.back_to_upcoming)
        self.cancelled.home_requested.connect(flow.go_home)
        self.ticket.reprint_requested.connect(flow.reprint)
        self.ticket.done.connect(flow.go_home)
        self.notice.retry_requested.connect(flow.retry_identify)
        self.notice.back_requested.connect(flow.back_to_appointments)
        self.notice.home_requested.connect(flow.go_home)
        self.notice.pay_bills_requested.connect(lambda: flow.continue_with(PAY_BILLS_SERVICE))
        self.notice.enrol_requested.connect(flow.enrol)
        self.busy.cancelled.connect(flow.go_home)
        self.countdown.more_time.connect(idle.touch)
        self.countdown.finish.connect(flow.go_home)

        flow.step_changed.connect(self._on_step_changed)
        flow.busy_changed.connect(self.busy.set_busy)
        flow.visit_wiped.connect(self._on_visit_wiped)
        flow.positions_changed.connect(lambda: self.upcoming.show_positions(flow.positions))
        flow.card_left_on_reader.connect(self.take_card.remind)
        idle.countdown_started.connect(self.countdown.start)
        idle.countdown_ticked.connect(self.countdown.update_seconds)
        idle.countdown_cancelled.connect(self.countdown.hide)
        idle.timed_out.connect(flow.go_home)
        # Every touch or key anywhere counts as "the patient is still here".
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication first")
        self._app = app
        app.installEventFilter(self)
        window.show_screen(self.home)
        self._recovery = QTimer(self, singleShot=True, interval=OUT_OF_ORDER_PAUSE_MS)
        self._recovery.timeout.connect(self.recover)

    def add_service_screens(self, *screens: Screen) -> None:
        """Another service's screens: on the window, and wiped with the visit."""
        for screen in screens:
            self.window.add_screen(screen)
            self._extra_screens.append(screen)

    def show_notice(self, notice: Notice) -> None:
        """A message from another service's flow, on the same notice screen."""
        self.notice.show_notice(notice, may_go_back=False)
        self.window.show_screen(self.notice)

    def show_out_of_order(self, *, permanent: bool) -> None:
        """After an internal error: wipe the visit, say so, and come back unless it repeats."""
        self.flow.go_home()
        self.flow.pause()
        self.window.show_screen(self.out_of_order)
        if permanent:
            self._recovery.stop()
        else:
            self._recovery.start()

    def recover(self) -> None:
        """Back in service (after a pause, or a technician cleared the fault)."""
        self._recovery.stop()
        self.flow.resume()
        self.window.show_screen(self.home)

    def _focus_first_control(self) -> bool:
        screen = self.window.current_screen()
        focused = self.window.focusWidget()
        if screen is None or (focused is not None and screen.isAncestorOf(focused)):
            return False
        for control in screen.findChildren(QAbstractButton):
            if control.isVisible() and control.isEnabled():
                control.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return False

    def detach(self) -> None:
        """Stop watching the application's input (the kiosk is shutting down)."""
        self._app.removeEventFilter(self)
        self.idle.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _PATIENT_INPUT:
            self.idle.touch()
            if isinstance(event, QKeyEvent):
                if event.key() in NAVIGATION_KEYS and not self.window.keypad_mode:
                    self.window.set_keypad_mode(True)
                    if self._focus_first_control():
                        return True  # the first key press lands on the screen's first control
            elif self.window.keypad_mode:
                self.window.set_keypad_mode(False)  # a touch: back to touch mode
        return False

    def _toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self._set_large_text(self.large_text)
        self.idle.set_slow_mode(self.large_text)
        self.home.large_text.setChecked(self.large_text)

    def _on_visit_wiped(self) -> None:
        for screen in [*dict.fromkeys(self.screens.values()), *self._extra_screens]:
            screen.wipe()
        self.countdown.hide()
        if self.large_text:
            self._toggle_large_text()

    def _on_step_changed(self, step: Step) -> None:
        flow = self.flow
        if step == Step.home:
            self.idle.stop()
        elif not self.idle.active:
            self.idle.start()
        if step in (Step.appointments, Step.checking_in) and flow.patient is not None:
            self.today.show_appointments(flow.patient, flow.appointments)
        elif step == Step.upcoming and flow.patient is not None:
            self.upcoming.show_positions(flow.positions)
            self.upcoming.show_appointments(flow.patient, flow.appointments)
        elif step == Step.ticket and flow.ticket is not None:
            self.ticket.show_ticket(
                flow.ticket, existing=flow.ticket_was_existing, print_failure=flow.print_failure
            )
        elif step == Step.notice and flow.notice is not None:
            self.notice.show_notice(flow.notice, may_go_back=bool(flow.appointments))
        elif step == Step.cancel and flow.cancelling is not None:
            self.cancel.show_appointment(
                flow.cancelling, refusal=flow.cancel_refusal, problem=flow.cancel_problem
            )
        elif step == Step.cancelled and flow.cancellation is not None:
            self.cancelled.show_result(flow.cancellation)
        if step == Step.checking_in and flow.intent == VisitJourney.appointments:
            self.window.show_screen(self.upcoming)  # checking in from My appointments
        elif step != Step.service:  # the service's own view picks its screen
            self.window.show_screen(self.screens[step])
