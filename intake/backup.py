"""Backup and restore of the whole database: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL.

A backup is taken while the app runs. A restore replaces everything in the database with the backup, in one step:
on SQLite through the backup API (a consistent copy, page by page, under a write lock), on PostgreSQL as one
transaction (the schema is dropped and the dump loaded; any failure leaves the database as it was).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from .ledger import SCHEMA as LEDGER_SCHEMA


class BackupError(Exception):
    """Backup or restore could not be done; the message says why, for the operator."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of one SQLite database into another, page by page, while others may be writing."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)  # waits for the app's writes to finish
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite backup of this app ({exc})") from exc
    if ok != "ok" or "alembic_version" not in tables or "case" not in tables:
        raise BackupError(f"{path} is not a backup of this app (integrity: {ok}; tables: {len(tables)})")


# --- PostgreSQL ----------------------------------------------------------------------------------------------------


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
    return env


def _libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _major(version_text: str) -> int:
    m = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not m:
        raise BackupError(f"cannot read a version from {version_text!r}")
    return int(m[1])


def check_pg_tools(url: URL) -> tuple[int, int]:
    """(client major version, server major version); fails when pg_dump is older than the server."""
    try:
        client = _major(subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout)
    except FileNotFoundError as exc:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)") from exc
    with psycopg.connect(_libpq(url), connect_timeout=10) as con:
        server = int(con.execute("SHOW server_version_num").fetchone()[0]) // 10000
    if client < server:
        raise BackupError(f"pg_dump {client} is older than the PostgreSQL {server} server: install postgresql-client-{server}")
    return client, server


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")


# --- the two commands ------------------------------------------------------------------------------------------------


def backup(database_url: str, path: str | Path) -> Path:
    """Write a backup of the database to `path` (replaced atomically when it exists)."""
    url, target = make_url(database_url), Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if url.get_backend_name() == "sqlite":
            tmp.unlink()
            _copy_sqlite(_sqlite_path(url), tmp)
            con = sqlite3.connect(tmp)
            try:
                con.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file, not WAL
            finally:
                con.close()
            _check_sqlite_backup(tmp)
        elif url.get_backend_name() == "postgresql":
            check_pg_tools(url)
            # The ledger (audit anchors, erasure register) is not the app's data: a restore must never take it back
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--exclude-schema={LEDGER_SCHEMA}",
                  f"--file={tmp}"], _pg_env(url))
        else:
            raise BackupError(f"no backup method for {url.get_backend_name()}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def restore(database_url: str, path: str | Path) -> None:
    """Replace everything in the database with the backup at `path`. Run `main.py migrate` afterwards if the
    backup is from an older version of the app (`serve` does it on start)."""
    url, source = make_url(database_url), Path(path)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, target)
    elif url.get_backend_name() == "postgresql":
        check_pg_tools(url)
        env = _pg_env(url)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "restore.sql"
            _run(["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(source)], env)
            # One transaction: drop the schema, load the dump. On any error nothing changes.
            _run(["psql", "--quiet", "--no-psqlrc", "--single-transaction", "--set=ON_ERROR_STOP=1",
                  "--command=DROP SCHEMA IF EXISTS public CASCADE", "--command=CREATE SCHEMA public",
                  f"--file={script}"], env)
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")
