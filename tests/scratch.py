"""A database of its own for tests that must not touch the shared one (tampering, restore, migrations, crashes).

Same kind as the suite's: a temp SQLite file, or, when KARTLEGGING_TEST_DATABASE_URL names PostgreSQL, a fresh
database created beside it (`kt_<purpose>_<random>`) and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import make_url


def postgres_url() -> str | None:
    url = os.environ.get("KARTLEGGING_TEST_DATABASE_URL")
    return url if url and make_url(url).get_backend_name() == "postgresql" else None


def _admin_connection(url: str):
    import psycopg

    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True, connect_timeout=10)


@contextlib.contextmanager
def scratch_database(purpose: str, *, migrate: bool = True) -> Iterator[str]:
    """The URL of an empty database (migrated to head unless `migrate=False`), removed afterwards."""
    from intake.migrate import upgrade

    base = postgres_url()
    if base is None:
        with tempfile.TemporaryDirectory(prefix=f"kt_{purpose}_") as tmp:
            url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
            if migrate:
                upgrade(url)
            try:
                yield url
            finally:
                _dispose(url)
        return
    name = f"kt_{purpose}_{secrets.token_hex(4)}"
    with _admin_connection(base) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        _dispose(url)
        with _admin_connection(base) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _dispose(url: str) -> None:
    from intake import db as db_mod

    engine = db_mod._engines.pop(url, None)
    if engine is not None:
        engine.dispose()
