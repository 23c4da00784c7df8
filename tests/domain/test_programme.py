"""Loading `rules/programme.yaml`: the parameters in force on a date, and a clear error for every kind of mistake."""

import copy
import datetime as dt

import pytest
import yaml

from intake.domain.programme import DEFAULT_PATH, ProgrammeError, load_programme


@pytest.fixture(scope="module")
def raw():
    """The project file with only its first entry (2021), for tests that change or add entries."""
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    return {"entries": data["entries"][:1]}


BEFORE, AFTER = dt.date(2025, 12, 31), dt.date(2026, 1, 1)  # either side of Prop. 81 L's (unconfirmed) in-force date


def write(tmp_path, data, name="programme.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_second_entry(raw, **changes):
    data = copy.deepcopy(raw)
    later = copy.deepcopy(data["entries"][0])
    later.update(changes)
    data["entries"].append(later)
    return data


def test_the_project_file_loads_with_the_values_of_the_2021_act():
    p = load_programme().on(BEFORE)
    assert p.valid_from == dt.date(2022, 6, 15) and p.verified
    assert (p.target_group.min_age_at_permit, p.target_group.max_age_at_permit) == (18, 55)
    assert "other" not in p.target_group.residence_bases and len(p.target_group.residence_bases) == 7
    assert p.target_group.max_months_resident == 24
    assert p.target_group.humanitarian_only_after_asylum_application
    assert p.target_group.family_reference_settled_under_years == 5
    assert p.target_group.settlement_by_agreement_not_required_for == ("family_reunification",
                                                                       "independent_after_abuse")
    assert p.decision.deadline_months_after_settlement == 3 and p.decision.runs_from_claim
    assert [r.as_dict() for r in p.duration.rules] == [
        {"base_min": 3, "base_max": 6, "extension": 6, "max": 12},
        {"base_min": 3, "base_max": 36, "extension": 12, "max": 48},
        {"base_min": 3, "base_max": 24, "extension": 12, "max": 36},
    ]
    assert p.norwegian_goals.primary_not_completed.as_dict() == {
        "listening": "A2", "reading": "A2", "writing": "A2", "oral": "B1"}
    assert p.norwegian_goals.upper_secondary_needs_b2.oral == "B2"
    assert (p.norwegian_training.max_months, p.norwegian_training.max_months_with_upper_secondary) == (36, 18)
    assert (p.scope.hours_per_week, p.scope.hours_per_week_reduced, p.scope.holiday_weeks) == (37.5, 30, 5)
    assert p.social_studies.hours == 75 and p.appeal.weeks == 3
    assert "§ 47" in p.appeal.source
    assert p.content.required == ("norwegian", "social_studies", "life_skills", "parenting",
                                  "work_or_education_oriented")
    assert p.content.work_oriented_minimum is None  # no minimum before the amendment
    assert p.source and p.duration.source and p.end_goals.source


def test_the_amended_entry_applies_from_its_unconfirmed_date_and_says_so():
    before, after = load_programme().on(BEFORE), load_programme().on(AFTER)
    assert after.valid_from == AFTER and "Prop. 81 L (2024–2025)" in after.source
    assert not after.verified and "IKKE bekreftet" in after.note
    assert (before.target_group.max_age_at_permit, after.target_group.max_age_at_permit) == (55, 60)
    assert "til og med 60 år" in after.target_group.source and "som endret ved" not in before.target_group.source
    longer = after.duration_limits(has_upper_secondary=False, age=30, end_goal="upper_secondary")
    assert (longer.base_max, longer.max, longer.extension_mandatory) == (48, 60, True)
    assert before.duration_limits(has_upper_secondary=False, age=30, end_goal="upper_secondary").max == 48
    # what did not change keeps its limits
    assert after.duration_limits(has_upper_secondary=False, age=30, end_goal="work").max == 36
    assert after.duration_limits(has_upper_secondary=True, age=30, end_goal=None).max == 12
    minimum = after.content.work_oriented_minimum
    assert minimum.end_goals == ("work",) and minimum.unit == "hours_per_week"
    assert minimum.hours_per_week is None and not minimum.verified and "IKKE funnet" in minimum.note
    # what the amendment changed is unconfirmed; what it did not change is not made doubtful by the date
    assert {"entry", "target_group", "duration", "content.work_oriented_minimum"} <= set(after.unverified())
    assert not after.confirmed("duration") and after.confirmed("scope") and after.confirmed("norwegian_goals")
    assert before.confirmed("duration")


def test_chapter_6a_applies_from_15_june_2022_to_30_june_2026_for_permits_from_11_march_2022():
    history = load_programme()
    assert not history.on(dt.date(2022, 6, 14)).chapter_6a.applies
    first, last = history.on(dt.date(2022, 6, 15)).chapter_6a, history.on(dt.date(2026, 6, 30)).chapter_6a
    assert first.applies and last.applies and first.permits_from == dt.date(2022, 3, 11)
    assert "life_skills" not in first.content.required and "social_studies" not in first.content.required
    assert "parenting" in first.content.required
    assert first.norwegian_training.max_months == 12
    minimum = first.content.work_oriented_minimum
    assert (minimum.hours_per_week, minimum.from_month, minimum.part_time_hours_per_week,
            minimum.part_time_up_to_percent) == (15, 4, 10, 60)
    ended = history.on(dt.date(2026, 7, 1)).chapter_6a
    assert not ended.applies and not ended.verified and "forlenget" in ended.note


def test_who_follows_chapter_6a():
    p = load_programme().on(dt.date(2024, 5, 1))
    assert p.follows_chapter_6a("collective_protection", dt.date(2022, 3, 11))
    assert not p.follows_chapter_6a("collective_protection", dt.date(2022, 3, 10))  # close miss: a day before
    assert p.follows_chapter_6a("collective_protection", None)  # the scheme began on its first day
    assert not p.follows_chapter_6a("family_reunification", dt.date(2023, 1, 1))  # their families: ordinary rules
    assert p.follows_chapter_6a(None, None) is None
    assert not load_programme().on(dt.date(2026, 7, 1)).follows_chapter_6a("collective_protection",
                                                                            dt.date(2024, 1, 1))
    assert p.content_for(True).required != p.content_for(False).required
    assert p.norwegian_training_for(True).max_months == 12 and p.norwegian_training_for(False).max_months == 36


def test_end_goal_and_duration_tables():
    p = load_programme().on(BEFORE)
    assert p.allowed_end_goals(has_upper_secondary=True, age=None) == ("work", "higher_education_qualification")
    # under 25 without upper secondary: upper secondary is the main rule, the others lawful with a reason
    rule = p.end_goal_rule(has_upper_secondary=False, age=24)
    assert rule.main_rule == "upper_secondary" and set(rule.allowed) == {"upper_secondary", "work",
                                                                          "primary_education"}
    assert p.end_goal_rule(has_upper_secondary=False, age=25).main_rule is None  # close miss: 25
    assert p.end_goal_rule(has_upper_secondary=True, age=20).main_rule is None
    assert p.allowed_end_goals(has_upper_secondary=False, age=25) == ("work", "upper_secondary", "primary_education")
    assert p.allowed_end_goals(has_upper_secondary=False, age=None) is None
    assert p.allowed_end_goals(has_upper_secondary=None, age=30) is None
    assert p.duration_limits(has_upper_secondary=False, age=30, end_goal="upper_secondary").max == 48
    assert p.duration_limits(has_upper_secondary=False, age=30, end_goal="work").max == 36
    assert p.duration_limits(has_upper_secondary=False, age=30, end_goal=None) is None  # depends on the end goal
    assert p.duration_limits(has_upper_secondary=True, age=30, end_goal=None).max == 12
    assert p.duration_limits(has_upper_secondary=True, age=30, end_goal="upper_secondary").max == 12
    assert p.duration_limits(has_upper_secondary=None, age=30, end_goal="work") is None


def test_every_section_of_every_entry_says_where_it_comes_from_and_whether_it_is_confirmed():
    history = load_programme()
    for programme, last in history.periods():
        for name, section in programme.all_sections():
            assert section.source.strip(), (programme.valid_from, name)
            assert isinstance(section.verified, bool)
            # an unconfirmed value always says what was found
            assert section.verified or section.note, (programme.valid_from, name)
        assert programme.verified or programme.note
    assert [last for _, last in history.periods()][:3] == [dt.date(2022, 6, 14), dt.date(2025, 12, 31),
                                                           dt.date(2026, 6, 30)]


def test_the_oriented_elements_are_codes_of_the_catalogue():
    catalogue = set(yaml.safe_load((DEFAULT_PATH.parent / "recommendations.yaml").read_text(encoding="utf-8"))
                    ["catalogue"])
    for programme in load_programme().entries:
        for content in (programme.content, programme.chapter_6a.content):
            if content is not None:
                oriented = content.oriented_elements
                assert set(oriented.work_codes + oriented.education_codes) <= catalogue


def test_a_later_entry_applies_from_its_date(tmp_path, raw):
    later = with_second_entry(raw, valid_from=dt.date(2027, 1, 1), source="En senere endringslov")
    later["entries"][1]["target_group"] = {**later["entries"][1]["target_group"], "max_age_at_permit": 60}
    history = load_programme(write(tmp_path, later))
    assert history.on(dt.date(2026, 12, 31)).target_group.max_age_at_permit == 55
    assert history.on(dt.date(2027, 1, 1)).target_group.max_age_at_permit == 60
    assert history.on(dt.date(2030, 6, 1)).source.startswith("En senere")
    # only what the later entry changed depends on its date
    assert history.on(dt.date(2027, 1, 1)).changed == ("target_group",)


def test_entries_may_be_listed_in_any_order(tmp_path, raw):
    data = with_second_entry(raw, valid_from=dt.date(2027, 1, 1))
    data["entries"].reverse()
    assert load_programme(write(tmp_path, data)).on(dt.date(2026, 1, 1)).valid_from == dt.date(2021, 1, 1)


def test_no_entry_in_force(tmp_path, raw):
    with pytest.raises(ProgrammeError, match="no programme parameters are in force on 2020-12-31"):
        load_programme().on(dt.date(2020, 12, 31))
    data = copy.deepcopy(raw)
    data["entries"][0]["valid_to"] = dt.date(2025, 12, 31)
    history = load_programme(write(tmp_path, data))
    assert history.on(dt.date(2025, 12, 31))
    with pytest.raises(ProgrammeError, match="2026-01-01"):
        history.on(dt.date(2026, 1, 1))


def broken(raw, change):
    data = copy.deepcopy(raw)
    change(data["entries"][0])
    return data


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(colour="blue"), r"entry: unknown key 'colour'"),
    (lambda e: e["scope"].update(hours_per_day=7.5), r"scope: unknown key 'hours_per_day'"),
    (lambda e: e["duration"]["rules"][0]["when"].update(gender="f"), r"duration.rules\[0\].when: unknown key 'gender'"),
    (lambda e: e.pop("source"), r"entry: missing key 'source'"),
    (lambda e: e.pop("verified"), r"entry: missing key 'verified'"),
    (lambda e: e["duration"].pop("verified"), r"duration: missing key 'verified'"),
    (lambda e: e["scope"].update(verified="ja"), r"scope.verified: expected true or false"),
    (lambda e: e["end_goals"].update(upper_secondary_means="fagbrev"),
     r"end_goals.upper_secondary_means: unknown notion 'fagbrev'"),
    (lambda e: e["end_goals"]["rules"][1].update(main_rule="higher_education_qualification"),
     r"end_goals.rules\[1\].main_rule: 'higher_education_qualification' is not one of the allowed end goals"),
    (lambda e: e["content"].update(required=["norwegian", "yoga"]), r"content.required\[1\]: unknown code 'yoga'"),
    (lambda e: e["content"].update(work_oriented_minimum={
        "source": "x", "verified": True, "end_goals": ["work"], "unit": "hours_per_week", "hours_per_week": None,
        "from_month": None}), r"a minimum whose figure is not known cannot be verified"),
    (lambda e: e["content"]["oriented_elements"].update(work_codes=["work practice"]),
     r"work_codes\[0\]: expected a recommendation code"),
    (lambda e: e["target_group"].update(settlement_by_agreement_not_required_for=["other"]),
     r"settlement_by_agreement_not_required_for\[0\]: unknown code 'other'"),
    (lambda e: e["chapter_6a"].update(applies="yes"), r"chapter_6a.applies: expected true or false"),
    (lambda e: e.pop("valid_from"), r"entry 1: entry: missing key 'valid_from'"),
    (lambda e: e["appeal"].pop("source"), r"appeal: missing key 'source'"),
    (lambda e: e["social_studies"].update(source=""), r"social_studies.source: expected non-empty text"),
    (lambda e: e["social_studies"].update(hours="75"), r"social_studies.hours: expected a whole number"),
    (lambda e: e["appeal"].update(weeks=True), r"appeal.weeks: expected a whole number"),
    (lambda e: e["scope"].update(hours_per_week="full"), r"scope.hours_per_week: expected a number"),
    (lambda e: e["end_goals"]["rules"][0]["when"].update(has_upper_secondary="yes"),
     r"end_goals.rules\[0\].when.has_upper_secondary: expected true or false"),
    (lambda e: e.update(valid_from="1. januar 2021"), r"valid_from: expected a date"),
    (lambda e: e["norwegian_goals"]["primary_completed"].update(oral="B3"),
     r"norwegian_goals.primary_completed.oral: unknown CEFR level 'B3'"),
    (lambda e: e["norwegian_goals"]["primary_completed"].update(oral="none"), r"unknown CEFR level 'none'"),
    (lambda e: e["norwegian_goals"]["upper_secondary"].pop("writing"),
     r"norwegian_goals.upper_secondary: missing key 'writing'"),
    (lambda e: e["end_goals"]["rules"][1]["allowed"].append("university"),
     r"end_goals.rules\[1\].allowed\[3\]: unknown code 'university'"),
    (lambda e: e["target_group"]["residence_bases"].append("tourist"), r"unknown code 'tourist'"),
    (lambda e: e["duration"]["rules"][0].update(base_max=13),
     r"duration.rules\[0\]: expected base_min ≤ base_max ≤ max"),
    (lambda e: e["duration"].update(rules=[]), r"duration.rules: expected a non-empty list"),
    (lambda e: e.update(valid_to=dt.date(2020, 1, 1)), r"valid_to: is before valid_from"),
])
def test_mistakes_name_the_file_the_entry_and_the_place(tmp_path, raw, change, message):
    path = write(tmp_path, broken(raw, change))
    with pytest.raises(ProgrammeError, match=message) as info:
        load_programme(path)
    assert str(path) in str(info.value)
    assert "entry 1" in str(info.value)


def test_duplicate_valid_from(tmp_path, raw):
    path = write(tmp_path, with_second_entry(raw))
    same = r"entry 2 \(valid_from 2021-01-01\): valid_from: the same date as entry 1"
    with pytest.raises(ProgrammeError, match=same):
        load_programme(path)


def test_overlapping_entries(tmp_path, raw):
    data = with_second_entry(raw, valid_from=dt.date(2027, 1, 1))
    data["entries"][0]["valid_to"] = dt.date(2027, 6, 30)
    with pytest.raises(ProgrammeError, match=r"entry 2 .*overlaps entry 1"):
        load_programme(write(tmp_path, data))


def test_a_mistake_in_a_later_entry_names_that_entry(tmp_path, raw):
    data = with_second_entry(raw, valid_from=dt.date(2027, 1, 1))
    data["entries"][1]["decision"] = {**data["entries"][1]["decision"], "deadline_months_after_settlement": -1}
    with pytest.raises(ProgrammeError, match=r"entry 2 \(valid_from 2027-01-01\): decision.deadline_months"):
        load_programme(write(tmp_path, data))


@pytest.mark.parametrize("text, message", [
    ("entries: [", "not valid YAML"),
    ("- just a list", "with the key 'entries'"),
    ("entries: []\nextra: 1", "with the key 'entries'"),
    ("entries: []", "non-empty list"),
    ("entries: [1]", "entry 1: entry: expected a mapping"),
])
def test_file_level_mistakes(tmp_path, text, message):
    path = tmp_path / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgrammeError, match=message):
        load_programme(path)


def test_missing_file(tmp_path):
    with pytest.raises(ProgrammeError, match="cannot be read"):
        load_programme(tmp_path / "nowhere.yaml")
