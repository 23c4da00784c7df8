"""The plan's PDF, rendered in a separate process.

WeasyPrint is CPU-bound and slow to import; threads make it slower (docs TECH-NOTES). One spawned worker keeps its
fonts and parsed CSS between plans; it is replaced after a number of plans to bound its memory. Each worker warms
itself as it starts (imports, fonts, a first layout), and the server starts the first one at start-up
(`warm_pdf_worker`), so no caseworker's "Fastsett plan" waits for that.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..plan.document import PlanDocument

log = logging.getLogger(__name__)

PDF_TIMEOUT_SECONDS = 60
_pool: ProcessPoolExecutor | None = None
WORKER_TASKS = 50


def _warm_worker() -> None:
    """The worker's initializer. A failure is only logged: the plan's own render then reports it to the caseworker."""
    _exit_with_parent()
    try:
        from ..plan.render import warm_up

        warm_up()
    except Exception:
        log.exception("the PDF worker could not warm up")


def _exit_with_parent() -> None:
    """End this worker when the server process that started it ends, however it ends. A worker waits on a queue it
    holds both ends of, so it would never notice by itself, and uvicorn ends on SIGTERM by raising it again after
    its shutdown, past the interpreter's exit handlers that would stop the pool."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    max_tasks_per_child=WORKER_TASKS, initializer=_warm_worker)
    return _pool


def stop_pdf_worker() -> None:
    """Stop the PDF worker process (the server's shutdown). A render under way is let finish."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def warm_pdf_worker() -> None:
    """Start the PDF worker now, in the background, instead of at the first plan (any task starts it; it warms itself
    before running it)."""
    _get_pool().submit(int)


def _render_in_process(doc: PlanDocument) -> bytes:
    from ..plan.render import render_plan_pdf

    return render_plan_pdf(doc)


async def render_pdf(doc: PlanDocument, timeout: float = PDF_TIMEOUT_SECONDS) -> bytes:
    """The plan's PDF, rendered in the worker process (in a thread of this process if the worker pool broke)."""
    global _pool
    from ..plan.render import render_plan_pdf

    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_get_pool(), render_plan_pdf, doc), timeout)
    except BrokenProcessPool:
        log.warning("the PDF worker process died; rendering in this process")
        _pool = None
        return await asyncio.wait_for(loop.run_in_executor(None, _render_in_process, doc), timeout)
