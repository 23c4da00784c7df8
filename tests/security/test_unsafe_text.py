"""Text that could break or mislead what is shown: a lone surrogate (JSON's "\\ud800", which UTF-8 cannot hold) is
refused at its field, and one stored before that never makes a page, an API answer or a PDF fail."""

from __future__ import annotations

import json

from sqlalchemy import update

from tests.days import days_from_today
from tests.personas import AMAL
from tests.referrals.conftest import ORDINARY, world  # noqa: F401  (a municipality and its career centre)
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
