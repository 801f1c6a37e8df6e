"""``kiosk-server``: run the reference Kiosk API server standalone for one or more kiosks.

kiosk-server --db /var/lib/kiosk/api.sqlite3 --seed-demo
kiosk-server add-kiosk lobby-east-1 --db api.sqlite3        # prints the kiosk's new token once
kiosk-server add-station room-201 --db api.sqlite3 --queue q-dep-a --name "内科 201诊室"
kiosk-server --db api.sqlite3 --queue-rules /etc/kiosk/queue-rules.toml
kiosk-server --db api.sqlite3 --host 0.0.0.0 --allow-remote --admin-token-file /etc/kiosk/admin

No secret is ever an argument (``ps`` shows every process's arguments): the admin token is read
from ``--admin-token-file`` or the ``KIOSK_SERVER_ADMIN_TOKEN`` environment variable, and kiosk
tokens are made by ``add-kiosk``, which stores only their SHA-256; a station's password is
typed at ``add-station``'s prompt (or piped on standard input) and stored as a scrypt hash.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import ipaddress
import os
import re
import secrets
import sys
import tomllib
from pathlib import Path

from kiosk.server.db import add_kiosk, is_empty, open_database, system_clock
from kiosk.server.queue import QueueRules
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_STATION_PASSWORD, DEMO_TOKEN, seed_demo
from kiosk.server.stations import add_station
from kiosk.server.visits import Limits

ADMIN_TOKEN_ENV = "KIOSK_SERVER_ADMIN_TOKEN"
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
        description="The reference Kiosk API server (FastAPI + SQLite). "
        "`kiosk-server add-kiosk ID --db PATH` registers a kiosk and prints its token.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--db", type=Path, required=True, help="SQLite database file")
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
        "--docs", action="store_true", help="serve Swagger UI at /docs (loads it from a CDN)"
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
        "--queue-rules",
        type=Path,
        metavar="FILE",
        help="TOML with the calling rules (max_recalls, miss_requeue_places, max_misses, "
        "priority_every, elderly_age); stored in the database for every worker",
    )
    return parser


def build_add_station_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-server add-station",
        description="Create a calling station (or give it a new password, which signs it out "
        "everywhere). The password is read from the prompt, or from standard input when piped.",
    )
    parser.add_argument(
        "station_id", metavar="ID", help="the station's sign-in name, e.g. room-201"
    )
    parser.add_argument("--db", type=Path, required=True, help="SQLite database file")
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
    conn = open_database(args.db)
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
    parser.add_argument("--db", type=Path, required=True, help="SQLite database file")
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
    conn = open_database(args.db)
    try:
        add_kiosk(conn, args.kiosk_id, token, location=args.location)
    finally:
        conn.close()
    print(
        f"Registered kiosk {args.kiosk_id!r} in {args.db}. Its token follows on standard "
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


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["add-kiosk"]:
        return add_kiosk_main(arguments[1:])
    if arguments[:1] == ["add-station"]:
        return add_station_main(arguments[1:])
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
    try:
        admin_token = _admin_token(args.admin_token_file)
        queue_rules = _queue_rules(args.queue_rules)
    except ValueError as exc:
        print(f"kiosk-server: {exc}", file=sys.stderr)
        return 2

    db_path: Path = args.db
    conn = open_database(db_path)
    try:
        if args.seed_demo:
            if is_empty(conn):
                seed_demo(conn, system_clock())
                print(f"Seeded the demo hospital into {db_path}.")
            else:
                print(f"{db_path} already holds data; not seeding.")
            print(f"Demo kiosk: id {DEMO_KIOSK_ID!r}, token {DEMO_TOKEN!r}")
            print(
                f"Demo stations (/staff): one per queue, e.g. 'dep-a', password "
                f"{DEMO_STATION_PASSWORD!r}"
            )
    finally:
        conn.close()

    import uvicorn  # only when actually serving

    from kiosk.server.app import create_app
    from kiosk.server.security import (
        KEEP_ALIVE_TIMEOUT_S,
        READ_TIMEOUT_S,
        header_deadline_protocol,
    )

    read_timeout_s: float = args.read_timeout or READ_TIMEOUT_S
    app = create_app(
        db_path,
        public_url=args.public_url,
        admin_token=admin_token,
        docs=args.docs,
        read_timeout_s=read_timeout_s,
        queue_rules=queue_rules,
        limits=Limits(identify_per_window=args.identify_per_minute),
    )
    print(f"Serving the Kiosk API on http://{args.host}:{args.port} (OpenAPI: /openapi.json)")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        http=header_deadline_protocol(read_timeout_s),
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT_S,
        timeout_graceful_shutdown=2,  # open event streams end; the browsers reconnect
        proxy_headers=args.forwarded_allow_ips is not None,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
