"""POST /api/v1/evaluate: proposals with their reasons, derived values and the rule set's version, for any answers."""

from __future__ import annotations

import copy

import pytest

from intake.domain.rules import default_ruleset
from tests.personas import MAPPING_DATE, PERSONAS
from tests.web.test_api import assert_errors

SKILLS = ("listening", "reading", "writing", "oral")

# From the personas of the domain spec: what must and must not be proposed, the Norwegian goal, the duration limits.
EXPECTED = {
    "amal": (["NOR-TRAINING", "NOR-TEST", "SOCIAL-STUDIES", "LIFE-SKILLS", "PARENTING", "CAREER-GUIDANCE",
              "HE-RECOGNITION", "AUTHORISATION", "NOR-B2", "CHILDCARE", "ELECTRONIC-ID"],
             ["UPPER-SECONDARY", "PRIMARY-ADULTS", "LITERACY", "DIGITAL-SKILLS", "PRIOR-LEARNING"],
             dict.fromkeys(SKILLS, "B2"), (3, 6, 12)),  # a nurse: B2 in all four
    "yonas": (["NOR-TRAINING", "SOCIAL-STUDIES", "LIFE-SKILLS", "CAREER-GUIDANCE", "UPPER-SECONDARY", "LITERACY",
               "DIGITAL-SKILLS", "ELECTRONIC-ID"],
              ["NOR-TEST", "PARENTING", "HE-RECOGNITION", "PRIMARY-ADULTS", "CHILDCARE"],
              dict.fromkeys(SKILLS, "B1"), (3, 48, 60)),  # after Prop. 81 L (unconfirmed date)
    "ahmad": (["NOR-TRAINING", "SOCIAL-STUDIES", "LIFE-SKILLS", "PARENTING", "CAREER-GUIDANCE", "PRIOR-LEARNING",
               "AUTHORISATION", "WORK-PRACTICE", "CHILDCARE", "DRIVING-LICENCE", "DIGITAL-SKILLS", "ELECTRONIC-ID"],
              ["HE-RECOGNITION", "VOC-RECOGNITION", "UPPER-SECONDARY", "PRIMARY-ADULTS", "NOR-B2"],
              dict.fromkeys(SKILLS, "B1"), (3, 24, 36)),
}


# The evaluation runs on the personas' mapping date: the API evaluates with the parameters in force "today".
pytestmark = pytest.mark.today(MAPPING_DATE)


@pytest.fixture
def api(caseworker, api_client):
    """An API client for a caseworker."""
    return api_client(caseworker)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_persona_gets_the_expected_proposals_with_their_reasons(api, name):
    expected, not_expected, goal, (base_min, base_max, maximum) = EXPECTED[name]
    r = api.post("/api/v1/evaluate", json={"answers": PERSONAS[name]})
    assert r.status_code == 200, r.text
    body = r.json()
    codes = [p["code"] for p in body["recommendations"]]
    assert set(expected) <= set(codes)
    assert not set(not_expected) & set(codes)
    for p in body["recommendations"]:
        assert {"code", "title", "responsible", "because", "source"} <= set(p)
        assert p["title"] and p["responsible"] and p["source"] and p["because"]
        assert all({"question", "value", "label"} <= set(b) for b in p["because"])
    derived = body["derived"]
    assert derived["in_target_group"] is True
    assert derived["norwegian_goal"] == goal
    assert (derived["duration_limits"]["base_min"], derived["duration_limits"]["base_max"],
            derived["duration_limits"]["max"]) == (base_min, base_max, maximum)
    assert derived["decision_deadline"]
    assert body["ruleset"] == default_ruleset().version


def test_authorisation_names_the_authority_and_why(api):
    body = api.post("/api/v1/evaluate", json={"answers": PERSONAS["amal"]}).json()
    authorisation = next(p for p in body["recommendations"] if p["code"] == "AUTHORISATION")
    assert authorisation["responsible"] == "Helsedirektoratet"
    assert {"question": "recognition.regulated_profession", "value": "nurse"}.items() <= \
        authorisation["because"][0].items()


def test_career_guidance_is_due_before_the_programme_decision(api):
    body = api.post("/api/v1/evaluate", json={"answers": PERSONAS["amal"]}).json()
    guidance = next(p for p in body["recommendations"] if p["code"] == "CAREER-GUIDANCE")
    assert guidance["due"] == body["derived"]["decision_deadline"] == "2026-12-15"
    assert next(p for p in body["recommendations"] if p["code"] == "CHILDCARE")["due"] is None


def test_partial_answers_give_what_can_be_known_and_null_for_the_rest(api):
    r = api.post("/api/v1/evaluate", json={"answers": {"life.children_under_18": 2}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["code"] for p in body["recommendations"]] == ["PARENTING"]
    derived = body["derived"]
    for name in ("in_target_group", "norwegian_goal", "duration_limits", "decision_deadline"):
        assert derived[name] is None, name
    empty = api.post("/api/v1/evaluate", json={"answers": {}})
    assert empty.status_code == 200 and empty.json()["recommendations"] == []


def test_invalid_answers_are_refused_with_an_error_per_field(api):
    answers = copy.deepcopy(PERSONAS["amal"]) | {"norwegian.oral": "B3", "life.children_under_6": 3}
    assert_errors(api.post("/api/v1/evaluate", json={"answers": answers}), "norwegian.oral", "life.children_under_6")
    too_long = copy.deepcopy(PERSONAS["amal"]) | {"assessment.proposed_duration_months": 18}
    errors = assert_errors(api.post("/api/v1/evaluate", json={"answers": too_long}),
                           "assessment.proposed_duration_months")
    assert "12" in errors[0]["message"]
    assert_errors(api.post("/api/v1/evaluate", json={"answers": {"no.such": 1}}), "no.such")
    assert_errors(api.post("/api/v1/evaluate", json={"answers": {}, "extra": 1}))
    assert_errors(api.post("/api/v1/evaluate", json={"answers": []}))


def test_evaluate_needs_a_login(client):
    r = client.post("/api/v1/evaluate", json={"answers": {}})
    assert r.status_code == 401
