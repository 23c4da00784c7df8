"""Fixtures for the HTTP tests: a caseworker in a fresh municipality, and cases built from the personas."""

from __future__ import annotations

import copy
from typing import Callable

import pytest
from sqlmodel import Session

from tests.personas import MAPPING_DATE


@pytest.fixture
def drammen(make_org):
    return make_org(municipality_number="3301", county_code="33")


@pytest.fixture
def caseworker(make_user, drammen):
    return make_user("caseworker", drammen)


@pytest.fixture
def make_case(db: Session) -> Callable:
    """A case in the user's organisation holding `answers` (validated and stored as the API would), mapped on the
    personas' mapping date."""
    from intake.cases import create_case
    from intake.models import Case

    def make(user, answers: dict | None = None, *, mapping_date=MAPPING_DATE) -> Case:
        case, errors = create_case(db, user, copy.deepcopy(answers) if answers is not None else None)
        assert not errors, errors
        case.mapping_date = mapping_date
        db.add(case)
        db.commit()
        return case

    return make


@pytest.fixture
def stored(db: Session) -> Callable:
    """The case as stored now (fresh from the database)."""
    from intake.models import Case

    def get(case_id: int) -> Case:
        db.expire_all()
        return db.get(Case, case_id, populate_existing=True)

    return get
