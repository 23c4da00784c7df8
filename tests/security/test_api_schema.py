"""schemathesis against the JSON API's own OpenAPI document (/api/openapi.json), through ASGI, as a logged-in
caseworker with a Bearer token: whatever it sends, no answer is a server error and every answer matches the schema.

Path ids are sometimes swapped for the caseworker's real cases, so the generated bodies reach the validators and the
storage, not just the 404 for an unknown id.
"""

from __future__ import annotations

import random

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.personas import AHMAD, AMAL, YONAS

from schemathesis.checks import CHECKS as REGISTERED
from schemathesis.config import SchemathesisConfig

# Every check schemathesis has. A body the schema allows may still be refused at a field (422) for what a schema
# cannot say: an identifier's checksum, a date before another, an answer that needs another (intake/web/openapi.py);
# so "valid data is accepted" counts 422 as an answer, and "invalid data is refused" stays as strict as it comes.
CHECKS = REGISTERED.get_all()
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422", "429"]}}})


@pytest.fixture(scope="module")
def api_user(app):
    """A caseworker with three cases and an API token (made once for the module: the examples share them)."""
    from intake.cases import create_case
    from intake.db import new_session
    from intake.models import Organisation, User
    from intake.security import create_api_token, hash_password
    from tests.conftest import unique

    with new_session(app.state.engine) as db:
        org = Organisation(name=unique("Schemathesis kommune"), kind="municipality", municipality_number="3301",
                           county_code="33")
        db.add(org)
        db.commit()
        user = User(username=unique("api"), full_name="API Bruker", role="caseworker", organisation_id=org.id,
                    password_hash=hash_password("et langt passord"))
        db.add(user)
        db.commit()
        cases = [create_case(db, user, dict(p))[0].id for p in (AMAL, YONAS, AHMAD)]
        return {"token": create_api_token(db, user), "cases": cases}


def test_the_api_never_fails_and_always_answers_as_documented(app, api_user):
    # Driven through Hypothesis directly: schemathesis' pytest plugin (from_fixture) does not run on pytest 9.
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=CONFIG)
    headers = {"Authorization": f"Bearer {api_user['token']}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=40, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                chooser = random.Random(repr(case.path_parameters) + repr(case.body))
                # (negative data keeps what it made invalid, the path too)
                if mode is GenerationMode.POSITIVE and case.path_parameters and "case_id" in case.path_parameters and chooser.random() < 0.7:
                    case.path_parameters["case_id"] = chooser.choice(api_user["cases"])
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Exception as exc:  # one report for every operation that fails, not just the first
                failures.append(f"{operation.label} ({mode.value} data):\n{exc}")
    assert operations >= 3
    assert not failures, "\n\n".join(failures)
