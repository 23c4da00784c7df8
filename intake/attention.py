"""What needs a caseworker's attention, for their start page: their open cases whose decision deadline is near or
passed, summaries back from the career centre that nobody of the municipality has opened, completed mappings
without a plan, and plans never fixed. Each kind is one query (the KINDS table names them); "their" cases are the
ones they created (a case has no other owner).

A guidance summary is unread until a caseworker of the municipality has it on screen (the case page shows the newest,
the referral's page its own): `mark_opened` records that."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, update
from sqlmodel import Session, col

from . import clock
from .domain.figures import DUE_SOON_DAYS
from .domain.messages import N_, Message
from .models import Case, User
from .models_plans import Plan
from .models_referrals import GuidanceSummary


@dataclass(frozen=True)
class Kind:
    code: str
    title: Message


KINDS = {k.code: k for k in (
    Kind("deadline", N_("Frist for vedtak innen 14 dager eller passert")),  # and no fixed plan
    Kind("summary", N_("Oppsummering fra karrieresenteret som ikke er åpnet")),
    Kind("no_plan", N_("Kartlegging fullført, men ingen plan")),
    Kind("not_fixed", N_("Plan som ikke er fastsatt")),
)}


@dataclass
class Item:
    case_id: int
    name: str
    deadline: dt.date | None
    days: int | None  # to the decision deadline (negative: passed)


@dataclass
class Group:
    kind: Kind
    items: list[Item]
    count: int


def _has_fixed_version():
    return col(Case.first_fixed_at).is_not(None)  # set as the first version is fixed


def _conditions(today: dt.date):
    has_plan = exists().where(Plan.case_id == Case.id)
    return {
        "deadline": and_(col(Case.decision_deadline).is_not(None),
                         Case.decision_deadline <= today + dt.timedelta(days=DUE_SOON_DAYS), ~_has_fixed_version()),
        "summary": exists().where(GuidanceSummary.case_id == Case.id, col(GuidanceSummary.opened_at).is_(None)),
        "no_plan": and_(Case.status == "completed", ~has_plan),
        "not_fixed": and_(has_plan, ~_has_fixed_version()),
    }


def needs_attention(db: Session, user: User, *, today: dt.date | None = None, limit: int = 10) -> list[Group]:
    """The groups with something in them, for the caseworker's own cases in their organisation."""
    today = today or clock.today()
    mine = and_(Case.organisation_id == user.organisation_id, Case.created_by_id == user.id)
    groups = []
    for code, condition in _conditions(today).items():
        where = and_(mine, condition)
        count = db.execute(select(func.count()).select_from(Case).where(where)).scalar_one()
        if not count:
            continue
        rows = db.execute(select(Case.id, Case.participant_name, Case.decision_deadline).where(where)
                          .order_by(col(Case.decision_deadline).asc().nulls_last(), Case.id).limit(limit)).all()
        groups.append(Group(KINDS[code], [Item(r.id, r.participant_name, r.decision_deadline,
                                               (r.decision_deadline - today).days if r.decision_deadline else None)
                                          for r in rows], count))
    return groups


def unread_summaries(db: Session, case_ids: list[int]) -> set[int]:
    """Of these cases (already authorised), those with a summary back that nobody of the municipality has opened."""
    if not case_ids:
        return set()
    return set(db.execute(select(GuidanceSummary.case_id).where(col(GuidanceSummary.case_id).in_(case_ids),
                                                                col(GuidanceSummary.opened_at).is_(None))).scalars())


def mark_opened(db: Session, user: User, summary: GuidanceSummary | None) -> bool:
    """A caseworker of the municipality has the summary on screen: it is no longer unread. Returns whether it was
    unread until now. The caller has authorised reading it; a leader reading it leaves it unread for the caseworker."""
    if summary is None or summary.opened_at is not None or user.role != "caseworker":
        return False
    opened = db.execute(update(GuidanceSummary).where(GuidanceSummary.id == summary.id,
                                                      col(GuidanceSummary.opened_at).is_(None))
                        .values(opened_at=clock.now(), opened_by_id=user.id)).rowcount
    db.commit()
    return bool(opened)


def summary_marker(db: Session, user: User, summary: GuidanceSummary | None) -> str | None:
    """Mark the summary opened if this user's view opens it (`mark_opened`), and say how the page marks it: "new"
    (this is the first time a caseworker has it on screen), "unopened" (still unread: a leader's view) or None."""
    if summary is None:
        return None
    if mark_opened(db, user, summary):
        return "new"
    return "unopened" if summary.opened_at is None else None
