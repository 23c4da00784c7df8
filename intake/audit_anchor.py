"""The head of the audit chain, kept in the ledger outside the application's reach (intake/ledger.py), so that entries
cut from the end of the log are noticed.

The hash chain (intake/audit.py) shows an entry altered, or removed from between two others, but not entries cut from
its end: what is left is still a valid chain. The ledger holds the id and hash of the log's last entry as it was
anchored (the file: the latest anchor; PostgreSQL: every anchor since the last reset). `verify-audit` and
`anchor-audit` first check that the anchored entries are still there with the same hash, and the entries written
since chain on from the anchor (sealed with the audit key where one is set), and only then move the anchor to the
current head; the server does so every `KARTLEGGING_ANCHOR_INTERVAL_SECONDS` (intake/periodic.py) and as it stops.
`audit.record` never writes it, so a save stays one database transaction: entries written since the anchor last
moved can still be cut unnoticed, a window of about a minute.

A database without an anchor is an error, not a fresh start: `migrate` anchors a new database as it creates its
schema; after that only `--reset` (recorded in the log) anchors a log the ledger does not know.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from . import audit, clock
from .db import new_session
from .ledger import Anchor, LedgerError, for_session
from .models import AuditEntry

log = logging.getLogger(__name__)


def head(db: Session) -> Anchor | None:
    """The last entry of the log, as an anchor (None while the log is empty)."""
    entry = db.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    return None if entry is None else Anchor(entry.id, entry.hash, entry.at.isoformat())


def check(db: Session, ledger=None) -> list[str]:
    """Problems (empty when none): no anchor, or an anchored entry is gone or is another entry now."""
    ledger = ledger or for_session(db)
    try:
        if ledger.latest(db) is None:
            return [f"no audit anchor for this database in {ledger.where}: it was lost or never written. If the "
                    f"database was created or replaced on purpose, anchor it anew with `verify-audit --reset`"]
        mismatches = ledger.mismatches(db)
    except LedgerError as exc:
        return [str(exc)]
    problems = []
    for anchor, now in mismatches:
        if now is None:
            last = head(db)
            ends = f"now ends at entry {last.id}" if last else "is now empty"
            problems.append(f"entry {anchor.id}: missing, but the anchor written {anchor.anchored_at} names it as the "
                            f"log's last entry; the log {ends}: entries were cut from its end")
        else:
            problems.append(f"entry {anchor.id}: its hash is not the one anchored {anchor.anchored_at}; the log was "
                            f"cut back and written again, or the entry was altered")
    return problems


def _write(db: Session, ledger, kind: str, note: str = "", current: Anchor | None = None) -> Anchor | None:
    """Anchor the log at `current` (default: its head; an empty log as entry 0); the anchor, or None for an empty
    log."""
    current = current or head(db)
    anchor = Anchor(current.id if current else 0, current.hash if current else "", current.at if current else "",
                    clock.now().isoformat(timespec="seconds"))
    ledger.write(db, anchor, kind, note)
    return anchor if current else None


def advance(db: Session, ledger=None, *, whole_chain: bool = False) -> tuple[list[str], Anchor | None]:
    """Check the anchor and the entries written since (with `whole_chain`, every entry), then move the anchor to the
    log's head. On any problem the anchor stays where it is, so the evidence is kept: (problems, None)."""
    ledger = ledger or for_session(db)
    with ledger.locked(db):
        problems = check(db, ledger)
        try:
            latest = ledger.latest(db)
        except LedgerError:
            latest = None
        # The head as it is now: entries written while this runs are left to the next move, unchecked till then
        target = head(db)
        problems += audit.verify_chain(db, after=None if whole_chain or latest is None else latest,
                                       keyed_after=latest.id if latest else 0, upto=target.id if target else 0)
        if problems:
            db.rollback()
            return problems, None
        anchor = _write(db, ledger, "anchor", current=target)
        db.commit()
        return [], anchor


def reset(db: Session, reason: str, ledger=None) -> Anchor | None:
    """Anchor the log as it is now without checking it against the old anchor: after a restore, which takes the log
    back on purpose. The log itself records the reset, and which entry the old anchor named."""
    ledger = ledger or for_session(db)
    try:
        old = ledger.latest(db)
        before = (f"previous anchor: entry {old.id} hash {old.hash[:16]} written {old.anchored_at}" if old
                  else "no previous anchor")
    except LedgerError as exc:
        before = f"previous anchor unreadable: {exc}"
    audit.record(db, None, "anchor-reset", "audit", None, f"{reason}; {before}")
    db.commit()
    with ledger.locked(db):
        anchor = _write(db, ledger, "reset", reason)
        db.commit()
    return anchor


def start(db: Session) -> None:
    """A new database (its schema just created): its erasure register, and its first anchor, of the empty log."""
    ledger = for_session(db)
    if not ledger.register_exists(db):
        ledger.start_register(db)
    with ledger.locked(db):
        if ledger.latest(db) is None:
            _write(db, ledger, "start", "a new database")
        db.commit()


def advance_logged(engine: Engine) -> None:
    """Move the anchor, or log why not. Never raises (the server's periodic work and its shutdown go on)."""
    try:
        with new_session(engine) as db:
            ledger = for_session(db)
            problems, anchor = advance(db, ledger)
    except Exception:  # the operator reads the log
        log.exception("could not move the audit anchor")
        return
    for problem in problems:
        log.error("audit anchor not moved: %s", problem)
    if anchor is not None:
        log.info("audit log anchored at entry %s in %s", anchor.id, ledger.where)

