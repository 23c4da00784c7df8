"""The municipality leader's figures (/oversikt) from a data set with known answers: every figure, the small-number
rule, the period filter, and that another municipality's cases never count or show.

Today is tests/days.py's TODAY (2026-11-23); the default period is 2026-01-01 to today. The data set (`month`):

  fixed plans (caseworker X)        settled  completed fixed deadline(+90) referral sent   end goal  months work goal
   F0                                02-01    +20       +60   met          +10 (before)    work      12     yes  B1
   F1                                02-05    +30       +70   met          +10             work      12     yes  B1
   F2                                02-10    +40       +80   met          +10             work      24     yes  B1
   F3                                03-01    +50       +100  missed       +10             work      24     no   A2–B1
   F4                                03-10    +60       +95   missed       +100 (after)    upper_sec 36     no   B1
   F5                                04-01    +25       +85   met          +10             upper_sec 36     yes  B1
   F6                                05-01    +35       +90   met (on day) +10             work       6     yes  B1
  mapping completed, no plan (X)    06-01    +10, +45, +55    deadline passed: missed
  mapping in progress (Y), settled 10-01: deadlines today+3, today+14, today+15, today-1, none, 2027-02-01
  mapped in 2025 (Y), two cases, in progress, no deadline

  referrals: sent→accepted 2, 4, 6, 8, (F4: never), 10, 12 days; accepted→started 5, 5, 7, 9 (four); sent→summary
  30, 40, 50, 60, 70 (five).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from tests.leaders.conftest import Referred
from tests.web.pages import Page

D = dt.date


@pytest.fixture
def month(db, make_org, make_user, add_case, today):
    org = make_org(municipality_number="3301", county_code="33")
    centre = make_org(kind="career_centre", county_code="33")
    x, y = make_user("caseworker", org), make_user("caseworker", org)
    counsellor = make_user("counsellor", centre)
    leader = make_user("leader", org)
    fixed = [  # settled, completed, fixed, sent, accepted, started, summary, end goal, months, work, goal
        (D(2026, 2, 1), 20, 60, 10, 2, 5, 30, "work", 12, True, "B1"),
        (D(2026, 2, 5), 30, 70, 10, 4, 5, 40, "work", 12, True, "B1"),
        (D(2026, 2, 10), 40, 80, 10, 6, 7, 50, "work", 24, True, "B1"),
        (D(2026, 3, 1), 50, 100, 10, 8, 9, 60, "work", 24, False, "A2–B1"),
        (D(2026, 3, 10), 60, 95, 100, None, None, None, "upper_secondary", 36, False, "B1"),
        (D(2026, 4, 1), 25, 85, 10, 10, None, 70, "upper_secondary", 36, True, "B1"),
        (D(2026, 5, 1), 35, 90, 10, 12, None, None, "work", 6, "own", "B1"),  # an own element, marked
    ]
    for i, (settled, completed, fix, sent, acc, started, summary, goal, months, work, level) in enumerate(fixed):
        add_case(org, x, name=f"Fast Plan {i}", settled=settled, completed=completed, fixed=fix, end_goal=goal,
                 duration=months, work=work, goal=level, centre=centre, counsellor=counsellor,
                 referred=Referred(sent=sent, accepted=acc, started=started, summary=summary))
    for i, completed in enumerate((10, 45, 55)):
        add_case(org, x, name=f"Uten Plan {i}", settled=D(2026, 6, 1), completed=completed)
    for i, due in enumerate((3, 14, 15, -1, None, D(2027, 2, 1))):
        deadline = today + dt.timedelta(days=due) if isinstance(due, int) else due
        add_case(org, y, name=f"Pågår Sak {i}", settled=D(2026, 10, 1), deadline=deadline)
    for i in range(2):
        add_case(org, y, name=f"I Fjor {i}", settled=D(2025, 12, 5), deadline=None)
    return org, leader, x, y


@pytest.fixture
def neighbour(make_org, make_user, add_case):
    """Another municipality, busy: none of this may count or show on the first one's page."""
    org = make_org(municipality_number="4601", county_code="46")
    centre = make_org(kind="career_centre", county_code="46")
    cw = make_user("caseworker", org)
    for i in range(9):
        add_case(org, cw, name=f"Nabo Deltaker {i}", settled=D(2026, 3, 1), completed=10, fixed=40, end_goal="work",
                 duration=12, work=True, centre=centre, counsellor=make_user("counsellor", centre),
                 referred=Referred(sent=5, accepted=1, started=1, summary=9))
    for i in range(3):
        add_case(org, cw, name=f"Nabo Frist {i}", settled=D(2026, 10, 1), deadline=dt.date(2026, 11, 20))
    return org, make_user("leader", org)


def table(page: Page, figure: str) -> dict[str, list[str]]:
    """A figure's table: row label -> the row's other cells, as shown."""
    rows = {}
    for tr in page.all(f"#fig-{figure} table.figure-table tbody tr"):
        cells = [re.sub(r"\s+", " ", "".join(c.itertext())).strip() for c in tr]
        rows[cells[0]] = cells[1:]
    return rows


NOT_SHOWN = "Vises ikke (færre enn fem)"


def test_every_figure_of_the_default_period(month, neighbour, logged_in):
    org, leader, x, y = month
    r = logged_in(leader).get("/oversikt")
    assert r.status_code == 200, r.text[:1000]
    page = Page(r)
    assert "01.01.2026–23.11.2026" in page.text("p.lead")

    assert table(page, "status") == {"Kartleggingen pågår": ["6"], "Kartlegging fullført, ingen fastsatt plan": ["<5"],
                                     "Plan fastsatt": ["7"]}
    assert table(page, "deadlines") == {"Innen 14 dager": ["<5"], "Passert": ["<5"]}
    assert table(page, "times") == {"Fullført kartlegging": ["37,5", "10"], "Fastsatt plan": ["85", "7"]}
    assert table(page, "deadline_met") == {"Holdt": ["5", ""], "Ikke holdt": ["6", ""], "Andel holdt": ["45 %", "11"]}
    assert table(page, "guidance_before_decision") == {
        "Henvist før vedtak": ["6", ""], "Ikke henvist før vedtak": ["<5", ""], "Andel henvist før vedtak": [NOT_SHOWN, "7"]}
    assert table(page, "referral_times") == {"Sendt → godtatt": ["7", "6"],
                                             "Godtatt → veiledningen startet": [NOT_SHOWN, "<5"],
                                             "Sendt → oppsummering tilbake": ["50", "5"]}
    goals = table(page, "end_goal")
    assert goals["Arbeid"] == ["5"] and goals["Fullført videregående opplæring"] == ["<5"]
    assert goals["Fullført grunnskole"] == ["0"]
    assert table(page, "duration") == {"Inntil 6 måneder": ["<5"], "7–12 måneder": ["<5"], "13–24 måneder": ["<5"],
                                       "25–36 måneder": ["<5"], "Over 36 måneder": ["0"]}
    assert table(page, "work_oriented") == {"Med arbeidsrettet element": ["5", ""], "Uten": ["<5", ""],
                                            "Andel med": [NOT_SHOWN, "7"]}
    assert table(page, "norwegian_goal") == {"A2–B1": ["<5"], "B1": ["6"]}
    assert table(page, "workload") == {x.full_name: ["<5", "10"], y.full_name: ["8", "0"]}

    # The lists behind the deadlines: days left and days late, the cases' own pages
    soon = page.text("#fig-deadlines table.due-list")
    assert "Pågår Sak 0" in soon and "3 dager igjen" in soon and "14 dager igjen" in soon
    assert "Pågår Sak 2" not in soon  # 15 days away
    assert "1 dag for sent" in soon and "Uten Plan 0" in soon
    assert "Nabo" not in r.text  # another municipality never shows


def test_small_counts_have_no_bar_and_the_svg_has_no_script(month, logged_in):
    _, leader, _, _ = month
    r = logged_in(leader).get("/oversikt")
    page = Page(r)
    svg = page.one("#fig-status svg")
    assert svg.get("aria-hidden") == "true"  # the table beside it is what a screen reader reads
    bars = page.all("#fig-status svg rect")
    assert len(bars) == 2  # "6" and "7"; the "<5" stage has none (its length would tell the number)
    assert "<script" not in r.text.split("<main", 1)[1] and " style=" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_the_period_filter(month, logged_in):
    _, leader, _, _ = month
    client = logged_in(leader)
    page = Page(client.get("/oversikt?from=2026-01-01&to=2026-05-31"))
    assert table(page, "status") == {"Kartleggingen pågår": ["0"], "Kartlegging fullført, ingen fastsatt plan": ["0"],
                                     "Plan fastsatt": ["7"]}
    assert table(page, "times")["Fullført kartlegging"] == ["35", "6"]  # 20, 25, 30, 40, 50, 60
    page = Page(client.get("/oversikt?from=01.12.2025&to=31.12.2025"))  # as typed, Norwegian style
    assert table(page, "status")["Kartleggingen pågår"] == ["<5"]
    assert table(page, "times") == {"Fullført kartlegging": [NOT_SHOWN, "0"], "Fastsatt plan": [NOT_SHOWN, "0"]}


def test_a_wrong_date_is_said_at_its_field_and_kept(month, logged_in):
    _, leader, _, _ = month
    r = logged_in(leader).get("/oversikt?from=31.02.2026&to=2026-03-01")
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-from") == ["Fra-datoen må være en gyldig dato, for eksempel 01.12.2026."]
    assert page.one("#f-from").get("value") == "31.02.2026" and page.one("#f-to").get("value") == "2026-03-01"
    r = logged_in(leader).get("/oversikt?from=2026-05-01&to=2026-03-01")
    assert Page(r).field_errors("f-to") == ["Til-datoen kan ikke være før fra-datoen."]


def test_another_municipality_sees_only_its_own(month, neighbour, logged_in):
    _, leader_b = neighbour
    page = Page(logged_in(leader_b).get("/oversikt"))
    assert table(page, "status") == {"Kartleggingen pågår": ["<5"], "Kartlegging fullført, ingen fastsatt plan": ["0"],
                                     "Plan fastsatt": ["9"]}
    assert table(page, "times")["Fastsatt plan"] == ["40", "9"]
    assert "Fast Plan" not in page.html and "Pågår Sak" not in page.html


def test_the_figures_are_counted_in_the_database(month, logged_in, app):
    """No query reads a case's answers (the figures never load cases into Python)."""
    _, leader, _, _ = month
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", seen)
    try:
        assert logged_in(leader).get("/oversikt").status_code == 200
    finally:
        event.remove(app.state.engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "answers" in s], "a figure read the answers"


def test_the_csv_has_the_figures_and_no_personal_data(month, logged_in):
    _, leader, x, _ = month
    r = logged_in(leader).get("/oversikt.csv?from=2026-01-01&to=2026-11-23")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = r.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Figur;Rad;Verdi;Grunnlag"
    assert "Saker etter status;Plan fastsatt;7;" in lines
    assert "Saker etter status;Kartlegging fullført, ingen fastsatt plan;<5;" in lines
    assert "Fristen for vedtak holdt;Andel holdt;45 %;11" in lines
    assert not [line for line in lines if "Pågår Sak" in line or "Fast Plan" in line or x.full_name in line]


def test_only_leaders_see_the_figures(month, logged_in, make_user):
    org, _, x, _ = month
    assert logged_in(x).get("/oversikt").status_code == 403
    assert logged_in(x).get("/oversikt.csv").status_code == 403


def test_each_figure_links_to_the_cases_behind_it(month, logged_in):
    """Following a figure's link gives a case list of exactly as many cases as the figure counts."""
    _, leader, x, y = month
    client = logged_in(leader)
    page = Page(client.get("/oversikt"))

    def listed(fig: str, row: str) -> list[str]:
        (href,) = [a.get("href") for a in page.all(f"#fig-{fig} table.figure-table tbody th a")
                   if "".join(a.itertext()).strip() == row]
        r = client.get(href)
        assert r.status_code == 200, (href, r.text[:500])
        return [" ".join("".join(td.itertext()).split()) for td in Page(r).all("table.cases tbody tr td:first-child")]

    assert sorted(listed("status", "Plan fastsatt")) == [f"Fast Plan {i}" for i in range(7)]
    assert len(listed("status", "Kartleggingen pågår")) == 6  # not the two mapped in 2025
    assert listed("deadlines", "Innen 14 dager") == ["Pågår Sak 0", "Pågår Sak 1"]
    assert sorted(listed("deadlines", "Passert")) == ["Pågår Sak 3", "Uten Plan 0", "Uten Plan 1", "Uten Plan 2"]
    assert len(listed("times", "Fullført kartlegging")) == 10 and len(listed("times", "Fastsatt plan")) == 7
    assert len(listed("workload", y.full_name)) == 8
