"""``kiosk-server``: run the reference Kiosk API server standalone for one or more kiosks.

kiosk-server --db /var/lib/kiosk/api.sqlite3 --seed-demo
kiosk-server add-kiosk lobby-east-1 --db api.sqlite3        # prints the kiosk's new token once
kiosk-server add-station room-201 --db api.sqlite3 --queue q-dep-a --name "内科 201诊室"
kiosk-server --db api.sqlite3 --queue-rules /etc/kiosk/queue-rules.toml
kiosk-server --db api.sqlite3 --host 0.0.0.0 --allow-remote --admin-token-file /etc/kiosk/admin
KIOSK_SERVER_DB=postgresql://kiosk@db.example/kiosk kiosk-server --workers 4
kiosk-server migrate --db …            # upgrades an older schema (the server refuses one)
kiosk-server backup /var/backups/kiosk-2026-12-03.db --db …
kiosk-server restore /var/backups/kiosk-2026-12-03.db --db …   # into an empty database
kiosk-server check-fhir --fhir-base-url https://his.example/fhir --fhir-config fhir.toml

No secret is ever an argument (``ps`` shows every process's arguments): the admin token is read
from ``--admin-token-file`` or the ``KIOSK_SERVER_ADMIN_TOKEN`` environment variable, and kiosk
tokens are made by ``add-kiosk``, which stores only their SHA-256; a station's password is
typed at ``add-station``'s prompt (or piped on standard input) and stored as a scrypt hash. A
PostgreSQL password belongs in ``~/.pgpass``, ``PGPASSWORD`` or the ``KIOSK_SERVER_DB``
environment variable, never in ``--db``.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import ipaddress
import json
import os
import re
import secrets
import sqlite3
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kiosk.server import backup as backups
from kiosk.server import queue, schema
from kiosk.server.db import (
    Target,
    add_kiosk,
    connect,
    describe,
    is_empty,
    is_postgres,
    open_database,
    system_clock,
)
from kiosk.server.insight.history import HISTORY_DAYS
from kiosk.server.queue import QueueRules
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_STATION_PASSWORD, DEMO_TOKEN, seed_demo
from kiosk.server.stations import add_station
from kiosk.server.visits import Limits

if TYPE_CHECKING:
    from fastapi import FastAPI

ADMIN_TOKEN_ENV = "KIOSK_SERVER_ADMIN_TOKEN"
DB_ENV = "KIOSK_SERVER_DB"
WORKER_SETTINGS_ENV = "KIOSK_SERVER_WORKER_SETTINGS"  # from the server to its worker processes
_KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Flags that once took a secret on the command line, and what replaced them.
_REMOVED_FLAGS = {
    "--admin-token": f"use --admin-token-file PATH or the {ADMIN_TOKEN_ENV} environment variable",
    "--add-kiosk": "use `kiosk-server add-kiosk ID --db PATH`, which prints a new token",
}


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 < seconds <= 3600, got {value!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-server",
        description="The reference Kiosk API server (FastAPI on SQLite or PostgreSQL). "
        "`kiosk-server add-kiosk ID --db PATH` registers a kiosk and prints its token; "
        "`migrate`, `backup OUT` and `restore IN` look after the database.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    _add_db_argument(parser)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve with N processes (PostgreSQL only; default 1)",
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="fill an empty database with the demo hospital and the demo kiosk",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback address (put TLS in front of it)",
    )
    parser.add_argument(
        "--public-url", help="base URL printed in ticket QR codes (default: the request's)"
    )
    parser.add_argument(
        "--admin-token-file",
        type=Path,
        metavar="PATH",
        help="file holding the admin token for the fleet page /admin/kiosks (or set "
        f"{ADMIN_TOKEN_ENV}); without one the fleet page serves loopback clients only",
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="trust X-Forwarded-For/-Proto from these proxy addresses (comma-separated); "
        "by default proxy headers are ignored",
    )
    parser.add_argument(
        "--read-timeout",
        type=_positive_seconds,
        default=None,
        metavar="S",
        help="a request's headers, then its body, must each arrive within S seconds "
        "(default 10), else 408",
    )
    parser.add_argument(
        "--docs",
        action="store_true",
        help="serve Swagger UI at /docs (its own files: nothing from the internet)",
    )
    parser.add_argument(
        "--identify-per-minute",
        type=int,
        default=Limits.identify_per_window,
        metavar="N",
        help="identifications one kiosk may make per minute before 429 (default "
        f"{Limits.identify_per_window}); raised only for a load generator",
    )
    parser.add_argument(
        "--receipt-days",
        type=int,
        default=Limits.receipt_days,
        metavar="N",
        help="past payments kiosks list for reprinting their receipt (票据补打), in days "
        f"(default {Limits.receipt_days})",
    )
    parser.add_argument(
        "--free-receipt-reprints",
        type=int,
        default=Limits.free_receipt_reprints,
        metavar="N",
        help="reprints of each receipt kiosks may print; then the cashier window prints "
        f"(default {Limits.free_receipt_reprints}; 0: none at kiosks)",
    )
    parser.add_argument(
        "--queue-rules",
        type=Path,
        metavar="FILE",
        help="TOML with the calling rules (max_recalls, miss_requeue_places, max_misses, "
        "priority_every, elderly_age); stored in the database for every worker",
    )
    _add_fhir_arguments(parser)
    return parser


def _add_fhir_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fhir-base-url",
        metavar="URL",
        help="read patients, appointments, schedules and bills from this FHIR R4 server "
        "(default: the database's own tables)",
    )
    parser.add_argument(
        "--fhir-config", type=Path, metavar="FILE", help="the FHIR TOML file (docs/deployment.md)"
    )


def _fhir_link(base_url: str | None, config_file: Path | None) -> str | None:
    """None when the FHIR server answers its CapabilityStatement with this configuration,
    else the one-line reason (a bad file, an unreachable or refusing server)."""
    from kiosk.server.clinical import ClinicalError
    from kiosk.server.fhir.client import FhirClient
    from kiosk.server.fhir.config import FhirConfigError, load_config

    try:
        config = load_config(config_file, base_url)
    except FhirConfigError as exc:
        return str(exc)
    client = FhirClient(config)
    try:
        capability = client.capabilities()
    except ClinicalError as exc:
        return str(exc)
    finally:
        client.close()
    if capability.get("resourceType") != "CapabilityStatement":
        return f"{config.base_url}/metadata is not a CapabilityStatement"
    return None


class _NoDriverError(Exception):
    """Never raised: stands for psycopg's errors while psycopg is not loaded."""


def _unusable_database(*more: type[Exception]) -> tuple[type[Exception], ...]:
    """What opening ``--db`` raises when it cannot be used: a bad value, a schema of another
    release, an unreadable file, a PostgreSQL server that refuses (psycopg's errors, once a
    postgresql:// target has loaded it: the SQLite-only server never imports it). Evaluated
    in the ``except`` clause, after the attempt."""
    driver = sys.modules.get("psycopg")
    driver_error: type[Exception] = getattr(driver, "Error", _NoDriverError)
    return (ValueError, schema.SchemaError, sqlite3.Error, OSError, driver_error, *more)


def _add_db_argument(parser: argparse.ArgumentParser) -> None:
    default = os.environ.get(DB_ENV) or None
    parser.add_argument(
        "--db",
        default=default,
        required=default is None,
        metavar="PATH|URL",
        help="the SQLite database file, or postgresql://user@host/database "
        f"(default: the {DB_ENV} environment variable)",
    )


def _target(value: str, *, from_argv: bool) -> Target:
    """``--db`` as a target; ``ValueError`` for a password on the command line."""
    if not is_postgres(value):
        return Path(value)
    if from_argv and urlsplit(value).password is not None:
        raise ValueError(
            "a password in --db is visible to every user in `ps`: put it in ~/.pgpass or "
            f"PGPASSWORD, or give the whole URL in {DB_ENV}"
        )
    return value


def _parse_target(args: argparse.Namespace) -> Target:
    value: str = args.db
    return _target(value, from_argv=value != os.environ.get(DB_ENV))


def build_add_station_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-server add-station",
        description="Create a calling station (or give it a new password, which signs it out "
        "everywhere). The password is read from the prompt, or from standard input when piped.",
    )
    parser.add_argument(
        "station_id", metavar="ID", help="the station's sign-in name, e.g. room-201"
    )
    _add_db_argument(parser)
    parser.add_argument(
        "--queue",
        action="append",
        required=True,
        help="a queue the station calls (repeat for more; the first is its own)",
    )
    parser.add_argument("--name", default="", help="shown on the staff page: 内科 201诊室")
    return parser


def add_station_main(argv: list[str]) -> int:
    args = build_add_station_parser().parse_args(argv)
    if not _KIOSK_ID.fullmatch(args.station_id):
        print(
            f"kiosk-server add-station: invalid station id {args.station_id!r} "
            "(letters, digits, '.', '_', '-'; at most 64)",
            file=sys.stderr,
        )
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("Password for the station: ")
        if getpass.getpass("Again: ") != password:
            print("kiosk-server add-station: the passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("kiosk-server add-station: the password needs at least 8 characters", file=sys.stderr)
        return 2
    try:
        conn = open_database(_parse_target(args))
    except _unusable_database() as exc:
        print(f"kiosk-server add-station: {exc}", file=sys.stderr)
        return 2
    try:
        add_station(conn, args.station_id, password, args.queue, name=args.name, now=system_clock())
    except ValueError as exc:
        print(f"kiosk-server add-station: {exc}", file=sys.stderr)
        return 2
    finally:
        conn.close()
    print(f"Station {args.station_id!r} calls {', '.join(args.queue)}; sign in at /staff.")
    return 0


def _queue_rules(path: Path | None) -> QueueRules | None:
    """The rules from a TOML file (``ValueError`` naming the problem), or None."""
    if path is None:
        return None
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read the queue rules {str(path)!r}: {exc}") from None
    known = {field.name for field in dataclasses.fields(QueueRules)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown queue rule(s) in {str(path)!r}: {', '.join(unknown)}")
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 150:
            raise ValueError(f"queue rule {name!r} must be a whole number 0–150, got {value!r}")
    if values.get("priority_every") == 0:
        raise ValueError("queue rule 'priority_every' must be at least 1")
    return QueueRules(**values)


def build_add_kiosk_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-server add-kiosk",
        description="Register a kiosk (or give it a new token) and print its new bearer token "
        "once on standard output; only the token's SHA-256 is stored.",
    )
    parser.add_argument("kiosk_id", metavar="ID", help="the kiosk's id, e.g. lobby-east-1")
    _add_db_argument(parser)
    parser.add_argument(
        "--location",
        help="where the kiosk stands (门诊楼 1楼 大厅东侧): shown with its calls for staff",
    )
    return parser


def add_kiosk_main(argv: list[str]) -> int:
    args = build_add_kiosk_parser().parse_args(argv)
    if not _KIOSK_ID.fullmatch(args.kiosk_id):
        print(
            f"kiosk-server add-kiosk: invalid kiosk id {args.kiosk_id!r} "
            "(letters, digits, '.', '_', '-'; at most 64)",
            file=sys.stderr,
        )
        return 2
    token = secrets.token_urlsafe(32)
    try:
        target = _parse_target(args)
        conn = open_database(target)
    except _unusable_database() as exc:
        print(f"kiosk-server add-kiosk: {exc}", file=sys.stderr)
        return 2
    try:
        add_kiosk(conn, args.kiosk_id, token, location=args.location)
    finally:
        conn.close()
    print(
        f"Registered kiosk {args.kiosk_id!r} in {describe(target)}. Its token follows on standard "
        "output, shown only this once: put it in the kiosk's config ([backend] token).",
        file=sys.stderr,
    )
    print(token)
    return 0


def _admin_token(path: Path | None) -> str | None:
    """The admin token from the file, else the environment; ``ValueError`` when unusable."""
    if path is not None:
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the admin token file {str(path)!r}: {exc}") from None
        if not token:
            raise ValueError(f"the admin token file {str(path)!r} is empty")
        return token
    return os.environ.get(ADMIN_TOKEN_ENV, "").strip() or None


def build_maintenance_parser(command: str) -> argparse.ArgumentParser:
    descriptions = {
        "migrate": "Bring the database's schema up to this release's (back it up first). "
        "The server refuses to start on an older schema until this has run.",
        "backup": "Write a consistent copy of the database to a new file while the server "
        "runs (SQLite's online backup; pg_dump's custom format for PostgreSQL).",
        "restore": "Load a backup into an empty database of the same engine.",
    }
    parser = argparse.ArgumentParser(
        prog=f"kiosk-server {command}", description=descriptions[command]
    )
    if command != "migrate":
        parser.add_argument("file", type=Path, metavar="OUT" if command == "backup" else "IN")
    _add_db_argument(parser)
    return parser


def maintenance_main(command: str, argv: list[str]) -> int:
    args = build_maintenance_parser(command).parse_args(argv)
    try:
        target = _parse_target(args)
        if command == "migrate":
            conn = connect(target)
            try:
                before = schema.schema_version(conn)
                applied = schema.migrate(conn, now=system_clock())
            finally:
                conn.close()
            done = ", ".join(str(v) for v in applied) or "none needed"
            print(
                f"{describe(target)}: schema version {before or 0} → {schema.LATEST_VERSION} "
                f"(migrations applied: {done})"
            )
        elif command == "backup":
            backups.backup(target, args.file)
            print(f"Backed up {describe(target)} to {args.file}")
        else:
            version = backups.restore(args.file, target)
            print(f"Restored {args.file} into {describe(target)} (schema version {version}).")
            if version is not None and version < schema.LATEST_VERSION:
                print("Its schema is older than this release's: run kiosk-server migrate.")
    except _unusable_database(backups.BackupError) as exc:
        print(f"kiosk-server {command}: {exc}", file=sys.stderr)
        return 2
    return 0


def build_check_fhir_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-server check-fhir",
        description="Read the hospital FHIR server's CapabilityStatement and say which of the "
        "interactions the server needs it supports. Exit 0: all needed ones, 1: some missing, "
        "2: unreachable or a bad configuration.",
    )
    parser.add_argument("--fhir-base-url", metavar="URL", help="the FHIR server's base URL")
    parser.add_argument(
        "--fhir-config", type=Path, metavar="FILE", help="the FHIR TOML file (docs/deployment.md)"
    )
    return parser


def check_fhir_main(argv: list[str]) -> int:
    from kiosk.server.clinical import ClinicalError
    from kiosk.server.fhir.capability import report
    from kiosk.server.fhir.client import FhirClient
    from kiosk.server.fhir.config import FhirConfigError, load_config

    args = build_check_fhir_parser().parse_args(argv)
    try:
        config = load_config(args.fhir_config, args.fhir_base_url)
    except FhirConfigError as exc:
        print(f"kiosk-server check-fhir: {exc}", file=sys.stderr)
        return 2
    client = FhirClient(config)
    try:
        capability = client.capabilities()
    except ClinicalError as exc:
        print(f"kiosk-server check-fhir: {exc}", file=sys.stderr)
        return 2
    finally:
        client.close()
    if capability.get("resourceType") != "CapabilityStatement":
        print(
            f"kiosk-server check-fhir: {config.base_url}/metadata is not a CapabilityStatement",
            file=sys.stderr,
        )
        return 1
    lines, complete = report(config, capability)
    print(f"{config.base_url}: FHIR {capability.get('fhirVersion', '?')}")
    print("\n".join(lines))
    return 0 if complete else 1


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["check-fhir"]:
        return check_fhir_main(arguments[1:])
    if arguments[:1] == ["add-kiosk"]:
        return add_kiosk_main(arguments[1:])
    if arguments[:1] == ["add-station"]:
        return add_station_main(arguments[1:])
    if arguments[:1] and arguments[0] in ("migrate", "backup", "restore"):
        return maintenance_main(arguments[0], arguments[1:])
    for argument in arguments:
        flag = argument.partition("=")[0]
        if flag in _REMOVED_FLAGS:
            print(
                f"kiosk-server: {flag} was removed (a secret on the command line is visible to "
                f"every user in `ps`): {_REMOVED_FLAGS[flag]}",
                file=sys.stderr,
            )
            return 2
    args = build_parser().parse_args(arguments)
    if not _is_loopback_host(args.host) and not args.allow_remote:
        print(
            f"kiosk-server: refusing to bind non-loopback address {args.host!r} "
            "without --allow-remote",
            file=sys.stderr,
        )
        return 2
    if not 0 < args.port < 65536:
        print(f"kiosk-server: invalid port {args.port}", file=sys.stderr)
        return 2
    if args.identify_per_minute < 1:
        print("kiosk-server: --identify-per-minute must be at least 1", file=sys.stderr)
        return 2
    if args.receipt_days < 1 or args.free_receipt_reprints < 0:
        print(
            "kiosk-server: --receipt-days must be at least 1 and --free-receipt-reprints "
            "at least 0",
            file=sys.stderr,
        )
        return 2
    try:
        target = _parse_target(args)
        admin_token = _admin_token(args.admin_token_file)
        queue_rules = _queue_rules(args.queue_rules)
    except ValueError as exc:
        print(f"kiosk-server: {exc}", file=sys.stderr)
        return 2
    uses_fhir = args.fhir_base_url is not None or args.fhir_config is not None
    if uses_fhir and (problem := _fhir_link(args.fhir_base_url, args.fhir_config)):
        print(f"kiosk-server: FHIR: {problem}", file=sys.stderr)
        return 2
    if not 1 <= args.workers <= 64:
        print(f"kiosk-server: --workers must be 1–64, got {args.workers}", file=sys.stderr)
        return 2
    if args.workers > 1 and not is_postgres(target):
        print(
            "kiosk-server: --workers needs PostgreSQL (--db postgresql://…). A SQLite file "
            "takes one writer at a time, and the waiting-room displays of one worker would not "
            "hear the calls made on another; one process serves a small clinic well.",
            file=sys.stderr,
        )
        return 2

    try:
        conn = open_database(target)
    except _unusable_database() as exc:
        print(f"kiosk-server: {describe(target)}: {exc}", file=sys.stderr)
        return 2
    try:
        if args.seed_demo:
            if is_empty(conn):
                seed_demo(conn, system_clock(), history_days=HISTORY_DAYS)
                print(f"Seeded the demo hospital into {describe(target)}.")
            else:
                print(f"{describe(target)} already holds data; not seeding.")
            print(f"Demo kiosk: id {DEMO_KIOSK_ID!r}, token {DEMO_TOKEN!r}")
            print(
                f"Demo stations (/staff): one per queue, e.g. 'dep-a', password "
                f"{DEMO_STATION_PASSWORD!r}"
            )
        if queue_rules is not None:
            queue.save_rules(conn, queue_rules)
    finally:
        conn.close()

    from kiosk.server.admin import new_session_key
    from kiosk.server.security import READ_TIMEOUT_S, HeaderDeadlineProtocol

    settings = _WorkerSettings(
        db=str(target),
        public_url=args.public_url,
        docs=args.docs,
        read_timeout_s=args.read_timeout or READ_TIMEOUT_S,
        admin_session_key=new_session_key().hex(),
        identify_per_minute=args.identify_per_minute,
        receipt_days=args.receipt_days,
        free_receipt_reprints=args.free_receipt_reprints,
        fhir_base_url=args.fhir_base_url,
        fhir_config=str(args.fhir_config) if args.fhir_config is not None else None,
    )
    # The workers (and a single process alike) build their app from these settings; the admin
    # token goes the way it may come in, through the environment, never an argument.
    handed_over = {WORKER_SETTINGS_ENV: json.dumps(dataclasses.asdict(settings))}
    if admin_token is not None:
        handed_over[ADMIN_TOKEN_ENV] = admin_token
    HeaderDeadlineProtocol.timeout_s = settings.read_timeout_s
    processes = f" with {args.workers} workers" if args.workers > 1 else ""
    print(
        f"Serving the Kiosk API on http://{args.host}:{args.port}{processes} over "
        f"{describe(target)} (OpenAPI: /openapi.json)"
    )
    before = {name: os.environ.get(name) for name in handed_over}
    os.environ.update(handed_over)
    try:
        _serve(args)
    finally:  # a caller in the same process (a test) gets its environment back
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return 0


def _serve(args: argparse.Namespace) -> None:
    import uvicorn  # only when actually serving

    from kiosk.server.security import KEEP_ALIVE_TIMEOUT_S, HeaderDeadlineProtocol

    uvicorn.run(
        "kiosk.server.cli:worker_app",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        access_log=False,
        loop="asyncio",  # not uvloop when something else installed it: the loop we test
        http=HeaderDeadlineProtocol,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT_S,
        timeout_graceful_shutdown=2,  # open event streams end; the browsers reconnect
        proxy_headers=args.forwarded_allow_ips is not None,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )


@dataclasses.dataclass(frozen=True)
class _WorkerSettings:
    db: str
    public_url: str | None
    docs: bool
    read_timeout_s: float
    admin_session_key: str  # hex: the same on every worker, so a sign-in holds on all
    identify_per_minute: int
    receipt_days: int
    free_receipt_reprints: int
    fhir_base_url: str | None
    fhir_config: str | None


def worker_app() -> FastAPI:
    """The app of one server process, from the settings ``main`` left in the environment."""
    from kiosk.server.app import create_app
    from kiosk.server.security import HeaderDeadlineProtocol

    settings = _WorkerSettings(**json.loads(os.environ[WORKER_SETTINGS_ENV]))
    HeaderDeadlineProtocol.timeout_s = settings.read_timeout_s  # this process's connections
    target: Target = settings.db if is_postgres(settings.db) else Path(settings.db)
    clinical = None
    if settings.fhir_base_url is not None or settings.fhir_config is not None:
        from kiosk.server.fhir.config import load_config
        from kiosk.server.fhir.source import FhirClinicalSource

        config_file = Path(settings.fhir_config) if settings.fhir_config else None
        clinical = FhirClinicalSource(load_config(config_file, settings.fhir_base_url))
    return create_app(
        target,
        public_url=settings.public_url,
        admin_token=os.environ.get(ADMIN_TOKEN_ENV, "").strip() or None,
        docs=settings.docs,
        read_timeout_s=settings.read_timeout_s,
        admin_session_key=bytes.fromhex(settings.admin_session_key),
        limits=Limits(
            identify_per_window=settings.identify_per_minute,
            receipt_days=settings.receipt_days,
            free_receipt_reprints=settings.free_receipt_reprints,
        ),
        clinical=clinical,
    )


if __name__ == "__main__":
    raise SystemExit(main())
