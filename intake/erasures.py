"""The erasure register: every case erased (on request, or by the retention rule), kept in the ledger (intake/ledger.py:
this file format on SQLite, a table on PostgreSQL), so that restoring a backup taken before an erasure does not bring the case back (`main.py restore` erases again each case
of the register that the restored database holds: `privacy.reapply_erasures`).

One JSON line per erasure: the database, the case id, when the case was created (so that a later case given the same
id is never taken for the erased one), when it was erased, the audit entry that records it, and how (erase or purge).
No personal data: the reason and who asked stay in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Erasure:
    case_id: int
    created_at: str  # the case's creation time (see `moment`)
    erased_at: str
    audit_entry_id: int
    action: str  # "erase" (on request) or "purge" (retention)


def moment(value: dt.datetime) -> str:
    """A time as the register writes and compares it: UTC, to the microsecond (both databases keep that much)."""
    value = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def append(path: Path, database: str, erasure: Erasure) -> None:
    """Add one line, on disk before this returns (appends from several processes do not interleave)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"database": database, **asdict(erasure)}, sort_keys=True).encode() + b"\n"
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a line cut short by a crash stays on its own
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path, database: str) -> tuple[list[Erasure], list[str]]:
    """This database's erasures, oldest first, and a problem for each line that cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    found, problems = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data.pop("database") == database:
                found.append(Erasure(**data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{path} line {number}: cannot be read ({exc.__class__.__name__})")
    return found, problems
