"""A rule file with a mistake is refused, with a message naming the file, the rule and the problem."""

import copy

import pytest
import yaml

from intake.domain.questionnaire import default_questionnaire
from intake.domain.rules import DEFAULT_PATH, RuleError, load_rules


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path, data):
    path = tmp_path / "recommendations.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refused(tmp_path, data, *fragments):
    path = write(tmp_path, data)
    with pytest.raises(RuleError) as info:
        load_rules(default_questionnaire(), path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def rule_changed(raw, which, **changes):
    data = copy.deepcopy(raw)
    rule = next(r for r in data["rules"] if r["code"] == which)
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    return data


def test_the_real_file_loads(tmp_path, raw):
    rules = load_rules(default_questionnaire(), write(tmp_path, raw))
    assert len(rules.rules) == 24


@pytest.mark.parametrize("code, changes, problem", [
    ("ELECTRONIC-ID", {"when": {"field": "digital.electronic_idd", "eq": "none"}},
     "unknown question or derived value 'digital.electronic_idd'"),
    ("DIGITAL-SKILLS", {"when": {"field": "digital.skill_level", "in": ["none", "beginner"]}},
     "'beginner' is not a code of this question"),
    ("PARENTING", {"when": {"field": "life.children_under_18", "ge": "one"}}, "compares a number with 'one'"),
    ("CHILDCARE", {"when": {"field": "life.childcare_needed", "eq": "yes"}}, "compares a yes/no answer with 'yes'"),
    ("LITERACY", {"when": {"field": "background.literacy", "lt": "functional"}},
     "needs a number, a date or an ordered choice"),
    ("NOR-TRAINING", {"when": {"field": "norwegian.oral", "lt": {"ref": "derived.age_at_permit"}}},
     "compares cefr with int"),
    ("LIFE-SKILLS", {"when": {"field": "derived.in_target_groop", "eq": True}},
     "unknown question or derived value 'derived.in_target_groop'"),
    ("NOR-B2", {"when": {"lookup": "regulated_professions", "key": "recognition.regulated_profession",
                         "column": "norwegian_level", "eq": "B2"}}, "has no column 'norwegian_level'"),
    ("VOC-RECOGNITION", {"when": {"some": "background.education",
                                  "where": {"lookup": "scheme_countries", "key": "item.country", "exists": True}}},
     "unknown reference table 'scheme_countries'"),
    ("JOB-SEEKING", {"when": {"sum": "background.work", "of": "occupation", "ge": 2}},
     "'sum' needs 'of' naming a number field"),
    ("SOCIAL-STUDIES", {"when": {"feild": "norwegian.social_studies_completed", "eq": False}},
     "unknown condition form"),
    ("DOCUMENTS", {"title": None}, "missing 'title'"),
    ("DOCUMENTS", {"source": None}, "missing 'source'"),
    ("DOCUMENTS", {"source": "  "}, "'source' must be non-empty text"),
    ("DOCUMENTS", {"explanation": None}, "missing 'explanation'"),
    ("DOCUMENTS", {"when": None}, "missing 'when'"),
    ("DOCUMENTS", {"title": {"nb": "Dokumenter", "en": "Documents"}}, "'title' needs non-empty text in exactly nb, nn, en"),
    ("DOCUMENTS", {"responsible": None}, "missing 'responsible'"),
    ("DOCUMENTS", {"whne": {"field": "recognition.documents", "eq": "none"}}, "unknown keys whne"),
    ("HEALTH-FOLLOWUP", {"sensitive": "yes"}, "'sensitive' must be true or false"),
    ("LIFE-SKILLS", {"required_content": "ja"}, "'required_content' must be true or false"),
    ("CAREER-GUIDANCE", {"due": "derived.in_target_group"}, "'due' must name a date"),
    ("AUTHORISATION", {"responsible_from": {"table": "regulated_professions", "key": "recognition.regulated_profession",
                                            "column": "authorty"}}, "table 'regulated_professions' has no column 'authorty'"),
    ("AUTHORISATION", {"responsible_from": {"table": "professions", "key": "recognition.regulated_profession",
                                            "column": "authority"}}, "unknown reference table 'professions'"),
    ("AUTHORISATION", {"responsible_from": {"table": "regulated_professions", "key": "recognition.profession",
                                            "column": "authority"}}, "unknown question 'recognition.profession'"),
    # mistakes that would load and then never match
    ("AUTHORISATION", {"responsible_from": {"table": "regulated_professions", "key": "digital.skill_level",
                                            "column": "authority"}},
     "no code of 'digital.skill_level' is a key of table 'regulated_professions'"),
    ("NOR-B2", {"when": {"lookup": "regulated_professions", "key": "recognition.regulated_profession",
                         "column": "norwegian_requirement", "eq": "B3"}},
     "'B3' is not in column 'norwegian_requirement' of 'regulated_professions'"),
    ("HE-RECOGNITION", {"when": {"some": "background.education", "where": {"field": "item.country", "ne": "XX"}}},
     "'XX' is not a country code"),
    ("VOC-RECOGNITION", {"when": {"some": "background.education", "where": {
        "lookup": "regulated_professions", "key": "item.country", "exists": True}}},
     "is a country, but table 'regulated_professions' is not keyed by country codes"),
    ("WORK-PRACTICE", {"when": {"field": "derived.end_goal", "eq": {"ref": "digital.skill_level"}}},
     "have no code in common"),
    ("DIGITAL-SKILLS", {"when": {"field": "digital.devices", "eq": "smartphone"}}, "compare it with 'contains'"),
])
def test_a_mistake_in_a_rule_is_named(tmp_path, raw, code, changes, problem):
    refused(tmp_path, rule_changed(raw, code, **changes), f"rule '{code}'", problem)


def test_a_code_outside_the_catalogue_is_refused(tmp_path, raw):
    data = rule_changed(raw, "DOCUMENTS", code="DOCUMENT-HELP")
    refused(tmp_path, data, "rule 'DOCUMENT-HELP'", "unknown recommendation code 'DOCUMENT-HELP'")


def test_a_badly_formed_code_is_refused(tmp_path, raw):
    refused(tmp_path, rule_changed(raw, "DOCUMENTS", code="documents"), "rule 'documents'", "upper-case code")


def test_a_duplicate_code_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    refused(tmp_path, data, "rule 'NOR-TRAINING'", "duplicate code")


def test_a_catalogue_code_without_a_rule_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["rules"] = [r for r in data["rules"] if r["code"] != "CHILDCARE"]
    refused(tmp_path, data, "no rule for catalogue code CHILDCARE")


def test_a_derived_value_without_a_label_is_refused(tmp_path, raw):
    data = copy.deepcopy(raw)
    del data["evidence_labels"]["derived.norwegian_goal.oral"]
    refused(tmp_path, data, "rule 'NOR-TRAINING'", "no entry in evidence_labels for derived.norwegian_goal.oral")


@pytest.mark.parametrize("name, entry, problem", [
    ("derived.nonsense", {"label": {"nb": "x", "nn": "x", "en": "x"}}, "unknown derived value"),
    ("regulated_professions.colour", {"label": {"nb": "x", "nn": "x", "en": "x"}}, "neither a derived value"),
    ("derived.end_goal", {"label": {"nb": "Sluttmål", "nn": "Sluttmål", "en": "End goal"},
                          "codes_from": "goals.long_term"}, "is not a choice question"),
    ("derived.end_goal", {"label": {"nb": "Sluttmål"}}, "needs non-empty text in exactly nb, nn, en"),
    ("derived.end_goal", {"label": {"nb": "a", "nn": "a", "en": "a"}, "colour": "red"}, "nothing else"),
    ("derived.end_goal", {"label": {"nb": "a", "nn": "a", "en": "a"}, "shown_as_first_of": ["goals.end_goal_wsh"]},
     "'shown_as_first_of' must be a non-empty list of question ids"),
    ("derived.in_target_group", {"label": {"nb": "a", "nn": "a", "en": "a"}, "explained_by": "participant.birth_date"},
     "'explained_by' must be a non-empty list of question ids"),
])
def test_a_mistake_in_evidence_labels_is_named(tmp_path, raw, name, entry, problem):
    data = copy.deepcopy(raw)
    data["evidence_labels"][name] = entry
    refused(tmp_path, data, f"evidence_labels '{name}'", problem)


@pytest.mark.parametrize("change, problem", [
    ({"rulez": []}, "unknown top-level keys rulez"),
    ({"source": None}, "needs a 'source'"),
    ({"catalogue": None}, "'catalogue' must be a non-empty list"),
    ({"catalogue": ["NOR-TRAINING", "NOR-TRAINING"]}, "lists a code twice: NOR-TRAINING"),
    ({"rules": []}, "'rules' must be a non-empty list"),
])
def test_a_mistake_at_the_top_is_named(tmp_path, raw, change, problem):
    data = copy.deepcopy(raw)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    refused(tmp_path, data, problem)


def test_the_version_follows_the_reference_tables(tmp_path, raw, monkeypatch):
    # A country added to the recognition scheme changes proposals, so it changes the version kept with each plan.
    import shutil

    from intake.domain import reference, rules as rules_mod

    path = write(tmp_path, raw)
    before = load_rules(default_questionnaire(), path).version
    copy_dir = tmp_path / "reference"
    shutil.copytree(reference.REFERENCE_DIR, copy_dir)
    with (copy_dir / "vocational_recognition_countries.csv").open("a", encoding="utf-8") as f:
        f.write("UA,Ukraine\n")
    monkeypatch.setattr(rules_mod, "REFERENCE_DIR", copy_dir)
    assert load_rules(default_questionnaire(), path).version != before


def test_a_broken_rule_file_stops_the_app_from_starting(tmp_path, raw, monkeypatch):
    from intake.app import create_app
    from intake.domain import rules as rules_mod

    path = write(tmp_path, rule_changed(raw, "NOR-TEST", when={"field": "norwegian.orall", "ge": "A2"}))
    monkeypatch.setattr(rules_mod, "DEFAULT_PATH", path)
    rules_mod.default_ruleset.cache_clear()
    try:
        with pytest.raises(RuleError, match=r"rule 'NOR-TEST'.*norwegian\.orall"):
            create_app()
    finally:
        rules_mod.default_ruleset.cache_clear()


def test_invalid_yaml_and_a_missing_file(tmp_path):
    path = tmp_path / "recommendations.yaml"
    path.write_text("rules: [\n  - code: X\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules(default_questionnaire(), path)
    with pytest.raises(RuleError, match="cannot be read"):
        load_rules(default_questionnaire(), tmp_path / "nope.yaml")


def test_a_rule_that_is_not_a_mapping(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["rules"].insert(3, "SOCIAL-STUDIES")
    refused(tmp_path, data, "rule '#4'", "a rule must be a mapping")
