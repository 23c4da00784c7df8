"""The answer validator and the form reader: types, ranges, cross-field checks, the personas' bad inputs,
answers to hidden questions dropped (also when hiding chains), and reading a section's form post."""

from __future__ import annotations

import copy

import pytest

from intake.domain.answers import parse_section_form, validate
from intake.domain.programme import load_programme
from intake.domain.questionnaire import default_questionnaire
from tests.personas import AHMAD, AMAL, MAPPING_DATE, PERSONAS, YONAS

Q = default_questionnaire()
PROGRAMME = load_programme().on(MAPPING_DATE)


def run(answers, *, require=(), allow_synthetic=True):
    return validate(Q, answers, programme=PROGRAMME, today=MAPPING_DATE, allow_synthetic=allow_synthetic,
                    require=[Q.section(s) for s in require])


def with_(persona, **changes):
    answers = copy.deepcopy(persona)
    for key, value in changes.items():
        key = key.replace("__", ".", 1)
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def fields(result):
    return {e.field for e in result.errors}


def message(result, field):
    found = [e.message for e in result.errors if e.field == field]
    assert found, f"no error on {field}: {result.errors}"
    return found[0]


# --- the personas are valid and complete -------------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_each_persona_is_valid_and_complete(name):
    result = run(PERSONAS[name], require=[s.id for s in Q.sections])
    assert result.errors == []
    assert result.answers == PERSONAS[name]  # nothing of theirs is hidden or dropped


# --- the bad inputs of personas.md -------------------------------------------------------------------------------


def test_national_id_with_wrong_check_digit():
    result = run(with_(AMAL, participant__national_id="15108695077"))
    assert fields(result) == {"participant.national_id"}
    assert "participant.name" in result.answers


def test_synthetic_national_id_only_in_demo_and_test_mode():
    assert run(AMAL).errors == []
    result = run(AMAL, allow_synthetic=False)
    assert fields(result) == {"participant.national_id"}


def test_national_id_and_birth_date_must_agree():
    result = run(with_(AMAL, participant__birth_date="1992-03-15"))
    assert "14.03.1992" in message(result, "participant.birth_date")


def test_settlement_before_permit():
    result = run(with_(AMAL, participant__settlement_date="2026-06-01"))
    assert fields(result) == {"participant.settlement_date"}
    assert "før" in message(result, "participant.settlement_date")
    # the value is kept: it is what was typed, and it may be the permit date that is wrong
    assert result.answers["participant.settlement_date"] == "2026-06-01"


def test_more_children_under_6_than_under_18():
    result = run(with_(AMAL, life__children_under_6=3))
    assert fields(result) == {"life.children_under_6"}


def test_duration_above_the_limit_names_the_limit():
    result = run(with_(AMAL, assessment__proposed_duration_months=18))
    assert fields(result) == {"assessment.proposed_duration_months"}
    text = message(result, "assessment.proposed_duration_months")
    assert "12 måneder" in text and "18" in text


def test_duration_within_limits_for_yonas_is_fine_but_not_for_amal():
    # mapped after Prop. 81 L (rules/programme.yaml), his end goal upper secondary: up to 60 months with the extension
    # (before, the questionnaire's own range of 48 refused what the rule in force allows)
    assert run(with_(YONAS, assessment__proposed_duration_months=60)).errors == []
    assert fields(run(with_(YONAS, assessment__proposed_duration_months=61))) == {"assessment.proposed_duration_months"}
    assert fields(run(with_(AMAL, assessment__proposed_duration_months=2))) == {"assessment.proposed_duration_months"}


def test_end_goal_upper_secondary_is_not_allowed_for_amal():
    result = run(with_(AMAL, assessment__proposed_end_goal="upper_secondary"))
    assert "assessment.proposed_end_goal" in fields(result)
    assert "ikke et tillatt sluttmål" in message(result, "assessment.proposed_end_goal")


@pytest.mark.parametrize("field, value", [
    ("norwegian.oral", "B3"),
    ("participant.interpreter_language", "xx"),
    ("participant.name", "A" * 10_000),
    ("participant.birth_date", "1992-02-30"),
    ("participant.birth_date", "14.03.1992"),
    ("life.children_under_18", 21),
    ("life.children_under_18", -1),
    ("life.children_under_18", "2"),
    ("life.children_under_18", True),
    ("life.children_under_18", 2.5),
    ("participant.interpreter_needed", "yes"),
    ("participant.residence_basis", "asylum"),
    ("digital.devices", ["smartphone", "laptop"]),
    ("digital.devices", "smartphone"),
    ("participant.municipality", "9999"),
    ("participant.languages", {"language": "ar"}),
    ("goals.short_term", "x\x00y"),
], ids=lambda v: str(v)[:30])
def test_bad_values_are_errors_at_the_field_not_crashes(field, value):
    result = run(with_(AMAL, **{field.replace(".", "__", 1): value}))
    assert field in fields(result)
    assert field not in result.answers
    assert all(e.message and e.message[0].isupper() for e in result.errors)
    assert result.answers["participant.name" if field != "participant.name" else "goals.short_term"]


def test_unknown_country_in_a_repeat_row_names_the_row_and_field():
    education = copy.deepcopy(AMAL["background.education"]) + [{"level": "master", "country": "QQ", "completed": False}]
    result = run(with_(AMAL, background__education=education))
    assert "background.education.1.country" in fields(result)
    assert message(result, "background.education.1.country") == "Velg et land fra listen."


def test_an_unknown_question_or_repeat_field_is_reported():
    result = run({**AMAL, "participant.shoe_size": 42})
    assert fields(result) == {"participant.shoe_size"}
    result = run(with_(AMAL, background__work=[{"occupation": "Sykepleier", "salary": 1}]))
    assert "background.work.0.salary" in fields(result)


def test_years_of_work_may_be_a_decimal_within_range():
    assert run(with_(AMAL, background__work=[{"occupation": "Sykepleier", "years": 2.5}])).errors == []
    result = run(with_(AMAL, background__work=[{"occupation": "Sykepleier", "years": 61}]))
    assert "background.work.0.years" in fields(result)


def test_none_device_cannot_be_chosen_with_others():
    result = run(with_(AMAL, digital__devices=["none", "smartphone"]))
    assert fields(result) == {"digital.devices"}


def test_the_duf_number_is_needed_when_answers_are_required_and_the_national_id_when_the_participant_has_one():
    # The plan prints the DUF number: completing the mapping asks for it, not only for one of the two numbers.
    answers = with_(AMAL, participant__national_id=None, participant__duf_number=None)
    assert "participant.duf_number" in fields(run(answers, require=["participant"]))
    assert "participant.duf_number" in fields(run(with_(AMAL, participant__duf_number=None), require=["participant"]))
    assert run(answers).errors == []  # a mapping under way is not wrong for lacking them yet
    no_number = with_(AMAL, participant__national_id=None, participant__has_national_id=False)
    assert run(no_number, require=["participant"]).errors == []
    assert fields(run(with_(AMAL, participant__national_id=None), require=["participant"])) == {
        "participant.national_id"}  # "Ja" asks for the number
    assert run({}).errors == []


def test_a_national_id_given_without_the_question_before_it_means_the_participant_has_one():
    # A case stored before the question was asked, or an API client sending the number alone, keeps its number.
    answers = with_(AMAL, participant__has_national_id=None)
    result = run(answers, require=["participant"])
    assert result.errors == []
    assert result.answers["participant.national_id"] == AMAL["participant.national_id"]
    assert result.answers["participant.has_national_id"] is True
    # "Nei" hides the number, and it is not kept
    assert "participant.national_id" not in run(with_(AMAL, participant__has_national_id=False)).answers


def test_required_fields_of_rows_in_an_optional_group():
    answers = with_(AMAL, background__education=[{"field": "Sykepleie", "country": "SY"}])
    result = run(answers, require=["background"])
    assert {"background.education.0.level", "background.education.0.completed"} <= fields(result)
    assert "background.education.0.level" not in fields(run(answers))


def test_test_date_cannot_be_in_the_future():
    answers = with_(AMAL, norwegian__documented="norskproven", norwegian__test_date="2026-11-02")
    assert fields(run(answers)) == {"norwegian.test_date"}


# --- required answers --------------------------------------------------------------------------------------------


def test_required_answers_are_required_only_when_asked():
    result = run({}, require=["participant"])
    required = {q.id for q in Q.section("participant").questions if q.required and q.show_if is None}
    assert required <= fields(result)
    assert "participant.interpreter_language" not in fields(result)  # hidden: not asked, not required
    result = run({"participant.interpreter_needed": True}, require=["participant"])
    assert "participant.interpreter_language" in fields(result)


def test_a_repeat_needs_its_rows_and_their_required_fields():
    result = run(with_(AMAL, participant__languages=[]), require=["participant"])
    assert message(result, "participant.languages").startswith("Legg til minst 1")
    result = run(with_(AMAL, participant__languages=[{"language": "ar"}]), require=["participant"])
    assert fields(result) == {"participant.languages.0.level"}


# --- answers to hidden questions are dropped ---------------------------------------------------------------------


def test_answer_to_a_hidden_question_is_dropped():
    result = run(with_(AMAL, participant__interpreter_needed=False))
    assert "participant.interpreter_language" not in result.answers
    assert result.errors == []


def test_hiding_chains():
    # no children under 18 hides "children under 6", which hides "childcare needed"
    result = run(with_(AMAL, life__children_under_18=0))
    assert "life.children_under_6" not in result.answers
    assert "life.childcare_needed" not in result.answers
    assert result.errors == []


def test_hiding_chains_through_a_repeat():
    # no tertiary education: "wants to use education" goes, and with it status and documents;
    # the regulated profession stays while there is work experience
    result = run(with_(AMAL, background__education=[{"level": "primary", "completed": True}]))
    for gone in ("recognition.wants_to_use_education", "recognition.status", "recognition.documents"):
        assert gone not in result.answers
    assert result.answers["recognition.regulated_profession"] == "nurse"
    result = run(with_(AMAL, background__education=None, background__work=None))
    assert not any(k in result.answers for k in ("recognition.regulated_profession", "recognition.status"))


def test_an_answer_to_a_shown_question_is_kept_even_when_its_parent_is_unanswered_later_in_order():
    answers = {"life.children_under_18": 2, "life.children_under_6": 1, "life.childcare_needed": False}
    assert run(answers).answers == answers


# --- derived values -------------------------------------------------------------------------------------------------


def test_derived_values_for_the_personas():
    amal, yonas, ahmad = run(AMAL).derived, run(YONAS).derived, run(AHMAD).derived
    assert amal["age_at_permit"] == 34 and amal["in_target_group"] is True
    assert amal["decision_deadline"] == "2026-12-15"
    assert amal["norwegian_goal"] == {"listening": "B2", "reading": "B2", "writing": "B2", "oral": "B2"}  # a nurse
    assert (amal["duration_limits"]["base_min"], amal["duration_limits"]["base_max"], amal["duration_limits"]["max"]) \
        == (3, 6, 12)
    assert yonas["norwegian_goal"] == dict.fromkeys(("listening", "reading", "writing", "oral"), "B1")
    assert (yonas["duration_limits"]["base_max"], yonas["duration_limits"]["max"]) == (48, 60)  # after Prop. 81 L
    assert (ahmad["duration_limits"]["base_max"], ahmad["duration_limits"]["max"]) == (24, 36)


# --- reading a form post -------------------------------------------------------------------------------------------


def form(**fields_):
    return {k.replace("__", "."): v if isinstance(v, list) else [v] for k, v in fields_.items()}


def test_form_text_becomes_typed_answers():
    section = Q.section("participant")
    answers, raw, errors = parse_section_form(section, form(
        participant__name="  Amal Hassan ", participant__birth_date="14.3.1992",
        participant__permit_date="2026-06-02", participant__interpreter_needed="true",
        participant__municipality="33 01"))
    assert errors == []
    assert answers == {"participant.name": "Amal Hassan", "participant.birth_date": "1992-03-14",
                       "participant.permit_date": "2026-06-02", "participant.interpreter_needed": True,
                       "participant.municipality": "3301"}
    assert raw["participant.birth_date"] == "14.3.1992"


def test_unreadable_text_is_an_error_and_kept_raw():
    section = Q.section("life")
    answers, raw, errors = parse_section_form(section, form(life__children_under_18="to", life__network="some"))
    assert [e.field for e in errors] == ["life.children_under_18"]
    assert "helt tall" in errors[0].message
    assert raw["life.children_under_18"] == "to"
    assert answers["life.network"] == "some"


def test_numbers_accept_spaces_and_decimal_comma():
    section = Q.section("background")
    answers, _, errors = parse_section_form(section, {
        "background.years_of_schooling": [" 12 "], "background.work.0.years": ["2,5"],
        "background.work.0.occupation": ["Snekker"]})
    assert errors == []
    assert answers["background.years_of_schooling"] == 12
    assert answers["background.work"] == [{"years": 2.5, "occupation": "Snekker"}]


def test_questions_absent_from_the_post_are_left_alone_but_unticked_boxes_clear():
    section = Q.section("digital")
    answers, _, _ = parse_section_form(section, form(digital__skill_level="basic"))
    assert answers == {"digital.skill_level": "basic"}
    answers, _, _ = parse_section_form(section, {"digital.skill_level": ["basic"],
                                                 "_questions": ["digital.devices digital.skill_level"]})
    assert answers == {"digital.skill_level": "basic", "digital.devices": None}
    answers, _, _ = parse_section_form(section, form(digital__devices=["smartphone", "computer"]))
    assert answers == {"digital.devices": ["smartphone", "computer"]}


def test_repeat_rows_keep_their_screen_numbers():
    section = Q.section("background")
    post = {
        "background.education.0.level": ["bachelor"], "background.education.0.end_year": ["2014"],
        "background.education.1.level": [""], "background.education.1.end_year": [""],  # an empty row on screen
        "background.education.2.level": ["master"], "background.education.2.end_year": ["tjuefemten"],
    }
    answers, raw, errors = parse_section_form(section, post)
    assert [e.field for e in errors] == ["background.education.2.end_year"]
    assert answers["background.education"] == [{"level": "bachelor", "end_year": 2014}, {}, {"level": "master"}]
    assert raw["background.education"][2]["end_year"] == "tjuefemten"


def test_a_repeat_with_every_row_removed_is_an_empty_answer():
    section = Q.section("goals")
    answers, _, _ = parse_section_form(section, {"_questions": ["goals.target_occupations"]})
    assert answers == {"goals.target_occupations": []}


def test_hostile_form_keys_are_ignored():
    section = Q.section("goals")
    answers, _, errors = parse_section_form(section, {
        "goals.target_occupations.999.occupation": ["x"], "goals.target_occupations.0.salary": ["1"],
        "participant.name": ["Not this section"]})
    assert errors == []
    assert answers == {"goals.target_occupations": [{}]}


def test_an_education_cannot_have_ended_in_a_future_year():
    row = {**AMAL["background.education"][0], "end_year": MAPPING_DATE.year + 1}
    result = run(with_(AMAL, background__education=[row]))
    assert message(result, "background.education.0.end_year") == \
        f"Året kan ikke være fram i tid (senest {MAPPING_DATE.year})."
    row["end_year"] = MAPPING_DATE.year
    assert "background.education.0.end_year" not in fields(run(with_(AMAL, background__education=[row])))
