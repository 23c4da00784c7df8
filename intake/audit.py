"""The one audit writer: an append-only log of reads and changes, each entry chained to the one before by hash.

`record` adds an entry inside the caller's transaction, so the entry commits with the change it describes.
The chain is computed from the insert, which this transaction makes holding the write lock (SQLite) or the
audit advisory lock (PostgreSQL), so concurrent requests can never fork it.

With `KARTLEGGING_AUDIT_KEY` set, each entry is sealed with an HMAC-SHA-256 under that key instead of a plain
SHA-256, so whoever can write the database but does not hold the key cannot rewrite the entries since the anchor last
moved and chain them again: entries after the anchor must carry the key's seal (intake/audit_anchor.py). Entries the
anchor covers are fixed by its hash and may carry an earlier key's seal (`KARTLEGGING_AUDIT_OLD_KEYS`) or none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, literal_column, text, update
from sqlmodel import Session, col, select

from . import clock
from .config import get_settings
from .models import AuditEntry, User

_PG_AUDIT_LOCK = 7254001
# The hash of the entry before a new one, read in the INSERT's RETURNING (the same SQL on SQLite and PostgreSQL).
_PREV_HASH = literal_column("(SELECT prior.hash FROM audit_entry AS prior WHERE prior.id < audit_entry.id "
                            "ORDER BY prior.id DESC LIMIT 1)")


@dataclass
class Entry:
    """An entry as `record` wrote it (the row's fields; a plain object, not an ORM one, for speed)."""

    id: int
    at: dt.datetime
    user_id: int | None
    username: str
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str | None
    detail: str
    prev_hash: str
    hash: str = ""


# Built once: the statements of every audit entry (their parameters are given at execution).
_TABLE = AuditEntry.__table__
_INSERT = insert(_TABLE).returning(_TABLE.c.id, _PREV_HASH)
_SEAL = (update(_TABLE).where(_TABLE.c.id == bindparam("entry_id"))
         .values(prev_hash=bindparam("new_prev_hash"), hash=bindparam("new_hash")))


def _digest(entry: AuditEntry | Entry, prev_hash: str, key: bytes | None = None) -> str:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.timezone.utc)
    fields = [str(entry.id), at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(entry.user_id or ""),
              entry.username, str(entry.organisation_id or ""), entry.action, entry.object_type,
              entry.object_id or "", entry.detail, prev_hash]
    payload = "\x1f".join(fields).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest() if key else hashlib.sha256(payload).hexdigest()


def keys() -> tuple[bytes | None, list[bytes]]:
    """(the key new entries are sealed with, earlier keys), from the settings (never from the database)."""
    settings = get_settings()
    current = settings.audit_key.get_secret_value().encode() if settings.audit_key else None
    old = settings.audit_old_keys.get_secret_value().split(",") if settings.audit_old_keys else []
    return current, [k.strip().encode() for k in old if k.strip()]


def record(db: Session, user: User | None, action: str, object_type: str, object_id: object = None,
           detail: str = "", organisation_id: int | None = None) -> Entry:
    """Add an entry, chained to the one before it, in the caller's transaction (committed with the change it
    describes). Two statements: the insert, which takes the write lock (SQLite) and answers with the new id and the
    hash of the entry before it, then the update that seals the entry with its own hash. Core statements, not the ORM's
    unit of work: every read and save of a case passes here."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_AUDIT_LOCK))
    values = dict(
        at=clock.now(), user_id=user.id if user else None, username=user.username if user else "",
        organisation_id=organisation_id if organisation_id is not None else (user.organisation_id if user else None),
        action=action, object_type=object_type, object_id=None if object_id is None else str(object_id),
        detail=detail[:2000],
    )
    entry_id, prev = db.execute(_INSERT, values).one()
    entry = Entry(id=entry_id, **values, prev_hash=prev or "")
    entry.hash = _digest(entry, entry.prev_hash, keys()[0])
    db.execute(_SEAL, {"entry_id": entry.id, "new_prev_hash": entry.prev_hash, "new_hash": entry.hash})
    return entry


def verify_chain(db: Session, *, after=None, keyed_after: int | None = None, upto: int | None = None) -> list[str]:
    """Problems found in the chain (empty when intact): an altered entry, or one removed from between two others.
    `after` (an anchor: id and hash) checks only the entries after it, chained on from it. With a key set, entries
    after `keyed_after` (the anchored entry) must be sealed with it; those before may carry any known seal, the
    anchor's hash fixing them. `upto`: the last entry to check."""
    current, old = keys()
    any_seal = [k for k in (current, *old) if k] + [None]
    problems: list[str] = []
    prev = after.hash if after is not None and after.id else ""
    query = select(AuditEntry).order_by(col(AuditEntry.id))
    if after is not None:
        query = query.where(AuditEntry.id > after.id)
    if upto is not None:
        query = query.where(AuditEntry.id <= upto)
    for entry in db.exec(query):
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.id}: does not follow the entry before it (one was removed or altered)")
        must_be_keyed = current is not None and keyed_after is not None and entry.id > keyed_after
        seals = [current] if must_be_keyed else any_seal
        if not any(_digest(entry, entry.prev_hash, k) == entry.hash for k in seals):
            if must_be_keyed and any(_digest(entry, entry.prev_hash, k) == entry.hash for k in any_seal):
                problems.append(f"entry {entry.id}: not sealed with the audit key (written or rewritten without it)")
            else:
                problems.append(f"entry {entry.id}: its content does not match its hash (altered)")
        prev = entry.hash
    return problems
