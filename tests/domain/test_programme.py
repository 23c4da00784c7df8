"""Loading `rules/programme.yaml`: the parameters in force on a date, and a clear error for every kind of mistake."""

import copy
import datetime as dt

import pytest
import yaml

from intake.domain.programme import DEFAULT_PATH, ProgrammeError, load_programme


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


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
    p = load_programme().on(dt.date(2026, 11, 1))
    assert p.valid_from == dt.date(2021, 1, 1)
    assert (p.target_group.min_age_at_permit, p.target_group.max_age_at_permit) == (18, 55)
    assert "other" not in p.target_group.residence_bases and len(p.target_group.residence_bases) == 5
    assert p.target_group.max_months_resident == 24
    assert p.decision.deadline_months_after_settlement == 3
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
    assert p.source and p.duration.source and p.end_goals.source


def test_end_goal_and_duration_tables():
    p = load_programme().on(dt.date(2026, 11, 1))
    assert p.allowed_end_goals(has_upper_secondary=True, age=None) == ("work", "higher_education_qualification")
    assert p.allowed_end_goals(has_upper_secondary=False, age=24) == ("upper_secondary",)
    assert p.allowed_end_goals(has_upper_secondary=False, age=25) == ("work", "upper_secondary", "primary_education")
    assert p.allowed_end_goals(has_upper_secondary=False, age=None) is None
    assert p.allowed_end_goals(has_upper_secondary=None, age=30) is None
    assert p.duration_limits(has_upper_secondary=False, age=30, end_goal="upper_secondary").max == 48
    assert p.duration_limits(has_upper_secondary=False, age=30, end_goal="work").max == 36
    assert p.duration_limits(has_upper_secondary=False, age=30, end_goal=None) is None  # depends on the end goal
    assert p.duration_limits(has_upper_secondary=True, age=30, end_goal=None).max == 12
    assert p.duration_limits(has_upper_secondary=True, age=30, end_goal="upper_secondary").max == 12
    assert p.duration_limits(has_upper_secondary=None, age=30, end_goal="work") is None


def test_a_later_entry_applies_from_its_date(tmp_path, raw):
    later = with_second_entry(raw, valid_from=dt.date(2027, 1, 1), source="Prop. 81 L (2024–2025), som vedtatt")
    later["entries"][1]["target_group"] = {**later["entries"][1]["target_group"], "max_age_at_permit": 60}
    history = load_programme(write(tmp_path, later))
    assert history.on(dt.date(2026, 12, 31)).target_group.max_age_at_permit == 55
    assert history.on(dt.date(2027, 1, 1)).target_group.max_age_at_permit == 60
    assert history.on(dt.date(2030, 6, 1)).source.startswith("Prop. 81 L")


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
     r"end_goals.rules\[1\].allowed\[1\]: unknown code 'university'"),
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
    ("- just a list", "exactly one key, 'entries'"),
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
