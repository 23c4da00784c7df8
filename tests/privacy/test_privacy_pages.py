"""The participant's rights on the case page: data export downloads and erasure on request, through HTTP as a
caseworker or leader would use them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader

from intake.models import Case
from tests.personas import AMAL
from tests.privacy.test_privacy import audit_of
from tests.web.pages import Page


@pytest.fixture
def leader(make_user, drammen):
    return make_user("leader", drammen)


def a_few_days_ago() -> str:
    return (dt.date.today() - dt.timedelta(days=3)).isoformat()


# --- the case page --------------------------------------------------------------------------------------------------


def test_the_case_page_offers_the_export_to_both_and_erasure_to_the_leader_only(logged_in, caseworker, leader,
                                                                                make_case):
    case = make_case(caseworker, AMAL)
    as_caseworker = Page(logged_in(caseworker).get(f"/cases/{case.id}"))
    as_leader = Page(logged_in(leader).get(f"/cases/{case.id}"))
    for page in (as_caseworker, as_leader):
        assert "Eksporter data" in page.text("main")
        assert {f"/cases/{case.id}/export/pdf", f"/cases/{case.id}/export/json"} <= set(page.links())
    assert f"/cases/{case.id}/erase" in as_leader.links()
    assert f"/cases/{case.id}/erase" not in as_caseworker.links()
    assert "Slett saken" not in as_caseworker.text("main")


# --- export ---------------------------------------------------------------------------------------------------------


def test_the_json_export_downloads_as_an_uncached_attachment_and_is_audited(logged_in, caseworker, make_case, db):
    case = make_case(caseworker, AMAL)
    r = logged_in(caseworker).get(f"/cases/{case.id}/export/json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"] == f'attachment; filename="innsyn-sak-{case.id}.json"'
    assert r.headers["cache-control"] == "no-store"
    data = json.loads(r.content)
    exported = {a["question"]: a["value"] for s in data["sections"] for a in s["answers"]}
    assert exported == db.get(Case, case.id).answers
    [entry] = audit_of(db, case.id, "export")
    assert "format=json" in entry.detail and "via=web" in entry.detail and entry.user_id == caseworker.id


def test_the_pdf_export_downloads_as_a_pdf(logged_in, leader, caseworker, make_case):
    case = make_case(caseworker, AMAL)
    r = logged_in(leader).get(f"/cases/{case.id}/export/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="innsyn-sak-{case.id}.pdf"'
    assert r.headers["cache-control"] == "no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert AMAL["participant.name"] in text and "Fullt navn" in text


def test_an_unknown_export_format_is_not_found(logged_in, caseworker, make_case):
    case = make_case(caseworker, AMAL)
    assert logged_in(caseworker).get(f"/cases/{case.id}/export/xml").status_code == 404


# --- erasure ----------------------------------------------------------------------------------------------------------


def test_the_confirmation_page_names_the_participant_and_warns_that_it_cannot_be_undone(logged_in, leader, caseworker,
                                                                                       make_case):
    case = make_case(caseworker, AMAL)
    page = Page(logged_in(leader).get(f"/cases/{case.id}/erase"))
    assert page.response.status_code == 200
    assert AMAL["participant.name"] in page.text("h1")
    assert "kan ikke angres" in page.text("main")
    form = page.form(f"form[action='/cases/{case.id}/erase']")
    assert set(form) == {"_csrf", "requested_on", "reason"}


def test_erasing_removes_the_case_keeps_the_audit_entry_and_registers_it(logged_in, leader, caseworker, make_case,
                                                                         stored, db):
    case = make_case(caseworker, AMAL)
    case_id, created_at = case.id, case.created_at
    c = logged_in(leader)
    r = c.post(f"/cases/{case_id}/erase", data={"_csrf": c.csrf, "requested_on": a_few_days_ago(),
                                                "reason": "Deltakeren ba skriftlig om sletting"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases?erased={case_id}"
    assert "Saken er slettet" in Page(c.get(r.headers["location"])).text("main")
    assert stored(case_id) is None
    assert c.get(f"/cases/{case_id}").status_code == 404
    [entry] = audit_of(db, case_id, "erase")
    assert "reason=Deltakeren ba skriftlig om sletting" in entry.detail
    assert f"requested={a_few_days_ago()}" in entry.detail and f"by={leader.username}" in entry.detail
    assert entry.user_id == leader.id and entry.organisation_id == leader.organisation_id
    assert AMAL["participant.name"] not in entry.detail
    from dataclasses import asdict

    from intake import ledger

    found, problems = ledger.for_session(db).read_erasures(db)  # the file on SQLite, the ledger schema on PostgreSQL
    lines = [asdict(x) for x in found]
    [registered] = [x for x in lines if x["case_id"] == case_id and x["audit_entry_id"] == entry.id]
    assert registered["action"] == "erase" and registered["created_at"].startswith(created_at.isoformat()[:19])
    assert AMAL["participant.name"] not in json.dumps(lines) and not problems


def test_a_missing_reason_keeps_the_form_and_what_was_typed(logged_in, leader, caseworker, make_case, stored):
    case = make_case(caseworker, AMAL)
    c = logged_in(leader)
    r = c.post(f"/cases/{case.id}/erase", data={"_csrf": c.csrf, "requested_on": a_few_days_ago(), "reason": "  "})
    assert r.status_code == 422
    page = Page(r)
    assert page.field_errors("f-reason") == ["Skriv begrunnelsen for slettingen."]
    assert page.summary() == [("Skriv begrunnelsen for slettingen.", "#f-reason")]
    assert page.form(f"form[action='/cases/{case.id}/erase']")["requested_on"] == [a_few_days_ago()]
    assert stored(case.id) is not None


def test_a_missing_date_and_a_too_long_reason_are_shown_at_their_fields(logged_in, leader, caseworker, make_case,
                                                                        stored):
    case = make_case(caseworker, AMAL)
    c = logged_in(leader)
    page = Page(c.post(f"/cases/{case.id}/erase", data={"_csrf": c.csrf, "reason": "Ba om det"}))
    assert page.response.status_code == 422
    assert page.field_errors("f-requested_on") == ["Fyll ut datoen deltakeren ba om sletting."]
    assert page.one("#f-reason").text == "Ba om det"
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page = Page(c.post(f"/cases/{case.id}/erase", data={"_csrf": c.csrf, "reason": "x" * 501,
                                                        "requested_on": tomorrow}))
    assert page.field_errors("f-reason") == ["Begrunnelsen for slettingen kan ha høyst 500 tegn (nå 501)."]
    assert "kan ikke være etter" in page.field_errors("f-requested_on")[0]
    assert stored(case.id) is not None


def test_a_caseworker_may_not_erase(logged_in, caseworker, make_case, stored):
    case = make_case(caseworker, AMAL)
    c = logged_in(caseworker)
    assert c.get(f"/cases/{case.id}/erase").status_code == 403
    r = c.post(f"/cases/{case.id}/erase", data={"_csrf": c.csrf, "requested_on": a_few_days_ago(), "reason": "Ba om det"})
    assert r.status_code == 403
    assert stored(case.id) is not None


def test_another_organisation_gets_not_found_for_export_and_erasure(logged_in, caseworker, make_case, make_user,
                                                                    bergen, stored):
    case = make_case(caseworker, AMAL)
    for role in ("caseworker", "leader"):
        c = logged_in(make_user(role, bergen))
        assert c.get(f"/cases/{case.id}/export/json").status_code == 404
        assert c.get(f"/cases/{case.id}/export/pdf").status_code == 404
        assert c.get(f"/cases/{case.id}/erase").status_code == 404
        r = c.post(f"/cases/{case.id}/erase", data={"_csrf": c.csrf, "requested_on": a_few_days_ago(),
                                                    "reason": "Ba om det"})
        assert r.status_code == 404
    assert stored(case.id) is not None


def test_erasure_needs_the_forms_csrf_token(logged_in, leader, caseworker, make_case, stored):
    case = make_case(caseworker, AMAL)
    c = logged_in(leader)
    r = c.post(f"/cases/{case.id}/erase", data={"_csrf": "wrong", "requested_on": a_few_days_ago(),
                                                "reason": "Ba om det"})
    assert r.status_code == 403
    assert stored(case.id) is not None
