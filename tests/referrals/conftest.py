"""Fixtures for the career-guidance tests: a municipality and the career centre its county points to, a second
municipality and a second career centre (the ones that must see nothing), and cases built from the personas."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlmodel import Session, select

from tests.days import days_from_today
from tests.personas import AMAL, MAPPING_DATE


def point_county(db: Session, county_code: str, centre) -> None:
    """Let the county's referrals go to `centre` (what an administrator does on /admin/counties)."""
    from intake.models_referrals import CountyCareerCentre

    row = db.get(CountyCareerCentre, county_code)
    row.organisation_id, row.career_centre_name = centre.id, centre.name
    db.add(row)
    db.commit()


@dataclass
class World:
    municipality: Any
    centre: Any
    caseworker: Any
    counsellor: Any
    other_municipality: Any
    other_caseworker: Any
    other_centre: Any
    other_counsellor: Any
    leader: Any


@pytest.fixture
def world(db: Session, make_org, make_user) -> World:
    """Drammen-like municipality (county 33) whose referrals go to `centre`; Bergen-like (county 46) to
    `other_centre`. Each test gets its own organisations and points the counties at them before using them."""
    municipality = make_org(municipality_number="3301", county_code="33")
    centre = make_org(kind="career_centre", county_code="33")
    other_municipality = make_org(municipality_number="4601", county_code="46")
    other_centre = make_org(kind="career_centre", county_code="46")
    point_county(db, "33", centre)
    point_county(db, "46", other_centre)
    return World(municipality, centre, make_user("caseworker", municipality), make_user("counsellor", centre),
                 other_municipality, make_user("caseworker", other_municipality), other_centre,
                 make_user("counsellor", other_centre), make_user("leader", municipality))


@pytest.fixture
def make_case(db: Session) -> Callable:
    """A case in the caseworker's municipality holding a persona's answers (Amal by default)."""
    from intake.cases import create_case

    def make(user, answers: dict | None = None):
        case, errors = create_case(db, user, copy.deepcopy(answers if answers is not None else AMAL))
        assert not errors, errors
        case.mapping_date = MAPPING_DATE
        db.add(case)
        db.commit()
        return case

    return make


ORDINARY = ["participant", "goals", "background", "recognition", "norwegian", "digital", "local", "assessment"]


def consent_form(client, *, sections=ORDINARY, sensitive_questions=(), given_how="orally_with_interpreter",
                 given_on: str | None = None, **extra) -> dict[str, Any]:
    return {"_csrf": client.csrf, "sections": list(sections), "sensitive_questions": list(sensitive_questions),
            "given_how": given_how, "given_on": given_on or days_from_today(-21), **extra}


def referral_form(client, *, action="send", purpose="Avklare veien til godkjenning som sykepleier.",
                  questions="Hvilken utdanning trengs i tillegg?", decision_deadline: str | None = None,
                  interpreter_language="ar", **extra) -> dict[str, Any]:
    return {"_csrf": client.csrf, "_action": action, "purpose": purpose, "questions": questions,
            "decision_deadline": decision_deadline or days_from_today(22), "interpreter_language": interpreter_language,
            "contact_user_id": str(client.user.id), **extra}


@pytest.fixture
def send_referral(logged_in) -> Callable:
    """Through the caseworker's pages: record consent (the ordinary sections unless told), then send. Returns the
    referral id."""

    def send(caseworker, case, *, sections=ORDINARY, sensitive_questions=(), **referral) -> int:
        client = logged_in(caseworker)
        r = client.post(f"/cases/{case.id}/consent", data=consent_form(client, sections=sections,
                                                                          sensitive_questions=sensitive_questions))
        assert r.status_code == 303, r.text[:2000]
        r = client.post(f"/cases/{case.id}/referrals", data=referral_form(client, **referral))
        assert r.status_code == 303, r.text[:2000]
        assert "sent=1" in r.headers["location"], r.headers["location"]
        return int(r.headers["location"].split("/referrals/")[1].split("?")[0])

    return send


@pytest.fixture
def referral_of(db: Session) -> Callable:
    from intake.models_referrals import Referral

    def get(referral_id: int) -> Referral:
        db.expire_all()
        return db.get(Referral, referral_id, populate_existing=True)

    return get


@pytest.fixture
def audit_entries(db: Session) -> Callable:
    from intake.models import AuditEntry

    def entries(object_type: str, object_id, user=None) -> list:
        db.expire_all()
        stmt = select(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        if user is not None:
            stmt = stmt.where(AuditEntry.user_id == user.id)
        return list(db.exec(stmt.order_by(AuditEntry.id)))

    return entries
