"""Work the servers do on a timer: move the audit anchor (every `KARTLEGGING_ANCHOR_INTERVAL_SECONDS`) and, where
configured, purge old cases (`KARTLEGGING_PURGE_INTERVAL_HOURS`). Every server process runs the timers, but each
task runs once at a time across all of them: on PostgreSQL under an advisory lock (every instance on the database),
on SQLite under a lock file beside the database. A process that finds the task running elsewhere skips its turn, and
a run that finds nothing new does nothing (the anchor is not written again while the log's head stays)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .config import Settings

log = logging.getLogger(__name__)

_PG_TASK_LOCKS = {"anchor": 7254010, "purge": 7254011}


@contextlib.contextmanager
def once_across_instances(engine: Engine, task: str) -> Iterator[bool]:
    """True while this process holds the task's lock; False when another process runs the task now."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # the lock is the connection's: held until unlocked on the same one
            held = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_TASK_LOCKS[task]}).scalar_one()
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_TASK_LOCKS[task]})
                    conn.commit()
        return
    database = engine.url.database
    lock_path = Path(f"{database}.{task}.lock") if database and database != ":memory:" else None
    if lock_path is None:
        yield True
        return
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_task(engine: Engine, task: str, work: Callable[[Engine], None]) -> bool:
    """Run `work` unless another process is running the task; whether it ran. Never raises."""
    try:
        with once_across_instances(engine, task) as held:
            if held:
                work(engine)
            return held
    except Exception:
        log.exception("periodic task %s failed", task)
        return False


def _purge(engine: Engine) -> None:
    from .config import get_settings
    from .db import new_session
    from .privacy import purge

    with new_session(engine) as db:
        done = purge(db, get_settings().purge_years)
    log.info("purge: %s case(s) deleted", len(done))


def tasks(settings: Settings) -> list[tuple[str, float, Callable[[Engine], None]]]:
    from .audit_anchor import advance_logged

    found = []
    if settings.anchor_interval_seconds:
        found.append(("anchor", float(settings.anchor_interval_seconds), advance_logged))
    if settings.purge_interval_hours:
        found.append(("purge", settings.purge_interval_hours * 3600.0, _purge))
    return found


async def run_forever(engine: Engine, task: str, every: float, work: Callable[[Engine], None]) -> None:
    """The server's timer for one task (cancelled at shutdown); the work runs in a thread, off the event loop."""
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(run_task, engine, task, work)
