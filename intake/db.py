"""The database engine: SQLite (WAL, foreign keys on) by default, PostgreSQL with the same code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

from .domain.text import scrub

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_json(text: str | bytes) -> Any:
    """A JSON column's value as stored, read defensively: a lone surrogate (which JSON can carry as "\\ud800", and
    which was accepted before such text was refused) becomes U+FFFD, so no page, answer or PDF fails on it."""
    value = json.loads(text)
    raw = text if isinstance(text, str) else text.decode("utf-8", "replace")
    return scrub(value) if _SURROGATE_ESCAPE.search(raw) else value


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No cap on connections (max_overflow=-1): each of the thread pool's threads (40) may hold one, and SQLite
        # connections are cheap; 20 are kept.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20,
                               max_overflow=-1, json_deserializer=read_json)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across app crashes, fast commits
            cur.execute("PRAGMA busy_timeout=30000")
            # Read the file through the OS's page cache, shared by every connection, instead of copying each page
            # into a 2 MiB cache per connection: the leaders' figures read tens of thousands of rows per page
            cur.execute("PRAGMA mmap_size=268435456")
            cur.close()
            # SQLite's lower() folds ASCII only; search must find "Øyvind" from "øyvind" as PostgreSQL does.
            dbapi_conn.create_function("lower", 1, lambda s: s.lower() if isinstance(s, str) else s,
                                       deterministic=True)

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_deserializer=read_json)


_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def new_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def database_key(url: str | URL) -> str:
    """The database's name in files kept outside it (audit anchor, erasure register): the URL without driver or
    password, an SQLite file by its absolute path. One such file can so serve several databases without mixing them."""
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:///{Path(parsed.database).resolve()}" if parsed.database else "sqlite://"
    return URL.create(backend, username=parsed.username, host=parsed.host, port=parsed.port,
                      database=parsed.database).render_as_string(hide_password=False)
