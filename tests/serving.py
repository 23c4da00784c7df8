"""`main.py serve` as a subprocess on a free port, on the test's clock (tests/days.py), for tests that need the real
server: crash durability, the operator's log and metrics, two instances on one database."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from intake.config import ROOT
from tests.days import main_py_argv

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(log: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """One server process (`--workers 1`) with `env` added to the environment, its output appended to `log`; yields
    (base URL, process) once /healthz answers, and stops it on the way out (SIGTERM: a clean shutdown, unless the
    test has killed it already)."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(main_py_argv("serve", "--port", str(port), "--workers", "1"), cwd=ROOT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not start in {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait(timeout=30)
