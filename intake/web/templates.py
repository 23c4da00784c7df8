"""The Jinja2 environment shared by every page: filters for dates and answers, the questionnaire's labels, and
`render_page`, which gives every signed-in page its header (user, role, menu, CSRF token)."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates

from .. import access, i18n
from ..config import ROOT
from ..domain.guidance import DATE_RANGE
from ..domain.messages import N_
from ..domain.reference import municipality_name
from ..domain.text import neutralise
from ..models import User
from ..security import seconds_until, session_ends
from .deps import session_limits
from .forms import field_label, select_options

templates = Jinja2Templates(directory=ROOT / "templates")
env = templates.env
env.autoescape = True
# Every value shown without the controls that reorder text (a value stored before they were refused): set before
# any template is compiled, since the compiled code calls it.
env.finalize = neutralise
# {% trans %} and _() in templates: the catalogue of the request's language (intake/i18n.py); newstyle gettext
# escapes the values put into a message.
env.add_extension("jinja2.ext.i18n")
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)

OSLO = ZoneInfo("Europe/Oslo")  # users read Norwegian local time, summer time included; storage is UTC
MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
          "desember"]  # the same in bokmål and nynorsk
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]


def norwegian_date(value: Any, long: bool = False) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    english = i18n.current() == "en"
    if isinstance(value, dt.datetime):
        value = oslo_time(value)
        if english:
            return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year} at {value:%H:%M}"
        return f"{value.day}. {MONTHS[value.month - 1]} {value.year} kl. {value:%H:%M}"
    if long:
        return (f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}" if english
                else f"{value.day}. {MONTHS[value.month - 1]} {value.year}")
    return f"{value:%d.%m.%Y}"


def oslo_time(value: dt.datetime) -> dt.datetime:
    """A stored moment in Norwegian local time; a naive value is UTC, as everything the app stores is."""
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(OSLO)


def clock(value: dt.datetime | None) -> str:
    """The time of day in Norway, e.g. 12:05 (the autosave's "Lagret kl.")."""
    return f"{oslo_time(value):%H:%M}" if value else ""


# The main menu: (path, label, permission). A role sees a link only when its permission (intake/access.py) lets it open
# the page, so the menu never offers a page that answers 403. The first link a user sees is their start page.
NAV_LINKS = (
    ("/oversikt", N_("Oversikt"), "figures.read"),  # a leader's start page
    ("/cases", N_("Saker"), "case.read"),
    ("/inbox", N_("Innboks"), "referral.inbox"),
    ("/audit", N_("Revisjonslogg"), "audit.read"),
    ("/regelverk", N_("Regelverk"), "rules.read"),
    ("/admin/users", N_("Administrasjon"), "admin.manage"),
    ("/admin/counties", N_("Fylker og karrieresentre"), "county.manage"),
    ("/account/password", N_("Endre passord"), "account.manage"),
)


def nav_links(user: User, path: str) -> list[dict[str, Any]]:
    """The menu links `user` may open, each with `current` when `path` is that page or below it."""
    return [{"href": href, "label": i18n.translate(label), "current": path == href or path.startswith(href + "/")}
            for href, label, permission in NAV_LINKS if access.can(user, permission)]


def return_path(request: Request) -> str:
    """Where the language switch leads back to: this page, or for a page that answers a form (a POST, which a link
    cannot repeat) the page the form was on, from the same-origin Referer; else the start page. The switch itself
    accepts only a local path (auth.safe_next)."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + ("?" + request.url.query if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path:
        return referer.path + ("?" + referer.query if referer.query else "")
    return "/"


def home_for(user: User) -> str:
    """Where a user starts: the first menu page the role may open (a caseworker's case list, a counsellor's inbox)."""
    return next((href for href, _label, permission in NAV_LINKS if access.can(user, permission)), "/account/password")


def _session_timer(session) -> dict[str, int]:
    """What the timeout warning (static/app.js) counts with: seconds left now, the idle limit a use starts again, and
    seconds until the absolute limit, which no use moves."""
    limits = session_limits()
    idle_end, absolute_end = session_ends(session, **limits)
    return {"left": seconds_until(min(idle_end, absolute_end)), "idle": int(limits["idle"].total_seconds()),
            "end": seconds_until(absolute_end)}


def render_page(request: Request, name: str, context: dict, status_code: int = 200):
    """A signed-in user's page: `context` plus what the layout (templates/base.html) needs."""
    user: User = request.state.user
    session = getattr(request.state, "session", None)
    context = {"user": user, "csrf": session and session.csrf_token,
               "session_timer": session and _session_timer(session),
               "role_label": i18n.translate(access.ROLE_LABELS.get(user.role, user.role)),
               # no menu while a temporary password must be changed: no other page opens until then
               "nav": [] if user.must_change_password else nav_links(user, request.url.path), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def dom_id(question_id: str) -> str:
    """An HTML id for a question or a repeat cell (dots are legal in ids but awkward in CSS and links)."""
    return "f-" + question_id.replace(".", "-")


# Where a /static/ URL's file is: the app's own, or an npm package's (as intake/app.py mounts them).
STATIC_DIRS = {"vendor/htmx/": ROOT / "node_modules" / "htmx.org" / "dist",
               "vendor/swagger-ui/": ROOT / "node_modules" / "swagger-ui-dist",
               "vendor/fontsource/": ROOT / "node_modules" / "@fontsource",
               "vendor/accessible-autocomplete/": ROOT / "node_modules" / "accessible-autocomplete" / "dist"}


@lru_cache(maxsize=64)
def static_url(path: str) -> str:
    """A static file's URL with its content's hash (`?v=`): the file may then be cached for a year (intake/app.py),
    and a changed file gets a new URL, so a browser never keeps an old one."""
    prefix = next((p for p in STATIC_DIRS if path.startswith(p)), None)
    file = STATIC_DIRS[prefix] / path[len(prefix):] if prefix else ROOT / "static" / path
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
    except OSError:
        return f"/static/{path}"
    return f"/static/{path}?v={digest}"


def plan_error_href(case_id: int):
    """Where the plan builder's error links lead: an answer of the mapping to its field on the section page (which
    leads back to the plan), the mapping as a whole to its check page, a problem with the plan as a whole nowhere (it
    is said without a link), anything else to its field on the builder."""
    from ..domain.questionnaire import default_questionnaire
    questions = default_questionnaire().by_id

    def href(field_id: str) -> str | None:
        if field_id == "plan":
            return None
        if field_id == "case":
            return f"/cases/{case_id}/check"
        question = questions.get(".".join(field_id.split(".")[:2]))
        if question is not None:
            return f"/cases/{case_id}/sections/{question.section}?return=plan#{dom_id(field_id)}"
        return "#" + dom_id(field_id)

    return href


env.filters["date"] = norwegian_date
env.filters["clock"] = clock
env.filters["dom_id"] = dom_id
env.globals["select_options"] = select_options
env.globals["field_label"] = field_label
env.globals["plan_error_href"] = plan_error_href
env.globals["municipality_name"] = municipality_name
env.globals["static_url"] = static_url
env.globals["return_path"] = return_path
env.globals["referral_date_range"] = DATE_RANGE  # a referral's date fields offer only these years
# `|t`: a Message (validation errors), a per-language text from the rules files or a catalogue string, in the
# request's language. Unlike _(), its result is escaped like any value.
env.filters["t"] = i18n.translate
env.globals["current_language"] = i18n.current
env.globals["LANGUAGES"] = i18n.LANGUAGES
