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
from kiosk.devices.manager import DeviceManager
from kiosk.devices.printing.templates import printer_test_page
from kiosk.diagnostics import facts
from kiosk.diagnostics.pin import PinGate
from kiosk.logs import RecentProblems
from kiosk.runner import Runner
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.screens.technician import DiagnosticsScreen, PinScreen
from kiosk.ui.sounds import SoundCues
from kiosk.ui.visit_view import VisitView
from kiosk.ui.voice import VoiceGuide


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
        self._exit_to_desktop = exit_to_desktop
        self._screens: tuple[PinScreen, DiagnosticsScreen] | None = None
        window.header.logo_held.connect(self.open_pin)
        self._test_jobs: set[int] = set()

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
            diagnostics.test_print_requested.connect(self._print_test_page)
            diagnostics.voice_test_requested.connect(self._test_voice)
            diagnostics.backend_check_requested.connect(self._check_backend)
            diagnostics.logs_refresh_requested.connect(self._refresh_logs)
            diagnostics.export_requested.connect(self._export)
            diagnostics.restart_requested.connect(self._restart)
            diagnostics.exit_requested.connect(self._exit_to_desktop)
            self.devices.health_changed.connect(self._refresh_devices)
            self.devices.printer.job_printed.connect(lambda _job: self._print_done(""))
            self.devices.printer.job_failed.connect(lambda _job, reason: self._print_done(reason))
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
        self._refresh_backend("")
        self.diagnostics.config_text.setPlainText(facts.config_text(self.config))
        uptime = time.monotonic() - self._started
        system = facts.system_facts(self.config, uptime, self.log_path)
        self.diagnostics.system_text.setPlainText(
            "\n".join(f"{key}: {value}" for key, value in system.items())
        )
        self._refresh_logs()
        targets = [str(p) for p in facts.removable_folders()]
        targets.append(str(app_data_dir() / "diagnostics"))
        self.diagnostics.set_export_targets(targets)

    def _refresh_devices(self) -> None:
        lines = [
            f"{state.name} ({state.kind}): {state.state}"
            + (f" — {state.detail}" if state.detail else "")
            for state in self.devices.device_states()
        ]
        lines += [f"{name} — last input: {last}" for name, last in self.devices.last_inputs.items()]
        output = self.voice.output
        lines.append(
            "voice: ready" if output.available else f"voice: unavailable — {output.reason}"
        )
        lines.append(f"sounds: {self.sounds.reason or 'ready'}")
        self.diagnostics.devices_text.setPlainText("\n".join(lines))

    def _refresh_backend(self, latency: str) -> None:
        lines = [f"URL: {self.config.backend.url}"]
        if latency:
            lines.append(latency)
        lines.append("")
        lines += list(self.problems.lines) or ["(no recent warnings)"]
        self.diagnostics.backend_text.setPlainText("\n".join(lines))

    def _refresh_logs(self) -> None:
        self.diagnostics.logs_text.setPlainText("\n".join(facts.last_log_lines(self.log_path)))

    @property
    def active(self) -> bool:
        """The technician's screens are showing."""
        return self._screens is not None and self.window.current_screen() in self._screens

    def _test_voice(self) -> None:
        self.sounds.play("success", volume=self.voice.volume, muted=False)
        self.sounds.play("error", volume=self.voice.volume, muted=False)
        self.voice.say(self.tr("This is the kiosk's voice. Voice guidance is working."))

    def _print_test_page(self) -> None:
        layout = printer_test_page(
            hospital_name=self.config.kiosk.hospital_name,
            printed_at=dt.datetime.now().astimezone(),
            detail=f"kiosk {self.config.kiosk.id}",
        )
        self._test_jobs.add(self.devices.printer.print_layout(layout))
        self.diagnostics.print_result.setText(self.tr("Printing…"))

    def _print_done(self, reason: str) -> None:
        if not self._test_jobs:
            return
        self._test_jobs.clear()
        self.diagnostics.print_result.setText(
            self.tr("Test page printed.")
            if not reason
            else self.tr("Test page failed: {reason}").format(reason=reason)
        )

    def _check_backend(self) -> None:
        def timed() -> str:
            started = time.perf_counter()
            count = len(self.client.departments())
            return f"{(time.perf_counter() - started) * 1000:.0f} ms ({count} departments)"

        self.runner.run(
            timed,
            lambda latency: self._refresh_backend(
                self.tr("Answered in {latency}").format(latency=latency)
            ),
            lambda error: self._refresh_backend(
                self.tr("Failed: {error}").format(error=type(error).__name__)
            ),
            description="backend check",
            per_visit=False,
        )

    def _export(self, folder: str) -> None:
        states = self.devices.device_states()
        system = facts.system_facts(self.config, time.monotonic() - self._started, self.log_path)
        self.runner.run(
            lambda: facts.export_bundle(Path(folder), self.config, self.log_path, states, system),
            lambda path: self.diagnostics.export_result.setText(
                self.tr("Saved {path}").format(path=path)
            ),
            lambda error: self.diagnostics.export_result.setText(
                self.tr("Could not save: {error}").format(error=error)
            ),
            description="diagnostics bundle",
            per_visit=False,
        )
