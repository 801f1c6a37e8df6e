"""``kiosk``: run the kiosk, or one of the installer's commands.

Exit codes: 0 fine, 1 runtime failure, 2 bad configuration or usage, 3 no display.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from kiosk import __version__
from kiosk.config import ConfigError, find_and_load_config, load_config

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NO_DISPLAY = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Hospital lobby self-service kiosk.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", metavar="PATH", help="configuration file (TOML)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on the embedded demo hospital with simulated devices",
    )
    parser.add_argument(
        "--no-simulated-clinic",
        dest="simulated_clinic",
        action="store_false",
        help="with --demo: nobody calls the queues but you (on the staff page)",
    )
    parser.add_argument(
        "--windowed", action="store_true", help="open a window instead of full screen"
    )
    parser.add_argument(
        "--diagnostics", action="store_true", help="open the technician's diagnostics at once"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("hash-pin", help="make the [technician] pin_hash for a new PIN")
    check = commands.add_parser("check-config", help="validate a configuration file")
    check.add_argument("path", metavar="PATH")
    sample = commands.add_parser(
        "print-sample", help="print a sample ticket on the configured printer"
    )
    sample.add_argument("--config", dest="sample_config", metavar="PATH")
    sample.add_argument(
        "--template",
        choices=("checkin", "registration", "receipt", "pharmacy", "test"),
        default="test",
    )
    check_all = commands.add_parser(
        "self-check", help="build everything from the config, contact the backend, report"
    )
    check_all.add_argument("--config", dest="check_config", metavar="PATH")
    check_all.add_argument(
        "--demo", dest="check_demo", action="store_true", help="check the demo set-up"
    )
    audit = commands.add_parser(
        "audit", help="check every screen for target size, text size, contrast, clipping"
    )
    audit.add_argument("--out", dest="audit_out", metavar="DIR", required=True, type=Path)
    walk = commands.add_parser(
        "walkthrough", help="click through the demo journey and save a PNG of every screen"
    )
    walk.add_argument("--out", metavar="DIR", required=True, type=Path)
    walk.add_argument("--size", metavar="WxH", default="1920x1080", type=_size)
    walk.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN")
    walk.add_argument("--large", action="store_true", help="large-text mode")
    return parser


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT") from None
    if not (320 <= width <= 7680 and 240 <= height <= 7680):
        raise argparse.ArgumentTypeError(f"{text!r} is out of range")
    return width, height


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why Qt could not open a window here, or None when it probably can.

    Qt aborts the process when the xcb platform finds no display; saying so in one line is
    kinder to whoever started the kiosk over SSH.
    """
    if not platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "")
    if requested and not requested.startswith(("xcb", "wayland")):
        return None  # offscreen, eglfs, linuxfb, vnc... need no display server
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return "no display: set DISPLAY (X11) or WAYLAND_DISPLAY, or start the kiosk from the desktop"


def check_config(path: str) -> int:
    try:
        config = load_config(path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    print(f"{path}: valid (kiosk {config.kiosk.id}, backend {config.backend.url})")
    return EXIT_OK


def print_sample(config_path: str | None, template: str) -> int:
    """For installers: one sample ticket, or one line saying why not (within 5 s)."""
    try:
        config = find_and_load_config(config_path, os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    from kiosk.app import print_sample as print_sample_ticket
    from kiosk.devices.printing.drivers import PrinterError

    try:
        print_sample_ticket(
            config.printer,
            template,
            timeout_s=5.0,
            hospital_name=config.kiosk.hospital_name,
            language=config.kiosk.language,
        )
    except PrinterError as error:
        print(f"kiosk: the printer cannot print: {error.reason}: {error.detail}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"printed the {template} sample on the {config.printer.kind} printer")
    return EXIT_OK


DEMO_SERVER_START_S = 120.0  # a loaded machine; it usually takes a second or two


def self_check(config_path: str | None, *, demo: bool) -> int:
    from kiosk import selfcheck

    if demo:
        from kiosk.app import DemoHospital

        with DemoHospital(simulated_clinic=False) as hospital:

            def first_frame() -> None:
                # The backend check asks the demo's own server: it starts now, give it time.
                hospital.open()
                hospital.wait_until_serving(DEMO_SERVER_START_S)

            checks, _ = selfcheck.run_checks(hospital.config(), first_frame=first_frame)
    else:
        try:
            config = find_and_load_config(config_path, os.environ)
        except ConfigError as error:
            print(error, file=sys.stderr)
            return EXIT_USAGE
        checks, _ = selfcheck.run_checks(config)
    print(selfcheck.report(checks))
    return EXIT_OK if all(check.ok for check in checks) else EXIT_FAILURE


def hash_pin_command() -> int:
    """Asks for the PIN twice (or reads two lines from a pipe) and prints its hash."""
    from kiosk.diagnostics.pin import MIN_PIN_LENGTH, hash_pin

    if sys.stdin.isatty():
        first = getpass.getpass("New technician PIN (digits): ")
        second = getpass.getpass("The same PIN again: ")
    else:
        first, second = (sys.stdin.readline().strip() for _ in range(2))
    if first != second:
        print("kiosk: the two PINs differ", file=sys.stderr)
        return EXIT_USAGE
    try:
        hashed = hash_pin(first)
    except ValueError:
        print(f"kiosk: a PIN is at least {MIN_PIN_LENGTH} digits", file=sys.stderr)
        return EXIT_USAGE
    print("[technician]")
    print(f'pin_hash = "{hashed}"')
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Commands log warnings to the terminal; the kiosk itself logs to its files (kiosk.logs).
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "check-config":
        return check_config(args.path)
    if args.command == "hash-pin":
        return hash_pin_command()
    if args.command == "print-sample":
        return print_sample(args.sample_config or args.config, args.template)
    if args.command == "self-check":
        return self_check(args.check_config or args.config, demo=args.check_demo or args.demo)
    if args.command == "audit":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from kiosk.audit import run_audit

        findings = run_audit(args.audit_out)
        print(f"{len(findings)} findings; report: {args.audit_out / 'report.md'}")
        return EXIT_OK if not findings else EXIT_FAILURE
    if args.command == "walkthrough":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # screenshots need no display
        from kiosk import walkthrough

        walk = walkthrough.run(args.out, size=args.size, language=args.lang, large_text=args.large)
        for shot in walk.shots:
            print(shot.path)
        return EXIT_OK

    if not args.demo:
        try:
            config = find_and_load_config(args.config, os.environ)
        except ConfigError as error:
            print(error, file=sys.stderr)
            return EXIT_USAGE
    problem = display_problem(os.environ)
    if problem:
        print(f"kiosk: {problem}", file=sys.stderr)
        return EXIT_NO_DISPLAY

    from kiosk import app  # Qt is imported only once a window is going to open

    qt_argv = [sys.argv[0]]
    if args.demo:
        return app.run_demo(
            windowed=args.windowed,
            argv=qt_argv,
            diagnostics=args.diagnostics,
            simulated_clinic=args.simulated_clinic,
        )
    return app.run(config, windowed=args.windowed, argv=qt_argv, diagnostics=args.diagnostics)


if __name__ == "__main__":
    raise SystemExit(main())
