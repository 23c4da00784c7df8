"""The PDF worker process warms itself (WeasyPrint, fonts, a first layout) as it starts, and the server starts it at
start-up, so the first "Fastsett plan" after a start does not wait for that (docs/BENCHMARKS.md has the figures)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intake import pdf_worker
from intake.plan import render


def test_a_new_pdf_worker_has_its_fonts_loaded_before_its_first_plan(monkeypatch):
    monkeypatch.setattr(pdf_worker, "_pool", None)
    pdf_worker.warm()
    pool = pdf_worker._pool
    try:
        assert pool.submit(render.renderer_ready).result(timeout=120) is True
    finally:
        pool.shutdown()


def test_the_pdf_worker_renders_at_a_lower_cpu_priority_than_the_server(monkeypatch):
    """Under load a caseworker's save goes before a plan being rendered: the worker's nice value is the server's plus
    the setting (KARTLEGGING_PDF_WORKER_NICE)."""
    from intake import config

    settings = config.get_settings().model_copy(update={"pdf_worker_nice": 7})
    monkeypatch.setattr(config, "get_settings", lambda: settings)
    monkeypatch.setattr(pdf_worker, "_pool", None)
    pdf_worker.warm()
    pool = pdf_worker._pool
    try:
        assert pool.submit(os.nice, 0).result(timeout=120) == min(os.nice(0) + 7, 19)
    finally:
        pool.shutdown()


def test_a_warm_up_that_fails_is_logged_and_left_to_the_plan_to_report(monkeypatch, caplog):
    def broken() -> None:
        raise render.PlanRenderError("the plan's fonts are not installed")

    monkeypatch.setattr(render, "warm_up", broken)
    with caplog.at_level(logging.ERROR, logger="intake.pdf_worker"):
        pdf_worker._warm_worker()  # does not raise: a failing initializer would break the pool for every plan
    assert "could not warm up" in caplog.text


@pytest.mark.parametrize("setting, started", [("1", True), ("0", False)])
def test_the_server_starts_the_pdf_worker_as_it_starts(monkeypatch, database_url, setting, started):
    from intake.app import create_app
    from intake.config import Settings

    calls = []
    monkeypatch.setattr(pdf_worker, "warm", lambda: calls.append("started"))
    monkeypatch.setattr(pdf_worker, "stop", lambda: calls.append("stopped"))
    monkeypatch.setenv("KARTLEGGING_PDF_WARMUP", setting)
    with TestClient(create_app(Settings())) as client:
        assert client.get("/login").status_code == 200
    assert calls == (["started", "stopped"] if started else ["stopped"])  # stopped as the server stops, in any case


# The server process, as uvicorn ends on SIGTERM (raising it again after its shutdown) or as a crash ends it: killed.
KILLED_SERVER = """
import os, signal
from intake import pdf_worker
pdf_worker.warm()
print(pdf_worker._pool.submit(os.getpid).result(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_pdf_worker_ends_when_its_server_process_is_killed():
    repo = Path(__file__).resolve().parents[2]
    server = subprocess.Popen([sys.executable, "-c", KILLED_SERVER], cwd=repo, stdout=subprocess.PIPE, text=True)
    worker = int(server.stdout.readline())
    server.wait(timeout=60)
    server.stdout.close()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if Path(f"/proc/{worker}").exists():
        os.kill(worker, 9)
        pytest.fail(f"the PDF worker {worker} outlived its server process")
