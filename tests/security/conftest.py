"""Fixtures for the security tests: the HTTP tests' case builders, and two municipalities to keep apart."""

from __future__ import annotations

import pytest

from tests.web.conftest import caseworker, drammen, make_case, stored  # noqa: F401  (shared fixtures)


@pytest.fixture
def bergen(make_org):
    return make_org(municipality_number="4601", county_code="46")
