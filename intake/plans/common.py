"""What the plan's modules share: the element statuses, the plan's row version (`touch`), its elements in order, and
the small parsers the builder's forms use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from .. import clock
from ..domain import derived as derived_mod
from ..domain.codes import SKILLS
from ..domain.answers import FieldError
from ..domain.messages import N_, Message
from ..domain.text import FREE, text_error
from ..models_plans import Plan, PlanElement

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
STATUS_LABELS = {PROPOSED: N_("Ikke avgjort"), ACCEPTED: N_("Tatt med i planen"), REJECTED: N_("Avvist")}
# How far an element has come, as the plan prints it (the keys are intake.plan's ELEMENT_STATUSES).
PROGRESS_LABELS = {"planned": N_("Planlagt"), "ongoing": N_("I gang"), "completed": N_("Fullført"),
                   "cancelled": N_("Avbrutt")}
SETTINGS_FIELDS = ("end_goal", "duration_months", "start_date", "hours_per_week", "norwegian_hours",
                   "social_studies_hours", "long_term_goal", "language", "extension_justification", "end_goal_reason",
                   "norwegian_goal_reason")
# The Norwegian goal's fields in the settings form, one per skill (`norwegian_goal_listening`, …): the plan's goal.
GOAL_FIELDS = tuple(f"norwegian_goal_{skill}" for skill in SKILLS)
OWN_ELEMENT_POSITION = 1000  # own elements are listed after the rules' proposals
MAX_REASON = 500
MAX_TITLE = 200
MAX_HOURS = {"norwegian_hours": 5000, "social_studies_hours": 1000}

STALE_MESSAGE = N_("Planen er endret i en annen fane eller av en annen etter at du åpnet siden. Se over og prøv igjen.")


def elements_of(db: Session, plan: Plan) -> list[PlanElement]:
    return list(db.exec(select(PlanElement).where(PlanElement.plan_id == plan.id)
                        .order_by(col(PlanElement.position), col(PlanElement.id))).all())


def touch(db: Session, plan: Plan, base_version: int | None = None, **values: Any) -> bool:
    """Bump the plan's row version (and set `values`); with `base_version`, only if nobody changed it since."""
    stmt = update(Plan).where(col(Plan.id) == plan.id)
    if base_version is not None:
        stmt = stmt.where(col(Plan.version) == base_version)
    result = db.exec(stmt.values(version=Plan.version + 1, updated_at=clock.now(), **values))
    return result.rowcount == 1


def parse_int(raw: str, name: str, label: Message, low: int, high: int) -> tuple[int | None, FieldError | None]:
    text = raw.strip().replace(" ", "")
    if not text:
        return None, None
    if not text.isdigit():
        return None, FieldError(name, N_("{label} må være et helt tall, for eksempel 12.", label=label))
    value = int(text)
    if not low <= value <= high:
        return None, FieldError(name, N_("{label} må være mellom {low} og {high}.", label=label, low=low, high=high))
    return value, None


def too_long(name: str, label: Message, max_length: int, text: str) -> FieldError:
    return FieldError(name, N_("{label} kan ha høyst {max} tegn (nå {n}).", label=label, max=max_length, n=len(text)))


def text_problem(name: str, label: Message, max_length: int, text: str, kind: str = FREE) -> FieldError | None:
    """Typed text that is too long, or holds what text of its kind may not (intake/domain/text.py)."""
    if len(text) > max_length:
        return too_long(name, label, max_length, text)
    problem = text_error(text, kind)
    return FieldError(name, problem) if problem else None


def parse_date(raw: str, name: str, label: Message) -> tuple[dt.date | None, FieldError | None]:
    text = raw.strip()
    if not text:
        return None, None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 2000 <= day.year <= 2100:
            return day, None
    return None, FieldError(name, N_("{label} må være en gyldig dato, for eksempel 01.02.2027.", label=label))


def element_field(element_id: int, name: str) -> str:
    return f"element-{element_id}.{name}"


def programme_end(plan: Plan) -> dt.date | None:
    """The programme's last day: its start plus its duration, or None while either is missing."""
    if plan.start_date is None or not plan.duration_months:
        return None
    return derived_mod.add_months(plan.start_date, plan.duration_months) - dt.timedelta(days=1)
