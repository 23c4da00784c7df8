"""A municipality's month of work as rows with known dates, for the leaders' figures: cases at each stage, fixed plans,
referrals with their history and summaries. Rows are written directly (the figures read only stored facts), so every
expected figure can be worked out by hand from the table in test_municipality_figures.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pytest
from sqlmodel import Session


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)


@dataclass
class Referred:
    sent: int  # days after settlement
    accepted: int | None = None  # days after sent
    started: int | None = None  # days after accepted
    summary: int | None = None  # days after sent
    first_session: int | None = None  # days after accepted (the centre's own record)
    form: str = "in_person"
    interpreter: bool = False
    recommendation: str = "work"
    declined: str | None = None  # a decline reason


@pytest.fixture
def add_case(db: Session) -> Callable:
    """add_case(org, caseworker, settled=date, ...) -> Case: a case with its plan and referral as the figures see them.
    Offsets are days after settlement; `deadline` defaults to 90 days after settlement."""
    from intake.models import Case
    from intake.models_plans import Plan, PlanElement, PlanVersion
    from intake.models_referrals import GuidanceSession, GuidanceSummary, Referral, ReferralEvent
    from intake.referrals import FIGURE_TIMES

    def add(org, caseworker, *, name: str, settled: dt.date, mapped: int = 5, completed: int | None = None,
            fixed: int | None = None, deadline: dt.date | int | None = 90, end_goal: str | None = None,
            duration: int | None = None, work: bool = False, goal: str | None = "B1",
            referred: Referred | None = None, centre=None, counsellor=None, draft_plan: bool = False):
        due = settled + dt.timedelta(days=deadline) if isinstance(deadline, int) else deadline
        case = Case(organisation_id=org.id, created_by_id=caseworker.id, participant_name=name,
                    mapping_date=settled + dt.timedelta(days=mapped), settlement_date=settled, decision_deadline=due,
                    norwegian_goal=goal, answers={"participant.name": name},
                    status="completed" if completed is not None else "in_progress",
                    completed_at=at(settled + dt.timedelta(days=completed)) if completed is not None else None)
        db.add(case)
        db.flush()
        if fixed is not None:
            plan = Plan(case_id=case.id, organisation_id=org.id, end_goal=end_goal, duration_months=duration)
            db.add(plan)
            db.flush()
            case.first_fixed_at = at(settled + dt.timedelta(days=fixed))  # as fixing the first version sets it
            db.add(case)
            db.add(PlanVersion(plan_id=plan.id, number=1, fixed_at=case.first_fixed_at,
                               language="nb", ruleset_version="test", fingerprint=f"fp{case.id}", html="", pdf=b""))
            # A second version later: the figures count from the first
            db.add(PlanVersion(plan_id=plan.id, number=2, fixed_at=at(settled + dt.timedelta(days=fixed + 200)),
                               language="nb", ruleset_version="test", fingerprint=f"fq{case.id}", html="", pdf=b""))
            # Work-oriented: a catalogue element, or (work == "own") one of the caseworker's own marked so
            code = None if work == "own" else "WORK-PRACTICE" if work else "NORWEGIAN"
            db.add(PlanElement(plan_id=plan.id, code=code, title="x", status="accepted",
                               oriented="work" if work == "own" else None))
            if not work:
                db.add(PlanElement(plan_id=plan.id, code="JOB-SEEKING", title="x", status="rejected"))
        if draft_plan and fixed is None:
            db.add(Plan(case_id=case.id, organisation_id=org.id, end_goal=end_goal, duration_months=duration))
        if referred is not None:
            r = referred
            sent = at(settled + dt.timedelta(days=r.sent))
            status = "sent"
            referral = Referral(case_id=case.id, from_organisation_id=org.id, to_organisation_id=centre.id,
                                contact_user_id=caseworker.id, created_by_id=caseworker.id, sent_at=sent,
                                status=status, counsellor_id=counsellor.id if counsellor else None,
                                decline_reason=r.declined)
            db.add(referral)
            db.flush()
            events = [("send", sent)]
            accepted = sent + dt.timedelta(days=r.accepted) if r.accepted is not None else None
            if r.declined:
                events.append(("decline", sent + dt.timedelta(days=2)))
                referral.status = "declined"
            if accepted:
                events.append(("accept", accepted))
                referral.status = "accepted"
            if accepted and r.started is not None:
                events.append(("start", accepted + dt.timedelta(days=r.started)))
                referral.status = "in_progress"
            if accepted and r.first_session is not None:
                db.add(GuidanceSession(referral_id=referral.id, held_on=(accepted + dt.timedelta(days=r.first_session)
                                                                         ).date(), form=r.form,
                                       interpreter_used=r.interpreter, created_by_id=counsellor.id))
            if r.summary is not None:
                done = sent + dt.timedelta(days=r.summary)
                events.append(("complete", done))
                referral.status = "completed"
                db.add(GuidanceSummary(referral_id=referral.id, case_id=case.id, summary="Oppsummering",
                                       recommendation=r.recommendation, completed_by_id=(counsellor or caseworker).id,
                                       completed_at=done))
            for action, when in events:
                db.add(ReferralEvent(referral_id=referral.id, action=action, to_status="x", at=when))
                if action in FIGURE_TIMES:  # as the transition sets it
                    setattr(referral, FIGURE_TIMES[action], when)
            db.add(referral)
        db.commit()
        db.refresh(case)
        return case

    return add


@dataclass
class Office:
    """A municipality with two caseworkers, its county's career centre and a counsellor there; `settled` is the
    settlement date of the cases the tests add (60 days ago)."""
    org: object
    centre: object
    caseworker: object
    colleague: object
    counsellor: object
    settled: dt.date
    today: dt.date

    def due(self, days: int) -> dt.date:
        """A decision deadline `days` from today (negative: passed)."""
        return self.today + dt.timedelta(days=days)


@pytest.fixture
def office(db, make_org, make_user, today) -> Office:
    org = make_org(municipality_number="3301", county_code="33")
    centre = make_org(kind="career_centre", county_code="33")
    return Office(org, centre, make_user("caseworker", org), make_user("caseworker", org),
                  make_user("counsellor", centre), today - dt.timedelta(days=60), today)
