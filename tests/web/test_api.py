"""The JSON API: create, read and patch a case in the spec's JSON form; errors as {"errors": [{field, message}]};
the OpenAPI document; API tokens from `main.py create-token`."""

from __future__ import annotations

import copy
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.days import main_py_argv
from tests.personas import AHMAD, AMAL, PERSONAS, YONAS

ROOT = Path(__file__).resolve().parents[2]


def create(api, answers):
    r = api.post("/api/v1/cases", json={"answers": copy.deepcopy(answers)})
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id"}
    return r.json()["id"]


def assert_errors(r, *fields):
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"errors"}
    for e in body["errors"]:
        assert set(e) == {"field", "message"} and e["message"]
    found = {e["field"] for e in body["errors"]}
    for f in fields:
        assert f in found, (f, body)
    return body["errors"]


def test_create_and_read_a_case(caseworker, api_client):
    api = api_client(caseworker)
    case_id = create(api, AMAL)
    r = api.get(f"/api/v1/cases/{case_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == case_id
    assert body["answers"] == AMAL
    assert body["status"] == "in_progress"
    assert body["errors"] == []
    assert body["completed_at"] is None


@pytest.mark.parametrize("name, age, goal, limits", [
    ("amal", 34, dict.fromkeys(("listening", "reading", "writing", "oral"), "B2"), (3, 6, 12)),  # a nurse
    ("yonas", 21, dict.fromkeys(("listening", "reading", "writing", "oral"), "B1"), (3, 48, 60)),
    ("ahmad", 28, dict.fromkeys(("listening", "reading", "writing", "oral"), "B1"), (3, 24, 36)),
])
def test_a_persona_created_through_the_api_gets_the_right_derived_values(caseworker, api_client, name, age, goal,
                                                                         limits):
    api = api_client(caseworker)
    persona = PERSONAS[name]
    derived = api.get(f"/api/v1/cases/{create(api, persona)}").json()["derived"]
    assert derived["age_at_permit"] == age
    assert derived["norwegian_goal"] == goal
    d = derived["duration_limits"]
    assert (d["base_min"], d["base_max"], d["max"]) == limits
    assert derived["in_target_group"] is True
    assert derived["has_upper_secondary"] is (name == "amal")
    assert derived["decision_deadline"] == {"amal": "2026-12-15", "yonas": "2026-11-20",
                                            "ahmad": "2027-01-01"}[name]


def test_create_with_no_answers_fills_the_defaults(caseworker, api_client):
    api = api_client(caseworker)
    body = api.get(f"/api/v1/cases/{create(api, {})}").json()
    assert body["answers"]["participant.municipality"] == "3301"


@pytest.mark.parametrize("change, field", [
    ({"participant.national_id": "15108695077"}, "participant.national_id"),
    ({"participant.settlement_date": "2026-06-01"}, "participant.settlement_date"),
    ({"life.children_under_6": 3}, "life.children_under_6"),
    ({"assessment.proposed_duration_months": 18}, "assessment.proposed_duration_months"),
    ({"assessment.proposed_end_goal": "upper_secondary"}, "assessment.proposed_end_goal"),
    ({"norwegian.oral": "B3"}, "norwegian.oral"),
    ({"participant.interpreter_language": "zz"}, "participant.interpreter_language"),
    ({"participant.name": "A" * 10_000}, "participant.name"),
    ({"life.children_under_18": "2"}, "life.children_under_18"),
    ({"participant.interpreter_needed": 1}, "participant.interpreter_needed"),
    ({"participant.unknown": "x"}, "participant.unknown"),
    ({"background.education": [{"level": "bachelor", "country": "XX"}]}, "background.education.0.country"),
], ids=lambda v: next(iter(v)) if isinstance(v, dict) else v)
def test_bad_answers_are_refused_with_an_error_per_field(caseworker, api_client, change, field):
    api = api_client(caseworker)
    r = api.post("/api/v1/cases", json={"answers": {**AMAL, **change}})
    errors = assert_errors(r, field)
    if field == "assessment.proposed_duration_months":
        assert "12 måneder" in next(e["message"] for e in errors if e["field"] == field)
    case_id = create(api, AMAL)
    r = api.patch(f"/api/v1/cases/{case_id}/answers", json={"answers": change})
    assert_errors(r, field)
    assert api.get(f"/api/v1/cases/{case_id}").json()["answers"] == AMAL  # nothing saved


@pytest.mark.parametrize("body", [
    {"answers": [1, 2]}, {"answers": "x"}, {"answers": {}, "extra": 1}, [], "x",
])
def test_malformed_bodies_get_the_same_error_shape(caseworker, api_client, body):
    api = api_client(caseworker)
    assert_errors(api.post("/api/v1/cases", json=body))


def test_patch_merges(caseworker, api_client):
    api = api_client(caseworker)
    case_id = create(api, YONAS)
    r = api.patch(f"/api/v1/cases/{case_id}/answers", json={"answers": {"goals.short_term": "Ny",
                                                                         "life.network": "strong"}})
    assert r.status_code == 200
    answers = r.json()["answers"]
    assert answers == {**YONAS, "goals.short_term": "Ny", "life.network": "strong"}
    assert api.get(f"/api/v1/cases/{case_id}").json()["answers"] == answers


def test_patch_null_removes_and_hidden_answers_go_with_it(caseworker, api_client):
    api = api_client(caseworker)
    case_id = create(api, AMAL)
    r = api.patch(f"/api/v1/cases/{case_id}/answers", json={"answers": {"local.employers": None,
                                                                         "life.children_under_18": 0}})
    assert r.status_code == 200
    answers = r.json()["answers"]
    for gone in ("local.employers", "life.children_under_6", "life.childcare_needed"):
        assert gone not in answers
    assert answers["life.children_under_18"] == 0


def test_patch_changes_derived_values(caseworker, api_client):
    api = api_client(caseworker)
    case_id = create(api, AHMAD)
    edu = [{"level": "upper_secondary_general", "country": "AF", "completed": True}]
    r = api.patch(f"/api/v1/cases/{case_id}/answers", json={"answers": {"background.education": edu,
                                                                         "background.university_admission": True,
                                                                         "assessment.proposed_duration_months": 12}})
    assert r.status_code == 200
    assert r.json()["derived"]["has_upper_secondary"] is True
    assert r.json()["derived"]["norwegian_goal"]["oral"] == "B2"
    # an upper secondary education that does not give general university admission: the Norwegian goal and the
    # right to Norwegian training follow the notion their rule uses, the programme's duration the other
    r = api.patch(f"/api/v1/cases/{case_id}/answers", json={"answers": {"background.university_admission": False}})
    assert r.json()["derived"]["has_university_admission"] is False
    assert r.json()["derived"]["norwegian_goal"]["oral"] == "B1"
    assert r.json()["derived"]["norwegian_training_max_months"] == 36
    assert r.json()["derived"]["duration_limits"]["max"] == 12


def test_patch_replaces_a_draft_from_the_form(caseworker, api_client, logged_in, make_case, stored):
    case = make_case(caseworker, {**AMAL})
    c = logged_in(caseworker)
    c.post(f"/cases/{case.id}/sections/life", data={"_csrf": c.csrf, "life.children_under_18": "to"})
    assert stored(case.id).drafts
    api = api_client(caseworker)
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"life.children_under_18": 3}})
    assert r.status_code == 200
    assert stored(case.id).drafts == {}


def test_a_problem_the_case_already_has_does_not_block_other_changes(caseworker, api_client, logged_in, make_case):
    case = make_case(caseworker, {**AMAL})
    c = logged_in(caseworker)  # the form keeps a settlement date before the permit date, with its error
    c.post(f"/cases/{case.id}/sections/participant",
           data={"_csrf": c.csrf, "participant.settlement_date": "2026-06-01"})
    api = api_client(caseworker)
    assert [e["field"] for e in api.get(f"/api/v1/cases/{case.id}").json()["errors"]] == \
        ["participant.settlement_date"]
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Ok"}})
    assert r.status_code == 200
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"participant.settlement_date": "2026-09-15"}})
    assert r.status_code == 200 and r.json()["errors"] == []
    # a change that makes a check fail, even on a field it does not name, is refused
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"participant.permit_date": "2026-09-16"}})
    assert_errors(r, "participant.settlement_date")
    assert api.get(f"/api/v1/cases/{case.id}").json()["answers"]["participant.permit_date"] == "2026-06-02"


def test_get_and_patch_an_unknown_case_is_404(caseworker, api_client):
    api = api_client(caseworker)
    assert api.get("/api/v1/cases/987654321").status_code == 404
    assert api.patch("/api/v1/cases/987654321/answers", json={"answers": {}}).status_code == 404


def test_the_api_is_documented(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert set(paths) >= {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/answers"}
    assert all(p.startswith("/api/") for p in paths)  # the HTML pages are not part of the API
    assert "post" in paths["/api/v1/cases"] and "patch" in paths["/api/v1/cases/{case_id}/answers"]
    assert "422" in paths["/api/v1/cases/{case_id}/answers"]["patch"]["responses"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text


def test_the_api_docs_page_works_under_the_content_security_policy(client):
    docs = client.get("/api/docs")
    csp = docs.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", docs.text, re.S)
    for attrs, body in scripts:
        src = re.search(r'src="([^"]+)"', attrs)
        assert src and src[1].startswith("/"), f"script not from this site: {attrs} {body[:60]}"
    assert "script-src 'self'" in csp


def test_the_session_cookie_works_for_reading(caseworker, logged_in, make_case):
    case = make_case(caseworker, {**AMAL})
    assert logged_in(caseworker).get(f"/api/v1/cases/{case.id}").json()["answers"] == AMAL


def main_py(*args, env):
    return subprocess.run(main_py_argv(*args), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_create_token_prints_a_working_token_as_its_last_line(caseworker, database_url, app):
    from fastapi.testclient import TestClient
    env = {**os.environ, "DATABASE_URL": database_url, "KARTLEGGING_DEMO": "1"}
    done = main_py("create-token", caseworker.username, "--name", "test", env=env)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        r = api.post("/api/v1/cases", json={"answers": {"participant.name": "Via token"}})
        assert r.status_code == 201
        assert api.get(f"/api/v1/cases/{r.json()['id']}").json()["answers"]["participant.name"] == "Via token"
    again = main_py("create-token", caseworker.username, "--name", "test", env=env).stdout.strip().splitlines()[-1]
    assert again != token


def test_create_token_for_an_unknown_user_fails_clearly(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "KARTLEGGING_DEMO": "1"}
    done = main_py("create-token", "ingen-slik-bruker", "--name", "test", env=env)
    assert done.returncode == 1
    assert "ingen-slik-bruker" in done.stderr and done.stdout == ""


def test_an_id_beyond_the_databases_integer_range_is_not_found(caseworker, api_client, logged_in):
    # PostgreSQL refuses such an id outright (SQLite finds nothing): either way the answer is 404, never a 500.
    huge = 10**15
    assert api_client(caseworker).get(f"/api/v1/cases/{huge}").status_code == 404
    assert logged_in(caseworker).get(f"/cases/{huge}").status_code == 404


def test_a_patch_is_a_change_to_each_section_it_touches(caseworker, api_client, logged_in, make_case, stored):
    # A section form opened before the PATCH gets the two-versions conflict, instead of saving over it.
    from tests.web.pages import Page, fill

    case = make_case(caseworker, AMAL)
    web = logged_in(caseworker)
    goals = Page(web.get(f"/cases/{case.id}/sections/goals"))
    life = Page(web.get(f"/cases/{case.id}/sections/life"))
    r = api_client(caseworker).patch(f"/api/v1/cases/{case.id}/answers",
                                     json={"answers": {"goals.short_term": "Fra API-et", "life.network": "strong"}})
    assert r.status_code == 200
    r = web.post(f"/cases/{case.id}/sections/goals", data=fill(goals, {"goals.short_term": ["Fra skjemaet"]}))
    assert r.status_code == 409
    conflict = Page(r).text("#conflict")
    assert "Fra API-et" in conflict and "Fra skjemaet" in conflict
    assert stored(case.id).answers["goals.short_term"] == "Fra API-et"  # nothing overwritten
    r = web.post(f"/cases/{case.id}/sections/life", data=fill(life, {}))  # the form as it was loaded
    assert r.status_code == 409 and stored(case.id).answers["life.network"] == "strong"
    # A section the PATCH did not touch saves as before.
    background = Page(web.get(f"/cases/{case.id}/sections/background"))
    api_client(caseworker).patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.long_term": "Lege"}})
    assert web.post(f"/cases/{case.id}/sections/background", data=fill(background, {})).status_code == 200


def test_a_read_gives_the_version_and_a_stale_if_match_saves_nothing(caseworker, api_client, make_case):
    case = make_case(caseworker, AMAL)
    one, two = api_client(caseworker), api_client(caseworker)
    read = one.get(f"/api/v1/cases/{case.id}")
    version = read.json()["version"]
    assert read.headers["etag"] == f'"{version}"' == two.get(f"/api/v1/cases/{case.id}").headers["etag"]
    r = one.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Fra én"}},
                  headers={"If-Match": f'"{version}"'})
    assert r.status_code == 200 and r.json()["version"] == version + 1
    assert r.headers["etag"] == f'"{version + 1}"'
    r = two.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Fra to"}},
                  headers={"If-Match": f'"{version}"'})
    assert r.status_code == 412
    body = r.json()
    assert body["version"] == version + 1 and body["base_version"] == version and body["detail"]
    assert body["conflicts"] == [{"field": "goals.short_term", "stored": "Fra én", "sent": "Fra to"}]
    assert r.headers["etag"] == f'"{version + 1}"'
    assert one.get(f"/api/v1/cases/{case.id}").json()["answers"]["goals.short_term"] == "Fra én"  # nothing lost
    # With the version now, it goes through.
    r = two.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Fra to"}},
                  headers={"If-Match": r.headers["etag"]})
    assert r.status_code == 200 and r.json()["answers"]["goals.short_term"] == "Fra to"


@pytest.mark.parametrize("if_match", ['W/"1"', "1", '"x"', ""])
def test_an_if_match_that_names_no_version_is_stale(caseworker, api_client, make_case, if_match):
    case = make_case(caseworker, AMAL)
    api = api_client(caseworker)
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Ny"}},
                  headers={"If-Match": if_match})
    assert r.status_code == 412 and r.json()["base_version"] is None
    assert api.get(f"/api/v1/cases/{case.id}").json()["answers"] == AMAL
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Ny"}},
                  headers={"If-Match": "*"})
    assert r.status_code == 200


def test_a_stale_base_version_answers_409_with_both_values_and_none_merges_as_before(caseworker, api_client,
                                                                                      make_case):
    case = make_case(caseworker, AMAL)
    api = api_client(caseworker)
    version = api.get(f"/api/v1/cases/{case.id}").json()["version"]
    assert api.patch(f"/api/v1/cases/{case.id}/answers",
                     json={"answers": {"goals.short_term": "Først"}, "base_version": version}).status_code == 200
    r = api.patch(f"/api/v1/cases/{case.id}/answers",
                  json={"answers": {"goals.short_term": "Sist", "life.network": None}, "base_version": version})
    assert r.status_code == 409
    assert r.json()["conflicts"] == [{"field": "goals.short_term", "stored": "Først", "sent": "Sist"},
                                     {"field": "life.network", "stored": AMAL.get("life.network"), "sent": None}]
    # Without a version: merged into the case as it is now, the later PATCH winning (documented).
    r = api.patch(f"/api/v1/cases/{case.id}/answers", json={"answers": {"goals.short_term": "Sist"}})
    assert r.status_code == 200 and r.json()["answers"]["goals.short_term"] == "Sist"


def test_a_whole_number_sent_as_19_0_is_stored_as_19(caseworker, api_client):
    # JSON (and the API document's "integer") do not tell 19.0 from 19; a client's JSON library may send either.
    api = api_client(caseworker)
    created = api.post("/api/v1/cases", json={"answers": {**AMAL, "background.years_of_schooling": 12.0}})
    assert created.status_code == 201, created.text
    case = api.get(f"/api/v1/cases/{created.json()['id']}").json()
    assert case["answers"]["background.years_of_schooling"] == 12
    assert isinstance(case["answers"]["background.years_of_schooling"], int)
    half = api.patch(f"/api/v1/cases/{case['id']}/answers", json={"answers": {"background.years_of_schooling": 12.5}})
    assert half.status_code == 422
    assert half.json()["errors"][0]["field"] == "background.years_of_schooling"


def test_the_api_document_says_how_to_authenticate_and_what_each_answer_may_be(client, caseworker, api_client):
    doc = client.get("/api/openapi.json").json()
    summaries = [op["summary"] for operations in doc["paths"].values() for op in operations.values()]
    assert "Create a case" in summaries and not [s for s in summaries if s.startswith("Api ")]
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert {"bearerToken": []} in operation["security"], where
            assert {"401", "403"} <= set(operation["responses"]), where
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(operation["responses"]), where
    answers = doc["components"]["schemas"]["AnswersIn"]["properties"]["answers"]
    assert answers["additionalProperties"] is False
    schooling = answers["properties"]["background.years_of_schooling"]["anyOf"][0]
    assert schooling == {"type": "integer", "minimum": 0, "maximum": 30}
    assert "resettlement_refugee" in answers["properties"]["participant.residence_basis"]["anyOf"][0]["enum"]
    example = answers["examples"][0]
    # "Try it out" with the example and a token creates a case
    assert api_client(caseworker).post("/api/v1/cases", json={"answers": example}).status_code == 201
    name = answers["properties"]["participant.name"]["anyOf"][0]
    assert re.fullmatch(name["pattern"], "Amal Hassan") and not re.fullmatch(name["pattern"], "Amal\u202eHassan")
