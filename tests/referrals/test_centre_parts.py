"""The career centre's referral in parts (#16 item 9): "Henvisning", "Avtale", "Samtaler", "Oppsummering", each its
own page with a sub-navigation marking the one shown; the counsellor's private notes per session (checked as free
text, audited without their words, never shown to the municipality); the summary marked new on the case page."""

from __future__ import annotations

from sqlmodel import select

from tests.days import days_from_today
from tests.web.pages import Page

PARTS = {"": "Henvisning", "/contract": "Avtale", "/sessions": "Samtaler", "/summary": "Oppsummering"}


def _notes(page: Page, session_id: int) -> str:
    return page.form(f"form[action$='/sessions/{session_id}']")[f"notes-{session_id}"][-1]


def _in_progress(client, rid: int) -> None:
    assert client.post(f"/inbox/{rid}/receive", data={"_csrf": client.csrf}).status_code == 303
    assert client.post(f"/inbox/{rid}/accept", data={"_csrf": client.csrf,
                                                     "planned_first_session": days_from_today(8)}).status_code == 303
    assert client.post(f"/inbox/{rid}/contract", data={
        "_csrf": client.csrf, "goal": "Finne veien til arbeid som sykepleier.", "frame": "Tre samtaler med tolk.",
        "agreed_on": days_from_today(0)}).status_code == 303


def test_each_part_is_its_own_page_with_its_heading_and_the_current_part_marked(world, make_case, send_referral,
                                                                                logged_in):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    for path, label in PARTS.items():
        page = Page(counsellor.get(f"/inbox/{rid}{path}"))
        assert page.response.status_code == 200, path
        nav = page.one("nav.referral-parts")
        assert nav.get("aria-label") == "Deler av henvisningen"
        current = [a for a in page.all("nav.referral-parts a") if a.get("aria-current") == "page"]
        assert len(current) == 1 and "".join(current[0].itertext()).strip().startswith(label), path
        assert page.links("nav.referral-parts a") == [f"/inbox/{rid}{p}" for p in PARTS], path
        assert len(page.all("h1")) == 1, path
    # The referral's own page has what the municipality sent; the others do not repeat it.
    assert "Avklare veien til godkjenning som sykepleier." in Page(counsellor.get(f"/inbox/{rid}")).text("main")
    sessions = Page(counsellor.get(f"/inbox/{rid}/sessions")).text("main")
    assert "Avklare veien til godkjenning som sykepleier." not in sessions
    assert "Samtaler" in Page(counsellor.get(f"/inbox/{rid}/sessions")).text("h1")


def test_each_step_lands_on_the_part_where_the_work_goes_on(world, make_case, send_referral, logged_in):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    r = counsellor.post(f"/inbox/{rid}/receive", data={"_csrf": counsellor.csrf})
    assert r.headers["location"] == f"/inbox/{rid}?done=receive"
    r = counsellor.post(f"/inbox/{rid}/accept", data={"_csrf": counsellor.csrf,
                                                      "planned_first_session": days_from_today(8)})
    assert r.headers["location"] == f"/inbox/{rid}/contract?done=accept"
    assert Page(counsellor.get(r.headers["location"])).has("form[action$='/contract'] textarea[name=goal]")
    r = counsellor.post(f"/inbox/{rid}/contract", data={"_csrf": counsellor.csrf, "goal": "", "frame": ""})
    assert r.status_code == 422 and Page(r).field_errors("f-goal")  # the error on the contract's own page
    assert "Avtale" in Page(r).text("a[aria-current=page]")


def test_session_notes_are_saved_changed_checked_and_audited_without_their_words(
        world, make_case, send_referral, logged_in, audit_entries, db):
    from intake.models_referrals import GuidanceSession

    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    _in_progress(counsellor, rid)
    note = "Snakket om sykepleie;\nvil prøve språkpraksis på sykehjem."
    r = counsellor.post(f"/inbox/{rid}/sessions", data={"_csrf": counsellor.csrf, "held_on": days_from_today(-1),
                                                        "form": "video", "notes": note})
    assert r.status_code == 303 and r.headers["location"] == f"/inbox/{rid}/sessions?done=session"
    page = Page(counsellor.get(f"/inbox/{rid}/sessions"))
    session_id = db.exec(select(GuidanceSession.id).where(GuidanceSession.referral_id == rid)).one()
    assert _notes(page, session_id) == note
    assert "Samtaler (1)" in page.text("nav.referral-parts")

    # A direction override is refused at the session's own field, and what was typed is shown again.
    r = counsellor.post(f"/inbox/{rid}/sessions/{session_id}",
                        data={"_csrf": counsellor.csrf, f"notes-{session_id}": "faktura\u202egnp.exe"})
    assert r.status_code == 422 and "U+202E" in " ".join(Page(r).field_errors(f"f-notes-{session_id}"))
    assert "gnp.exe" in _notes(Page(r), session_id)
    r = counsellor.post(f"/inbox/{rid}/sessions/{session_id}",
                        data={"_csrf": counsellor.csrf, f"notes-{session_id}": "Ny avtale om hospitering."})
    assert r.status_code == 303 and r.headers["location"].endswith(f"?done=notes#session-{session_id}")
    assert _notes(Page(counsellor.get(f"/inbox/{rid}/sessions")), session_id) == "Ny avtale om hospitering."
    r = counsellor.post(f"/inbox/{rid}/sessions", data={"_csrf": counsellor.csrf, "held_on": days_from_today(0),
                                                        "form": "phone", "notes": "\x07"})
    assert r.status_code == 422 and Page(r).field_errors("f-notes")

    entries = audit_entries("guidance_session", session_id, world.counsellor)
    assert [(e.action, e.detail) for e in entries] == [("create", f"referral={rid} notes"),
                                                        ("update", f"referral={rid} notes")]
    # Another centre cannot write them; nor can the municipality.
    other = logged_in(world.other_counsellor)
    assert other.post(f"/inbox/{rid}/sessions/{session_id}",
                      data={"_csrf": other.csrf, f"notes-{session_id}": "x"}).status_code == 404
    caseworker = logged_in(world.caseworker)
    assert caseworker.post(f"/inbox/{rid}/sessions/{session_id}",
                           data={"_csrf": caseworker.csrf, f"notes-{session_id}": "x"}).status_code == 403
    assert counsellor.post(f"/inbox/{rid}/sessions/999999",
                           data={"_csrf": counsellor.csrf, "notes-999999": "x"}).status_code == 404


def test_after_completion_the_parts_show_the_contract_sessions_and_summary_read_only(
        world, make_case, send_referral, logged_in):
    rid = send_referral(world.caseworker, make_case(world.caseworker))
    counsellor = logged_in(world.counsellor)
    _in_progress(counsellor, rid)
    counsellor.post(f"/inbox/{rid}/sessions", data={"_csrf": counsellor.csrf, "held_on": days_from_today(0),
                                                    "form": "in_person", "notes": "Privat notat."})
    r = counsellor.post(f"/inbox/{rid}/complete", data={
        "_csrf": counsellor.csrf, "summary": "Amal har klare mål.", "recommendation": "work",
        "recommendation_text": "Arbeid som helsefagarbeider."})
    assert r.status_code == 303 and r.headers["location"] == f"/inbox/{rid}/summary?done=complete"
    assert "Amal har klare mål." in Page(counsellor.get(f"/inbox/{rid}/summary")).text("main")
    contract = Page(counsellor.get(f"/inbox/{rid}/contract"))
    assert "Tre samtaler med tolk." in contract.text("main") and not contract.has("form textarea")
    sessions = Page(counsellor.get(f"/inbox/{rid}/sessions"))
    assert "Privat notat." in sessions.text("main") and not sessions.has("form textarea")


def test_the_case_page_says_a_summary_is_new_the_first_time_a_caseworker_sees_it(
        world, make_case, send_referral, logged_in, make_user):
    case = make_case(world.caseworker)
    rid = send_referral(world.caseworker, case)
    counsellor = logged_in(world.counsellor)
    _in_progress(counsellor, rid)
    counsellor.post(f"/inbox/{rid}/complete", data={"_csrf": counsellor.csrf, "summary": "Oppsummert.",
                                                    "recommendation": "work", "recommendation_text": "Arbeid."})
    leader, caseworker = logged_in(world.leader), logged_in(world.caseworker)
    assert "Ny oppsummering – ikke åpnet" in Page(caseworker.get("/cases")).text("table.cases")
    heading = "section.guidance-summary h3"
    assert "Ikke åpnet av en saksbehandler ennå" in Page(leader.get(f"/cases/{case.id}")).text(heading)
    assert "Ny – første gang åpnet" in Page(caseworker.get(f"/cases/{case.id}")).text(heading)
    assert "Ny" not in Page(caseworker.get(f"/cases/{case.id}")).text(heading)  # the second time it is not new
    assert "Ikke åpnet" not in Page(leader.get(f"/cases/{case.id}")).text(heading)
    assert "Ny oppsummering – ikke åpnet" not in Page(caseworker.get("/cases")).text("table.cases")
