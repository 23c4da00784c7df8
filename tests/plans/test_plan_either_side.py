"""The plan builder reads the law in force on the mapping date (#15 sections 1, 2 and 5): the same participant mapped
either side of a date the rules change on gets the old and the new content checks, with the rule's source."""

from __future__ import annotations

import datetime as dt

from intake import plans
from intake.cases import complete_mapping
from tests.personas import AHMAD, AMAL


def _plan(db, user, make_case, answers, mapping_date):
    case = make_case(user, answers, mapping_date=mapping_date)
    assert complete_mapping(db, user, case) == []
    db.refresh(case)
    plan, errors = plans.create_plan(db, user, case)
    assert not errors, errors
    for element in plans.elements_of(db, plan):
        assert plans.decide(db, user, plan, element.id, plans.ACCEPTED) == []
    return case, plan


def _without_work(db, user, plan):
    for e in plans.elements_of(db, plan):
        if e.code in ("WORK-PRACTICE", "JOB-SEEKING"):
            assert plans.decide(db, user, plan, e.id, plans.REJECTED, "Passer ikke nå.") == []
    assert plans.add_element(db, user, plan, {"title": "Kurs i elektrofag", "responsible": "Kommunen",
                                              "oriented": "education"}) == []


def test_ahmad_either_side_of_the_amendment_gets_the_work_oriented_minimum_from_its_date(db, caseworker, make_case):
    # Prop. 81 L (2024–2025) applies from 2026-01-01 in rules/programme.yaml (a date not confirmed); Ahmad's permit and
    # settlement moved to before both mapping dates
    answers = {**AHMAD, "participant.permit_date": "2025-06-10", "participant.permit_expiry": "2028-06-09",
               "participant.settlement_date": "2025-10-01"}
    before_case, before = _plan(db, caseworker, make_case, answers, dt.date(2025, 12, 31))
    after_case, after = _plan(db, caseworker, make_case, answers, dt.date(2026, 1, 1))
    for plan in (before, after):
        _without_work(db, caseworker, plan)
    old = plans.readiness(db, caseworker, before_case, before)
    new = plans.readiness(db, caseworker, after_case, after)
    # before: an education-oriented element is all the law asks (§ 14 first paragraph (d))
    assert "work_minimum_reason" not in old.warnings and old.notes == []
    # after: a programme that qualifies for work needs work-oriented elements (§ 14 a): not confirmed, so a warning
    assert "work_minimum_reason" in new.warnings and "Prop. 81 L (2024–2025)" in new.warnings["work_minimum_reason"]
    rule = plans.plan_derived(after_case, after)["rules"]["work_oriented_minimum"]
    assert rule["valid_from"] == "2026-01-01" and rule["verified"] is False and "§ 14 a" in rule["source"]


UKRAINIAN = {"participant.residence_basis": "collective_protection", "participant.permit_date": "2025-11-03",
             "participant.settlement_date": "2026-01-15"}


def test_collective_protection_either_side_of_1_july_2026(db, caseworker, make_case):
    answers = {**AMAL, **UKRAINIAN}
    in_6a_case, in_6a = _plan(db, caseworker, make_case, answers, dt.date(2026, 6, 30))
    ended_case, ended = _plan(db, caseworker, make_case, answers, dt.date(2026, 7, 1))
    codes = {name: {e.code for e in plans.elements_of(db, p)} for name, p in (("in_6a", in_6a), ("ended", ended))}
    # chapter 6A: no right to the life-skills course, nor social studies; its own work-oriented minimum, with figure
    assert not codes["in_6a"] & {"LIFE-SKILLS", "SOCIAL-STUDIES"}
    notes = plans.readiness(db, caseworker, in_6a_case, in_6a).notes
    assert notes and "minst 15 timer arbeidsrettet innhold i uken fra måned 4" in notes[0]
    assert "ikke bekreftet" in notes[0]
    # from 1 July 2026 (no source found that chapter 6A was extended): the ordinary rules
    assert {"LIFE-SKILLS", "SOCIAL-STUDIES"} <= codes["ended"]
    ended_derived = plans.plan_derived(ended_case, ended)
    assert ended_derived["chapter_6a"] is False and "chapter_6a" in ended_derived["unverified_rules"]
    assert all("15 timer" not in n for n in plans.readiness(db, caseworker, ended_case, ended).notes)
