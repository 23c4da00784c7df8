"""Request dependencies declared once: the database session, the current user, CSRF, the posted form.

Routes are plain `def` functions, which FastAPI runs in its thread pool: their database and PDF work blocks that thread,
never the event loop that serves every other request of the process. What must be awaited (reading the request body)
happens here, in `async` dependencies that do no blocking work, so a route gets its form already read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, AsyncIterator

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from sqlmodel import Session

from ..access import MAX_ID
from ..concurrency import long_request
from ..config import get_settings
from ..db import new_session
from ..models import User, UserSession
from ..security import csrf_ok, load_session, user_for_token

SESSION_COOKIE = "kt_session"


class NotAuthenticated(Exception):
    pass


class CsrfFailed(Exception):
    pass


class PasswordChangeRequired(Exception):
    """The user logged in with a temporary password (an administrator's): only changing it, or logging out, works."""


# What a login with a temporary password may open (the change page, logging out, the timeout warning's extension)
CHANGE_PASSWORD = "/account/password"
WHILE_PASSWORD_TEMPORARY = frozenset({CHANGE_PASSWORD, "/logout", "/session/extend"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's database session. Made on the event loop: making a session touches no database (it takes a
    connection at its first query, in the route's thread). Closed on the event loop too when the route ended its
    transaction (as every save does: nothing left to give back but the object); otherwise the rollback that ends
    it runs in the thread pool. Two hand-overs to a thread fewer per request than a plain `def` dependency."""
    db = new_session(request.app.state.engine)
    try:
        yield db
    finally:
        if db.in_transaction():
            await run_in_threadpool(db.close)
        else:
            db.close()


SessionDep = Annotated[Session, Depends(get_db)]


def session_limits() -> dict[str, dt.timedelta]:
    """The login session's idle and absolute limits, as `load_session` and `session_seconds_left` take them."""
    settings = get_settings()
    return {"idle": dt.timedelta(minutes=settings.session_idle_minutes),
            "absolute": dt.timedelta(hours=settings.session_max_hours)}


def _authenticate(request: Request, db: Session, case_id: int | None = None) -> User:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(db, header[7:].strip(), case_id=case_id)
        if user is None:
            raise NotAuthenticated()
        request.state.via_token = True
        return user
    sid = request.cookies.get(SESSION_COOKIE)
    found = load_session(db, sid, **session_limits()) if sid else None
    if found is None:
        raise NotAuthenticated()
    user, session = found
    request.state.session = session
    request.state.via_token = False
    return user


def authenticated_user(request: Request, db: SessionDep) -> User:
    """The signed-in user (session cookie or API token); a plain `def`, so the lookup runs in the thread pool."""
    user = _authenticate(request, db)
    request.state.user = user
    # End the read transaction before the body is awaited, so no pooled connection is held while it arrives.
    db.commit()
    return user


async def current_user(request: Request, user: Annotated[User, Depends(authenticated_user)]) -> User:
    if request.method not in SAFE_METHODS and not request.state.via_token:
        await _check_csrf(request, request.state.session)
    _check_password_current(request, user)
    return user


def signed_in_user(request: Request, db: Session, case_id: int | None = None) -> User:
    """`current_user` as one plain function, for a JSON route that does all its work in a single hand-over to the
    thread pool (the API's save: each hand-over costs as much CPU as a small query). A change made with the session
    cookie must carry its CSRF token in the `X-CSRF-Token` header: a JSON body has no form field for it. `case_id`:
    with an API token, the case is read in the token's query (`user_for_token`)."""
    user = _authenticate(request, db, case_id)
    request.state.user = user
    if request.method not in SAFE_METHODS and not request.state.via_token:
        _check_csrf_token(request, request.state.session, request.headers.get("x-csrf-token"))
    _check_password_current(request, user)
    return user


def _check_password_current(request: Request, user: User) -> None:
    # An API token is its own credential, made by an administrator: the password's state does not concern it.
    if user.must_change_password and not request.state.via_token \
            and request.url.path not in WHILE_PASSWORD_TEMPORARY:
        raise PasswordChangeRequired()


async def posted_form(request: Request) -> FormData:
    """The posted form, read on the event loop (Starlette keeps it on the request: the CSRF check's read is reused)."""
    return await request.form()


def cross_site(request: Request) -> bool:
    """The request comes from another site: its Origin names another one, or the browser says so."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        return True
    return request.headers.get("sec-fetch-site") == "cross-site"


async def _check_csrf(request: Request, session: UserSession) -> None:
    """Cookie-authenticated unsafe requests need the session's token (form field or header) and a same-site origin."""
    token = request.headers.get("x-csrf-token")
    if not token and not cross_site(request) and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # not read for a request from another site: refused below in any case
        token = form.get("_csrf")
    _check_csrf_token(request, session, token)


def _check_csrf_token(request: Request, session: UserSession, token: object) -> None:
    """The token the request sent is its session's, and it comes from this site (CsrfFailed otherwise)."""
    if cross_site(request) or not csrf_ok(session.csrf_token, token if isinstance(token, str) else None):
        raise CsrfFailed()


CurrentUser = Annotated[User, Depends(current_user)]
# A route whose work takes long (a PDF, an export, a password hash): `dependencies=[LongRequest]` puts it in the long
# requests' line before anything else is done, so a caseworker's save is not held up behind it (intake/concurrency.py)
LongRequest = Depends(long_request)
PostedForm = Annotated[FormData, Depends(posted_form)]

# Every id in a path (a case, referral, consent, plan element, plan version, user): a whole number a row can have.
# Anything else (2**64, which no database integer holds; 0; "abc") names nothing, and app.py answers a path
# parameter that fails this with the same 404 as a missing row, never a database error.
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (1 to 2147483647)")]
