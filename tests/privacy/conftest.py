"""Fixtures for the privacy tests: the same as the security tests'."""

from tests.security.conftest import bergen, caseworker, drammen, make_case, stored  # noqa: F401
