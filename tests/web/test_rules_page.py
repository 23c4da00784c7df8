"""The rule set page (/regelverk): every dated entry with its source, the date each rule applies from, and whether it
is confirmed in a primary source; what is not confirmed says so, and what was found."""

from __future__ import annotations

from tests.web.pages import Page, _text


def test_a_leader_sees_each_entry_with_its_source_date_and_whether_it_is_confirmed(logged_in, make_org, make_user):
    leader = make_user("leader", make_org())
    page = Page(logged_in(leader).get("/regelverk"))
    text = page.text("main")
    assert "Fra 1. januar 2021 til 14. juni 2022" in text
    assert "Fra 1. januar 2026 til 30. juni 2026" in text and "Fra 1. juli 2026" in text
    # Prop. 81 L's entry: its date is not confirmed, and the page says what was found
    entries = [_text(e) for e in page.all("section.rule-entry")]
    amended = next(e for e in entries if "Fra 1. januar 2026" in e)
    assert "Datoen er ikke bekreftet" in amended
    assert "Prop. 81 L (2024–2025)" in amended and "IKKE bekreftet" in amended
    first = entries[0]
    assert "Datoen er bekreftet" in first and "Datoen er ikke bekreftet" not in first
    # per rule: the age group's source and "from", and the work minimum whose figure was not found
    assert "til og med 60 år" in amended and "18–60 år da tillatelsen ble gitt" in amended
    assert "Tallet er ikke funnet" in amended
    assert "18–55 år da tillatelsen ble gitt" in first
    # the recommendations' sources and the reference tables with their dates
    assert "Integreringsforskriften § 34" in text and "Platearbeider" in text and "Afghanistan" in text


def test_a_caseworker_may_read_it_a_counsellor_and_an_admin_may_not(logged_in, make_org, make_user):
    org = make_org()
    assert logged_in(make_user("caseworker", org)).get("/regelverk").status_code == 200
    assert logged_in(make_user("counsellor", make_org(kind="career_centre"))).get("/regelverk").status_code == 403
    assert logged_in(make_user("admin", org)).get("/regelverk").status_code == 403


def test_the_rule_set_page_is_in_the_leaders_menu(logged_in, make_org, make_user):
    nav = Page(logged_in(make_user("leader", make_org())).get("/account/password")).text("nav.header-nav")
    assert "Regelverk" in nav
