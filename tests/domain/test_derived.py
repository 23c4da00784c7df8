"""Derived values for the personas, the edge cases of each value, the end-goal and duration messages, and robustness."""

import copy
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.domain.derived import (CEFR_LEVELS, EDUCATION_LEVELS, add_months, derive, duration_error,
                                   end_goal_error)
from intake.domain.programme import load_programme
from tests.personas import AHMAD, AMAL, MAPPING_DATE, YONAS

PROGRAMME = load_programme().on(MAPPING_DATE)

B1 = {"listening": "B1", "reading": "B1", "writing": "B1", "oral": "B1"}


def d(answers, today=MAPPING_DATE):
    return derive(answers, PROGRAMME, today)


def changed(persona, **changes):
    answers = copy.deepcopy(persona)
    for key, value in changes.items():
        qid = key.replace("__", ".")
        if value is None:
            answers.pop(qid, None)
        else:
            answers[qid] = value
    return answers


def test_orders():
    assert CEFR_LEVELS == ("none", "A1", "A2", "B1", "B2", "C1")
    assert EDUCATION_LEVELS[0] == "primary" and EDUCATION_LEVELS[-1] == "doctorate" and len(EDUCATION_LEVELS) == 8


def test_amal():
    assert d(AMAL) == {
        "age_at_permit": 34,
        "in_target_group": True,
        "highest_completed_level": "bachelor",
        "has_upper_secondary": True,
        "has_primary": True,
        "has_foreign_higher_education": True,
        "end_goal": "work",
        "allowed_end_goals": ["work", "higher_education_qualification"],
        "norwegian_goal": {"listening": "B1", "reading": "B1", "writing": "B1", "oral": "B2"},
        "norwegian_gap": ["listening", "reading", "writing", "oral"],
        "decision_deadline": "2026-12-15",
        "decision_overdue": False,
        "duration_limits": {"base_min": 3, "base_max": 6, "extension": 6, "max": 12},
        "duration_end_goal": "work",
        "norwegian_training_max_months": 18,
        "hours_per_week": 37.5,
    }


def test_yonas():
    derived = d(YONAS)
    assert derived["age_at_permit"] == 21
    assert derived["in_target_group"] is True
    assert derived["highest_completed_level"] == "primary"  # the unfinished lower secondary does not count
    assert (derived["has_upper_secondary"], derived["has_primary"], derived["has_foreign_higher_education"]) == (
        False, True, False)
    assert derived["end_goal"] == "upper_secondary"
    assert derived["allowed_end_goals"] == ["upper_secondary"]
    assert derived["norwegian_goal"] == B1
    assert derived["norwegian_gap"] == ["listening", "reading", "writing", "oral"]
    assert derived["duration_limits"] == {"base_min": 3, "base_max": 36, "extension": 12, "max": 48}
    assert derived["decision_deadline"] == "2026-11-20" and derived["decision_overdue"] is False
    assert derived["norwegian_training_max_months"] == 36


def test_ahmad():
    derived = d(AHMAD)
    assert derived["age_at_permit"] == 28  # 29 on the mapping date, 28 when the permit was granted
    assert derived["in_target_group"] is True
    assert derived["highest_completed_level"] == "lower_secondary"
    assert (derived["has_upper_secondary"], derived["has_primary"]) == (False, True)
    assert derived["end_goal"] == "work"
    assert derived["allowed_end_goals"] == ["work", "upper_secondary", "primary_education"]
    assert derived["norwegian_goal"] == B1
    assert derived["duration_limits"] == {"base_min": 3, "base_max": 24, "extension": 12, "max": 36}
    assert derived["decision_deadline"] == "2027-01-01"


@pytest.mark.parametrize("persona", [AMAL, YONAS, AHMAD], ids=["amal", "yonas", "ahmad"])
def test_personas_propose_an_allowed_end_goal_and_duration(persona):
    derived = d(persona)
    assert end_goal_error(persona, derived) is None
    assert duration_error(persona, derived) is None


# --- target group -------------------------------------------------------------------------------------------------


def test_target_group_edges():
    assert d(changed(AMAL, participant__residence_basis="other"))["in_target_group"] is False
    assert d(changed(AMAL, participant__residence_basis="collective_protection"))["in_target_group"] is True
    # age at permit 18–55, inclusive
    assert d(changed(AMAL, participant__birth_date="1970-06-03"))["age_at_permit"] == 55  # 56 the next day
    assert d(changed(AMAL, participant__birth_date="1970-06-03"))["in_target_group"] is True
    assert d(changed(AMAL, participant__birth_date="1970-06-02"))["in_target_group"] is False
    assert d(changed(AMAL, participant__birth_date="2008-06-02"))["in_target_group"] is True
    assert d(changed(AMAL, participant__birth_date="2008-06-03"))["in_target_group"] is False
    # resident under 24 months
    assert d(AMAL, today=dt.date(2028, 9, 14))["in_target_group"] is True
    assert d(AMAL, today=dt.date(2028, 9, 15))["in_target_group"] is False


def test_target_group_unknown_until_answered_but_false_as_soon_as_known():
    assert d(changed(AMAL, participant__residence_basis=None))["in_target_group"] is None
    assert d(changed(AMAL, participant__settlement_date=None))["in_target_group"] is None
    assert d({"participant.residence_basis": "other"})["in_target_group"] is False


# --- education ----------------------------------------------------------------------------------------------------


def test_no_education_entries_means_none_completed():
    derived = d(changed(AHMAD, background__education=None))
    assert derived["highest_completed_level"] is None
    assert (derived["has_upper_secondary"], derived["has_primary"]) == (False, False)
    assert derived["norwegian_goal"] == {"listening": "A2", "reading": "A2", "writing": "A2", "oral": "B1"}
    assert derived["norwegian_gap"] == ["listening", "reading", "writing", "oral"]


def test_vocational_upper_secondary_counts_as_upper_secondary():
    edu = [{"level": "upper_secondary_vocational", "country": "PL", "completed": True}]
    derived = d(changed(AHMAD, background__education=edu))
    assert derived["has_upper_secondary"] is True and derived["has_foreign_higher_education"] is False
    assert derived["duration_limits"]["max"] == 12


def test_higher_education_from_norway_is_not_foreign():
    edu = [{"level": "master", "country": "NO", "completed": True}]
    assert d(changed(AMAL, background__education=edu))["has_foreign_higher_education"] is False
    edu = [{"level": "master", "completed": True}]
    assert d(changed(AMAL, background__education=edu))["has_foreign_higher_education"] is None


def test_malformed_education_gives_none():
    derived = d(changed(AMAL, background__education="bachelor"))
    assert derived["has_upper_secondary"] is None
    assert derived["duration_limits"] is None and derived["norwegian_goal"] is None
    assert derived["norwegian_training_max_months"] is None


# --- end goal -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("wish", ["work", "upper_secondary", "primary_education", "higher_education", "recognition",
                                  "undecided"])
def test_end_goal_is_the_wish_as_it_is_until_one_is_proposed(wish):
    # recommendations.md: "End goal" means assessment.proposed_end_goal where answered, otherwise goals.end_goal_wish.
    # A wish to use one's education (`recognition`) is not the end goal `work` until the caseworker proposes it.
    for persona in (AMAL, AHMAD):
        answers = changed(persona, goals__end_goal_wish=wish, assessment__proposed_end_goal=None)
        assert d(answers)["end_goal"] == wish


def test_the_proposed_end_goal_wins_over_the_wish():
    assert d(changed(YONAS, goals__end_goal_wish="work"))["end_goal"] == "upper_secondary"


def test_the_duration_limits_follow_the_end_goal():
    # Ahmad (29, no upper secondary) may have several end goals: the limits follow the one proposed or wished for,
    # and are not guessed while it is undecided.
    upper = changed(AHMAD, goals__end_goal_wish="upper_secondary", assessment__proposed_end_goal=None)
    assert d(upper)["duration_limits"]["max"] == 48 and d(upper)["duration_end_goal"] == "upper_secondary"
    work = changed(AHMAD, goals__end_goal_wish="upper_secondary", assessment__proposed_end_goal="work")
    assert d(work)["duration_limits"]["max"] == 36
    for wish in ("undecided", "higher_education", "recognition"):
        unknown = changed(AHMAD, goals__end_goal_wish=wish, assessment__proposed_end_goal=None)
        assert d(unknown)["duration_limits"] is None and d(unknown)["duration_end_goal"] is None, wish


def test_the_duration_limits_of_the_only_end_goal_allowed():
    # Yonas (21, no upper secondary) may only have upper secondary as his end goal (§ 13's main rule), so its limits
    # apply whatever he wishes, also before an end goal is proposed.
    for wish in ("work", "undecided", "recognition"):
        answers = changed(YONAS, goals__end_goal_wish=wish, assessment__proposed_end_goal=None)
        assert d(answers)["duration_limits"] == {"base_min": 3, "base_max": 36, "extension": 12, "max": 48}, wish
        assert d(answers)["duration_end_goal"] == "upper_secondary"


def test_the_duration_limits_with_upper_secondary_do_not_wait_for_the_end_goal():
    answers = changed(AMAL, goals__end_goal_wish="undecided", assessment__proposed_end_goal=None)
    assert d(answers)["duration_limits"]["max"] == 12


def test_allowed_end_goals_read_age_on_the_day_of_assessment():
    # born 2001-12-01: 24 at the permit, 24 on the mapping date, 25 a month later
    answers = changed(AHMAD, participant__birth_date="2001-12-01")
    assert d(answers)["allowed_end_goals"] == ["upper_secondary"]
    assert d(answers, today=dt.date(2026, 12, 1))["allowed_end_goals"] == ["work", "upper_secondary",
                                                                           "primary_education"]


def test_end_goal_not_allowed_for_amal():
    answers = changed(AMAL, assessment__proposed_end_goal="upper_secondary")
    message = end_goal_error(answers, d(answers))
    assert "«Fullført videregående opplæring» er ikke et tillatt sluttmål" in message
    assert "arbeid eller kvalifisering til høyere utdanning" in message


def test_end_goal_error_is_silent_when_unknown_or_unanswered():
    answers = changed(AMAL, assessment__proposed_end_goal="upper_secondary", participant__birth_date=None,
                      background__education="garbage")
    assert end_goal_error(answers, d(answers)) is None
    assert end_goal_error(changed(AMAL, assessment__proposed_end_goal=None), d(AMAL)) is None
    assert end_goal_error(changed(AMAL, assessment__proposed_end_goal="pilot"), d(AMAL)) == \
        "Velg et av sluttmålene i listen."


# --- duration -----------------------------------------------------------------------------------------------------


def test_duration_18_for_amal_names_the_limit():
    answers = changed(AMAL, assessment__proposed_duration_months=18)
    message = duration_error(answers, d(answers))
    assert "høyst 12 måneder for deltakere med videregående eller høyere utdanning" in message


def test_duration_limits_are_inclusive():
    for months, ok in ((2, False), (3, True), (48, True), (49, False)):
        answers = changed(YONAS, assessment__proposed_duration_months=months)
        assert (duration_error(answers, d(answers)) is None) is ok
    answers = changed(YONAS, assessment__proposed_duration_months=2)
    assert "minst 3 måneder" in duration_error(answers, d(answers))
    answers = changed(AHMAD, assessment__proposed_duration_months=40)
    assert "høyst 36 måneder for deltakere uten videregående opplæring med et annet sluttmål" in \
        duration_error(answers, d(answers))


# --- Norwegian and deadline ---------------------------------------------------------------------------------------


def test_norwegian_gap_lists_only_known_skills_below_the_goal():
    answers = changed(AHMAD, norwegian__listening="B2", norwegian__reading="B1", norwegian__writing="B3",
                      norwegian__oral=None)
    assert d(answers)["norwegian_gap"] == []
    answers = changed(AMAL, norwegian__listening="C1", norwegian__reading="B1", norwegian__writing="B1",
                      norwegian__oral="B1")
    assert d(answers)["norwegian_gap"] == ["oral"]
    none_answered = changed(AMAL, **{f"norwegian__{s}": None for s in ("listening", "reading", "writing", "oral")})
    assert d(none_answered)["norwegian_gap"] is None


def test_decision_deadline_clamps_to_month_end_and_turns_overdue():
    answers = changed(AMAL, participant__settlement_date="2026-11-30")
    assert d(answers)["decision_deadline"] == "2027-02-28"
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert d(AMAL, today=dt.date(2026, 12, 15))["decision_overdue"] is False
    assert d(AMAL, today=dt.date(2026, 12, 16))["decision_overdue"] is True


def test_no_education_entries_once_schooling_is_answered_means_none():
    derived = d({"background.years_of_schooling": 0})
    assert derived["has_upper_secondary"] is False and derived["has_primary"] is False


def test_empty_answers():
    derived = d({})
    assert derived["age_at_permit"] is None and derived["in_target_group"] is None
    # Nothing said about education yet is unknown, not "no education": no proposal may rest on it.
    assert derived["has_upper_secondary"] is None and derived["has_primary"] is None
    assert derived["norwegian_goal"] is None and derived["decision_deadline"] is None
    assert derived["decision_overdue"] is None and derived["end_goal"] is None
    assert derived["hours_per_week"] == 37.5


# --- robustness ---------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["2026-02-30", "9999-12-31", "0001-01-01", "2026-01-01", "B1", "bachelor", "NO", "other"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=12,
)
known_keys = st.sampled_from(sorted(set(AMAL) | set(YONAS) | set(AHMAD)))
edu_rows = st.lists(st.fixed_dictionaries({}, optional={
    "level": st.sampled_from(EDUCATION_LEVELS) | json_values,
    "completed": st.booleans() | json_values,
    "country": st.sampled_from(["NO", "SY", ""]) | json_values,
}), max_size=3)


@settings(max_examples=300, deadline=None)
@given(answers=st.dictionaries(known_keys | st.text(max_size=10), json_values, max_size=12) | json_values,
       education=edu_rows | json_values,
       today=st.dates())
def test_derive_never_raises(answers, education, today):
    if isinstance(answers, dict):
        answers["background.education"] = education
    derived = derive(answers, PROGRAMME, today)
    assert set(derived) == set(d({}))
    end_goal_error(answers, derived)
    duration_error(answers, derived)
