"""Text that could break or mislead what is shown: a lone surrogate (JSON's "\\ud800", which UTF-8 cannot hold) is
refused at its field, and one stored before that never makes a page, an API answer or a PDF fail. Controls that
reorder text (U+202E: "faktura\\u202Egnp.exe" would print as "fakturaexe.png"), control characters and, in names and
identifiers, invisible characters are refused; what was stored before is printed in the order it was typed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from tests.days import days_from_today
from tests.personas import AMAL
from tests.referrals.conftest import ORDINARY, world  # noqa: F401  (a municipality and its career centre)
from tests.plans.conftest import completed_case, ready_plan  # noqa: F401  (a mapping ready for a plan)
from tests.web.pages import Page

SURROGATE = "a\ud800b"


def post_json(client, path: str, body, method: str = "POST"):
    # json.dumps writes the surrogate as the escape "\ud800", as a client would send it; httpx's json= cannot encode it.
    return client.request(method, path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_the_api_refuses_a_lone_surrogate_at_its_field(api_client, caseworker, make_case):
    api = api_client(caseworker)
    r = post_json(api, "/api/v1/cases", {"answers": {**AMAL, "goals.short_term": SURROGATE}})
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["field"] == "goals.short_term" and "tegn" in error["message"]

    case = make_case(caseworker, AMAL)
    for answers in ({"participant.name": SURROGATE}, {"background.work": [{"occupation": SURROGATE}]}):
        r = post_json(api, f"/api/v1/cases/{case.id}/answers", {"answers": answers}, method="PATCH")
        assert r.status_code == 422, r.text
    assert api.get(f"/api/v1/cases/{case.id}").json()["answers"] == AMAL  # nothing saved

    # A question id that is itself such text is an unknown question, echoed back as text the answer can carry.
    r = post_json(api, "/api/v1/cases", {"answers": {"goals.\ud800": "x"}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "goals.\ufffd"
    r = post_json(api, "/api/v1/evaluate", {"answers": {"goals.long_term": SURROGATE}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "goals.long_term"


def test_the_referral_api_refuses_a_lone_surrogate_at_its_field(world, make_case, api_client):
    case = make_case(world.caseworker, AMAL)
    api = api_client(world.caseworker)
    r = api.post(f"/api/v1/cases/{case.id}/consents",
                 json={"sections": ORDINARY, "given_how": "in_writing", "given_on": days_from_today(-7)})
    assert r.status_code == 201
    r = post_json(api, f"/api/v1/cases/{case.id}/referrals", {"purpose": SURROGATE})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "purpose"
    r = post_json(api, f"/api/v1/cases/{case.id}/consents",
                  {"sections": ["participant", "x\ud800"], "given_how": "in_writing", "given_on": days_from_today(-7)})
    assert r.status_code == 422 and "\ufffd" in r.json()["errors"][0]["message"]


def test_a_form_field_with_such_text_gets_a_norwegian_error():
    from intake.domain.answers import check_value, parse_section_form
    from intake.domain.questionnaire import default_questionnaire

    q = default_questionnaire()
    goals = next(s for s in q.sections if s.id == "goals")
    answers, _, errors = parse_section_form(goals, {"goals.short_term": [SURROGATE]})
    assert not errors
    [error] = check_value(q.by_id["goals.short_term"], answers["goals.short_term"])
    assert error.field == "goals.short_term"
    assert error.message == "Teksten inneholder et ufullstendig tegn som ikke kan lagres. Skriv teksten på nytt."


def test_a_value_stored_before_it_was_refused_never_breaks_a_page_an_answer_or_a_pdf(
        db, logged_in, api_client, caseworker, make_case):
    from intake.cases import complete_mapping
    from intake.models import Case

    case = make_case(caseworker, AMAL)
    assert complete_mapping(db, caseworker, case) == []  # so that it can have a plan
    answers = {**AMAL, "goals.short_term": SURROGATE,
               "background.work": [{**AMAL["background.work"][0], "occupation": SURROGATE}]}
    db.execute(update(Case.__table__).where(Case.__table__.c.id == case.id).values(answers=answers))
    db.commit()

    body = api_client(caseworker).get(f"/api/v1/cases/{case.id}")
    assert body.status_code == 200
    assert body.json()["answers"]["goals.short_term"] == "a\ufffdb"
    c = logged_in(caseworker)
    assert c.post(f"/cases/{case.id}/plan", data={"_csrf": c.csrf}).status_code == 303  # the plan reads the answers
    for path in (f"/cases/{case.id}", f"/cases/{case.id}/check", f"/cases/{case.id}/sections/goals",
                 f"/cases/{case.id}/sections/background", f"/cases/{case.id}/export/json",
                 f"/cases/{case.id}/export/pdf", f"/cases/{case.id}/plan", f"/cases/{case.id}/plan/preview"):
        r = c.get(path)
        assert r.status_code == 200, path
    page = Page(c.get(f"/cases/{case.id}/sections/goals"))
    assert page.form("main form")["goals.short_term"] == ["a\ufffdb"]  # shown, and can be typed over


# --- direction overrides, control and invisible characters ------------------------------------------------------

SPOOF = "Faktura\u202Egnp.exe"  # shown as "Fakturaexe.png"


@pytest.mark.parametrize("answers, field", [
    ({"participant.name": "Amal\u202EnassaH"}, "participant.name"),
    ({"participant.name": "Amal\u200BHassan"}, "participant.name"),  # zero-width space: looks like another name
    ({"participant.name": "Amal\u2066Hassan"}, "participant.name"),  # an isolate
    ({"participant.duf_number": "2019\u200D01234567"}, "participant.duf_number"),
    ({"participant.national_id": "\uFEFF15108695077"}, "participant.national_id"),
    ({"participant.name": "Amal\nHassan"}, "participant.name"),
    ({"goals.short_term": SPOOF}, "goals.short_term"),
    ({"goals.short_term": "Jobb\x1b[31m"}, "goals.short_term"),  # ESC
    ({"goals.long_term": "Jobb\x85"}, "goals.long_term"),  # a C1 control
    ({"background.work": [{"occupation": "Sykepleier\u202D", "country": "SY"}]}, "background.work.0.occupation"),
], ids=["override", "zero-width", "isolate", "duf-joiner", "id-bom", "name-newline", "free-override", "free-esc",
        "free-c1", "occupation"])
def test_names_identifiers_and_free_text_refuse_what_would_mislead(api_client, caseworker, make_case, answers, field):
    api = api_client(caseworker)
    case = make_case(caseworker, AMAL)
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": answers})
    assert r.status_code == 422, r.text
    [error] = [e for e in r.json()["errors"] if e["field"] == field]
    assert "U+" in error["message"] and "Skriv teksten på nytt" in error["message"]
    assert api.get(f"/api/v1/cases/{case.id}").json()["answers"] == AMAL


def test_free_text_keeps_lines_tabs_and_the_joiners_scripts_need(api_client, caseworker, make_case):
    api = api_client(caseworker)
    case = make_case(caseworker, AMAL)
    text = "Første linje\n\tandre linje\r\nمی\u200cخواهم کار کنم"  # Dari needs its zero-width non-joiner
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.long_term": text}})
    assert r.status_code == 200, r.text
    assert r.json()["answers"]["goals.long_term"] == text


def test_the_section_form_shows_the_error_at_the_field_and_keeps_what_was_typed(logged_in, caseworker, make_case,
                                                                               stored):
    c = logged_in(caseworker)
    case = make_case(caseworker, AMAL)
    form = Page(c.get(f"/cases/{case.id}/sections/goals")).form()
    form.update({"_action": ["continue"], "goals.short_term": [SPOOF], "goals.long_term": ["Jobbe som sykepleier"]})
    r = c.post(f"/cases/{case.id}/sections/goals", data=form)
    assert r.status_code == 422
    page = Page(r)
    [message] = page.field_errors("f-goals-short_term")
    assert message == ("Teksten inneholder et usynlig tegn som endrer tekstretningen (U+202E), som ikke kan brukes "
                       "her. Skriv teksten på nytt uten det.")
    assert stored(case.id).answers["goals.long_term"] == "Jobbe som sykepleier"  # the rest is saved
    assert stored(case.id).drafts["goals.short_term"] == SPOOF  # what was typed is kept as a draft ...
    assert page.form()["goals.short_term"] == ["Fakturagnp.exe"]  # ... and shown in the order it was typed


def test_administration_and_referral_forms_refuse_them_too(logged_in, make_user, drammen, world, make_case):
    from tests.referrals.conftest import consent_form, referral_form

    admin = logged_in(make_user("admin", drammen))
    r = admin.post("/admin/users/new", data={"_csrf": admin.csrf, "full_name": "Ola\u202ENordmann",
                                             "username": "ola.override", "role": "caseworker",
                                             "organisation_id": str(drammen.id)})
    assert r.status_code == 422 and "U+202E" in Page(r).field_errors("f-full_name")[0]

    case = make_case(world.caseworker, AMAL)
    web = logged_in(world.caseworker)
    assert web.post(f"/cases/{case.id}/consent", data=consent_form(web)).status_code == 303
    r = web.post(f"/cases/{case.id}/referrals", data=referral_form(web, purpose=SPOOF))
    assert r.status_code == 422 and "U+202E" in Page(r).field_errors("f-purpose")[0]


def test_the_printed_plan_prints_what_was_typed(db, caseworker, logged_in, completed_case, ready_plan):
    import io

    from pypdf import PdfReader

    from intake import plans
    from tests.plans.helpers import fix

    case = completed_case(caseworker)
    web = logged_in(caseworker)
    r = web.post(f"/cases/{case.id}/plan", data={"_csrf": web.csrf})
    assert r.status_code == 303
    r = web.post(f"/cases/{case.id}/plan/elements", data={"_csrf": web.csrf, "title": SPOOF, "responsible": "NAV",
                                                          "start": "01.03.2027"})
    assert r.status_code == 422
    page = Page(r)
    assert "U+202E" in page.field_errors("f-new-title")[0]
    # Kept, shown in the order it was typed (without the override): sent again as it stands, it is taken.
    assert page.form(f"form[action='/cases/{case.id}/plan/elements']")["title"] == ["Fakturagnp.exe"]

    # A title stored before such text was refused is printed in the order it was typed.
    plan = ready_plan(caseworker, case)
    r = web.post(f"/cases/{case.id}/plan/elements", data={"_csrf": web.csrf, "title": "Faktura", "responsible": "NAV",
                                                          "start": "01.03.2027"})
    assert r.status_code == 303
    db.refresh(plan)
    element = next(e for e in plans.elements_of(db, plan) if e.title == "Faktura")
    element.title = SPOOF
    db.add(element)
    db.commit()
    preview = web.get(f"/cases/{case.id}/plan/preview").text
    assert "Fakturagnp.exe" in preview and "\u202e" not in preview.lower()
    version = fix(db, caseworker, case, plan)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(version.pdf)).pages)
    assert "Fakturagnp.exe" in text and "exe.png" not in text
