"""The language switch (bokmål, nynorsk, English) and the middleware that serves each request in its language.

Pages follow the `lang` cookie, set by the switch in the page header; the JSON API follows Accept-Language. Both
default to bokmål (a browser's Accept-Language does not change the pages: the caseworker chooses).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import i18n
from ..config import get_settings
from .auth import safe_next

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


class LanguageMiddleware:
    """Sets the request's language (intake/i18n.py) before anything else runs, error pages included."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        connection = HTTPConnection(scope)
        if scope["path"].startswith("/api/"):
            lang = i18n.from_accept_language(connection.headers.get("accept-language"))
        else:
            lang = i18n.from_cookie(connection.cookies.get(i18n.COOKIE))
        with i18n.language(lang):
            await self.app(scope, receive, send)


@router.get("/language/{lang}")
async def choose_language(lang: str, next: str | None = None):
    """Remember the chosen language and go back to the page it was chosen on (a link: works without JavaScript)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(i18n.COOKIE, i18n.from_cookie(lang), max_age=ONE_YEAR, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/")
    return response
