"""The ledger: what is kept where the application's own database role cannot rewrite it, the audit log's anchor
(intake/audit_anchor.py) and the erasure register (intake/erasures.py, intake/privacy.py).

Two places, one interface:

- `FileLedger` (the default on SQLite, or `KARTLEGGING_LEDGER=file`): the anchor file (one anchor per database, the
  latest) and the register file, on the machine or on storage every instance mounts.
- `PostgresLedger` (the default on PostgreSQL): the schema `kartlegging_ledger` in the same database, which every
  instance shares. `main.py setup-ledger --admin-url …` (run once, as a PostgreSQL administrator) gives the schema to
  a role that cannot log in and grants the application's role only SELECT and INSERT: the application can add
  anchors and erasures but never change or remove one. Anchors are a history, so a check covers every anchor since the
  last reset, not only the latest. Until `setup-ledger` has run, `migrate` creates the schema as the application's own
  role and `verify-audit` warns that the role can still rewrite it. The schema is outside Alembic's (the app's own
  tables), outside `backup`, and untouched by `restore`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, select

from . import clock, erasures
from .config import get_settings
from .db import database_key
from .models import AuditEntry

FORMAT = "kartlegging-audit-anchor/1"
SCHEMA = "kartlegging_ledger"
OWNER_ROLE = "kartlegging_ledger_owner"
_PG_LEDGER_LOCK = 7254002  # one anchor writer at a time (pg_advisory_xact_lock)


class LedgerError(Exception):
    """The ledger exists but cannot be read; the message names it."""


@dataclass(frozen=True)
class Anchor:
    id: int  # 0: the log was empty
    hash: str
    at: str  # the entry's time
    anchored_at: str = ""  # when the anchor was written


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


class FileLedger:
    """The anchor file (for each database its latest anchor) and the erasure register file (JSON lines)."""

    def __init__(self, anchor_path: Path, register_path: Path, database: str):
        self.anchor_path, self.register_path, self.database = anchor_path, register_path, database

    @property
    def where(self) -> str:
        return str(self.anchor_path)

    @property
    def register_where(self) -> str:
        return str(self.register_path)

    # --- the anchor ---

    def _databases(self) -> dict:
        try:
            data = json.loads(self.anchor_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise LedgerError(f"the audit anchor file {self.anchor_path} cannot be read ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("databases"), dict):
            raise LedgerError(f"the audit anchor file {self.anchor_path} is not in the format {FORMAT}")
        return data["databases"]

    def latest(self, db: Session) -> Anchor | None:
        """This database's anchor, or None when there is none (the file, or its line for this database, is gone)."""
        found = self._databases().get(self.database)
        try:
            return None if found is None else Anchor(**found)
        except TypeError as exc:
            raise LedgerError(f"the audit anchor file {self.anchor_path} has an unreadable entry ({exc})") from exc

    def anchors_to_check(self, db: Session) -> list[Anchor]:
        latest = self.latest(db)
        return [latest] if latest else []

    def mismatches(self, db: Session) -> list[tuple[Anchor, str | None]]:
        """Anchors whose entry is gone (None) or has another hash now (that hash)."""
        found = []
        for anchor in self.anchors_to_check(db):
            if anchor.id == 0:
                continue
            current = db.exec(select(AuditEntry.hash).where(AuditEntry.id == anchor.id)).first()
            if current != anchor.hash:
                found.append((anchor, current))
        return found

    def write(self, db: Session, anchor: Anchor, kind: str, note: str = "") -> None:
        """Replace this database's anchor (`kind` and `note` are for the PostgreSQL ledger's history)."""
        databases = self._databases()
        databases[self.database] = asdict(anchor)
        self.anchor_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.anchor_path.name}-", dir=self.anchor_path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"format": FORMAT, "databases": databases}, out, indent=2, sort_keys=True)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.anchor_path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    @contextlib.contextmanager
    def locked(self, db: Session) -> Iterator[None]:
        """One anchor writer at a time (the servers, cron, an operator), across the machine's processes."""
        self.anchor_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.anchor_path.with_name(self.anchor_path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def rewritable_by_app(self, db: Session) -> bool:
        return False  # a file's protection is the operating system's: documented, not checked here

    # --- the erasure register ---

    def register_exists(self, db: Session) -> bool:
        return self.register_path.exists()

    def start_register(self, db: Session) -> None:
        self.register_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.register_path, "a"):
            pass

    def append_erasure(self, db: Session, erasure: erasures.Erasure) -> None:
        erasures.append(self.register_path, self.database, erasure)

    def read_erasures(self, db: Session) -> tuple[list[erasures.Erasure], list[str]]:
        return erasures.read(self.register_path, self.database)


class PostgresLedger:
    """The schema `kartlegging_ledger`: anchors (a history: start, anchor, reset) and erasures, insert-only for the
    application's role once `setup-ledger` has run."""

    where = f"the PostgreSQL schema {SCHEMA} (table audit_anchor)"
    register_where = f"the PostgreSQL schema {SCHEMA} (table erasure)"

    @staticmethod
    def exists(db: Session) -> bool:
        return db.execute(text("SELECT to_regclass(:t) IS NOT NULL AND to_regclass(:e) IS NOT NULL"),
                          {"t": f"{SCHEMA}.audit_anchor", "e": f"{SCHEMA}.erasure"}).scalar_one()

    def _rows(self, db: Session, where: str = "", params: dict | None = None) -> list[Anchor]:
        if not self.exists(db):
            return []
        rows = db.execute(text(f"SELECT entry_id, entry_hash, entry_at, anchored_at FROM {SCHEMA}.audit_anchor "
                               f"{where} ORDER BY id"), params or {}).all()
        return [Anchor(r[0], r[1], r[2], r[3]) for r in rows]

    def _since_reset(self) -> str:
        return (f"WHERE id >= (SELECT coalesce(max(id), 0) FROM {SCHEMA}.audit_anchor "
                f"WHERE kind IN ('start', 'reset'))")

    def latest(self, db: Session) -> Anchor | None:
        if not self.exists(db):
            return None
        row = db.execute(text(f"SELECT entry_id, entry_hash, entry_at, anchored_at FROM {SCHEMA}.audit_anchor "
                              f"ORDER BY id DESC LIMIT 1")).first()
        return None if row is None else Anchor(*row)

    def anchors_to_check(self, db: Session) -> list[Anchor]:
        return self._rows(db, self._since_reset())

    def mismatches(self, db: Session) -> list[tuple[Anchor, str | None]]:
        """Every anchor since the last reset whose entry is gone or changed, in one query."""
        if not self.exists(db):
            return []
        rows = db.execute(text(
            f"SELECT a.entry_id, a.entry_hash, a.entry_at, a.anchored_at, e.hash FROM {SCHEMA}.audit_anchor a "
            f"LEFT JOIN audit_entry e ON e.id = a.entry_id "
            f"{self._since_reset().replace('WHERE id', 'WHERE a.id')} AND a.entry_id > 0 "
            f"AND (e.hash IS NULL OR e.hash <> a.entry_hash) ORDER BY a.id")).all()
        return [(Anchor(*r[:4]), r[4]) for r in rows]

    def write(self, db: Session, anchor: Anchor, kind: str, note: str = "") -> None:
        latest = self.latest(db)
        if kind == "anchor" and latest is not None and (latest.id, latest.hash) == (anchor.id, anchor.hash):
            return  # the head has not moved: nothing to add
        db.execute(text(f"INSERT INTO {SCHEMA}.audit_anchor (kind, entry_id, entry_hash, entry_at, anchored_at, note) "
                        f"VALUES (:kind, :id, :hash, :at, :anchored_at, :note)"),
                   {"kind": kind, "id": anchor.id, "hash": anchor.hash, "at": anchor.at,
                    "anchored_at": anchor.anchored_at, "note": note[:2000]})  # committed by the caller

    @contextlib.contextmanager
    def locked(self, db: Session) -> Iterator[None]:
        """Held until the caller's transaction ends (it commits what it wrote)."""
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LEDGER_LOCK})
        yield

    def rewritable_by_app(self, db: Session) -> bool:
        """The application's role could change or remove what the ledger holds (setup-ledger has not run, or the role
        is a superuser)."""
        if not self.exists(db):
            return True
        return db.execute(text(
            "SELECT bool_or(has_table_privilege(current_user, t, 'UPDATE') OR has_table_privilege(current_user, t, "
            "'DELETE') OR has_table_privilege(current_user, t, 'TRUNCATE')) FROM unnest(CAST(:tables AS text[])) t"),
            {"tables": [f"{SCHEMA}.audit_anchor", f"{SCHEMA}.erasure"]}).scalar_one()

    def register_exists(self, db: Session) -> bool:
        return self.exists(db)

    def start_register(self, db: Session) -> None:
        create_schema(db)

    def append_erasure(self, db: Session, erasure: erasures.Erasure) -> None:
        db.execute(text(f"INSERT INTO {SCHEMA}.erasure (case_id, created_at, erased_at, audit_entry_id, action) "
                        f"VALUES (:case_id, :created_at, :erased_at, :audit_entry_id, :action)"), asdict(erasure))
        db.commit()

    def read_erasures(self, db: Session) -> tuple[list[erasures.Erasure], list[str]]:
        if not self.exists(db):
            return [], []
        rows = db.execute(text(f"SELECT case_id, created_at, erased_at, audit_entry_id, action FROM {SCHEMA}.erasure "
                               f"ORDER BY id")).all()
        return [erasures.Erasure(*r) for r in rows], []


TABLES = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.audit_anchor (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('start', 'anchor', 'reset')),
    entry_id bigint NOT NULL,
    entry_hash text NOT NULL,
    entry_at text NOT NULL,
    anchored_at text NOT NULL,
    note text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.erasure (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL,
    created_at text NOT NULL,
    erased_at text NOT NULL,
    audit_entry_id bigint NOT NULL,
    action text NOT NULL
);
"""


def create_schema(db: Session) -> None:
    """The ledger's schema and tables where they are missing, as the connected role (the application's, until
    `setup-ledger` gives them away)."""
    if PostgresLedger.exists(db):
        return
    if not db.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": SCHEMA}).first():
        db.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    for statement in TABLES.split(";"):
        if statement.strip():
            db.execute(text(statement))
    db.commit()


def setup(admin_url: str, app_role: str) -> list[str]:
    """As a PostgreSQL administrator: give the ledger to a role that cannot log in and leave the application's role
    only SELECT and INSERT on it. Idempotent. Returns what was done."""
    from .db import make_engine

    engine = make_engine(admin_url)
    done = []
    try:
        with Session(engine) as db:
            if not db.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": OWNER_ROLE}).first():
                db.execute(text(f"CREATE ROLE {OWNER_ROLE} NOLOGIN"))
                done.append(f"created role {OWNER_ROLE} (cannot log in)")
            create_schema(db)
            role = '"' + app_role.replace('"', '""') + '"'
            for statement in (
                f"ALTER SCHEMA {SCHEMA} OWNER TO {OWNER_ROLE}",
                f"ALTER TABLE {SCHEMA}.audit_anchor OWNER TO {OWNER_ROLE}",
                f"ALTER TABLE {SCHEMA}.erasure OWNER TO {OWNER_ROLE}",
                f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC, {role}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC, {role}",
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM PUBLIC, {role}",
                f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}",
                f"GRANT SELECT, INSERT ON {SCHEMA}.audit_anchor, {SCHEMA}.erasure TO {role}",
                f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {role}",
            ):
                db.execute(text(statement))
            db.commit()
            done.append(f"schema {SCHEMA} owned by {OWNER_ROLE}; {app_role} may only read and add rows")
    finally:
        engine.dispose()
    return done


def for_session(db: Session) -> FileLedger | PostgresLedger:
    """The ledger of the session's database, as the settings choose it."""
    settings = get_settings()
    url: URL = db.get_bind().url
    if url.get_backend_name() == "postgresql" and settings.ledger != "file":
        return PostgresLedger()
    return FileLedger(settings.audit_anchor_path, settings.erasure_register_path, database_key(url))


def app_role(database_url: str) -> str:
    return make_url(database_url).username or ""
