"""The caseworker's "needs your attention" list on their start page, and the unread marker of a summary back from
the career centre (in the list, until a caseworker of the municipality opens it)."""

from __future__ import annotations

import pytest

from tests.leaders.conftest import Referred
from tests.web.pages import Page


@pytest.fixture
def desk(office, add_case):
    o = office
    me, colleague, settled = o.caseworker, o.colleague, o.settled
    cases = {
        "soon": add_case(o.org, me, name="Frist Snart", settled=settled, deadline=o.due(5)),
        "late": add_case(o.org, me, name="Frist Passert", settled=settled, deadline=o.due(-2)),
        "later": add_case(o.org, me, name="Frist Senere", settled=settled, deadline=o.due(20)),
        "no_plan": add_case(o.org, me, name="Ingen Plan", settled=settled, deadline=o.due(30), completed=10),
        "draft": add_case(o.org, me, name="Plan Utkast", settled=settled, deadline=o.due(30), completed=10,
                          draft_plan=True),
        "fixed": add_case(o.org, me, name="Plan Fastsatt", settled=settled, deadline=o.due(-1), completed=10,
                          fixed=40),
        "summary": add_case(o.org, me, name="Svar Tilbake", settled=settled, deadline=o.due(40), centre=o.centre,
                            counsellor=o.counsellor, referred=Referred(sent=5, accepted=1, started=1, summary=20)),
        "theirs": add_case(o.org, colleague, name="Kollegas Sak", settled=settled, deadline=o.due(1)),
    }
    return o.org, me, colleague, cases


def groups(page: Page) -> dict[str, list[str]]:
    out = {}
    for h3 in page.all("section.attention h3"):
        title = "".join(h3.itertext()).split(" (")[0].strip()
        out[title] = []
    titles = list(out)
    for title, ul in zip(titles, page.all("section.attention ul.attention-list")):
        out[title] = [" ".join("".join(li.itertext()).split()) for li in ul]
    return out


def test_the_caseworker_sees_what_needs_attention_among_their_cases(desk, logged_in):
    _, me, _, _ = desk
    page = Page(logged_in(me).get("/cases"))
    found = groups(page)
    assert found["Frist for vedtak innen 14 dager eller passert"] == [
        "Frist Passert – fristen passerte for 2 dager siden", "Frist Snart – frist 28.11.2026, om 5 dager"]
    assert found["Oppsummering fra karrieresenteret som ikke er åpnet"] == ["Svar Tilbake – frist 02.01.2027, om 40 dager"]
    assert [x.split(" –")[0] for x in found["Kartlegging fullført, men ingen plan"]] == ["Ingen Plan"]
    assert [x.split(" –")[0] for x in found["Plan som ikke er fastsatt"]] == ["Plan Utkast"]
    text = page.text("section.attention")
    assert "Frist Senere" not in text and "Plan Fastsatt" not in text and "Kollegas Sak" not in text


def test_an_unread_summary_is_marked_until_a_caseworker_opens_it(desk, logged_in, make_user):
    org, me, _, cases = desk
    client = logged_in(me)
    leader = logged_in(make_user("leader", org))

    def marked(c) -> list[str]:
        page = Page(c.get("/cases"))
        return [" ".join("".join(tr.itertext()).split()) for tr in page.all("table.cases tbody tr")
                if "Ny oppsummering – ikke åpnet" in "".join(tr.itertext())]

    assert [m.split(" ")[0:2] for m in marked(client)] == [["Svar", "Tilbake"]]
    assert leader.get(f"/cases/{cases['summary'].id}").status_code == 200  # a leader reading it: still unread
    assert len(marked(client)) == 1
    assert client.get(f"/cases/{cases['summary'].id}").status_code == 200  # the case page shows the summary
    assert marked(client) == [] and marked(leader) == []
    assert "Oppsummering fra karrieresenteret" not in Page(client.get("/cases")).text("section.attention")


def test_opening_the_referral_page_marks_its_summary_read(desk, logged_in, db):
    from sqlmodel import select

    from intake.models_referrals import Referral

    _, me, _, cases = desk
    rid = db.exec(select(Referral.id).where(Referral.case_id == cases["summary"].id)).one()
    client = logged_in(me)
    assert client.get(f"/cases/{cases['summary'].id}/referrals/{rid}").status_code == 200
    assert "Ny oppsummering – ikke åpnet" not in client.get("/cases").text


def test_a_leader_has_no_attention_list(desk, logged_in, make_user):
    org, _, _, _ = desk
    assert not Page(logged_in(make_user("leader", org)).get("/cases")).has("section.attention")
