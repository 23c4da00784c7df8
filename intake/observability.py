"""What an operator watches: JSON log lines with a request id, Prometheus metrics, liveness and readiness.

- Logs: one JSON object per line (python-json-logger), each with the request's id (asgi-correlation-id: the
  `X-Request-ID` header, taken from the proxy when it sends a valid one, made here otherwise, and sent back). The
  request line names the route's template (`/cases/{case_id}`), never the path or its query string, so no search
  term, name or national id reaches the log.
- Metrics (prometheus-client): request latency by route template, PDF render time, login failures. With several
  server processes each writes its figures to a shared directory (`PROMETHEUS_MULTIPROC_DIR`, set by `serve`), and
  `/metrics` adds them up. `/metrics` answers only a scraper that sends `KARTLEGGING_METRICS_TOKEN` as a Bearer token;
  without that setting it does not exist (404).
- `/healthz`: the process answers (liveness). `/readyz`: the database answers and its schema is at the migrations'
  head (503 otherwise), so a load balancer sends no request to an instance that cannot serve it.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from pythonjsonlogger.core import RESERVED_ATTRS
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import get_settings
from .metrics import REQUEST_SECONDS

log = logging.getLogger("kartlegging.request")

# The JSON log format for `serve` (uvicorn applies it in every server process).
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "asgi_correlation_id.CorrelationIdFilter", "uuid_length": 32,
                               "default_value": "-"}},
    "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                            "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
                            "timestamp": "time",  # ISO 8601, UTC
                            "rename_fields": {"levelname": "level", "name": "logger", "correlation_id": "request_id"},
                            # uvicorn's coloured copy of its message
                            "reserved_attrs": [*RESERVED_ATTRS, "color_message"]}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"],
                            "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"level": "INFO"}, "uvicorn.error": {"level": "INFO"},
                # uvicorn's access line holds the path and query string (search terms): ours replaces it
                "uvicorn.access": {"level": "WARNING", "propagate": False},
                "alembic": {"level": "WARNING"}},  # /readyz reads the schema's revision
    "root": {"level": "INFO", "handlers": ["stderr"]},
}


def lean_log_records() -> None:
    """A server process's log records do without what its lines never show (the calling file and line, the thread's
    and process's names), which `logging` otherwise works out for every record: the logging HOWTO's "Optimization".
    A line is logged per request."""
    logging._srcfile = None  # the HOWTO's own way: no frame walk to find the caller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/cases/{case_id}`), a mount's prefix, or `unmatched`: bounded labels,
    and nothing typed by a user."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestMetrics:
    """Times every request, counts it under its route template and logs one line for it. Plain ASGI."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            seconds = time.perf_counter() - start
            route = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(seconds)
            log.info("request", extra={"method": scope["method"], "route": route, "status": status,
                                       "duration_ms": round(seconds * 1000, 1)})


@lru_cache(maxsize=None)
def migrations_head() -> str:
    from alembic.script import ScriptDirectory

    from .migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return heads[0]


def readiness_problem(engine) -> str | None:
    """Why this instance cannot serve requests (None when it can)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # any failure to reach the database: not ready
        return f"database unreachable ({exc.__class__.__name__})"
    if current != migrations_head():
        return f"database schema at {current}, the application expects {migrations_head()}"
    return None


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz():
    """Liveness: the process answers. No database work, so a slow database never gets a live process restarted."""
    return PlainTextResponse("ok")


@router.get("/readyz")
def readyz(request: Request):
    problem = readiness_problem(request.app.state.engine)
    if problem:
        log.warning("not ready: %s", problem)
        return JSONResponse({"status": "unavailable", "problem": problem}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
def metrics(request: Request):
    token = get_settings().metrics_token
    if not token:
        return Response(status_code=404)
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token.get_secret_value()}".encode()):
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
