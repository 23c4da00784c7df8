"""The head of the audit chain, kept in a file outside the database, so that entries cut from the end of the log are
noticed.

The hash chain (intake/audit.py) shows an entry altered, or removed from between two others, but not entries cut from
its end: what is left is still a valid chain. The anchor file holds, for each database, the id and hash of the last
entry (with its time, and when the anchor was written). `verify-audit` and `anchor-audit` first check that the
anchored entry is still there with the same hash, and only then move the anchor to the current head; the server moves
it when it shuts down. `audit.record` never writes it, so a save stays one database transaction: entries written since
the anchor last moved can still be cut unnoticed. Run `main.py anchor-audit` often (cron) to keep that window short.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from . import audit, clock
from .db import database_key, new_session
from .models import AuditEntry

FORMAT = "kartlegging-audit-anchor/1"
log = logging.getLogger(__name__)


class AnchorFileError(Exception):
    """The anchor file exists but cannot be read; the message names it."""


@dataclass(frozen=True)
class Anchor:
    id: int
    hash: str
    at: str  # the entry's time
    anchored_at: str = ""  # when the anchor was written


def _key(db: Session) -> str:
    return database_key(db.get_bind().url)


def head(db: Session) -> Anchor | None:
    """The last entry of the log, as an anchor (None while the log is empty)."""
    entry = db.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    return None if entry is None else Anchor(entry.id, entry.hash, entry.at.isoformat())


def _read_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise AnchorFileError(f"the audit anchor file {path} cannot be read ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("databases"), dict):
        raise AnchorFileError(f"the audit anchor file {path} is not in the format {FORMAT}")
    return data["databases"]


def read(path: Path, db: Session) -> Anchor | None:
    """This database's anchor in the file, or None when it has none yet."""
    found = _read_file(path).get(_key(db))
    try:
        return None if found is None else Anchor(**found)
    except TypeError as exc:
        raise AnchorFileError(f"the audit anchor file {path} has an unreadable entry ({exc})") from exc


def _write(path: Path, db: Session) -> Anchor | None:
    """Anchor this database's log at its head (the caller holds the lock); an empty log drops its anchor."""
    databases = _read_file(path)
    current = head(db)
    key = _key(db)
    if current is None:
        databases.pop(key, None)
        anchor = None
    else:
        anchor = Anchor(current.id, current.hash, current.at, clock.now().isoformat(timespec="seconds"))
        databases[key] = asdict(anchor)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"format": FORMAT, "databases": databases}, out, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return anchor


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time (the server at shutdown, cron, an operator), across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def check(db: Session, path: Path) -> list[str]:
    """Problems (empty when none): the anchored entry is gone, or is another entry now."""
    try:
        anchor = read(path, db)
    except AnchorFileError as exc:
        return [str(exc)]
    if anchor is None:
        return []
    found = db.exec(select(AuditEntry.hash).where(AuditEntry.id == anchor.id)).first()
    if found is None:
        last = head(db)
        ends = f"now ends at entry {last.id}" if last else "is now empty"
        return [f"entry {anchor.id}: missing, but the anchor written {anchor.anchored_at} names it as the log's last "
                f"entry; the log {ends}: entries were cut from its end"]
    if found != anchor.hash:
        return [f"entry {anchor.id}: its hash is not the one anchored {anchor.anchored_at}; the log was cut back and "
                f"written again, or the entry was altered"]
    return []


def advance(db: Session, path: Path, *, whole_chain: bool = False) -> tuple[list[str], Anchor | None]:
    """Check the anchored entry (with `whole_chain`, every entry too), then move the anchor to the log's head.
    On any problem the anchor stays where it is, so the evidence is kept: (problems, None)."""
    with _locked(path):
        problems = (audit.verify_chain(db) if whole_chain else []) + check(db, path)
        if problems:
            return problems, None
        return [], _write(path, db)


def reset(db: Session, path: Path, reason: str) -> Anchor | None:
    """Anchor the log as it is now without checking it against the old anchor: after a restore, which takes the log
    back on purpose. The log itself records the reset, and which entry the old anchor named."""
    with _locked(path):
        try:
            old = read(path, db)
            before = (f"previous anchor: entry {old.id} hash {old.hash[:16]} written {old.anchored_at}" if old
                      else "no previous anchor")
        except AnchorFileError as exc:
            before = f"previous anchor unreadable: {exc}"
        audit.record(db, None, "anchor-reset", "audit", None, f"{reason}; {before}")
        db.commit()
        return _write(path, db)


def at_shutdown(engine: Engine, path: Path) -> None:
    """The server's last act: move the anchor to the head, or log why not. Never raises (shutdown goes on)."""
    try:
        with new_session(engine) as db:
            problems, anchor = advance(db, path)
    except Exception:  # a shutdown must finish; the operator reads the log
        log.exception("could not write the audit anchor %s", path)
        return
    for problem in problems:
        log.error("audit anchor not moved: %s", problem)
    if anchor is not None:
        log.info("audit log anchored at entry %s in %s", anchor.id, path)
