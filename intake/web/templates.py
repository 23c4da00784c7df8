"""The Jinja2 environment shared by every page: filters for dates and answers, and the questionnaire's labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.templating import Jinja2Templates

from ..config import ROOT
from .forms import select_options

templates = Jinja2Templates(directory=ROOT / "templates")
env = templates.env
env.autoescape = True

MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
          "desember"]


def norwegian_date(value: Any, long: bool = False) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone(dt.timedelta(hours=1))) if value.tzinfo else value
        return f"{value.day}. {MONTHS[value.month - 1]} {value.year} kl. {value:%H:%M}"
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}" if long else f"{value:%d.%m.%Y}"


def dom_id(question_id: str) -> str:
    """An HTML id for a question or a repeat cell (dots are legal in ids but awkward in CSS and links)."""
    return "f-" + question_id.replace(".", "-")


env.filters["date"] = norwegian_date
env.filters["dom_id"] = dom_id
env.globals["select_options"] = select_options
