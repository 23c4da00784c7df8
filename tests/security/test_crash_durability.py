"""No lost work: the real server (`main.py serve`) is killed with SIGKILL in the middle of a burst of autosaves from
several caseworkers; after a restart every save a caseworker saw acknowledged is there.

Runs on SQLite in the SQLite run and on a fresh PostgreSQL database (created and dropped here) in the PostgreSQL run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from intake.config import ROOT
from intake.db import get_engine, new_session
from intake.models import Case, Organisation, User
from tests.days import main_py_argv
from tests.personas import AMAL
from tests.scratch import postgres_url, scratch_database
from tests.serving import server

THREADS = 4
CASES_PER_THREAD = 5
KILL_AFTER_ACKS = 80  # acknowledged saves before the kill; the burst goes on at full speed when it comes
MAX_SAVES_PER_THREAD = 2_000  # a bound, never reached unless the kill fails


@dataclass
class Worker:
    """One caseworker's tab: saves to its cases in turn, each with a value never used before."""

    number: int
    cases: list[int]
    session_id: str
    csrf: str
    acked: dict[int, str] = field(default_factory=dict)  # case -> last value acknowledged with 200
    in_flight: dict[int, str] = field(default_factory=dict)  # case -> value sent, answer never seen
    errors: list[str] = field(default_factory=list)
    count: int = 0

    def run(self, base: str, stop: threading.Event, acks: list[int], lock: threading.Lock) -> None:
        with httpx.Client(base_url=base, cookies={"kt_session": self.session_id}, timeout=20) as http:
            for i in range(MAX_SAVES_PER_THREAD):
                if stop.is_set():
                    return
                case_id = self.cases[i % len(self.cases)]
                value = f"Mål fra fane {self.number}, lagring {i}"
                self.in_flight[case_id] = value
                try:
                    r = http.post(f"/cases/{case_id}/sections/goals",
                                  data={"_csrf": self.csrf, "_action": "autosave", "goals.short_term": value})
                except httpx.HTTPError:
                    return  # the server is gone: this save's fate is unknown, and allowed either way
                if r.status_code != 200:
                    self.errors.append(f"case {case_id}: {r.status_code}")
                    return
                del self.in_flight[case_id]
                self.acked[case_id] = value
                self.count += 1
                with lock:
                    acks[0] += 1


def _prepare(url: str) -> tuple[list[Worker], str]:
    from intake.cases import create_case
    from intake.security import create_api_token, create_session, hash_password

    with new_session(get_engine(url)) as db:
        org = Organisation(name="Drammen kommune", kind="municipality", municipality_number="3301", county_code="33")
        db.add(org)
        db.commit()
        workers = []
        for n in range(THREADS):
            user = User(username=f"veileder{n}", full_name=f"Veileder {n}", role="caseworker",
                        organisation_id=org.id, password_hash=hash_password("et langt passord"))
            db.add(user)
            db.commit()
            cases = []
            for _ in range(CASES_PER_THREAD):
                case, errors = create_case(db, user, dict(AMAL))
                assert not errors, errors
                cases.append(case.id)
            session, cookie = create_session(db, user)
            workers.append(Worker(n, cases, cookie, session.csrf_token))
        token = create_api_token(db, user)
    get_engine(url).dispose()
    return workers, token


def _crash_and_check(url: str, tmp_path: Path) -> None:
    workers, token = _prepare(url)
    log = tmp_path / "server.log"
    with server(log, DATABASE_URL=url, KARTLEGGING_DEMO="1") as (base, proc):
        stop, lock, acks = threading.Event(), threading.Lock(), [0]
        threads = [threading.Thread(target=w.run, args=(base, stop, acks, lock), daemon=True) for w in workers]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while acks[0] < KILL_AFTER_ACKS and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # in the middle of the burst: requests are in flight right now
        proc.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not [e for w in workers for e in w.errors], [w.errors for w in workers]
    assert acks[0] >= KILL_AFTER_ACKS, f"only {acks[0]} saves were acknowledged before the kill"
    assert any(w.in_flight for w in workers), "no save was in flight at the kill: the test proved nothing"

    get_engine(url).dispose()
    with server(log, DATABASE_URL=url, KARTLEGGING_DEMO="1") as (base, _proc):
        lost = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20) as http:
            # every case is read back through the restarted app (the API user is in the same organisation)
            for w in workers:
                for case_id in w.cases:
                    r = http.get(f"/api/v1/cases/{case_id}")
                    assert r.status_code == 200, r.text
                    stored = r.json()["answers"].get("goals.short_term")
                    allowed = {w.acked.get(case_id), w.in_flight.get(case_id)} - {None}
                    if case_id in w.acked and stored not in allowed:
                        lost.append(f"case {case_id}: acknowledged {w.acked[case_id]!r}, stored {stored!r}")
    assert not lost, "acknowledged saves lost in the crash:\n" + "\n".join(lost)
    env = {**os.environ, "DATABASE_URL": url}
    verify = subprocess.run(main_py_argv("verify-audit"), cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout  # the crash left no half-written audit entry either
    with new_session(get_engine(url)) as db:
        assert all(db.get(Case, c) is not None for w in workers for c in w.cases)
    get_engine(url).dispose()


@pytest.mark.skipif(postgres_url() is not None, reason="SQLite's crash test runs in the SQLite run")
def test_no_acknowledged_save_is_lost_when_the_server_is_killed_on_sqlite(database_url, tmp_path):
    with scratch_database("crash") as url:
        assert url.startswith("sqlite")
        _crash_and_check(url, tmp_path)


@pytest.mark.skipif(postgres_url() is None, reason="needs KARTLEGGING_TEST_DATABASE_URL (the PostgreSQL run)")
def test_no_acknowledged_save_is_lost_when_the_server_is_killed_on_postgresql(database_url, tmp_path):
    with scratch_database("crash") as url:  # a fresh database: CREATE DATABASE kt_crash_<random>, dropped after
        assert url.startswith("postgresql")
        _crash_and_check(url, tmp_path)
