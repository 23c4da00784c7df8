"""PDFs are rendered in a separate worker process: the printed plan, a participant's data export, a referral's PDF.

WeasyPrint is CPU-bound Python and slow to import; threads make it slower, and in the server's own process it would
hold the interpreter from the requests around it (TECH-NOTES). One spawned worker keeps its fonts and parsed CSS between
documents; it is replaced after a number of them to bound its memory. It warms itself as it starts (imports, the plan's
fonts, a first layout), and the server starts it at start-up (`warm`), so no caseworker waits for that. It runs at a
lower CPU priority than the server (`KARTLEGGING_PDF_WORKER_NICE`): with twenty plans fixed at once, the saves of the
caseworkers around them kept their pace, and the twentieth plan took longer (docs/BENCHMARKS.md).

`run` blocks its caller until the PDF is back: call it from a plain `def` route (FastAPI's thread pool) or the CLI,
never on the event loop."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from . import concurrency

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
WORKER_TASKS = 50

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()  # routes run in threads: two first PDFs at once must not start two workers


def _warm_worker(nice: int = 0) -> None:
    """The worker's initializer: its CPU priority `nice` steps below the server's (under load, saves go before
    renders), then its warm-up. A failure is only logged: the document's own render then reports it."""
    _exit_with_parent()
    if nice:
        os.nice(nice)
    try:
        from .plan.render import warm_up

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
    with _pool_lock:
        if _pool is None:
            from .config import get_settings

            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        max_tasks_per_child=WORKER_TASKS, initializer=_warm_worker,
                                        initargs=(get_settings().pdf_worker_nice,))
        return _pool


def stop() -> None:
    """Stop the worker process (the server's shutdown). A render under way is let finish."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def warm() -> None:
    """Start the worker now, in the background, instead of at the first PDF (any task starts it; it warms itself
    before running it)."""
    _get_pool().submit(int)


def run(render: Callable[..., bytes], *args: Any, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """`render(*args)` in the worker process (in this thread if the worker pool broke). Blocks until it is done;
    raises TimeoutError after `timeout` seconds. `render` and its arguments must pickle (a module-level function)."""
    from .metrics import PDF_SECONDS  # here, not at the top: the worker process imports this module too

    global _pool
    pool = _get_pool()
    try:
        # While the worker renders, this request gives its place to others (intake/concurrency.py)
        with PDF_SECONDS.labels(render.__name__).time(), concurrency.waiting():
            return pool.submit(render, *args).result(timeout)
    except BrokenProcessPool:
        log.warning("the PDF worker process died; rendering in this process")
        with _pool_lock:
            if _pool is pool:
                _pool = None
        return render(*args)


def html_pdf(html: str, base_url: str | None = None, stylesheet: str | None = None) -> bytes:
    """A tagged PDF of an HTML document and its print stylesheet (a file); run in the worker (`run(html_pdf, …)`)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    stylesheets = [CSS(filename=stylesheet, font_config=fonts)] if stylesheet else []
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=stylesheets, font_config=fonts, pdf_tags=True)
