"""The one audit writer: an append-only log of reads and changes, each entry chained to the one before by hash.

`record` adds an entry inside the caller's transaction, so the entry commits with the change it describes.
The chain is computed from the insert, which this transaction makes holding the write lock (SQLite) or the
audit advisory lock (PostgreSQL), so concurrent requests can never fork it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import insert, literal_column, text
from sqlmodel import Session, col, select, update

from . import clock
from .models import AuditEntry, User

_PG_AUDIT_LOCK = 7254001
# The hash of the entry before a new one, read in the INSERT's RETURNING (the same SQL on SQLite and PostgreSQL).
_PREV_HASH = literal_column("(SELECT prior.hash FROM audit_entry AS prior WHERE prior.id < audit_entry.id "
                            "ORDER BY prior.id DESC LIMIT 1)")


def _digest(entry: AuditEntry, prev_hash: str) -> str:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.timezone.utc)
    fields = [str(entry.id), at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(entry.user_id or ""),
              entry.username, str(entry.organisation_id or ""), entry.action, entry.object_type,
              entry.object_id or "", entry.detail, prev_hash]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def record(db: Session, user: User | None, action: str, object_type: str, object_id: object = None,
           detail: str = "", organisation_id: int | None = None) -> AuditEntry:
    """Add an entry, chained to the one before it, in the caller's transaction (committed with the change it
    describes). Two statements: the insert, which takes the write lock (SQLite) and answers with the new id and the
    hash of the entry before it, then the update that seals the entry with its own hash. Core statements, not the ORM's
    unit of work: every read and save of a case passes here."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_AUDIT_LOCK))
    entry = AuditEntry(
        at=clock.now(), user_id=user.id if user else None, username=user.username if user else "",
        organisation_id=organisation_id if organisation_id is not None else (user.organisation_id if user else None),
        action=action, object_type=object_type, object_id=None if object_id is None else str(object_id),
        detail=detail[:2000],
    )
    table = AuditEntry.__table__
    values = entry.model_dump(exclude={"id", "prev_hash", "hash"})
    entry.id, prev = db.execute(insert(table).values(**values).returning(table.c.id, _PREV_HASH)).one()
    entry.prev_hash, entry.hash = prev or "", _digest(entry, prev or "")
    db.execute(update(table).where(table.c.id == entry.id).values(prev_hash=entry.prev_hash, hash=entry.hash))
    return entry


def verify_chain(db: Session) -> list[str]:
    """Problems found in the chain (empty when intact): an altered entry, or one removed from between two others."""
    problems: list[str] = []
    prev = ""
    for entry in db.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.id}: does not follow the entry before it (one was removed or altered)")
        if _digest(entry, entry.prev_hash) != entry.hash:
            problems.append(f"entry {entry.id}: its content does not match its hash (altered)")
        prev = entry.hash
    return problems
