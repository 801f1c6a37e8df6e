"""``kiosk-server``: run the reference Kiosk API server standalone for one or more kiosks.

kiosk-server --db /var/lib/kiosk/api.sqlite3 --seed-demo
kiosk-server --db api.sqlite3 --host 0.0.0.0 --allow-remote --add-kiosk lobby-east-1:SECRET
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from kiosk.server.db import add_kiosk, is_empty, open_database, system_clock
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN, seed_demo


def _kiosk_spec(value: str) -> tuple[str, str]:
    kiosk_id, sep, token = value.partition(":")
    if not sep or not kiosk_id.strip() or not token.strip():
        raise argparse.ArgumentTypeError(f"expected ID:TOKEN, got {value!r}")
    return kiosk_id.strip(), token.strip()


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-server", description="The reference Kiosk API server (FastAPI + SQLite)."
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
        "--add-kiosk",
        action="append",
        type=_kiosk_spec,
        default=[],
        metavar="ID:TOKEN",
        help="register a kiosk and its bearer token (repeatable)",
    )
    parser.add_argument(
        "--public-url", help="base URL printed in ticket QR codes (default: the request's)"
    )
    parser.add_argument(
        "--admin-token",
        help="token for the fleet page /admin/kiosks (without it: loopback clients only)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
        for kiosk_id, token in args.add_kiosk:
            add_kiosk(conn, kiosk_id, token)
            print(f"Registered kiosk {kiosk_id!r}.")
    finally:
        conn.close()

    import uvicorn  # only when actually serving

    from kiosk.server.app import create_app

    app = create_app(db_path, public_url=args.public_url, admin_token=args.admin_token)
    print(f"Serving the Kiosk API on http://{args.host}:{args.port} (OpenAPI: /openapi.json)")
    uvicorn.run(app, host=args.host, port=args.port, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
