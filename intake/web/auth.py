"""Log in, log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import select

from .. import access, audit
from ..admin import password_errors
from ..config import get_settings
from ..domain.messages import N_
from ..models import User
from ..metrics import LOGIN_FAILURES
from ..security import (create_session, end_session, login_retry_after, record_login_attempt, session_seconds_left,
                        touch_session, verify_password)
from .deps import CHANGE_PASSWORD, SESSION_COOKIE, CsrfFailed, CurrentUser, LongRequest, SessionDep, cross_site, session_limits
from .templates import home_for, templates

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    # Only a local path: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/cases"


@router.get("/login")
def login_page(request: Request, next: str | None = None):
    return templates.TemplateResponse(request, "auth/login.html", {"next": safe_next(next), "errors": []})


@router.post("/login", dependencies=[LongRequest])
def login(request: Request, db: SessionDep, username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=500)] = "", next: Annotated[str, Form()] = "/cases"):
    if cross_site(request):
        raise CsrfFailed()  # a login posted from another site would log the browser in as someone else
    address = request.client.host if request.client else "unknown"
    username = username.strip()
    errors = []
    if not username:
        errors.append(("username", N_("Skriv brukernavnet ditt.")))
    if not password:
        errors.append(("password", N_("Skriv passordet ditt.")))
    status, headers = 422, {}
    if not errors:
        retry_after = login_retry_after(db, username, address)
        if retry_after:
            # Refused before the password is looked at: a guess made while waiting tells nothing and costs nothing.
            status, headers = 429, {"Retry-After": str(retry_after)}
            LOGIN_FAILURES.labels("throttled").inc()
            errors.append(("username", wait_message(retry_after)))
        else:
            user = db.exec(select(User).where(User.username == username.lower())).first()
            # The password is checked (against a dummy hash where there is no user) before anything else is looked
            # at, so an unknown or inactive user name costs the same work as a wrong password (#12 item 7).
            password_ok = verify_password(password, user.password_hash if user else None)
            if user is None or not user.active or not password_ok:
                record_login_attempt(db, username, address, succeeded=False)
                LOGIN_FAILURES.labels("password").inc()
                # Kept in the audit log for good, in the user's organisation's log where the user exists. A name that
                # is no user's is not written down: it may be a password typed in the wrong field.
                audit.record(db, None, "login-failed", "user", user.id if user else None,
                             f"address={address}" + ("" if user else " unknown user name"),
                             organisation_id=user.organisation_id if user else None)
                db.commit()
                errors.append(("password", N_("Feil brukernavn eller passord.")))
            else:
                record_login_attempt(db, username, address, succeeded=True)
                if not user.must_change_password and not get_settings().demo \
                        and password_errors(password, "password", user.username, user.full_name):
                    # A password from before the rules (or the demo's, outside demo mode): changed before anything else
                    user.must_change_password = True
                    db.add(user)
                _session, cookie = create_session(db, user)
                audit.record(db, user, "login", "user", user.id, f"address={address}")
                db.commit()
                target = safe_next(next)
                if user.must_change_password:
                    target = CHANGE_PASSWORD  # an administrator's temporary password: nothing else until it is changed
                elif target == "/cases":
                    target = home_for(user)  # no page was asked for (the form's default): the role's start page
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                                    secure=get_settings().secure_cookies, path="/")
                return response
    return templates.TemplateResponse(request, "auth/login.html",
                                      {"next": safe_next(next), "errors": errors, "username": username},
                                      status_code=status, headers=headers)


def wait_message(seconds: int):
    if seconds < 120:
        return N_("For mange mislykkede forsøk. Vent {n} sekunder og prøv igjen.", n=seconds)
    return N_("For mange mislykkede forsøk. Vent {n} minutter og prøv igjen.", n=-(-seconds // 60))


@router.post("/logout")
def logout(request: Request, user: CurrentUser, db: SessionDep):
    from .sso import provider_logout  # single sign-on's logout at the provider, after ours

    session_id = request.state.session.id
    then = provider_logout(request, db, session_id)
    end_session(db, session_id)
    audit.record(db, user, "logout", "user", user.id)
    db.commit()
    response = then or RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/session/extend")
def extend_session(request: Request, user: CurrentUser, db: SessionDep):
    """The timeout warning's "Fortsett å jobbe" (static/app.js): the idle limit starts again. Answers how many seconds
    the session has left, which the absolute limit may keep below the idle one."""
    session = getattr(request.state, "session", None)
    if session is None:  # an API token has no login session to extend
        return JSONResponse({"detail": "No login session."}, status_code=400)
    touch_session(db, session)
    return JSONResponse({"seconds_left": session_seconds_left(session, **session_limits())},
                        headers={"Cache-Control": "no-store"})
