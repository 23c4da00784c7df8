"""The plan's elements: a decision on each proposal (accepted, or rejected with a reason), their responsible actor,
dates, status and note, and the caseworker's own elements."""

from __future__ import annotations

from typing import Any, Mapping

from sqlmodel import Session, col, select

from .. import audit, clock
from ..domain.answers import FieldError
from ..domain.messages import N_
from ..domain.rules import default_ruleset
from ..domain.text import NAME
from ..models import User
from ..models_plans import Plan, PlanElement
from ..plan.document import MAX_TEXT
from .content import ORIENTED_CHOICES
from .common import (ACCEPTED, MAX_REASON, MAX_TITLE, OWN_ELEMENT_POSITION, PROGRESS_LABELS, PROPOSED, REJECTED,
                     element_field, elements_of, parse_date, text_problem, touch)


def _element(db: Session, plan: Plan, element_id: int) -> PlanElement | None:
    element = db.get(PlanElement, element_id)
    return element if element is not None and element.plan_id == plan.id else None


def _changed(db: Session, user: User, plan: Plan, element: PlanElement, detail: str) -> None:
    element.updated_at = clock.now()
    db.add(element)
    touch(db, plan)
    audit.record(db, user, "update", "plan", plan.id, f"element={element.id} {detail}"[:2000],
                 organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(plan)


def decide(db: Session, user: User, plan: Plan, element_id: int, decision: str, reason: str = "") -> list[FieldError]:
    """Accept a proposal into the plan, or reject it with a short reason."""
    element = _element(db, plan, element_id)
    if element is None:
        return [FieldError("plan", N_("Fant ikke tiltaket. Last siden på nytt."))]
    reason = reason.strip()
    if decision == REJECTED:
        if not reason:
            return [FieldError(element_field(element.id, "reason"),
                               N_("Skriv kort hvorfor «{title}» avvises. Deltakeren kan klage på planen.",
                                  title=element.title))]
        problem = text_problem(element_field(element.id, "reason"), N_("Begrunnelsen"), MAX_REASON, reason)
        if problem:
            return [problem]
    elif decision not in (ACCEPTED, PROPOSED):
        return [FieldError("plan", N_("Ukjent valg."))]
    element.status = decision
    element.rejection_reason = reason if decision == REJECTED else ""
    element.decided_at = clock.now() if decision != PROPOSED else None
    element.decided_by_id = user.id if decision != PROPOSED else None
    _changed(db, user, plan, element, f"decision={decision} code={element.code or '-'}")
    return []


def undecided(elements: list[PlanElement]) -> list[PlanElement]:
    """The proposals still waiting for a decision (one the rules withdrew needs none)."""
    return [e for e in elements if e.status == PROPOSED and not e.no_longer_proposed]


def required_content(element: PlanElement) -> bool:
    """Whether the law makes the element part of every programme it applies to (the rule says so)."""
    rule = next((r for r in default_ruleset().rules if r.code == element.code), None) if element.code else None
    return bool(rule and rule.required_content)


def accept_required(db: Session, user: User, plan: Plan) -> list[PlanElement]:
    """Take every undecided proposal of required content into the plan at once ("Ta med alt påkrevd innhold");
    returns those it took. One audit entry names them all."""
    taken = [e for e in undecided(elements_of(db, plan)) if required_content(e)]
    if not taken:
        return []
    now = clock.now()
    for element in taken:
        element.status, element.rejection_reason = ACCEPTED, ""
        element.decided_at, element.decided_by_id, element.updated_at = now, user.id, now
        db.add(element)
    touch(db, plan)
    audit.record(db, user, "update", "plan", plan.id,
                 f"decision=accepted required-content codes={','.join(e.code or '-' for e in taken)}"[:2000],
                 organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(plan)
    return taken


def _element_values(element_id: int | None, form: Mapping[str, str], *, own: bool
                    ) -> tuple[dict[str, Any], list[FieldError]]:
    def name(n: str) -> str:
        return element_field(element_id, n) if element_id is not None else f"new.{n}"

    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    if own:
        title = form.get("title", "").strip()
        if not title:
            errors.append(FieldError(name("title"), N_("Skriv hva tiltaket er.")))
        elif problem := text_problem(name("title"), N_("Tittelen"), MAX_TITLE, title, NAME):
            errors.append(problem)
        else:
            values["title"] = title
        if "oriented" in form:  # whether it counts as the work- or education-oriented content the law requires
            kind = form["oriented"].strip()
            if kind and kind not in ORIENTED_CHOICES:
                errors.append(FieldError(name("oriented"), N_("Velg et av valgene i listen.")))
            else:
                values["oriented"] = kind or None
    responsible = form.get("responsible", "").strip()
    if not responsible:
        errors.append(FieldError(name("responsible"), N_("Skriv hvem som har ansvaret for tiltaket.")))
    elif problem := text_problem(name("responsible"), N_("Ansvarlig"), 200, responsible, NAME):
        errors.append(problem)
    else:
        values["responsible"] = responsible
    start, error = parse_date(form.get("start", ""), name("start"), N_("Startdatoen"))
    errors += [error] if error else []
    end, error2 = parse_date(form.get("end", ""), name("end"), N_("Sluttdatoen"))
    errors += [error2] if error2 else []
    if start and end and end < start:
        errors.append(FieldError(name("end"), N_("Sluttdatoen kan ikke være før startdatoen.")))
    if not error and not error2:
        values["start"], values["end"] = start, end
    note = form.get("note", "").strip()
    if problem := text_problem(name("note"), N_("Merknaden"), MAX_TEXT, note):
        errors.append(problem)
    else:
        values["note"] = note
    # Only when the form has them (a form without them leaves them as they are): the status, and the dates as months.
    if "progress" in form:
        if form["progress"] in PROGRESS_LABELS:
            values["progress"] = form["progress"]
        else:
            errors.append(FieldError(name("progress"), N_("Velg en av statusene i listen.")))
    if "month_only" in form:  # a hidden "0" before the checkbox's "1": the last one posted counts
        values["month_precision"] = form["month_only"] == "1"
    return values, errors


def edit_element(db: Session, user: User, plan: Plan, element_id: int, form: Mapping[str, str]) -> list[FieldError]:
    """Change the responsible actor, start, end and note (and an own element's title). Nothing is saved on an error."""
    element = _element(db, plan, element_id)
    if element is None:
        return [FieldError("plan", N_("Fant ikke tiltaket. Last siden på nytt."))]
    values, errors = _element_values(element.id, form, own=element.code is None)
    if errors:
        return errors
    changed = sorted(k for k, v in values.items() if getattr(element, k) != v)
    for key, value in values.items():
        setattr(element, key, value)
    if changed:
        _changed(db, user, plan, element, f"edit fields={','.join(changed)}")
    return []


def add_element(db: Session, user: User, plan: Plan, form: Mapping[str, str]) -> list[FieldError]:
    """An element of the caseworker's own, taken into the plan."""
    values, errors = _element_values(None, form, own=True)
    if errors:
        return errors
    last = db.exec(select(PlanElement.position).where(PlanElement.plan_id == plan.id)
                   .order_by(col(PlanElement.position).desc()).limit(1)).first()
    element = PlanElement(plan_id=plan.id, code=None, status=ACCEPTED, decided_at=clock.now(), decided_by_id=user.id,
                          position=max(OWN_ELEMENT_POSITION, (last or 0) + 1), **values)
    db.add(element)
    db.flush()
    _changed(db, user, plan, element, "add own element")
    return []
