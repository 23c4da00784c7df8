"""The yardstick for bench/bench_api_save.py: the least a save can be. A bare FastAPI endpoint that merges the posted
JSON answers into one SQLite row (read it, merge, write it back, commit), with nothing else: no login, no
authorisation, no validation, no audit entry, no version check.

    DATABASE=/tmp/bare.db uvicorn bench.bare_save_app:app --port 8124

Served by uvicorn as the app is (`main.py serve`: access log off), as a plain `def` route in FastAPI's thread pool.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
_local = threading.local()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(os.environ["DATABASE"], isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
    return conn


def create(path: str, rows: int) -> None:
    """The table of the bare endpoint: `rows` rows with empty answers."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS case_row (id INTEGER PRIMARY KEY, answers TEXT NOT NULL, "
                 "version INTEGER NOT NULL)")
    conn.executemany("INSERT INTO case_row (id, answers, version) VALUES (?, '{}', 1)", [(i,) for i in range(1, rows + 1)])
    conn.commit()
    conn.close()


class AnswersIn(BaseModel):
    answers: dict[str, Any]


@app.patch("/cases/{case_id}/answers")
def patch_answers(case_id: int, body: AnswersIn):
    conn = _connection()
    conn.execute("BEGIN IMMEDIATE")
    try:
        (stored, version), = conn.execute("SELECT answers, version FROM case_row WHERE id = ?", (case_id,))
        merged = {**json.loads(stored), **body.answers}
        conn.execute("UPDATE case_row SET answers = ?, version = ? WHERE id = ?", (json.dumps(merged), version + 1,
                                                                                   case_id))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"id": case_id, "answers": merged, "version": version + 1}
