"""The case list's filters (status, caseworker, deadline window, referral state) and its sort by deadline."""

from __future__ import annotations

import pytest

from tests.leaders.conftest import Referred
from tests.web.pages import Page


@pytest.fixture
def listed(office, add_case, make_user):
    o = office
    a, b, settled = o.caseworker, o.colleague, o.settled
    add_case(o.org, a, name="Anna Pågår", settled=settled, deadline=o.due(10))
    add_case(o.org, a, name="Bo Fullført", settled=settled, deadline=o.due(-3), completed=5)
    add_case(o.org, b, name="Cem Plan", settled=settled, deadline=o.due(25), completed=5, fixed=20)
    add_case(o.org, b, name="Dina Henvist", settled=settled, deadline=o.due(40), centre=o.centre,
             counsellor=o.counsellor, referred=Referred(sent=5, accepted=1))
    add_case(o.org, b, name="Eli Ferdig", settled=settled, deadline=o.due(2), centre=o.centre,
             counsellor=o.counsellor, referred=Referred(sent=5, accepted=1, started=1, summary=9))
    return o.org, a, b, make_user("leader", o.org)


def names(client, **params) -> list[str]:
    r = client.get("/cases", params=params)
    assert r.status_code == 200, r.text[:500]
    return [" ".join("".join(td.itertext()).split()) for td in Page(r).all("table.cases tbody tr td:first-child")]


def test_the_filters(listed, logged_in):
    _, a, b, leader = listed
    c = logged_in(leader)
    assert names(c) == ["Bo Fullført", "Eli Ferdig", "Anna Pågår", "Cem Plan", "Dina Henvist"]  # by deadline
    assert names(c, stage="mapping") == ["Eli Ferdig", "Anna Pågår", "Dina Henvist"]
    assert names(c, stage="mapped") == ["Bo Fullført"]
    assert names(c, stage="plan_fixed") == ["Cem Plan"]
    assert names(c, caseworker=a.id) == ["Bo Fullført", "Anna Pågår"]
    assert names(c, deadline="overdue") == ["Bo Fullført"]
    assert names(c, deadline="soon") == ["Eli Ferdig", "Anna Pågår"]
    assert names(c, deadline="30") == ["Eli Ferdig", "Anna Pågår", "Cem Plan"]
    assert names(c, referral="none") == ["Bo Fullført", "Anna Pågår", "Cem Plan"]
    assert names(c, referral="accepted") == ["Dina Henvist"]
    assert names(c, referral="completed") == ["Eli Ferdig"]
    assert names(c, caseworker=b.id, deadline="30") == ["Eli Ferdig", "Cem Plan"]
    assert names(c, sort="newest") == ["Eli Ferdig", "Dina Henvist", "Cem Plan", "Bo Fullført", "Anna Pågår"]


def test_the_filters_are_kept_on_the_form_and_a_wrong_one_is_said_at_its_field(listed, logged_in, make_org,
                                                                              make_user):
    _, a, _, leader = listed
    c = logged_in(leader)
    page = Page(c.get("/cases", params={"stage": "mapping", "caseworker": a.id}))
    assert page.one("#f-stage option[selected]").get("value") == "mapping"
    assert page.one("#f-caseworker option[selected]").get("value") == str(a.id)
    stranger = make_user("caseworker", make_org())
    r = c.get("/cases", params={"caseworker": stranger.id, "stage": "mapping"})
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-caseworker") == ["Velg en programrådgiver fra listen."]
    assert page.one("#f-stage option[selected]").get("value") == "mapping"  # the rest is kept and applied
