"""The rules' proposals as the plan's elements: made when the plan is made, brought up to date when the answers
change (a decision already made stays as it was), and the values derived for the plan."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import audit, clock
from ..cases import derived_values, programme_for
from ..domain import derived as derived_mod
from ..domain.answers import FieldError
from ..domain.messages import N_
from ..domain.questionnaire import default_questionnaire
from ..domain.rules import Proposal, default_ruleset
from ..models import Case, User
from ..models_plans import Plan, PlanElement
from ..plan.document import MAX_TEXT
from ..plan.texts import PLAN_LANGUAGES
from .common import MAX_TITLE, PROPOSED, elements_of, touch

# --- values derived for the plan --------------------------------------------------------------------------------


def plan_derived(case: Case, plan: Plan | None) -> dict[str, Any]:
    """Derived values with the plan's end goal in place of the mapping's: the duration limits depend on it."""
    if plan is None or not plan.end_goal:
        return derived_values(case)
    answers = {**case.answers, "assessment.proposed_end_goal": plan.end_goal}
    return derived_mod.derive(answers, programme_for(case), case.mapping_date)


def current_proposals(case: Case, lang: str = "nb") -> list[Proposal]:
    """What the rules propose for the case's answers now (hidden answers never drive a proposal); reasons in `lang`."""
    visible = default_questionnaire().drop_hidden(case.answers)
    return default_ruleset().evaluate(visible, derived_values(case), lang)


def proposals_basis(case: Case) -> str:
    """A digest of what proposals are computed from: the answers and the rule set."""
    text = json.dumps(case.answers, sort_keys=True, ensure_ascii=False, default=str) + default_ruleset().version
    return hashlib.sha256(text.encode()).hexdigest()


def proposals_stale(case: Case, plan: Plan) -> bool:
    return plan.proposals_basis != proposals_basis(case)


def default_language(answers: Mapping[str, Any]) -> str:
    """The participant's native language where the plan has texts in it, else the interpreter's, else one they read
    well; Norwegian only ("nb") when none of them has plan texts."""
    rows = [r for r in answers.get("participant.languages") or [] if isinstance(r, Mapping)]
    candidates = ([r.get("language") for r in rows if r.get("level") == "native"]
                  + [answers.get("participant.interpreter_language")]
                  + [r.get("language") for r in rows if r.get("level") == "good"])
    for code in candidates:
        if code in PLAN_LANGUAGES:
            return code
    return "nb"


def career_guidance(db: Session, case_id: int) -> tuple[str, str] | None:
    """The career centre's summary and recommendation (work, education or other, with its words) for the case, once
    guidance has ended; None before that, and while the referral module is not installed."""
    try:
        from ..domain.guidance import RECOMMENDATIONS
        from ..referrals import latest_guidance
    except ImportError:
        return None
    found = latest_guidance(db, case_id)
    if found is None:
        return None
    summary = (getattr(found, "summary", "") or "").strip()
    code = getattr(found, "recommendation", "") or ""
    text = (getattr(found, "recommendation_text", "") or "").strip()
    recommendation = ": ".join(x for x in (RECOMMENDATIONS.get(code, code), text) if x)
    return (summary, recommendation) if summary or recommendation else None


def _element_from(proposal: Proposal, position: int, version: str) -> dict[str, Any]:
    return dict(code=proposal.code, title=proposal.title["nb"][:MAX_TITLE],
                responsible=proposal.responsible["nb"][:200], because=proposal.because,
                source=proposal.source[:500], ruleset_version=version, sensitive=proposal.sensitive,
                position=position)


def create_plan(db: Session, user: User, case: Case) -> tuple[Plan | None, list[FieldError]]:
    """The plan for a completed mapping, each of the rules' proposals a proposed element with why it was proposed.
    Returns the existing plan when there is one."""
    existing = db.exec(select(Plan).where(Plan.case_id == case.id)).first()
    if existing is not None:
        return existing, []
    if case.status != "completed":
        return None, [FieldError("case", N_("Kartleggingen må være fullført før du lager planen."))]
    answers = case.answers
    programme = programme_for(case)
    plan = Plan(case_id=case.id, organisation_id=case.organisation_id, created_by_id=user.id,
                end_goal=answers.get("assessment.proposed_end_goal"),
                duration_months=answers.get("assessment.proposed_duration_months"),
                hours_per_week=programme.scope.hours_per_week,
                social_studies_hours=programme.social_studies.hours,
                long_term_goal=(answers.get("goals.long_term") or "")[:MAX_TEXT],
                language=default_language(answers), proposals_basis=proposals_basis(case))
    db.add(plan)
    try:
        db.flush()
    except IntegrityError:  # made at the same moment in another request
        db.rollback()
        return db.exec(select(Plan).where(Plan.case_id == case.id)).one(), []
    ruleset = default_ruleset()
    order = {r.code: i for i, r in enumerate(ruleset.rules)}
    proposals = current_proposals(case)
    for p in proposals:
        db.add(PlanElement(plan_id=plan.id, **_element_from(p, order[p.code], ruleset.version)))
    audit.record(db, user, "create", "plan", plan.id,
                 f"case={case.id} proposals={','.join(p.code for p in proposals)}"[:2000],
                 organisation_id=case.organisation_id)
    db.commit()
    db.refresh(plan)
    return plan, []


@dataclass
class Refreshed:
    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # no longer proposed (kept, flagged)
    returned: list[str] = field(default_factory=list)  # proposed again

    @property
    def changed(self) -> bool:
        return bool(self.added or self.withdrawn or self.returned)


def refresh_proposals(db: Session, user: User, case: Case, plan: Plan) -> Refreshed:
    """Bring the proposals up to date with the answers: new ones are added as proposed; ones the rules no longer make
    are flagged, never deleted (a decision stays as it was made). Undecided ones get the current reasons."""
    ruleset = default_ruleset()
    order = {r.code: i for i, r in enumerate(ruleset.rules)}
    proposals = {p.code: p for p in current_proposals(case)}
    result = Refreshed()
    now = clock.now()
    elements = elements_of(db, plan)
    have = {e.code for e in elements if e.code}
    for element in elements:
        if element.code is None:
            continue
        proposal = proposals.get(element.code)
        if proposal is None:
            if not element.no_longer_proposed:
                element.no_longer_proposed, element.updated_at = True, now
                result.withdrawn.append(element.code)
            continue
        if element.no_longer_proposed:
            element.no_longer_proposed, element.updated_at = False, now
            result.returned.append(element.code)
        if element.status == PROPOSED and (element.because != proposal.because
                                           or element.ruleset_version != ruleset.version):
            element.because, element.source = proposal.because, proposal.source[:500]
            element.ruleset_version, element.updated_at = ruleset.version, now
        db.add(element)
    for code, proposal in proposals.items():
        if code not in have:
            db.add(PlanElement(plan_id=plan.id, **_element_from(proposal, order[code], ruleset.version)))
            result.added.append(code)
    touch(db, plan, proposals_basis=proposals_basis(case))
    audit.record(db, user, "update", "plan", plan.id,
                 f"refresh-proposals added={','.join(result.added)} withdrawn={','.join(result.withdrawn)} "
                 f"returned={','.join(result.returned)}"[:2000], organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(plan)
    return result
