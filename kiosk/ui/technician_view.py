"""The technician's way in and around: logo hold → PIN → diagnostics → back to service.

Everything slow (the PIN's hash, backend checks, the bundle) runs through the runner, so
diagnostics never freezes the kiosk either.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from kiosk.backend.client import KioskApiClient
from kiosk.config import KioskConfig, app_data_dir
from kiosk.crash import CrashGuard
from kiosk.devices.manager import CARD_DISPENSER, PRINTER, DeviceManager
from kiosk.devices.printing.layout import TicketLayout
from kiosk.devices.printing.templates import printer_test_page
from kiosk.diagnostics import facts
from kiosk.diagnostics.cards import DeviceCard, DeviceRole, OutputState
from kiosk.diagnostics.pin import PinGate
from kiosk.fleet import HISTORY_S, HeartbeatSender
from kiosk.logs import RecentProblems
from kiosk.runner import Runner
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.screens import device_cards
from kiosk.ui.screens.technician import DiagnosticsScreen, PinScreen
from kiosk.ui.sounds import SoundCues
from kiosk.ui.visit_view import VisitView
from kiosk.ui.voice import VoiceGuide

SOUND = "sound"
SPEECH = "speech"
# Said in each language whatever the screen's: the technician hears both voices work.
SPEECH_TESTS = {
    "speak_zh": ("这是自助机的中文语音测试。", "zh_CN"),
    "speak_en": ("This is the kiosk's English speech test.", "en_US"),
}
ACTIONS = {
    DeviceRole.printer: ("test_page", "cut", "status"),
    DeviceRole.reader: ("read",),
    DeviceRole.sound: ("sound_test",),
    DeviceRole.speech: ("speak_zh", "speak_en"),
    DeviceRole.report_printer: (),
    DeviceRole.card_dispenser: ("status",),
}


class TechnicianView(QObject):
    def __init__(
        self,
        window: KioskWindow,
        visit: VisitView,
        gate: PinGate,
        runner: Runner,
        devices: DeviceManager,
        client: KioskApiClient,
        config: KioskConfig,
        *,
        log_path: Path,
        problems: RecentProblems,
        restart: Callable[[], None],
        exit_to_desktop: Callable[[], None],
        voice: VoiceGuide,
        sounds: SoundCues,
        heartbeat: HeartbeatSender,
        crashes: CrashGuard,
        clock: Callable[[], dt.datetime],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.visit = visit
        self.gate = gate
        self.runner = runner
        self.devices = devices
        self.client = client
        self.config = config
        self.log_path = log_path
        self.problems = problems
        self._started = time.monotonic()
        self._restart = restart
        self.voice = voice
        self.sounds = sounds
        self.heartbeat = heartbeat
        self.crashes = crashes
        self.clock = clock
        self._exit_to_desktop = exit_to_desktop
        self._screens: tuple[PinScreen, DiagnosticsScreen] | None = None
        self._backend_lines: list[tuple[str, str]] = []
        window.header.logo_held.connect(self.open_pin)
        self._printer_jobs: dict[int, str] = {}  # job id -> the card action that made it

    @property
    def pin(self) -> PinScreen:
        return self._built()[0]

    @property
    def diagnostics(self) -> DiagnosticsScreen:
        return self._built()[1]

    def _built(self) -> tuple[PinScreen, DiagnosticsScreen]:
        """The technician's screens, made on first use: patients never wait for them."""
        if self._screens is None:
            pin, diagnostics = PinScreen(), DiagnosticsScreen()
            self.window.add_screen(pin)
            self.window.add_screen(diagnostics)
            pin.pin_entered.connect(self._on_pin_entered)
            pin.cancelled.connect(self.resume)
            diagnostics.resume_requested.connect(self.resume)
            diagnostics.device_action.connect(self._on_device_action)
            diagnostics.backend_check_requested.connect(self._check_backend)
            diagnostics.logs_refresh_requested.connect(self._refresh_logs)
            diagnostics.export_requested.connect(self._export)
            diagnostics.restart_requested.connect(self._restart)
            diagnostics.exit_requested.connect(self._exit_to_desktop)
            diagnostics.set_devices([(card, ACTIONS[card.role]) for card in self._cards()])
            diagnostics.device_cards[PRINTER].paper_width_mm = self.config.printer.paper_width_mm
            self.devices.health_changed.connect(self._refresh_devices)
            self.devices.input_seen.connect(self._on_input_seen)
            self.devices.printer.job_printed.connect(lambda job: self._print_done(job, ""))
            self.devices.printer.job_failed.connect(self._print_done)
            self._screens = (pin, diagnostics)
        return self._screens

    def open_pin(self) -> None:
        if not self.gate.enabled:
            return  # no PIN configured: the door stays shut
        self._pause_service()
        self.pin.wipe()
        self._show_lock_state()
        self.window.show_screen(self.pin)

    def open_diagnostics(self) -> None:
        """After the PIN, or directly with ``kiosk --diagnostics`` on a bench."""
        self._pause_service()
        self.pin.wipe()
        self._refresh_all()
        self.diagnostics.show_page("devices")
        self.window.show_screen(self.diagnostics)

    def resume(self) -> None:
        self.pin.wipe()
        self.visit.recover()

    def _pause_service(self) -> None:
        self.visit.flow.go_home()
        self.visit.flow.pause()
        self.visit.idle.stop()

    def _show_lock_state(self) -> None:
        locked = self.gate.seconds_locked()
        if locked:
            minutes = max(1, round(locked / 60))
            self.pin.show_message(
                self.tr("Too many wrong PINs. Try again in {minutes} min.").format(minutes=minutes)
            )

    def _on_pin_entered(self, pin: str) -> None:
        self.pin.keypad.clear()
        self.runner.run(
            lambda: self.gate.attempt(pin),
            self._on_pin_checked,
            lambda _error: self.pin.show_message(self.tr("The PIN could not be checked.")),
            description="technician PIN",
            per_visit=False,
        )

    def _on_pin_checked(self, accepted: bool) -> None:
        if accepted:
            self.open_diagnostics()
        elif self.gate.seconds_locked():
            self._show_lock_state()
        else:
            self.pin.show_message(
                self.tr("Wrong PIN. {tries} tries left.").format(tries=self.gate.tries_left)
            )

    def _refresh_all(self) -> None:
        self._refresh_devices()
        self._refresh_backend()
        self._refresh_system()
        self.diagnostics.config_text.setPlainText(facts.config_text(self.config))
        self._refresh_logs()
        targets = [str(p) for p in facts.removable_folders()]
        targets.append(str(app_data_dir() / "diagnostics"))
        self.diagnostics.set_export_targets(targets)

    def _cards(self) -> list[DeviceCard]:
        """The devices' cards, then sound and speech (which the platform has or not)."""
        output = self.voice.output
        return [
            *self.devices.device_cards(),
            DeviceCard(
                name=SOUND,
                role=DeviceRole.sound,
                driver="QtMultimedia",
                state=OutputState.unavailable if self.sounds.reason else OutputState.ready,
                last_error=self.sounds.reason,
            ),
            DeviceCard(
                name=SPEECH,
                role=DeviceRole.speech,
                driver="QtTextToSpeech",
                state=OutputState.ready if output.available else OutputState.unavailable,
                last_error="" if output.available else output.reason,
            ),
        ]

    def _refresh_devices(self) -> None:
        now = self.clock()
        for card in self._cards():
            view = self.diagnostics.device_cards.get(card.name)
            if view is not None:
                view.show_card(card, now)

    def _on_input_seen(self, reader: str) -> None:
        view = self.diagnostics.device_cards.get(reader)
        seen = self.devices.last_inputs.get(reader)
        if view is not None and seen is not None:
            view.show_result(device_cards.input_words(seen))
        self._refresh_devices()

    def _on_device_action(self, device: str, action: str) -> None:
        view = self.diagnostics.device_cards[device]
        if action == "test_page":
            self._printer_jobs[self.devices.printer.print_layout(self._test_page())] = action
            view.show_result(self.tr("Printing…"))
        elif action == "cut":
            self._printer_jobs[self.devices.cut()] = action
            view.show_result(self.tr("Cutting…"))
        elif action == "status" and device == CARD_DISPENSER:
            if self.devices.dispenser is not None:
                self.devices.dispenser.refresh_status()
            view.show_result(
                self.tr("Asked the card dispenser at {time}.").format(
                    time=self.clock().strftime("%H:%M:%S")
                )
            )
        elif action == "status":
            self.devices.printer.refresh_status()
            view.show_result(
                self.tr("Asked the printer at {time}.").format(
                    time=self.clock().strftime("%H:%M:%S")
                )
            )
        elif action == "read":
            view.show_result(self.tr("Waiting for a card or code…"))
        elif action == "sound_test":
            self.sounds.play("success", volume=self.voice.volume, muted=False)
            self.sounds.play("error", volume=self.voice.volume, muted=False)
            view.show_result(self.tr("Played: success, then error."))
        elif action in SPEECH_TESTS:
            text, language = SPEECH_TESTS[action]
            self.voice.output.stop()
            self.voice.output.say(text, language)
            view.show_result(self.tr("Said: {text}").format(text=text))

    def _test_page(self) -> TicketLayout:
        return printer_test_page(
            hospital_name=self.config.kiosk.hospital_name,
            printed_at=self.clock(),
            detail=f"kiosk {self.config.kiosk.id}",
        )

    def _print_done(self, job_id: int, reason: str) -> None:
        action = self._printer_jobs.pop(job_id, None)
        if action is None:
            return  # a patient's ticket, not a test
        words = (
            {"test_page": self.tr("Test page printed."), "cut": self.tr("Paper cut.")}
            if not reason
            else {
                "test_page": self.tr("Test page failed: {reason}"),
                "cut": self.tr("Cut failed: {reason}"),
            }
        )
        state = device_cards.state_words(DeviceRole.printer, reason) if reason else ""
        self.diagnostics.device_cards[PRINTER].show_result(words[action].format(reason=state))

    def _refresh_backend(self) -> None:
        page = self.diagnostics
        history = self.heartbeat.history()
        page.latency_chart.set_samples(
            [None if s.round_trip_s is None else s.round_trip_s * 1000 for s in history],
            slots=round(HISTORY_S / self.heartbeat.interval_s),
        )
        times = [s.round_trip_s * 1000 for s in history if s.round_trip_s is not None]
        failed = sum(1 for s in history if s.round_trip_s is None)
        page.latency_summary.setText(
            self.tr("{count} heartbeats, {failed} failed; slowest {slowest} ms").format(
                count=len(history), failed=failed, slowest=round(max(times, default=0))
            )
        )
        offset = self.heartbeat.clock_offset_s
        self._backend_lines = [
            (self.tr("Backend"), self.config.backend.url),
            (
                self.tr("Clock offset from the server"),
                "-" if offset is None else self.tr("{seconds} s").format(seconds=f"{offset:+.1f}"),
            ),
        ]
        self._show_backend_facts([])
        errors = list(self.problems.lines)
        page.backend_errors.setText(
            self.tr("Last errors:") + "\n" + "\n".join(errors)
            if errors
            else self.tr("No recent warnings or errors.")
        )
        url, ca_bundle = self.config.backend.url, str(self.config.backend.ca_bundle or "")
        self.runner.run(
            lambda: facts.network_facts(url, ca_bundle),
            self._on_network_facts,
            lambda error: self._show_backend_facts([(self.tr("Network"), type(error).__name__)]),
            description="network facts",
            per_visit=False,
        )

    def _on_network_facts(self, found: facts.NetworkFacts) -> None:
        self._show_backend_facts(
            [
                (self.tr("DNS answer for {host}").format(host=found.host), found.dns),
                (self.tr("TLS certificate expires"), found.tls_expiry),
                (self.tr("This kiosk's addresses"), found.addresses),
                (self.tr("Default gateway"), found.gateway),
            ]
        )

    def _show_backend_facts(self, more: list[tuple[str, str]]) -> None:
        lines = [*self._backend_lines, *more]
        self.diagnostics.backend_facts.setText(
            "\n".join(f"{name}: {value}" for name, value in lines)
        )

    def _refresh_system(self) -> None:
        """Disk, memory and the configuration file are read off the GUI thread."""
        uptime = time.monotonic() - self._started
        config, log_path = self.config, self.log_path
        self.runner.run(
            lambda: (facts.system_facts(config, uptime, log_path), facts.config_check(config)),
            lambda found: self._show_system(*found),
            lambda error: self.diagnostics.config_check.setText(
                self.tr("Configuration check: {result}").format(result=type(error).__name__)
            ),
            description="system facts",
            per_visit=False,
        )
        crashes = [
            f"{when.strftime('%Y-%m-%d %H:%M:%S')} {summary}"
            for when, summary in self.crashes.recent
        ]
        self.diagnostics.crashes.setText(
            self.tr("Last crash reports:") + "\n" + "\n".join(crashes)
            if crashes
            else self.tr("No crash since the kiosk started.")
        )

    def _show_system(self, system: dict[str, str], config_check: str) -> None:
        names = {
            "kiosk": self.tr("Kiosk"),
            "version": self.tr("Version"),
            "uptime": self.tr("Running for"),
            "host": self.tr("Computer name"),
            "system": self.tr("Operating system"),
            "python": "Python",
            "qt": "Qt for Python",
            "disk free": self.tr("Disk free"),
            "memory free": self.tr("Memory free"),
            "config file": self.tr("Configuration file"),
            "log file": self.tr("Log file"),
        }
        self.diagnostics.system_facts.setText(
            "\n".join(f"{names[key]}: {value}" for key, value in system.items())
        )
        self.diagnostics.config_check.setText(
            self.tr("Configuration check: {result}").format(result=config_check)
            if config_check
            else self.tr("Built-in configuration: no file to check.")
        )

    def _refresh_logs(self) -> None:
        self.diagnostics.logs_text.setPlainText("\n".join(facts.last_log_lines(self.log_path)))

    @property
    def active(self) -> bool:
        """The technician's screens are showing."""
        return self._screens is not None and self.window.current_screen() in self._screens

    def _check_backend(self) -> None:
        def timed() -> tuple[float, int]:
            started = time.perf_counter()
            count = len(self.client.departments())
            return (time.perf_counter() - started) * 1000, count

        self.runner.run(
            timed,
            lambda answer: self.diagnostics.backend_result.setText(
                self.tr("Answered in {ms} ms ({count} departments)").format(
                    ms=round(answer[0]), count=answer[1]
                )
            ),
            lambda error: self.diagnostics.backend_result.setText(
                self.tr("Failed: {error}").format(error=type(error).__name__)
            ),
            description="backend check",
            per_visit=False,
        )

    def _export(self, folder: str) -> None:
        states = self.devices.device_states()
        config, log_path = self.config, self.log_path
        uptime = time.monotonic() - self._started
        self.runner.run(
            lambda: facts.export_bundle(
                Path(folder),
                config,
                log_path,
                states,
                facts.system_facts(config, uptime, log_path),
            ),
            lambda path: self.diagnostics.export_result.setText(
                self.tr("Saved {path}").format(path=path)
            ),
            lambda error: self.diagnostics.export_result.setText(
                self.tr("Could not save: {error}").format(error=error)
            ),
            description="diagnostics bundle",
            per_visit=False,
        )
