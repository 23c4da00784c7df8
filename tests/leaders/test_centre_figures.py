"""The career-centre leader's figures (/oversikt for the role `centre_leader`) from a data set with known answers,
the small-number rule and the period, and that another centre's referrals never count.

Referrals sent to the centre (today 2026-11-23; the default period 2026-01-01 to today):
  R0–R5 sent 11 March: accepted after 1, 2, 3, 4, 5, 6 days (median 3.5); first session 3, 3, 5, 7, 9 days after
        acceptance (R5: none; median 5); summary back 20, 30, 40, 50, 60 days after sending (R5: none; median 40);
        sessions in person (R0–R2, counsellor A), video (R3), chat (R4) (counsellor B); interpreter in R0 and R1;
        recommendation work (R0–R4); R5 accepted by B and not finished.
  R6, R7 sent 11 May, declined: wrong county, other.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.leaders.conftest import Referred
from tests.leaders.test_municipality_figures import NOT_SHOWN, table
from tests.web.pages import Page

D = dt.date


@pytest.fixture
def centre_world(make_org, make_user, add_case):
    municipality = make_org(municipality_number="3301", county_code="33")
    centre = make_org(kind="career_centre", county_code="33")
    caseworker = make_user("caseworker", municipality)
    a, b = make_user("counsellor", centre), make_user("counsellor", centre)
    forms = ["in_person", "in_person", "in_person", "video", "chat", None]
    for i in range(6):
        add_case(municipality, caseworker, name=f"Senter Deltaker {i}", settled=D(2026, 3, 1), centre=centre,
                 counsellor=a if i < 3 else b,
                 referred=Referred(sent=10, accepted=i + 1, first_session=[3, 3, 5, 7, 9, None][i],
                                   summary=[20, 30, 40, 50, 60, None][i], started=1 if i < 5 else None,
                                   form=forms[i] or "in_person", interpreter=i < 2, recommendation="work"))
    for i, reason in enumerate(("wrong_county", "other")):
        add_case(municipality, caseworker, name=f"Avvist Deltaker {i}", settled=D(2026, 5, 1), centre=centre,
                 referred=Referred(sent=10, declined=reason))
    return centre, make_user("centre_leader", centre), a, b


@pytest.fixture
def other_centre(make_org, make_user, add_case):
    municipality = make_org(municipality_number="4601", county_code="46")
    centre = make_org(kind="career_centre", county_code="46")
    caseworker, counsellor = make_user("caseworker", municipality), make_user("counsellor", centre)
    for i in range(7):
        add_case(municipality, caseworker, name=f"Annet Senter {i}", settled=D(2026, 3, 1), centre=centre,
                 counsellor=counsellor, referred=Referred(sent=10, accepted=1, first_session=1, summary=5,
                                                          form="phone", recommendation="education"))
    return centre, make_user("centre_leader", centre)


def test_every_centre_figure(centre_world, other_centre, logged_in):
    centre, leader, a, b = centre_world
    r = logged_in(leader).get("/oversikt")
    assert r.status_code == 200, r.text[:1000]
    page = Page(r)
    inbox = table(page, "inbox")
    assert list(inbox) == [f"2026-{m:02d}" for m in range(1, 12)]
    assert inbox["2026-03"] == ["6"] and inbox["2026-05"] == ["<5"] and inbox["2026-04"] == ["0"]
    assert table(page, "centre_times") == {"Sendt → godtatt": ["3,5", "6"], "Godtatt → første samtale": ["5", "5"],
                                           "Sendt → oppsummering tilbake": ["40", "5"]}
    assert table(page, "session_forms") == {"Oppmøte": ["<5", ""], "Video": ["<5", ""], "Telefon": ["0", ""],
                                            "Chat": ["<5", ""], "Andel digitale": [NOT_SHOWN, "5"]}
    assert table(page, "interpreter") == {"Med tolk": ["<5", ""], "Uten tolk": ["<5", ""],
                                          "Andel med tolk": [NOT_SHOWN, "5"]}
    assert table(page, "recommendations") == {"Arbeid": ["5"], "Utdanning": ["0"], "Annet": ["0"]}
    assert table(page, "declines") == {"Feil fylke": ["<5"], "Ikke i målgruppen": ["0"], "Annet": ["<5"]}
    assert table(page, "counsellor_workload") == {a.full_name: ["0", "<5", "<5"], b.full_name: ["<5", "<5", "<5"]}
    assert "Senter Deltaker" not in r.text and "Annet Senter" not in r.text  # no participant, no other centre


def test_the_period_and_the_csv(centre_world, logged_in):
    _, leader, a, _ = centre_world
    client = logged_in(leader)
    page = Page(client.get("/oversikt?from=2026-05-01&to=2026-05-31"))
    assert table(page, "inbox") == {"2026-05": ["<5"]}
    assert table(page, "recommendations")["Arbeid"] == ["<5"]  # R4, back 10 May
    csv = client.get("/oversikt.csv").text.lstrip("\ufeff").splitlines()
    assert "Henvisninger mottatt;2026-03;6;" in csv and "Anbefalinger;Arbeid;5;" in csv
    assert not [line for line in csv if a.full_name in line]  # no per-person rows


def test_the_other_centre_sees_only_its_own(centre_world, other_centre, logged_in):
    _, leader = other_centre
    page = Page(logged_in(leader).get("/oversikt"))
    assert table(page, "inbox")["2026-03"] == ["7"] and table(page, "inbox")["2026-05"] == ["0"]
    assert table(page, "recommendations") == {"Arbeid": ["0"], "Utdanning": ["7"], "Annet": ["0"]}


def test_the_centre_leader_reads_no_referral_and_no_case(centre_world, logged_in):
    _, leader, _, _ = centre_world
    client = logged_in(leader)
    assert client.get("/inbox").status_code == 403
    assert client.get("/cases").status_code == 403
    nav = Page(client.get("/oversikt")).text("nav.header-nav")
    assert "Oversikt" in nav and "Innboks" not in nav and "Saker" not in nav
