"""No request holds the others: database and PDF work run off the server's event loop, so a caseworker's save is
answered while another caseworker's large export or plan PDF is being made.

The behaviour test holds the PDF in flight (the PDF worker's call waits until the save has its answer, then renders
for real), so it does not depend on how fast this machine is: if the PDF's route held the event loop, the save could
not be answered until the PDF was done, and the test fails. docs/BENCHMARKS.md has the save's latency under load."""

from __future__ import annotations

import asyncio
import inspect
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.routing import APIRoute
from pypdf import PdfReader

from intake import pdf_worker
from intake.web.deps import SESSION_COOKIE, get_db
from tests.personas import AMAL
from tests.plans.conftest import completed_case, ready_plan  # noqa: F401  (shared fixtures)
from tests.plans.helpers import fix_form
from tests.web.pages import HTMX, Page, fill

HOLD_SECONDS = 30  # a PDF held longer than this is released anyway, and the test then fails


def _async_with_database(dependant, name: str) -> list[str]:
    """The async callables of a route (the route itself and its dependencies, at any depth) that are handed the
    database session: FastAPI awaits them on the event loop, so their queries would run there."""
    found = []
    if inspect.iscoroutinefunction(dependant.call) and any(d.call is get_db for d in dependant.dependencies):
        found.append(name)
    for d in dependant.dependencies:
        found += _async_with_database(d, f"{name} → {getattr(d.call, '__name__', d.call)}")
    return found


def test_no_route_does_database_work_on_the_event_loop(app):
    """A route or dependency that takes the database session is a plain `def` (FastAPI runs it in its thread pool);
    an `async def` one would hold every other request of its process while it queries."""
    on_the_loop = [found for route in app.routes if isinstance(route, APIRoute)
                   for found in _async_with_database(route.dependant, f"{route.methods} {route.path}")]
    assert on_the_loop == []


@pytest.fixture
def held_pdfs(monkeypatch):
    """Every PDF the app makes waits, once it is under way, for `release` before it is rendered (for real)."""
    started, release = threading.Event(), threading.Event()
    real_run = pdf_worker.run

    def held(render, *args, **kwargs):
        started.set()
        release.wait(HOLD_SECONDS)
        return real_run(render, *args, **kwargs)

    monkeypatch.setattr(pdf_worker, "run", held)
    yield started, release
    release.set()


def _cookie(client) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={client.cookies.get(SESSION_COOKIE)}"}


def _save_while(app, held_pdfs, pdf_request: dict, save_request: dict):
    """Send `pdf_request`; once its PDF is under way, send `save_request`. Returns (the save's answer, whether the
    PDF was still under way when it came, its time in ms, the PDF request's answer)."""
    started, release = held_pdfs

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120) as client:
            pdf = asyncio.create_task(client.request(**pdf_request))
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, started.wait, HOLD_SECONDS), "the PDF was never started"
            t0 = time.perf_counter()
            saved = await client.request(**save_request)
            elapsed_ms = (time.perf_counter() - t0) * 1000
            in_flight = not pdf.done()
            release.set()
            return saved, in_flight, elapsed_ms, await pdf

    # On a thread of its own: the browser tests' Playwright keeps an event loop running in the main thread, and
    # asyncio.run() refuses to start inside one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, run()).result()


def _section_save(web, case, values: dict[str, list[str]]) -> dict:
    page = Page(web.get(f"/cases/{case.id}/sections/goals"))
    return {"method": "POST", "url": f"/cases/{case.id}/sections/goals", "data": fill(page, values),
            "headers": {**HTMX, "X-CSRF-Token": web.csrf, **_cookie(web)}}


def test_a_save_is_answered_while_another_caseworker_exports_a_case_as_pdf(app, logged_in, make_user, drammen,
                                                                          caseworker, make_case, stored, held_pdfs):
    leader = make_user("leader", drammen)
    exported = make_case(caseworker, AMAL)
    editing = make_case(caseworker, AMAL)
    exporting, saving = logged_in(leader), logged_in(caseworker)
    save = _section_save(saving, editing, {"goals.short_term": ["Ta førerkort klasse B"]})

    saved, in_flight, elapsed_ms, pdf = _save_while(
        app, held_pdfs, {"method": "GET", "url": f"/cases/{exported.id}/export/pdf", "headers": _cookie(exporting)},
        save)

    assert saved.status_code == 200, saved.text
    assert in_flight, f"the save was answered only after the export was done ({elapsed_ms:.0f} ms)"
    assert stored(editing.id).answers["goals.short_term"] == "Ta førerkort klasse B"
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert AMAL["participant.name"] in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_a_save_is_answered_while_another_caseworker_fixes_a_plan(app, logged_in, caseworker, make_user, drammen,
                                                                 completed_case, ready_plan, make_case, stored,
                                                                 held_pdfs):
    other = make_user("caseworker", drammen)
    case = completed_case(caseworker)
    ready_plan(caseworker, case)
    editing = make_case(other, AMAL)
    fixing, saving = logged_in(caseworker), logged_in(other)
    plan_form = fix_form(Page(fixing.get(f"/cases/{case.id}/plan")))  # a reason for fixing before career guidance
    save = _section_save(saving, editing, {"goals.short_term": ["Begynne på norskkurs"]})

    saved, in_flight, elapsed_ms, fixed = _save_while(
        app, held_pdfs, {"method": "POST", "url": f"/cases/{case.id}/plan/fix", "data": plan_form,
                         "headers": _cookie(fixing)}, save)

    assert saved.status_code == 200, saved.text
    assert in_flight, f"the save was answered only after the plan was fixed ({elapsed_ms:.0f} ms)"
    assert stored(editing.id).answers["goals.short_term"] == "Begynne på norskkurs"
    assert fixed.status_code == 303 and "fixed=1" in fixed.headers["location"]


@pytest.fixture
def pdfs_held_in_the_worker(monkeypatch):
    """Every PDF is handed to the PDF worker as the app does (`pdf_worker.run`, which waits for it), and the worker
    renders it (here, in a thread) only once `release` is set."""
    from concurrent.futures import Future

    started, release = threading.Event(), threading.Event()

    class HeldPool:
        def submit(self, render, *args):
            future = Future()

            def work():
                started.set()
                release.wait(HOLD_SECONDS)
                try:
                    future.set_result(render(*args))
                except BaseException as exc:  # noqa: BLE001  (handed to the waiting route)
                    future.set_exception(exc)

            threading.Thread(target=work, daemon=True).start()
            return future

    monkeypatch.setattr(pdf_worker, "_get_pool", lambda: HeldPool())
    yield started, release
    release.set()


def test_a_request_waiting_for_its_pdf_gives_its_place_to_another(logged_in, make_user, drammen, caseworker,
                                                                  make_case, pdfs_held_in_the_worker):
    """A server process works on a few requests at once (intake/concurrency.py): here one quick and one long one.
    An export (a long request) waiting for the PDF worker gives its place up while it waits, so another long request,
    the leader's figures, is answered meanwhile."""
    from intake.app import create_app
    from intake.config import get_settings

    one_at_a_time = create_app(get_settings().model_copy(update={"concurrent_requests": 1,
                                                                 "concurrent_long_requests": 1}))
    leader = make_user("leader", drammen)
    exported = make_case(caseworker, AMAL)
    exporting = logged_in(leader)
    figures = {"method": "GET", "url": "/oversikt", "headers": _cookie(exporting)}

    shown, in_flight, elapsed_ms, pdf = _save_while(
        one_at_a_time, pdfs_held_in_the_worker,
        {"method": "GET", "url": f"/cases/{exported.id}/export/pdf", "headers": _cookie(exporting)}, figures)

    assert shown.status_code == 200, shown.text
    assert in_flight, f"the figures waited until the export was done ({elapsed_ms:.0f} ms)"
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


def test_requests_beyond_the_limit_wait_their_turn_in_arrival_order():
    """Twenty requests at once to a process that works on two at a time: never more than two under way, every one
    answered, and they begin in the order they arrived."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from intake.concurrency import RequestGate

    under_way, most, began = 0, 0, []

    async def work(request):
        nonlocal under_way, most
        under_way += 1
        most = max(most, under_way)
        began.append(int(request.query_params["n"]))
        await asyncio.sleep(0.01)
        under_way -= 1
        return PlainTextResponse("ok")

    app = RequestGate(Starlette(routes=[Route("/", work)]), limit=2)

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            tasks = []
            for n in range(20):
                tasks.append(asyncio.create_task(client.get("/", params={"n": n})))
                await asyncio.sleep(0)  # each request reaches the gate before the next is sent
            return [r.status_code for r in await asyncio.gather(*tasks)]

    with ThreadPoolExecutor(max_workers=1) as thread:  # not in the browser tests' running loop (see _save_while)
        assert thread.submit(asyncio.run, run()).result() == [200] * 20
    assert most == 2
    assert began == list(range(20))


def test_a_long_request_waits_in_its_own_line_and_holds_up_no_quick_one():
    """One quick and one long request at a time (SQLite's default): while a long request (a route that says so, as
    fixing a plan does) is under way, quick ones are answered; a second long one waits for the first."""
    from fastapi import FastAPI

    from intake.concurrency import RequestGate
    from intake.web.deps import LongRequest

    app = FastAPI()
    release = asyncio.Event()
    log: list[str] = []

    @app.get("/long", dependencies=[LongRequest])
    async def long(n: int):
        log.append(f"long {n} began")
        await release.wait()
        log.append(f"long {n} ended")
        return {}

    @app.get("/quick")
    async def quick(n: int):
        log.append(f"quick {n}")
        return {}

    gated = RequestGate(app, limit=1, long_limit=1)

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gated), base_url="http://t") as client:
            longs = [asyncio.create_task(client.get("/long", params={"n": n})) for n in (1, 2)]
            while "long 1 began" not in log:
                await asyncio.sleep(0.001)
            quick = [await asyncio.wait_for(client.get("/quick", params={"n": n}), 5) for n in (1, 2, 3)]
            seen_while_held = list(log)
            release.set()
            return [r.status_code for r in quick + list(await asyncio.gather(*longs))], seen_while_held

    with ThreadPoolExecutor(max_workers=1) as thread:
        statuses, seen_while_held = thread.submit(asyncio.run, run()).result()
    assert statuses == [200] * 5
    assert seen_while_held == ["long 1 began", "quick 1", "quick 2", "quick 3"]  # long 2 waited for long 1
    assert log[-3:] == ["long 1 ended", "long 2 began", "long 2 ended"]
