"""The PDF worker process warms itself (WeasyPrint, fonts, a first layout) as it starts, and the server starts it at
start-up, so the first "Fastsett plan" after a start does not wait for that (docs/BENCHMARKS.md has the figures)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from intake import plans
from intake.plan import render


def test_a_new_pdf_worker_has_its_fonts_loaded_before_its_first_plan(monkeypatch):
    monkeypatch.setattr(plans, "_pool", None)
    plans.warm_pdf_worker()
    pool = plans._pool
    try:
        assert pool.submit(render.renderer_ready).result(timeout=120) is True
    finally:
        pool.shutdown()


def test_a_warm_up_that_fails_is_logged_and_left_to_the_plan_to_report(monkeypatch, caplog):
    def broken() -> None:
        raise render.PlanRenderError("the plan's fonts are not installed")

    monkeypatch.setattr(render, "warm_up", broken)
    with caplog.at_level(logging.ERROR, logger="intake.plans"):
        plans._warm_worker()  # does not raise: a failing initializer would break the pool for every plan
    assert "could not warm up" in caplog.text


@pytest.mark.parametrize("setting, started", [("1", True), ("0", False)])
def test_the_server_starts_the_pdf_worker_as_it_starts(monkeypatch, database_url, setting, started):
    from intake.app import create_app
    from intake.config import Settings

    calls = []
    monkeypatch.setattr(plans, "warm_pdf_worker", lambda: calls.append("started"))
    monkeypatch.setenv("KARTLEGGING_PDF_WARMUP", setting)
    with TestClient(create_app(Settings())) as client:
        assert client.get("/login").status_code == 200
    assert calls == (["started"] if started else [])
