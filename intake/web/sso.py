"""Single sign-on pages: the login page's provider buttons, the redirect to the provider and its callback, the refusal
page, and the provider's logout after ours (intake/oidc.py does the protocol and finds the user)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from .. import access, audit, oidc
from ..config import get_settings
from ..security import create_session
from .auth import safe_next
from .deps import SESSION_COOKIE, SessionDep
from .templates import env, home_for, templates

router = APIRouter(include_in_schema=False)
STATE_COOKIE = "kt_sso_state"
CALLBACK = "/login/sso/callback"

# The login page (templates/auth/login.html) offers a button per configured provider.
env.globals["sso_providers"] = lambda: list(oidc.providers().values())


def _public_url(request: Request, path: str) -> str:
    base = get_settings().public_url or str(request.base_url)
    return base.rstrip("/") + path


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _problem(request: Request, message, status_code: int):
    return templates.TemplateResponse(request, "auth/sso_problem.html", {"message": message},
                                      status_code=status_code)


@router.get(CALLBACK)
def callback(request: Request, db: SessionDep):
    params = {k: v[:2000] for k, v in request.query_params.items()}
    try:
        answer = oidc.finish(db, params, request.cookies.get(STATE_COOKIE), _public_url(request, CALLBACK))
    except oidc.LoginFailed as failed:
        db.rollback()
        audit.record(db, None, "login-refused", "user", None,
                     f"via=sso reason={failed.reason} address={_address(request)}")
        db.commit()
        return _forget_state(_problem(request, failed.message, 400))
    provider = answer.provider
    try:
        user = oidc.find_user(db, provider, answer.claims)
    except oidc.Refused as refused:
        db.rollback()
        email = answer.claims.get("email") if isinstance(answer.claims.get("email"), str) else ""
        audit.record(db, None, "login-refused", "user", None,
                     f"via=sso provider={provider.name} subject={answer.claims['sub']} email={email[:200]} "
                     f"reason={refused.reason} address={_address(request)}",
                     organisation_id=oidc.mapped_organisation(provider, answer.claims))
        db.commit()
        return _forget_state(_problem(request, refused.message, 403))
    session, cookie = create_session(db, user)
    oidc.remember_session(db, session.id, answer)
    audit.record(db, user, "login", "user", user.id, f"address={_address(request)} via=sso provider={provider.name}")
    db.commit()
    target = safe_next(answer.next_path)
    if target == "/cases" and not access.can(user, "case.read"):
        target = home_for(user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/")
    return _forget_state(response)


@router.get("/login/sso/{name}")
def start(request: Request, name: str, db: SessionDep, next: str | None = None):
    provider = oidc.providers().get(name)
    if provider is None:
        raise access.NotFound()
    try:
        url, state = oidc.begin(db, provider, _public_url(request, CALLBACK), safe_next(next))
    except oidc.LoginFailed as failed:
        return _problem(request, failed.message, 502)
    response = RedirectResponse(url, status_code=303)
    # Lax: the provider's redirect back is a top-level navigation from its site, which carries it.
    response.set_cookie(STATE_COOKIE, state, max_age=int(oidc.LOGIN_TIMEOUT.total_seconds()), httponly=True,
                        samesite="lax", secure=get_settings().secure_cookies, path="/login/sso")
    return response


def _forget_state(response):
    response.delete_cookie(STATE_COOKIE, path="/login/sso")
    return response


def provider_logout(request: Request, db: SessionDep, session_id: str):
    """After our logout, the page that sends the browser on to the provider's logout, or None when the session did not
    come from a provider (or it offers no logout). A page, not a redirect: the logout form's Content-Security-Policy
    (form-action 'self') would stop a redirect to another site."""
    url = oidc.end_session_url(db, session_id, _public_url(request, "/login"))
    if url is None:
        return None
    return templates.TemplateResponse(request, "auth/sso_logout.html", {"url": url})
