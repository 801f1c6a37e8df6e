"""``kiosk-server backup`` and ``restore``: a consistent copy of the server's database.

SQLite: the online backup API, page by page while the server keeps serving; the copy is a
SQLite file of its own. PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot, no
lock on writers) and ``pg_restore`` into an empty database, using the client programs of the
PostgreSQL installation. A restore never overwrites data: the target must be empty.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from kiosk.server.db import Target, connect, describe, is_postgres
from kiosk.server.schema import schema_version

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that did not happen, with the reason for the administrator."""


def backup(target: Target, out: Path) -> None:
    """Write a consistent copy of ``target`` to ``out`` (a new file, owner-only)."""
    if out.exists():
        raise BackupError(f"{out} exists already: choose a new file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    if is_postgres(target):
        url, password = _without_password(str(target))
        _run_client("pg_dump", password, "--format=custom", f"--file={out}", f"--dbname={url}")
    else:
        source = Path(target)
        if not source.is_file():
            raise BackupError(f"no database at {source}")
        os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _copy_sqlite(source, out)
    os.chmod(out, 0o600)


def restore(backup_file: Path, target: Target) -> int | None:
    """Load ``backup_file`` into the empty database ``target``; the restored schema version.

    The backup must be of the same engine (a SQLite file for a SQLite target, a ``pg_dump``
    custom archive for PostgreSQL). After a restore of an older release's backup, run
    ``kiosk-server migrate``.
    """
    try:
        head = backup_file.read_bytes()[:16]
    except OSError as exc:
        raise BackupError(f"cannot read {backup_file}: {exc.strerror}") from None
    wanted = _PG_DUMP_MAGIC if is_postgres(target) else _SQLITE_MAGIC
    if not head.startswith(wanted):
        kind = "a pg_dump archive" if is_postgres(target) else "a SQLite database file"
        raise BackupError(f"{backup_file} is not {kind}: restore it into the engine it came from")
    if _holds_data(target):
        raise BackupError(f"{describe(target)} is not empty: restore into a new, empty database")
    if is_postgres(target):
        url, password = _without_password(str(target))
        _run_client(
            "pg_restore", password, "--no-owner", "--exit-on-error", "--single-transaction",
            f"--dbname={url}", str(backup_file),
        )  # fmt: skip
    else:
        path = Path(target)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _copy_sqlite(backup_file, path)
        os.chmod(path, 0o600)
    conn = connect(target)
    try:
        return schema_version(conn)
    finally:
        conn.close()


def _copy_sqlite(source: Path, destination: Path) -> None:
    """SQLite's online backup: a consistent copy page by page, while others keep writing."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _holds_data(target: Target) -> bool:
    if not is_postgres(target) and not Path(target).exists():
        return False
    conn = connect(target)
    try:
        return schema_version(conn) is not None
    finally:
        conn.close()


def _client_program(name: str) -> str:
    """Debian's ``pg_dump`` on PATH (its wrapper picks the cluster's version), else the newest
    installed version's own."""
    found = shutil.which(name)
    if found is None:
        versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = versions[-1] if versions else None
    if found is None:
        raise BackupError(f"{name} was not found: install PostgreSQL's client programs")
    return found


def _without_password(url: str) -> tuple[str, str | None]:
    """The URL for a client program's arguments (which ``ps`` shows), and its password (which
    goes to the program's environment instead)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


def _run_client(name: str, password: str | None, *args: str) -> None:
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    result = subprocess.run(
        [_client_program(name), *args], capture_output=True, text=True, check=False, env=env
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip() or result.stdout.strip()}")
