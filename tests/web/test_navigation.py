"""The main menu: each role sees only the pages its permissions open, and every link it sees answers."""

from __future__ import annotations

import pytest

from tests.web.pages import Page

ORG_KIND = {"caseworker": "municipality", "leader": "municipality", "counsellor": "career_centre",
            "centre_leader": "career_centre", "admin": "municipality"}
MENU = {  # what each role should find in the menu
    "caseworker": ["Saker", "Regelverk", "Endre passord"],
    "leader": ["Oversikt", "Saker", "Revisjonslogg", "Regelverk", "Endre passord"],
    "counsellor": ["Innboks", "Endre passord"],
    "centre_leader": ["Oversikt", "Endre passord"],
    "admin": ["Administrasjon", "Fylker og karrieresentre", "Endre passord"],
}


@pytest.mark.parametrize("role", sorted(MENU))
def test_every_menu_link_a_role_sees_opens(role, make_org, make_user, logged_in):
    c = logged_in(make_user(role, make_org(kind=ORG_KIND[role])))
    page = Page(c.get("/account/password"))
    menu = page.all("nav[aria-label=Hovedmeny] a")
    assert [a.text for a in menu] == MENU[role]
    start = page.one("a.brand").get("href")
    assert start == menu[0].get("href")  # the brand leads to the role's start page, never to a 403
    for href in [a.get("href") for a in menu]:
        r = c.get(href)
        assert r.status_code == 200, f"{role}: {href} answered {r.status_code}"
        current = Page(r).all("nav[aria-label=Hovedmeny] a[aria-current=page]")
        assert [a.get("href") for a in current] == [href]


def test_the_menu_follows_the_permission_table():
    from intake import access
    from intake.web.templates import NAV_LINKS

    assert set(ORG_KIND) == set(access.ROLE_LABELS)  # a new role needs a row in MENU above
    for _, _, permission in NAV_LINKS:
        assert permission in access.PERMISSIONS


@pytest.mark.parametrize("role", sorted(MENU))
def test_a_role_starts_on_its_first_menu_page_never_a_403(role, make_org, make_user, client):
    from tests.conftest import PASSWORD

    user = make_user(role, make_org(kind=ORG_KIND[role]))
    start = {"caseworker": "/cases", "leader": "/oversikt", "counsellor": "/inbox", "centre_leader": "/oversikt",
             "admin": "/admin/users"}[role]
    r = client.post("/login", data={"username": user.username, "password": PASSWORD, "next": "/cases"},
                    headers={"Origin": "http://testserver"})
    assert r.status_code == 303 and r.headers["location"] == start
    r = client.get("/")
    assert r.status_code == 303 and r.headers["location"] == start
    assert client.get(start).status_code == 200


def test_the_front_page_sends_a_visitor_without_a_session_to_the_login(client):
    r = client.get("/")
    assert r.status_code in (302, 303, 307) and r.headers["location"].startswith("/login")
