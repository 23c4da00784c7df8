"""`main.py` as a subprocess, on the test's clock (tests/days.py): the one way tests start a real server (crash
durability, the operator's log and metrics, two instances on one database, the browser tests' live server and the
single sign-on server) and run the command line against its database.

A server always runs with `--workers 1`: `serve` defaults to one worker per CPU, and a spawned worker would read the
machine's clock, not the test's."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import httpx
import pytest

from intake.config import ROOT
from tests.days import main_py_argv

START_TIMEOUT = 180.0  # seconds for the server to answer after it starts (a busy machine: over 60)
LOG_TAIL = 3000  # characters of the log shown when it fails


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(**changes: str | None) -> dict[str, str]:
    """This process's environment with `changes`; a None removes that variable."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def demo_environment(folder: Path, **changes: str | None) -> dict[str, str]:
    """A demo installation of its own in `folder`: its SQLite database and audit anchor (the erasure register beside
    it), whatever database the test run itself uses."""
    return environment(DATABASE_URL=f"sqlite:///{folder / 'app.db'}", KARTLEGGING_DEMO="1",
                       KARTLEGGING_AUDIT_ANCHOR_PATH=str(folder / "audit-anchor.json"),
                       KARTLEGGING_TEST_DATABASE_URL=None, KARTLEGGING_ERASURE_REGISTER_PATH=None, **changes)


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:] if log.exists() else ""


def run_cli(args: list[str], env: Mapping[str, str], log: Path, at: dt.datetime | None = None) -> str:
    """Run `main.py ARGS` to completion and give its output (also appended to `log`); fail with it if it fails."""
    proc = subprocess.run(main_py_argv(*args, at=at), cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    with log.open("a", encoding="utf-8") as f:
        f.write(f"$ main.py {' '.join(args)}  (exit {proc.returncode})\n{proc.stdout}\n")
    if proc.returncode != 0:
        pytest.fail(f"`main.py {' '.join(args)}` exited {proc.returncode}:\n{proc.stdout}", pytrace=False)
    return proc.stdout


@contextmanager
def serving(log: Path, env: Mapping[str, str], *, port: int | None = None, at: dt.datetime | None = None,
            ready: str = "/healthz", workers: int = 1) -> Iterator[tuple[str, subprocess.Popen]]:
    """`main.py serve --workers 1` with `env`, on the test's clock (or from `at`), its output appended to `log`;
    yields (base URL, process) once `ready` answers 200, and stops it on the way out (SIGTERM: a clean shutdown,
    unless the test has stopped it already). `workers` > 1 only for a test of several processes (tests/run_at.py
    puts them on the test's clock too)."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        proc = subprocess.Popen(main_py_argv("serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                                             str(workers), at=at),
                                cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_until_up(proc, base + ready, log)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait(timeout=30)


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last = "no answer yet"
    while True:
        if proc.poll() is not None:
            pytest.fail(f"`main.py serve` exited with {proc.returncode} before {url} answered:\n{_tail(log)}",
                        pytrace=False)
        try:
            status = httpx.get(url, timeout=2).status_code
            if status == 200:
                return
            last = f"HTTP {status}"
            if status >= 500:
                break  # it answers, wrongly: waiting longer won't help
        except httpx.HTTPError as exc:
            last = str(exc) or type(exc).__name__
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer 200 within {START_TIMEOUT:.0f} s (last: {last}):\n{_tail(log)}", pytrace=False)


@contextmanager
def server(log: Path, workers: int = 1, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`serving` with `env` added to this process's environment."""
    with serving(log, environment(**env), workers=workers) as running:
        yield running
