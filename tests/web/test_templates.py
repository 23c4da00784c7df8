"""What every page shares (intake/web/templates.py, templates/components/): times in Norwegian local time, and the
pagination under long lists."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.web.templates import clock, env, norwegian_date
from tests.web.pages import HTMX, Page, fill

UTC = dt.timezone.utc


@pytest.mark.parametrize("moment, shown", [
    (dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "1. juli 2026 kl. 12:00"),  # summer time: UTC+2
    (dt.datetime(2026, 1, 15, 10, 0, tzinfo=UTC), "15. januar 2026 kl. 11:00"),  # winter: UTC+1
    (dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29. mars 2026 kl. 01:59"),  # the minute before summer time
    (dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29. mars 2026 kl. 03:00"),  # and the minute it starts
    (dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "1. januar 2027 kl. 00:30"),  # the Norwegian day, not UTC's
    (dt.datetime(2026, 7, 1, 10, 0), "1. juli 2026 kl. 12:00"),  # a naive value is UTC, as stored
])
def test_times_are_shown_in_norwegian_local_time(moment, shown):
    assert norwegian_date(moment) == shown


def test_the_clock_is_norwegian_local_time():
    assert clock(dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "12:00"
    assert clock(dt.datetime(2026, 1, 15, 10, 0, tzinfo=UTC)) == "11:00"
    assert clock(None) == ""


def test_autosave_says_when_it_saved_in_norwegian_time(caseworker, logged_in, make_case):
    c = logged_in(caseworker)
    case = make_case(caseworker)
    page = Page(c.get(f"/cases/{case.id}/sections/goals"))
    before = clock(dt.datetime.now(UTC))
    r = c.post(f"/cases/{case.id}/sections/goals", data=fill(page, {"goals.short_term": ["Lære norsk"]}),
               headers={**HTMX, "X-CSRF-Token": c.csrf})
    after = clock(dt.datetime.now(UTC))
    assert Page(r).text("#save-status") in {f"Lagret kl. {before}", f"Lagret kl. {after}"}


def pagination(page: int, pages: int, path: str, filters: dict) -> Page:
    template = env.from_string('{% from "components/pagination.html" import pagination %}'
                               "{{ pagination(page, pages, path, filters) }}")
    return Page(template.render(page=page, pages=pages, path=path, filters=filters))


def test_pagination_keeps_the_filters_and_marks_the_current_page():
    nav = pagination(2, 3, "/audit", {"case": "12", "user": "a b&c"})
    assert nav.one("nav.pagination").get("aria-label") == "Sider"
    assert nav.links("nav a") == ["/audit?case=12&user=a+b%26c&page=1", "/audit?case=12&user=a+b%26c&page=3"]
    assert nav.text("nav [aria-current=page]") == "Side 2 av 3"


def test_pagination_links_only_where_there_is_a_page():
    assert pagination(1, 2, "/cases", {"q": ""}).text("nav a") == "Neste side"
    assert pagination(2, 2, "/cases", {"q": ""}).text("nav a") == "Forrige side"
    assert not pagination(1, 1, "/cases", {"q": ""}).has("nav")
