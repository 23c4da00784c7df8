"""Fixtures for the plan tests: a completed mapping of a persona, and a plan ready to be fixed."""

from __future__ import annotations

from typing import Callable

import pytest
from sqlmodel import Session

from tests.personas import AMAL
from tests.plans.helpers import PLAN_START
from tests.web.conftest import caseworker, drammen, make_case  # noqa: F401  (shared fixtures)


@pytest.fixture
def completed_case(db: Session, make_case) -> Callable:
    """A persona's mapping, completed by `user`."""
    from intake.cases import complete_mapping

    def make(user, answers: dict = AMAL):
        case = make_case(user, answers)
        assert complete_mapping(db, user, case) == []
        db.refresh(case)
        return case

    return make


@pytest.fixture
def ready_plan(db: Session) -> Callable:
    """A plan for the case with every proposal accepted and the settings a plan needs filled in."""
    from intake import plans

    def make(user, case):
        plan, errors = plans.create_plan(db, user, case)
        assert not errors, errors
        for element in plans.elements_of(db, plan):
            assert plans.decide(db, user, plan, element.id, plans.ACCEPTED) == []
        saved = plans.save_settings(db, user, case, plan, {
            "start_date": PLAN_START.isoformat(), "norwegian_hours": "550",
            "extension_justification": "Trenger tid til B2 i norsk og autorisasjon som sykepleier."}, plan.version)
        assert saved.errors == [], saved.errors
        return saved.plan

    return make
