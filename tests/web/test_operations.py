"""What an operator relies on: liveness and readiness, JSON log lines with a request id and no personal data, and
metrics behind a token (intake/observability.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from intake.config import Settings
from tests.conftest import PASSWORD
from tests.scratch import scratch_database
from tests.serving import server

METRICS_TOKEN = "skrape-" + uuid.uuid4().hex


@pytest.fixture
def served(database_url, tmp_path):
    """`main.py serve` on the suite's database, with a metrics token; yields (base URL, the server's log file)."""
    log = tmp_path / "server.log"
    with server(log, KARTLEGGING_METRICS_TOKEN=METRICS_TOKEN) as (base, _proc):
        yield base, log


def test_the_log_is_json_with_request_ids_and_no_personal_data_and_metrics_count_by_route(served, make_user,
                                                                                          make_org):
    base, log = served
    user = make_user("caseworker", make_org(), username=f"kari-nordmann-{uuid.uuid4().hex[:6]}")
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        assert c.post("/login", data={"username": user.username, "password": "feil-passord"}).status_code == 422
        assert c.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 303
        request_id = uuid.uuid4().hex
        csrf = re.search(r'name="_csrf" value="([^"]+)"', c.get("/cases").text)[1]
        r = c.post("/cases", data={"_csrf": csrf, "q": "Hassan Sørlandet"}, headers={"X-Request-ID": request_id})
        assert r.status_code == 200 and r.headers["x-request-id"] == request_id
        assert len(c.get("/cases").headers["x-request-id"]) == 32  # made by the server when none was sent
        assert c.get("/readyz").json() == {"status": "ready"}

        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer not-the-token"}).status_code == 401
        metrics = c.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status_code == 200
    assert 'kartlegging_http_request_duration_seconds_count{method="GET",route="/cases",status="200"} 2.0' in metrics.text
    assert 'kartlegging_login_failures_total{reason="password"} 1.0' in metrics.text
    assert "Hassan" not in metrics.text and user.username not in metrics.text

    time.sleep(0.2)  # the last request's line
    text = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    searched = [line for line in lines if line.get("request_id") == request_id]
    assert searched and searched[-1]["route"] == "/cases" and searched[-1]["method"] == "POST"
    assert searched[-1]["status"] == 200
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    # The search term, the query string and the user's name never reach the log
    for secret in ("Hassan", "S%C3%B8rlandet", "Sørlandet", "q=", user.username, "nordmann"):
        assert secret not in text, secret


def test_metrics_do_not_exist_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_readiness_fails_while_the_schema_is_behind_or_the_database_is_unreachable():
    from intake.app import create_app
    from intake.migrate import upgrade

    with scratch_database("ready", migrate=False) as url:
        upgrade(url, "0004")
        behind = TestClient(create_app(Settings(database_url=url)))
        r = behind.get("/readyz")
        assert r.status_code == 503 and "0004" in r.json()["problem"]
        assert behind.get("/healthz").status_code == 200  # alive, only not ready
        upgrade(url)
        assert behind.get("/readyz").status_code == 200
    gone = TestClient(create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")))
    r = gone.get("/readyz")
    assert r.status_code == 503 and "unreachable" in r.json()["problem"]


def test_serve_runs_one_process_per_cpu_unless_told(monkeypatch):
    monkeypatch.delenv("KARTLEGGING_WORKERS", raising=False)
    assert Settings().workers == (os.cpu_count() or 1)
    monkeypatch.setenv("KARTLEGGING_WORKERS", "3")
    assert Settings().workers == 3


def test_a_server_process_works_on_one_quick_and_one_long_request_at_once_on_sqlite(monkeypatch):
    """On SQLite one quick and one long request at once; on PostgreSQL, where a request also waits for the database
    server, eight and four; both can be set."""
    monkeypatch.delenv("KARTLEGGING_CONCURRENT_REQUESTS", raising=False)
    monkeypatch.delenv("KARTLEGGING_CONCURRENT_LONG_REQUESTS", raising=False)
    sqlite, postgres = Settings(database_url="sqlite:///x.db"), Settings(database_url="postgresql+psycopg://u@h/d")
    assert (sqlite.request_limit, sqlite.long_request_limit) == (1, 1)
    assert (postgres.request_limit, postgres.long_request_limit) == (8, 4)
    monkeypatch.setenv("KARTLEGGING_CONCURRENT_REQUESTS", "5")
    monkeypatch.setenv("KARTLEGGING_CONCURRENT_LONG_REQUESTS", "3")
    sqlite = Settings(database_url="sqlite:///x.db")
    assert (sqlite.request_limit, sqlite.long_request_limit) == (5, 3)


def test_connections_opened_together_are_shared_out_over_both_server_processes(database_url, tmp_path, db,
                                                                                 make_user, make_org):
    """Caseworkers' browsers (or a proxy's kept-alive connections) that connect at the same moment do not all land on
    one process while the other stands idle: each process listens on its own socket (SO_REUSEPORT), and the kernel
    shares the connections out. With one shared socket, the first process to wake accepted all sixteen."""
    from intake.security import create_session
    from intake.web.deps import SESSION_COOKIE

    _session, cookie = create_session(db, make_user("caseworker", make_org()))
    shared = tmp_path / "metrics"
    with server(tmp_path / "server.log", workers=2, PROMETHEUS_MULTIPROC_DIR=str(shared)) as (base, _proc):
        clients = [httpx.Client(base_url=base, cookies={SESSION_COOKIE: cookie}) for _ in range(16)]
        try:
            with ThreadPoolExecutor(16) as pool:  # sixteen connections opened at once, each kept for three requests
                statuses = list(pool.map(lambda c: [c.get("/cases").status_code for _ in range(3)], clients))
        finally:
            for c in clients:
                c.close()
    assert statuses == [[200] * 3] * 16
    assert len(_processes_that_timed(shared, "/cases")) == 2


def _server_processes(root: int) -> set[int]:
    """The server processes `serve --workers N` runs under process `root` (spawned: not the resource tracker, nor a
    PDF worker, which a server process spawns)."""
    parents, spawned = {}, set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            spawned.add(pid)

    def under_root(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == root:
                return True
        return False

    return {pid for pid in spawned if under_root(pid) and parents.get(pid) not in spawned}


def test_a_server_process_that_dies_is_started_again(tmp_path):
    """A server process killed outright is replaced by one that serves, and the server goes on answering."""
    shared = tmp_path / "metrics"
    with server(tmp_path / "server.log", workers=2, PROMETHEUS_MULTIPROC_DIR=str(shared)) as (base, proc):
        first = _server_processes(proc.pid)
        assert len(first) == 2
        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            now = _server_processes(proc.pid)
            replacement = now - first
            # Connections new each time, so either process may take them, until the replacement has answered one
            with httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0)) as c:
                statuses = [c.get("/healthz").status_code for _ in range(10)]
            assert statuses == [200] * 10, statuses
            answered = _processes_that_timed(shared, "/healthz")
            if len(now) == 2 and {f"histogram_{pid}" for pid in replacement} & answered:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no server process answering in place of the one killed: {now}")
        assert proc.poll() is None  # the server goes on


def test_metrics_add_up_over_two_worker_processes_on_the_tests_clock(database_url, tmp_path, db, make_user, make_org):
    """`serve --workers 2`: /metrics counts the requests of both processes (prometheus-client's multiprocess mode),
    and both run on the tests' clock: a login session made today is live in each (on the machine's date, days or
    weeks later, it would have expired)."""
    from intake.security import create_session
    from intake.web.deps import SESSION_COOKIE

    _session, cookie = create_session(db, make_user("caseworker", make_org()))
    shared = tmp_path / "metrics"
    with server(tmp_path / "server.log", workers=2, KARTLEGGING_METRICS_TOKEN=METRICS_TOKEN,
                PROMETHEUS_MULTIPROC_DIR=str(shared)) as (base, _proc):
        answered = 0
        # Requests ten at a time, each on a new connection, which either process may take (an idle process would
        # take them all one by one), until both have answered some.
        with httpx.Client(base_url=base, cookies={SESSION_COOKIE: cookie},
                          limits=httpx.Limits(max_keepalive_connections=0)) as c, ThreadPoolExecutor(10) as pool:
            while len(_processes_that_timed(shared, "/cases")) < 2:
                assert answered < 300, "one process took every request"
                statuses = list(pool.map(lambda _: c.get("/cases").status_code, range(10)))
                assert statuses == [200] * 10, statuses  # not sent to the login page: the session is live
                answered += 10
        metrics = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status_code == 200
    assert (f'kartlegging_http_request_duration_seconds_count{{method="GET",route="/cases",status="200"}} '
            f'{float(answered)}') in metrics.text


def _processes_that_timed(shared, route: str) -> set[str]:
    """The server processes that have timed a request to `route`: each keeps its own histogram file
    (histogram_<pid>.db), which names the labels it has counted under."""
    return {p.stem for p in shared.glob("histogram_*.db") if f'"{route}"'.encode() in p.read_bytes()}


def test_serve_empties_the_metrics_directory_it_is_given(tmp_path, monkeypatch):
    """A restart does not count the last run's requests again: `serve --workers N` empties PROMETHEUS_MULTIPROC_DIR."""
    from intake.cli import _metrics_shared_by

    shared = tmp_path / "metrics"
    shared.mkdir()
    (shared / "histogram_4242.db").write_bytes(b"the last run's figures")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    _metrics_shared_by(2)
    assert shared.is_dir() and not any(shared.iterdir())
