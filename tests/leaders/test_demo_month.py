"""`seed-demo` gives the leaders' pages a month's work (intake/demo_month.py): every stage, deadlines near and
passed, referrals at every step, fixed plans; running it again adds nothing."""

from __future__ import annotations

from sqlmodel import select

from tests.leaders.test_municipality_figures import NOT_SHOWN, table
from tests.web.pages import Page


def _counts(rows: dict[str, list[str]]) -> list[str]:
    return [cells[0] for cells in rows.values()]


def test_the_demo_shows_a_month_of_work_on_the_leaders_pages(db, logged_in):
    from intake.demo import seed_demo
    from intake.demo_month import STORIES
    from intake.models import Case, User

    made = seed_demo(db)
    assert {f"case {s.name}" for s in STORIES} <= set(made)
    assert seed_demo(db) == []  # once is enough: a second run changes nothing
    assert {s.name for s in STORIES} <= set(db.exec(select(Case.participant_name)))

    def page(username: str) -> Page:
        r = logged_in(db.exec(select(User).where(User.username == username)).one()).get("/oversikt")
        assert r.status_code == 200, r.text[:1000]
        return Page(r)

    municipality = page("leder")
    assert all(n.isdigit() and int(n) >= 5 for n in _counts(table(municipality, "status")))  # every stage
    assert "0" not in _counts(table(municipality, "deadlines"))  # due soon, and passed
    for figure in ("times", "referral_times", "deadline_met"):
        assert NOT_SHOWN not in municipality.text(f"#fig-{figure}"), figure
    assert len(table(municipality, "workload")) >= 3  # several caseworkers at work

    centre = page("karriereleder")
    assert NOT_SHOWN not in centre.text("#fig-centre_times")
    assert all(n != "0" for n in _counts(table(centre, "session_forms"))[:4])  # every form of session held
    assert sum(n != "0" for n in _counts(table(centre, "inbox"))) >= 3  # referrals over several months
    assert "0" not in _counts(table(centre, "recommendations"))
