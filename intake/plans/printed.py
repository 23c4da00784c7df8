"""The printed plan's content (intake.plan's `PlanDocument`) built from the stored plan: the settings, the accepted
elements, and the decision's reasons (forvaltningsloven § 25) from the rules and the mapping's facts; and the
document as it is stored with a version (JSON) and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Mapping

from sqlmodel import Session

from ..cases import programme_for
from ..domain import derived as derived_mod
from ..domain import identifiers
from ..domain.questionnaire import default_questionnaire
from ..domain.rules import default_ruleset
from ..models import Case, Organisation, User
from ..models_plans import Plan, PlanElement
from ..plan.document import Fact, NorwegianGoal, PlanDocument, Reasons, Rejected
from ..plan.document import PlanElement as DocElement
from .common import ACCEPTED, REJECTED, programme_end
from .content import WORK_MINIMUM
from .elements import required_content
from .settings import below_guiding, departs_from_main_rule, plan_norwegian_goal

LATE, BEFORE_GUIDANCE = "late_reason", "before_guidance_reason"  # why a version was fixed late, or before guidance
FIX_REASONS = (LATE, BEFORE_GUIDANCE, WORK_MINIMUM)  # every reason "Fastsett plan" may ask for (fixing.fix_warnings)


def document_to_json(doc: PlanDocument) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return plain(dataclasses.asdict(doc))


def _reasons(data: Mapping[str, Any] | None) -> Reasons:
    if not data:
        return Reasons()
    return Reasons(tuple(Fact(**f) for f in data.get("facts") or ()), data.get("source", ""),
                   data.get("justification", ""))


def document_from_json(data: Mapping[str, Any]) -> PlanDocument:
    """A stored version's document; a version fixed before a field was added gets that field's default."""
    def day(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    values = dict(data)
    for name in ("birth_date", "plan_date", "start_date", "end_date", "decision_deadline"):
        if name in values:
            values[name] = day(values[name])
    values["norwegian_goal"] = NorwegianGoal(**values["norwegian_goal"])
    if values.get("guiding_norwegian_goal"):
        values["guiding_norwegian_goal"] = NorwegianGoal(**values["guiding_norwegian_goal"])
    for name in ("end_goal_reasons", "duration_reasons", "norwegian_goal_reasons"):
        if name in values:
            values[name] = _reasons(values[name])
    values["elements"] = tuple(DocElement(**{**e, "start": day(e["start"]), "end": day(e.get("end")),
                                             "reasons": _reasons(e.get("reasons"))})
                               for e in values["elements"])
    values["rejected"] = tuple(Rejected(**r) for r in values.get("rejected") or ())
    return PlanDocument(**values)


def _facts(because: list[Mapping[str, Any]]) -> tuple[Fact, ...]:
    return tuple(Fact(b.get("question_label", b.get("question", "")), b.get("label", "")) for b in because)


# The facts each of the plan's own decisions turns on (programme.yaml's rules read them), in `because`'s words.
END_GOAL_FACTS = ["participant.birth_date", "derived.has_upper_secondary", "derived.highest_completed_level",
                  "goals.end_goal_wish"]
# The guiding goal reads "upper secondary" as general university admission (programme.yaml's norwegian_goals), and
# B2 where the participant's profession requires it.
NORWEGIAN_GOAL_FACTS = ["derived.has_university_admission", "derived.highest_completed_level"]


def decision_reasons(case: Case, plan: Plan, derived: Mapping[str, Any]) -> dict[str, Any]:
    """The reasons the printed plan gives for its end goal, duration and Norwegian goal (forvaltningsloven § 25): the
    rule's source and the facts of the mapping it turns on, in the same words as the proposals' `because`."""
    programme = programme_for(case)
    answers = default_questionnaire().drop_hidden(case.answers)
    ruleset = default_ruleset()
    limits = derived.get("duration_limits")
    end_goal_fact = Fact("Sluttmål i planen", derived_mod.END_GOAL_NAMES_NB.get(plan.end_goal or "", ""))
    main_rule = departs_from_main_rule(plan, derived)
    return {
        "allowed_end_goals": tuple(derived.get("allowed_end_goals") or ()),
        "end_goal_main_rule": main_rule,
        # the caseworker's reason for another end goal than the main rule, printed as written
        "end_goal_reasons": Reasons(_facts(ruleset.describe(END_GOAL_FACTS, answers, derived)),
                                    programme.end_goals.source, plan.end_goal_reason.strip() if main_rule else ""),
        "duration_limits": (None if not limits else
                            (limits["base_min"], limits["base_max"], limits["extension"], limits["max"])),
        # (an extension's justification is the document's own `extension_justification`)
        "duration_reasons": Reasons(
            _facts(ruleset.describe(["derived.has_upper_secondary"], answers, derived)) + (end_goal_fact,),
            programme.duration.source),
        "guiding_norwegian_goal": NorwegianGoal(**derived["norwegian_goal"]) if derived.get("norwegian_goal") else None,
        # and for a goal below the guiding levels
        "norwegian_goal_reasons": Reasons(_facts(ruleset.describe(
            NORWEGIAN_GOAL_FACTS + (["recognition.regulated_profession"] if derived.get("needs_norwegian_b2") else []),
            answers, derived)),
                                          programme.norwegian_goals.source,
                                          plan.norwegian_goal_reason.strip() if below_guiding(plan, derived) else ""),
    }


def build_document(db: Session, case: Case, plan: Plan, user: User, number: int, today: dt.date,
                   elements: list[PlanElement], derived: Mapping[str, Any], *,
                   guidance: tuple[str, str] | None = None, fix_reasons: Mapping[str, str] | None = None
                   ) -> PlanDocument:
    """The printed plan's content. Call only when `fix_problems` found nothing (every value it needs is there).
    `fix_reasons`: why it is fixed after the decision deadline or before career guidance (`fix_warnings`)."""
    answers = case.answers
    programme = programme_for(case)
    org = db.get(Organisation, case.organisation_id)
    fix_reasons = {k: v.strip() for k, v in (fix_reasons or {}).items() if v and v.strip()}
    start, end = plan.start_date, programme_end(plan)
    accepted = [e for e in elements if e.status == ACCEPTED]
    return PlanDocument(
        participant_name=answers.get("participant.name", ""),
        birth_date=dt.date.fromisoformat(answers["participant.birth_date"]),
        # saved before identifiers were stored as their digits, it may hold spaces
        duf_number=identifiers.compact_duf_number(str(answers.get("participant.duf_number", ""))),
        municipality_name=org.name if org else "",
        caseworker_name=user.full_name, caseworker_phone=user.phone or "", caseworker_email=user.email or "",
        plan_date=today, version=number, ruleset_version=default_ruleset().version,
        end_goal=plan.end_goal, norwegian_goal=NorwegianGoal(**plan_norwegian_goal(plan, derived)),
        long_term_goal=plan.long_term_goal, duration_months=plan.duration_months, start_date=start,
        end_date=end, norwegian_hours=plan.norwegian_hours,
        # An element without dates of its own runs, as the builder says, from the start to the end of the programme.
        elements=tuple(DocElement(code=e.code, title="" if e.code else e.title, responsible=e.responsible,
                                  start=e.start or start, end=e.end or end, status=e.progress, note=e.note,
                                  month_precision=e.month_precision,
                                  reasons=Reasons(_facts(e.because), e.source) if e.code else Reasons(),
                                  required=required_content(e))
                       for e in accepted),
        rejected=tuple(Rejected(e.code, e.rejection_reason, required_content(e)) for e in elements
                       if e.code and e.status == REJECTED and not e.no_longer_proposed),
        **decision_reasons(case, plan, derived),
        language=plan.language, hours_per_week=plan.hours_per_week, holiday_weeks=programme.scope.holiday_weeks,
        social_studies_hours=plan.social_studies_hours,
        career_guidance_summary=guidance[0] or None if guidance else None,
        career_guidance_recommendation=guidance[1] or None if guidance else None,
        extension_justification=(plan.extension_justification.strip() or None
                                 if derived.get("duration_limits")
                                 and plan.duration_months > derived["duration_limits"]["base_max"] else None),
        appeal_weeks=programme.appeal.weeks, appeal_authority=programme.appeal.authority,
        decision_deadline=dt.date.fromisoformat(derived["decision_deadline"]) if LATE in fix_reasons else None,
        late_reason=fix_reasons.get(LATE), before_guidance_reason=fix_reasons.get(BEFORE_GUIDANCE),
        work_minimum_reason=fix_reasons.get(WORK_MINIMUM),
    )
