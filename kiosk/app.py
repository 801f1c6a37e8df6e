"""The composition root: the only module that builds concrete objects from the configuration.

Everything else receives its collaborators, so tests and the walkthrough can build the same
window with other parts.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QLoggingCategory, QObject, QTimer, Signal
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk import __version__
from kiosk.api.models import DeviceState, IdentifierKind
from kiosk.backend.client import KioskApiClient
from kiosk.config import KioskConfig, PrinterSection, app_cache_dir, app_data_dir, demo_config
from kiosk.crash import CrashGuard
from kiosk.devices.dispenser import create_dispenser
from kiosk.devices.dispenser.service import DispenserService
from kiosk.devices.manager import DeviceManager
from kiosk.devices.parsing import Identifier, ParsingRules
from kiosk.devices.printing.drivers import create_connection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import Language
from kiosk.devices.printing.samples import sample_layout
from kiosk.devices.printing.service import PrinterService, print_within
from kiosk.devices.printing.tickets import TicketPrinting
from kiosk.devices.readers import Reader, ReaderError, create_reader
from kiosk.devices.report_printer import create_report_printer
from kiosk.diagnostics.bundle import BundleParts
from kiosk.diagnostics.counters import CounterBook
from kiosk.diagnostics.pin import PinGate
from kiosk.fleet import BundleUploader, HeartbeatSender
from kiosk.flows.base import Flow
from kiosk.flows.first_visit import FirstVisitFlow
from kiosk.flows.idle import IdleWatcher
from kiosk.flows.reports import ReportsFlow
from kiosk.flows.staff_call import CallStep, StaffCallFlow
from kiosk.flows.visit import POSITION_REFRESH_S, Step, VisitFlow
from kiosk.identity import CardHolder
from kiosk.journal import Journal
from kiosk.logs import RecentProblems, configure_logging, log_file
from kiosk.outbox import OutboxSender
from kiosk.runner import Runner, background_executor
from kiosk.server.loopback import listening_socket
from kiosk.services import Journey, ServiceParts, registry
from kiosk.stop_signals import quit_on_signals
from kiosk.ui.i18n import Translations
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.screens.base import Screen
from kiosk.ui.screens.identify import DemoCard
from kiosk.ui.sounds import SoundCues
from kiosk.ui.technician_view import TechnicianView
from kiosk.ui.theme import (
    GlyphWarmer,
    apply_theme,
    body_font,
    large_text_fonts,
    register_fonts,
    stylesheet,
)
from kiosk.ui.visit_view import VisitView
from kiosk.ui.voice import QtSpeech, SpeechOutput, VoiceGuide
from kiosk.ui.widgets.header import HeaderBar
from kiosk.ui.widgets.keypad import Keypad
from kiosk.ui.widgets.staff_call import StaffCallOverlay
from kiosk.usage import BATCH_SIZE as USAGE_BATCH_SIZE
from kiosk.usage import FIRST_VISIT, UsageRecorder, send_valid
from kiosk.usage import OUTBOX_KIND as USAGE_OUTBOX_KIND

if TYPE_CHECKING:
    from kiosk.server.embedded import EmbeddedServer
    from kiosk.ui.first_visit_view import FirstVisitView

PartT = TypeVar("PartT")

log = logging.getLogger(__name__)


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


EXIT_RESTART = 75  # EX_TEMPFAIL: the technician asked for a restart; the service manager obliges


class Kiosk(QObject):
    """Builds and owns the parts of one running kiosk, starts them, and stops them in order.

    Building starts nothing: :meth:`start` starts the devices, each service's background work
    (payment reconciliation), the outbox, the heartbeat and the crash guard. The caller owns
    the Kiosk and keeps it for as long as its ``window`` is up; the parts are its Qt children
    and end with it at :meth:`shutdown`. The window is the caller's to close.

    Signals:
        quit_requested: the exit code the application should end with (restart, desktop).
    """

    quit_requested = Signal(int)

    def __init__(
        self,
        config: KioskConfig,
        app: QApplication,
        *,
        printer: PrinterService | None = None,
        idle: IdleWatcher | None = None,
        executor: Executor | None = None,
        speech: SpeechOutput | None = None,
        clock: Callable[[], dt.datetime] = local_now,
        journal: Journal | None = None,
        position_refresh_s: float = POSITION_REFRESH_S,
    ) -> None:
        super().__init__()
        self.config = config
        self.clock = clock
        self._app = app
        self._started = False
        self._stopped = False
        self._build_backend(journal, executor)
        self._build_devices(printer)
        self._build_visit(idle, position_refresh_s)
        self._build_services()
        self._build_first_visit()
        self._build_assistance(speech)
        self._build_staff_call()
        # The services' screens (about 200 ms of widgets) come after the home screen's first
        # frame, or as soon as the visit leaves the home screen if a card or a tap is sooner.
        self.views: dict[str, QObject] = {}
        self._first_visit_view: FirstVisitView | None = None
        after_first_paint(self.window, self.build_views)
        self.flow.step_changed.connect(self._build_views_on_leaving_home)

    # -- building ----------------------------------------------------------------------------

    def _build_backend(self, journal: Journal | None, executor: Executor | None) -> None:
        config = self.config
        # Pending payments and unsent feedback survive a crash here (see kiosk.journal).
        self.journal = journal or Journal(journal_path(config))
        self.client = KioskApiClient(
            config.backend.url,
            config.backend.token,
            config.kiosk.id,
            ca_bundle=config.backend.ca_bundle,
            connect_timeout_s=config.backend.connect_timeout_s,
            read_timeout_s=config.backend.read_timeout_s,
            deadline_s=config.backend.deadline_s,
        )
        self._executor = executor or background_executor("backend")
        self.runner = Runner(self._executor, parent=self)
        self.outbox = OutboxSender(self.journal, self.runner, parent=self)

    def _build_devices(self, printer: PrinterService | None) -> None:
        # Its own thread for the counters' file: a slow disk never holds up a print job.
        self._counters_executor = background_executor("counters", workers=1)
        clock = self.clock
        counters = CounterBook(
            device_counters_path(self.config),
            self._counters_executor,
            today=lambda: clock().date(),
        )
        self.devices = build_devices(self.config, printer=printer, counters=counters, now=clock)
        self.devices.setParent(self)
        self.printer = self.devices.printer
        self.ticket_printing = TicketPrinting(self.printer, self._ticket_language, parent=self)

    def _build_visit(self, idle: IdleWatcher | None, position_refresh_s: float) -> None:
        config, clock = self.config, self.clock
        self.translations = Translations(self._app)
        self.translations.switch_to(config.kiosk.language)
        self._font_family = register_fonts()
        apply_theme(self._app, self._font_family, config.kiosk.theme)
        self.flow = VisitFlow(
            self.client,
            self.runner,
            self.ticket_printing,
            hospital_name=config.kiosk.hospital_name,
            today=lambda: clock().date(),
            clock=clock,
            position_refresh_s=position_refresh_s,
            parent=self,
        )
        self.ticket_printing.print_failed.connect(self.flow.printer_failed)
        self.idle = idle or IdleWatcher(config.idle.warn_after_s, config.idle.countdown_s)
        self.idle.setParent(self)
        self._build_usage()
        for reader in self.devices.readers:
            reader.identifier_read.connect(self._on_identifier_read)
            reader.input_rejected.connect(lambda _reason: self.flow.identifier_rejected())
            # A card, a code or a scan is the patient at the kiosk: the idle wait starts over.
            for read in (reader.identifier_read, reader.payment_code_read, reader.input_rejected):
                read.connect(lambda *_: self.idle.touch())
        self.window = KioskWindow(
            HeaderBar(config.kiosk.hospital_name, config.kiosk.hospital_name_en, clock=clock)
        )
        offered = {service.name: service for service in registry()}
        self.view = VisitView(
            self.window,
            self.flow,
            self.idle,
            services=[offered[name] for name in config.kiosk.services],
            service_window=config.kiosk.service_window,
            demo_cards=_demo_cards() if config.demo else (),
            toggle_language=self._toggle_language,
            set_large_text=self._set_large_text,
            clock=clock,
        )
        self.flow.visit_wiped.connect(self._restore_language)
        after_first_paint(self.window, self._warm_large_text)

    def _build_usage(self) -> None:
        """Usage events from the visit; the services' and the staff call's are added as
        they are built. Connected to the idle timeout before the view is, so the wipe that
        the timeout causes is known as one."""
        # Its own thread for the journal writes: they never wait behind, or hold up, a
        # patient's backend call.
        self._usage_executor = background_executor("usage", workers=1)
        self.usage = UsageRecorder(
            self.journal,
            Runner(self._usage_executor, parent=self),
            self.outbox,
            clock=self.clock,
            parent=self,
        )
        send = self.client.send_usage_events
        self.outbox.register_batch(
            USAGE_OUTBOX_KIND, lambda bodies: send_valid(send, bodies), USAGE_BATCH_SIZE
        )
        self.idle.timed_out.connect(self.usage.idle_timed_out)
        flow = self.flow
        flow.service_chosen.connect(self.usage.service_chosen)
        flow.identification_started.connect(self.usage.identification_started)
        flow.step_changed.connect(lambda step: self.usage.visit_step(str(step)))
        flow.visit_wiped.connect(self.usage.visit_wiped)
        self.ticket_printing.ticket_printed.connect(self.usage.ticket_printed)
        self.ticket_printing.print_failed.connect(self.usage.ticket_failed)

    def _build_services(self) -> None:
        """Every registered service's flow and view, offered to the visit under its name."""
        self.journeys: dict[str, Journey] = {}
        services = {service.name: service for service in registry()}

        def journey(name: str) -> Journey:
            if name not in self.journeys:
                build = services[name].build
                if build is None:
                    raise KeyError(f"the service {name!r} is the visit's own journey")
                self.journeys[name] = build(parts)
            return self.journeys[name]

        parts = ServiceParts(
            config=self.config,
            client=self.client,
            runner=self.runner,
            visit=self.flow,
            visit_view=self.view,
            journal=self.journal,
            printing=self.ticket_printing,
            readers=self.devices.readers,
            report_printer=self.devices.report_printer,
            outbox=self.outbox,
            clock=self.clock,
            owner=self,
            journey=journey,
        )
        for service in services.values():
            if service.build is not None:
                built = journey(service.name).flow
                self.flow.offer(
                    service.name, built, needs_identification=service.needs_identification
                )
                if isinstance(built, Flow):
                    built.step_changed.connect(
                        lambda step, name=str(service.name): self.usage.service_step(
                            name, str(step)
                        )
                    )
                if isinstance(built, ReportsFlow):  # a stopped queue is the technician's too
                    built.printer_state_changed.connect(self.devices.set_report_printer_state)

    def _build_first_visit(self) -> None:
        """建档/办卡: offered on the "no record" notice of an ID card (no home tile); the slip
        goes to the ticket printer, the card to the dispenser where one is configured."""
        dispenser = self.devices.dispenser
        self.first_visit = FirstVisitFlow(
            self.client,
            self.runner,
            self.flow,
            self.ticket_printing,
            hospital_name=self.config.kiosk.hospital_name,
            clock=self.clock,
            dispense=dispenser.dispense if dispenser is not None else None,
            parent=self,
        )
        if dispenser is not None:
            dispenser.card_dispensed.connect(self.first_visit.card_dispensed)
            dispenser.dispense_failed.connect(self.first_visit.dispense_failed)
        self.first_visit.step_changed.connect(
            lambda step: self.usage.service_step(FIRST_VISIT, str(step))
        )

    def build_views(self) -> None:
        """Every service's view and screens, and the first visit's; once."""
        if self._first_visit_view is not None:
            return
        from kiosk.ui.first_visit_view import FirstVisitView

        for name, journey in self.journeys.items():
            self.views[name] = journey.build_view()
        self._first_visit_view = FirstVisitView(
            self.view, self.first_visit, service_window=self.config.kiosk.service_window
        )

    def _build_views_on_leaving_home(self, step: Step) -> None:
        if step != Step.home:
            self.build_views()

    @property
    def first_visit_view(self) -> FirstVisitView:
        self.build_views()
        assert self._first_visit_view is not None
        return self._first_visit_view

    def _build_assistance(self, speech: SpeechOutput | None) -> None:
        """Crash guard, voice and sounds, diagnostics, and the heartbeat to the fleet page."""
        config = self.config
        self.crash_guard = CrashGuard(parent=self)
        self.crash_guard.crashed.connect(self._on_crashed)
        self.crash_guard.out_of_order_changed.connect(self._on_out_of_order_changed)
        self.runner.task_failed_unexpectedly.connect(self.crash_guard.report_failure)
        # Qt Multimedia probes for optional codec libraries and warns about each one missing.
        QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false")
        self.voice = VoiceGuide(speech or QtSpeech(), parent=self)
        if not self.voice.output.available:
            log.info("voice guidance off: %s", self.voice.output.reason)
        self.sounds = SoundCues(parent=self)
        after_first_paint(self.window, self.sounds.load)
        self._connect_accessibility(self._app)
        self.problems = RecentProblems()
        logging.getLogger().addHandler(self.problems)
        self.heartbeat = HeartbeatSender(
            self.client.heartbeat,
            self.runner,
            self.devices.device_states,
            lambda: self.crash_guard.last_error,
            clock=self.clock,
            parent=self,
        )
        self._build_bundles()
        self.technician = TechnicianView(
            self.window,
            self.view,
            PinGate(config.technician.pin_hash, state_path=pin_lockout_path(config)),
            self.runner,
            self.devices,
            self.client,
            config,
            log_path=log_file(config),
            problems=self.problems,
            restart=lambda: self.quit_requested.emit(EXIT_RESTART),
            exit_to_desktop=self._exit_to_desktop,
            voice=self.voice,
            sounds=self.sounds,
            heartbeat=self.heartbeat,
            crashes=self.crash_guard,
            clock=self.clock,
        )

    def _build_bundles(self) -> None:
        """The diagnostics bundle the fleet page asks for at a heartbeat: made and sent on a
        thread of its own, so a few seconds of compressing logs never hold up a patient."""
        config, heartbeat = self.config, self.heartbeat
        self._bundle_executor = background_executor("bundle", workers=1)

        def gather(request_id: str) -> BundleParts:
            now = time.monotonic()
            return BundleParts(
                request_id=request_id,
                config=config,
                log_path=log_file(config),
                uptime_s=heartbeat.uptime_s(),
                devices=self.devices.device_states(),
                crashes=list(self.crash_guard.recent),
                problems=list(self.problems.lines),
                heartbeats=[
                    (
                        now - beat.at,
                        None if beat.round_trip_s is None else beat.round_trip_s * 1000,
                        beat.error,
                    )
                    for beat in heartbeat.history()
                ],
                clock_offset_s=heartbeat.clock_offset_s,
            )

        self.bundles = BundleUploader(
            self.client.upload_diagnostics_bundle,
            Runner(self._bundle_executor, parent=self),
            gather,
            parent=self,
        )
        heartbeat.beat_sent.connect(self.bundles.on_heartbeat)

    def _build_staff_call(self) -> None:
        """呼叫工作人员 on every screen: the header's button, the call's flow and its overlay."""
        self.staff_call = StaffCallFlow(
            self.client, self.runner, screen=self._current_screen_name, parent=self
        )
        self.staff_call_overlay = StaffCallOverlay(self.window, lambda: self.staff_call.waited_s)
        self.window.header.call_staff.clicked.connect(self.staff_call.call)
        self.staff_call_overlay.cancel_requested.connect(self.staff_call.cancel)
        self.staff_call.step_changed.connect(self._on_staff_call_step)
        self.staff_call.step_changed.connect(
            lambda step: self.usage.staff_called() if step == CallStep.sending else None
        )
        self.flow.visit_wiped.connect(self.staff_call.end)

    def _current_screen_name(self) -> str:
        screen = self.window.current_screen()
        return screen.objectName() if screen is not None else ""

    def _on_staff_call_step(self, step: CallStep) -> None:
        self.staff_call_overlay.show_step(step)
        if step in (CallStep.sending, CallStep.waiting, CallStep.acknowledged):
            # The patient stands waiting for a person: no "are you still there?" meanwhile.
            self.idle.stop()
        elif self.flow.step != Step.home and not self.idle.active:
            self.idle.start()
        if step != CallStep.idle:
            self.voice.instruct(self.staff_call_overlay.instruction())

    def part(self, kind: type[PartT]) -> PartT:
        """A service's flow or view by its class (tests and tools look inside the journeys)."""
        self.build_views()
        for name, journey in self.journeys.items():
            for part in (journey.flow, self.views[name]):
                if isinstance(part, kind):
                    return part
        raise LookupError(f"no service part of type {kind.__name__}")

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start what runs in the background; once."""
        if self._started:
            return
        self._started = True
        self.devices.start()
        for journey in self.journeys.values():
            if journey.start is not None:
                journey.start()
        self.outbox.start()
        self.usage.start()
        self.heartbeat.start()
        self.crash_guard.install()

    def shutdown(self) -> None:
        """Stop everything once and end the kiosk (called by aboutToQuit, and by tests).

        The parts are deleted when control returns to the event loop, so no timer of a
        finished kiosk (a feedback's thanks, a payment's retry) acts after it.
        """
        if self._stopped:
            return
        self._stopped = True
        self.heartbeat.stop()
        self.outbox.stop()
        self.usage.stop()
        self.staff_call.end()  # no more questions about a call once the kiosk stops
        self.flow.pause()  # nor about queue positions
        self.devices.stop()
        self.crash_guard.uninstall()
        self._app.focusChanged.disconnect(self._on_focus_changed)
        logging.getLogger().removeHandler(self.problems)
        self.view.detach()
        self.window.allow_close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._usage_executor.shutdown(wait=True)  # the last usage events reach the journal
        self._counters_executor.shutdown(wait=True)  # and the last counts their file
        self._bundle_executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()
        self.journal.close()
        self.translations.uninstall()
        self.deleteLater()

    def _connect_accessibility(self, app: QApplication) -> None:
        """Voice on every screen and focused control; a physical keypad everywhere."""
        # The arrows reach the header's controls after the screen's without any tab order of
        # ours: the header is built first, and its controls (or the portrait bottom bar) come
        # round after the last control of the chain (tests/ui/test_keypad_and_voice.py).
        header, window = self.window.header, self.window
        self._show_sound_state()
        header.repeat_requested.connect(self.voice.repeat)
        header.mute_toggled.connect(self._toggle_mute)
        header.volume_requested.connect(self._next_volume)
        window.help_pressed.connect(self.voice.repeat)
        window.screen_shown.connect(self._on_screen_shown)
        window.digit_typed.connect(self._on_digit_typed)
        window.back_pressed.connect(self._on_back_pressed)
        app.focusChanged.connect(self._on_focus_changed)

    def _show_sound_state(self) -> None:
        step, steps = self.voice.volume_step
        self.window.header.show_sound(muted=self.voice.muted, step=step, steps=steps)

    def _toggle_mute(self) -> None:
        self.voice.toggle_mute()
        self._show_sound_state()

    def _next_volume(self) -> None:
        self.voice.next_volume()
        self._show_sound_state()

    def _on_screen_shown(self, screen: QWidget) -> None:
        if not isinstance(screen, Screen):
            return
        if screen is self.view.ticket:
            self.sounds.play("success", volume=self.voice.volume, muted=self.voice.muted)
        elif screen in (self.view.notice, self.view.out_of_order):
            self.sounds.play("error", volume=self.voice.volume, muted=self.voice.muted)
        self.voice.instruct(screen.instruction())

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self.window.show_focus(new)
        if (
            self.window.keypad_mode
            and isinstance(new, QAbstractButton)
            and self.window.isAncestorOf(new)
        ):
            self.voice.say(new.accessibleName() or new.text())

    def _on_digit_typed(self, digit: str) -> None:
        keypad = getattr(self.window.current_screen(), "keypad", None)
        if isinstance(keypad, Keypad):
            keypad.press(digit)

    def _on_back_pressed(self) -> None:
        screen = self.window.current_screen()
        keypad = getattr(screen, "keypad", None)
        if isinstance(keypad, Keypad) and keypad.text:
            keypad.backspace()
        elif self.technician.active:
            self.technician.resume()
        elif screen is not self.view.home:
            self.flow.go_home()

    def _exit_to_desktop(self) -> None:
        self.window.allow_close()
        self.quit_requested.emit(0)

    def _on_crashed(self, summary: str) -> None:
        self.view.show_out_of_order(permanent=self.crash_guard.out_of_order)

    def _on_out_of_order_changed(self, out_of_order: bool) -> None:
        if out_of_order:
            self.view.show_out_of_order(permanent=True)
        else:
            self.view.recover()

    def _on_identifier_read(self, identifier: Identifier) -> None:
        self.flow.identifier_read(identifier.kind, identifier.value, identifier.holder)

    def _warm_large_text(self) -> None:
        """Draw the home screen's and the header's characters in every large-text font off
        screen while the kiosk waits on its home screen: the first drawing of glyphs at a new
        size was most of the large-text switch's stall."""
        texts = []
        for part in (self.window.header, self.view.home):
            texts += [label.text() for label in part.findChildren(QLabel)]
            texts += [button.text() for button in part.findChildren(QAbstractButton)]
        self.glyph_warmer = GlyphWarmer(
            large_text_fonts(self._font_family),
            "".join(sorted(set("".join(texts)) - set(" \n"))),
            idle=lambda: self.flow.step == Step.home and not self.view.large_text,
            parent=self,
        )
        self.glyph_warmer.start()

    def _set_large_text(self, on: bool) -> None:
        self._app.setFont(body_font(self._font_family, large_text=on))
        large = stylesheet(self.config.kiosk.theme, large_text=True)
        self.window.set_screen_style(large if on else "")

    def _toggle_language(self) -> None:
        self.translations.switch_to("en" if self.translations.language == "zh_CN" else "zh_CN")

    def _restore_language(self) -> None:
        """The next patient starts in the kiosk's default language (a visit wiped after the
        kiosk stopped, as its window closes, leaves the application's translators alone)."""
        if not self._stopped:
            self.translations.switch_to(self.config.kiosk.language)

    def _ticket_language(self) -> Language:
        return "en" if self.translations.language == "en" else "zh_CN"


def journal_path(config: KioskConfig) -> Path:
    """One journal per kiosk id, so a demo run never reconciles against the real hospital."""
    return app_data_dir() / f"journal-{config.kiosk.id}.sqlite3"


def pin_lockout_path(config: KioskConfig) -> Path:
    """The technician PIN's wrong tries and lockout, kept across restarts (owner-only)."""
    return app_data_dir() / f"pin-lockout-{config.kiosk.id}.json"


# The demo's first-visit ID card: valid, and no demo patient's.
DEMO_NEW_PATIENT = CardHolder("110101199208150023", "林晓雨", "北京市东城区东长安街1号")


def _demo_cards() -> list[DemoCard]:
    """Buttons standing in for the card reader in the demo (the demo hospital's fixed patients)."""
    # The demo hospital's fixed patients, from its data alone: the rest of the server waits
    # until after the first frame (DemoHospital).
    from kiosk.server.seed_data import FIXED_PATIENTS, VOUCHER_SCENARIOS, demo_voucher

    labels: dict[str, str] = {
        "one_in_window": str(QT_TRANSLATE_NOOP("DemoCards", "One appointment now")),
        "two_today": str(QT_TRANSLATE_NOOP("DemoCards", "Two appointments today")),
        "too_early": str(QT_TRANSLATE_NOOP("DemoCards", "Too early")),
        "too_late": str(QT_TRANSLATE_NOOP("DemoCards", "Too late")),
        "cancelled": str(QT_TRANSLATE_NOOP("DemoCards", "Cancelled")),
        "already_checked_in": str(QT_TRANSLATE_NOOP("DemoCards", "Already checked in")),
        "rare_name": str(QT_TRANSLATE_NOOP("DemoCards", "Rare character name")),
        "middle_dot": str(QT_TRANSLATE_NOOP("DemoCards", "Name with a middle dot")),
        "no_appointment_today": str(QT_TRANSLATE_NOOP("DemoCards", "No appointment today")),
        "unpaid_bills": str(QT_TRANSLATE_NOOP("DemoCards", "Two unpaid bills")),
    }
    cards = [
        DemoCard(
            patient.scenario,
            labels.get(patient.scenario, patient.scenario),
            patient.kind,
            patient.value,
        )
        for patient in FIXED_PATIENTS
    ] + [
        # An ID card with no record (建档): its chip's name and address come with it.
        DemoCard(
            "first_visit",
            str(QT_TRANSLATE_NOOP("DemoCards", "First visit: no record")),
            IdentifierKind.id_card,
            DEMO_NEW_PATIENT.id_number,
            DEMO_NEW_PATIENT,
        )
    ]
    # The "unpaid_bills" patient again, by the medical insurance e-voucher QR on their phone.
    voucher_patient = next(p for p in FIXED_PATIENTS if p.scenario == VOUCHER_SCENARIOS[0])
    cards.append(
        DemoCard(
            "insurance_qr",
            str(QT_TRANSLATE_NOOP("DemoCards", "Insurance e-voucher QR")),
            IdentifierKind.insurance_qr,
            demo_voucher(voucher_patient.patient_id),
        )
    )
    return cards


def _application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("create a QApplication before building the kiosk")
    return app


def run(
    config: KioskConfig,
    *,
    windowed: bool,
    argv: list[str],
    diagnostics: bool = False,
    built: Callable[[Kiosk], None] | None = None,
) -> int:
    """Build the kiosk (``built`` sees it before it starts) and run it until it quits."""
    path = configure_logging(config)
    log.info("kiosk %s %s starting; logging to %s", config.kiosk.id, __version__, path)
    app = QApplication(argv)
    app.setApplicationName("hospital-kiosk")
    kiosk = Kiosk(config, app)
    app.aboutToQuit.connect(kiosk.shutdown)
    kiosk.quit_requested.connect(app.exit)
    kiosk.crash_guard.restart_requested.connect(app.exit)
    if built is not None:
        built(kiosk)
    kiosk.start()
    if diagnostics:
        kiosk.technician.open_diagnostics()
    if windowed:
        kiosk.window.resize(1280, 800)
        kiosk.window.show()
    else:
        kiosk.window.showFullScreen()
    log.info("kiosk %s started against %s", config.kiosk.id, config.backend.url)
    quit_on_signals(app)
    return app.exec()


def device_counters_path(config: KioskConfig) -> Path:
    return app_data_dir() / f"device-counters-{config.kiosk.id}.json"


def build_devices(
    config: KioskConfig,
    *,
    printer: PrinterService | None = None,
    counters: CounterBook | None = None,
    now: Callable[[], dt.datetime] = local_now,
) -> DeviceManager:
    """The configured printer and readers; a reader that cannot be built is kept as a fault."""
    section = config.printer
    printer = printer or PrinterService(
        create_connection(section),
        RenderOptions.from_section(section),
        poll_interval_s=section.status_poll_s,
    )
    rules = ParsingRules.from_section(config.identifiers)
    readers: list[Reader] = []
    problems: list[DeviceState] = []
    for reader_section in config.readers:
        try:
            readers.append(create_reader(reader_section, rules))
        except ReaderError as error:
            name = reader_section.name or reader_section.kind
            log.error("reader %s left out: %s", name, error)
            problems.append(
                DeviceState(name=name, kind=reader_section.kind, state="error", detail=str(error))
            )
    dispenser = create_dispenser(config.card_dispenser)
    return DeviceManager(
        printer,
        section.kind,
        readers,
        problems,
        counters=counters,
        now=now,
        report_printer=create_report_printer(config.report_printer),
        dispenser=DispenserService(dispenser) if dispenser is not None else None,
    )


def print_sample(
    section: PrinterSection,
    template: str,
    *,
    timeout_s: float = 5.0,
    hospital_name: str = "示例市第一人民医院",
    language: Language = "zh_CN",
) -> None:
    """``kiosk print-sample``: one sample ticket on the configured printer, or PrinterError
    with a one-line reason within ``timeout_s``."""
    print_within(
        create_connection(section, timeout_s=max(timeout_s - 1.5, 0.5)),
        RenderOptions.from_section(section),
        sample_layout(template, hospital_name=hospital_name, language=language),
        timeout_s=timeout_s,
    )


class DemoHospital:
    """The demo hospital's embedded server, started after the kiosk's first frame.

    Importing, seeding and starting the server took most of the demo's start-up. Its loopback
    port listens from the start, so the kiosk is built against its URL at once, and a request
    made before the server is up waits in the port's backlog instead of failing. The insight
    pages' 60 past days are written once the server is up.
    """

    def __init__(
        self,
        *,
        simulated_clinic: bool,
        on_ready: Callable[[EmbeddedServer], None] | None = None,
    ) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="kiosk-demo-")
        self._db_path = Path(self._scratch.name) / "demo.sqlite3"
        self._sock = listening_socket()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._simulated_clinic = simulated_clinic
        self._on_ready = on_ready
        self._thread = threading.Thread(target=self._serve, name="demo-hospital")
        self._server: EmbeddedServer | None = None
        self._start_ended = threading.Event()

    def config(self) -> KioskConfig:
        """The configuration the demo kiosk runs with: this server, simulated devices."""
        return demo_config(self.url, app_cache_dir() / "demo-spool")

    def open(self) -> None:
        """Start the server in the background; once."""
        if self._thread.ident is None:
            self._thread.start()

    def wait_until_serving(self, timeout_s: float) -> bool:
        """Whether the server started (True) or failed to (False) within ``timeout_s``."""
        self._start_ended.wait(timeout_s)
        return self._server is not None

    def _serve(self) -> None:
        from kiosk.server.embedded import EmbeddedServer  # only the demo needs the server
        from kiosk.server.insight.history import seed_history_apart
        from kiosk.server.simulation import ClinicPace

        try:
            self._server = EmbeddedServer.start(
                self._db_path,
                seed_demo=True,
                simulated_clinic=ClinicPace() if self._simulated_clinic else None,
                sock=self._sock,
            )
        except Exception:
            log.exception("the demo hospital's server did not start")
            return
        finally:
            self._start_ended.set()
        # The links are given once the past days are in: the history is one long write
        # transaction that someone following a link at once would wait behind.
        seed_history_apart(self._db_path, self._server.clock())
        if self._on_ready is not None:
            self._on_ready(self._server)

    def close(self) -> None:
        """Wait for the start (and the history) to finish, stop the server, delete its files."""
        if self._thread.ident is not None:
            self._thread.join()
        if self._server is not None:
            self._server.stop()  # closes the socket too
        else:
            self._sock.close()
        self._scratch.cleanup()

    def __enter__(self) -> DemoHospital:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _AfterFirstPaint(QObject):
    """Calls back once, when the event loop is free again after ``widget``'s first paint."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` on the GUI thread right after ``widget`` is first painted."""
    _AfterFirstPaint(widget, callback)


def print_demo_links(server: EmbeddedServer, out: TextIO) -> None:
    """Where to try the staff page, a waiting-room display and the last ticket's phone page."""
    from kiosk.server.db import connect
    from kiosk.server.demo_links import demo_links

    conn = connect(server.db_path)
    try:
        links = demo_links(conn, server.url)
    finally:
        conn.close()
    for line in links.lines():
        print(line, file=out, flush=True)


def print_ticket_links(flow: VisitFlow, out: TextIO) -> None:
    """Each ticket the kiosk shows: its number and phone page, to open in a browser."""
    printed: list[str] = []

    def on_step(step: Step) -> None:
        ticket = flow.ticket
        if step != Step.ticket or ticket is None or printed[-1:] == [ticket.status_url]:
            return  # a print failure or a reprint shows the same ticket again
        printed.append(ticket.status_url)
        print(f"phone page of ticket {ticket.number}: {ticket.status_url}", file=out, flush=True)

    flow.step_changed.connect(on_step)


def run_demo(
    *,
    windowed: bool,
    argv: list[str],
    diagnostics: bool = False,
    simulated_clinic: bool = True,
    out: TextIO = sys.stdout,
) -> int:
    """The kiosk on the demo hospital with simulated devices; the demo's links on ``out``
    once its server is up and its past days written."""
    with DemoHospital(
        simulated_clinic=simulated_clinic, on_ready=lambda server: print_demo_links(server, out)
    ) as hospital:

        def built(kiosk: Kiosk) -> None:
            print_ticket_links(kiosk.flow, out)
            after_first_paint(kiosk.window, hospital.open)

        return run(
            hospital.config(), windowed=windowed, argv=argv, diagnostics=diagnostics, built=built
        )
