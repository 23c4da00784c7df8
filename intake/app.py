"""The FastAPI application: middleware (security headers, body limit), error pages, routers, static files."""

from __future__ import annotations

import asyncio
import contextlib
import inspect

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.datastructures import MutableHeaders
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import audit_anchor, i18n, observability, pdf_worker, periodic
from .concurrency import RequestGate
from .access import Forbidden, NotFound
from .config import ROOT, Settings, get_settings
from .domain.guidance import NotAllowed
from .domain.messages import N_
from .db import get_engine
from .domain.questionnaire import default_questionnaire
from .domain.text import scrub
from .web.deps import CHANGE_PASSWORD, CsrfFailed, CurrentUser, NotAuthenticated, PasswordChangeRequired
from .web.language import LanguageMiddleware
from .web.templates import home_for, render_page, templates

GZIP_EXCLUDED = inspect.signature(GZipMiddleware.__init__).parameters["exclude_content_types"].default
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HSTS = "max-age=31536000; includeSubDomains"  # sent only where cookies are Secure (KARTLEGGING_SECURE_COOKIES)


class SecurityHeaders:
    """Security headers on every answer, and a body whose declared length is over the limit refused before it is read.
    Plain ASGI, not BaseHTTPMiddleware: that one's task group and streams cost every request, every autosave too."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        settings = get_settings()
        # Pages and API answers carry personal data: never cache them. A static file named with its content's hash
        # (`?v=`, templates' static_url) never changes under that name: a year; any other, checked each time.
        static = scope["path"].startswith("/static/") or scope["path"] == "/favicon.ico"
        cache = ("no-store" if not static else "public, max-age=31536000, immutable"
                 if b"v=" in scope.get("query_string", b"") else "no-cache")
        started = False

        async def send_with_headers(message: Message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                headers["Cache-Control"] = cache
                if settings.secure_cookies:
                    # Served over HTTPS (the cookies say so): the browser keeps to HTTPS for a year, so no later
                    # visit starts in plain HTTP where the first answer could be changed on its way.
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_body_bytes:
            return await _error(request, 413, N_("Forespørselen er for stor."))(scope, receive, send_with_headers)
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            # An unhandled error: answered here, inside these headers, rather than by Starlette's outermost
            # ServerErrorMiddleware, whose bare 500 would carry none of them. Raised on, so it is still logged.
            await _server_error(request)(scope, receive, send_with_headers)
            raise


def _wants_json(request: Request) -> bool:
    # The JSON API, and the page script's own JSON call (the timeout warning's /session/extend).
    return request.url.path.startswith(("/api/", "/session/"))


def _server_error(request: Request) -> Response:
    """The answer to an unhandled error: the plain error page (no menu: the signed-in page needs the database,
    which may be what failed), or JSON for the API."""
    message = N_("Noe gikk galt hos oss. Prøv igjen om litt.")
    if _wants_json(request):
        return JSONResponse({"detail": i18n.translate(message)}, status_code=500)
    try:
        return templates.TemplateResponse(request, "errors/error.html", {"status": 500, "message": message},
                                          status_code=500)
    except Exception:  # the templates themselves failing: still an answer, with the same headers
        return PlainTextResponse(i18n.translate(message), status_code=500)


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": i18n.translate(message)}, status_code=status)
    if getattr(request.state, "user", None) is not None and getattr(request.state, "session", None) is not None:
        # Signed in (a case not found, a page not allowed): the page keeps the menu and "Logg ut".
        return render_page(request, "errors/error.html", {"status": status, "message": message}, status_code=status)
    return templates.TemplateResponse(request, "errors/error.html", {"status": status, "message": message},
                                      status_code=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    default_questionnaire()  # a broken questionnaire stops start-up here, with the file and question named
    for lang in i18n.LANGUAGES:
        i18n.translations(lang)  # the catalogues are read (and a broken one fails) at start-up, not on a first page
    from .cases import programme_history
    from .domain.rules import default_ruleset
    programme_history()
    default_ruleset()  # so does a broken rule file, naming the file, the rule and the problem

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.pdf_warmup:
            pdf_worker.warm()
        # Moving the audit anchor, and purging where configured, once across instances (intake/periodic.py)
        timers = [asyncio.create_task(periodic.run_forever(app.state.engine, *task))
                  for task in periodic.tasks(settings)]
        yield
        for timer in timers:
            timer.cancel()
        pdf_worker.stop()
        # The audit log's head, moved in the ledger as the server stops (intake/audit_anchor.py)
        audit_anchor.advance_logged(app.state.engine)

    app = FastAPI(title="Kartlegging API", version="1", docs_url=None, redoc_url=None, lifespan=lifespan,
                  openapi_url="/api/openapi.json",
                  description="JSON API for integrations and tests. Authenticate with `Authorization: Bearer <token>` "
                              "(Administrasjon → API-nøkler, or `main.py create-token USERNAME --name NAME`) or the session cookie.")
    app.state.engine = get_engine(settings.database_url)
    # Inside SecurityHeaders (which refuses a declared Content-Length over the limit): counts the bytes of a body
    # sent without one (chunked) as they arrive, and stops it at the limit with a 413.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    # Pages, answers and static files compressed when the browser accepts it (a section page's scripts and styles
    # were 88 KiB more uncompressed). Plain ASGI like the rest; PDFs and images gain little and are left as they are.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6,
                       exclude_content_types=(*GZIP_EXCLUDED, "application/pdf"))
    app.add_middleware(LanguageMiddleware)  # error pages made by the middleware above are translated too
    # A few requests worked on at once (quick ones and long ones in two lines), the rest waiting their turn
    # (intake/concurrency.py); their time in line is in the latency the metrics below record
    app.add_middleware(RequestGate, limit=settings.request_limit, long_limit=settings.long_request_limit)
    # Outermost: every answer is timed and logged with its request id, even one a middleware above refused
    app.add_middleware(observability.RequestMetrics)
    app.add_middleware(CorrelationIdMiddleware)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        # FastAPI's own errors (unknown page, wrong method, body over the limit) as our error page, in Norwegian
        message = {404: N_("Fant ikke siden."), 405: N_("Siden kan ikke brukes slik."),
                   413: N_("Forespørselen er for stor.")}.get(exc.status_code, N_("Forespørselen kunne ikke behandles."))
        response = _error(request, exc.status_code, message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc):
        if _wants_json(request):
            return JSONResponse({"detail": i18n.translate(N_("Ikke innlogget."))}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if request.method == "GET" else "/login", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password_temporary(request: Request, exc):
        # Nothing else works until the temporary password is changed: pages lead to the change page.
        if _wants_json(request):
            return JSONResponse({"detail": i18n.translate(N_("Du må bytte passord før du kan fortsette."))},
                                status_code=403)
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": CHANGE_PASSWORD})
        return RedirectResponse(CHANGE_PASSWORD, status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc):
        return _error(request, 403, N_("Skjemaet er utløpt eller kom fra et annet nettsted. Last siden på nytt og prøv igjen."))

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError):
        # PostgreSQL refuses an id beyond its integer range where SQLite simply finds nothing: that is "not found".
        if "out of range" in str(exc.orig):
            return _error(request, 404, N_("Fant ikke saken."))
        return _error(request, 422, N_("En verdi i forespørselen var ikke gyldig."))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc):
        return _error(request, 404, N_("Fant ikke saken."))

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc):
        return _error(request, 403, N_("Du har ikke tilgang til å gjøre dette."))

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed):
        return _error(request, 409, exc.args[0] if exc.args else str(exc))  # a Message, translated when shown

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        if any(e["loc"][:1] == ("path",) for e in exc.errors()):
            # A path id no row can have (web/deps.py: ObjectId) names nothing: the same 404 as a missing row.
            return _error(request, 404, N_("Fant ikke saken."))
        if _wants_json(request):
            errors = [{"field": scrub(".".join(str(p) for p in e["loc"][1:])) or "body", "message": e["msg"]}
                      for e in exc.errors()]
            return JSONResponse({"errors": errors}, status_code=422)
        return _error(request, 400, N_("Forespørselen var ikke gyldig."))

    app.include_router(observability.router)
    from .web import api, auth, language, sso, wizard
    # The API's case routes first: an integration's autosave is the most frequent request, and a request is matched
    # against the routes in the order they are included (no path is in two routers, so the order changes nothing else)
    app.include_router(api.router)
    app.include_router(auth.router)
    app.include_router(sso.router)
    app.include_router(language.router)
    app.include_router(wizard.router)
    from .web import account, admin, audit_log, rules_page
    app.include_router(admin.router)
    app.include_router(account.router)
    app.include_router(audit_log.router)
    app.include_router(rules_page.router)
    from .web import api_referrals, referrals as referral_pages
    app.include_router(referral_pages.router)
    app.include_router(api_referrals.router)
    from . import models_plans  # noqa: F401  (the plan tables)
    from .web import api_plan, plans as plan_pages
    app.include_router(plan_pages.router)
    app.include_router(api_plan.router)
    from .web import privacy as privacy_pages
    app.include_router(privacy_pages.router)
    from .web import leaders
    app.include_router(leaders.router)
    from .web import openapi
    openapi.install(app, default_questionnaire())

    app.mount("/static/vendor/htmx", StaticFiles(directory=ROOT / "node_modules" / "htmx.org" / "dist",
                                                 check_dir=False), name="htmx")
    # The printed plan's fonts, for its HTML print view (intake/plan/render.py: FONT_URL_PREFIX).
    app.mount("/static/vendor/swagger-ui", StaticFiles(directory=ROOT / "node_modules" / "swagger-ui-dist",
                                                       check_dir=False), name="swagger-ui")

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs(request: Request):
        # Swagger UI from our own origin with an external start script: nothing from a CDN, nothing inline (CSP).
        return templates.TemplateResponse(request, "api_docs.html", {})

    # GOV.UK's accessible autocomplete, which enhances the long language lists (static/autocomplete.js).
    app.mount("/static/vendor/accessible-autocomplete",
              StaticFiles(directory=ROOT / "node_modules" / "accessible-autocomplete" / "dist", check_dir=False),
              name="accessible-autocomplete")
    app.mount("/static/vendor/fontsource", StaticFiles(directory=ROOT / "node_modules" / "@fontsource",
                                                       check_dir=False), name="fontsource")
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")

    @app.get("/", include_in_schema=False)
    async def index(user: CurrentUser):
        return RedirectResponse(home_for(user), status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():
        # Pages name their icon (base.html); a browser or a print view that asks here anyway gets it too, not a 404.
        return FileResponse(ROOT / "static" / "favicon.ico", media_type="image/x-icon")

    return app
