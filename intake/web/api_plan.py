"""The JSON API for rules: what a mapping would propose, and why (`POST /api/v1/evaluate`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .. import clock, i18n
from ..cases import programme_history
from ..config import get_settings
from ..domain.answers import validate
from ..domain.questionnaire import default_questionnaire
from ..domain.rules import default_ruleset, evaluate
from .api import ErrorsOut
from .deps import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["rules"])


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    answers: dict[str, Any] = Field(default_factory=dict,
                                    description="Answers keyed by question id, as in the questionnaire spec; "
                                                "any subset of them.")


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")  # answers are only ever checked on the way in (EvaluateIn)


class BecauseOut(Out):
    question: str = Field(description="Question id (or `derived.<name>`) whose answer made the rule fire; "
                                      "`rule.<name>` for a rule of the programme the proposal rests on.")
    value: Any = Field(description="The answer, in the questionnaire's JSON form; for a rule, its source, "
                                   "valid_from and verified.")
    label: str = Field(description="The answer in words (bokmål).")
    question_label: str = Field(description="The question in words (bokmål).")


class RecommendationOut(Out):
    code: str = Field(description="Stable recommendation code, e.g. NOR-TRAINING.")
    title: str
    explanation: str = Field(description="Plain-language explanation for the participant (bokmål).")
    responsible: str
    because: list[BecauseOut]
    source: str
    due: dt.date | None = Field(None, description="The date the element is due by, where the rule sets one (career "
                                                  "guidance: before the programme decision's deadline).")


class NorwegianGoalOut(Out):
    listening: str
    reading: str
    writing: str
    oral: str


class DurationLimitsOut(Out):
    base_min: int
    base_max: int
    extension: int
    max: int


class RuleOut(Out):
    source: str = Field(description="What the rule rests on (in Norwegian, as rules/programme.yaml has it).")
    valid_from: dt.date = Field(description="The date the rule, as it stands, has applied from.")
    verified: bool = Field(description="False where the value, or the date it applies from, is not confirmed in a "
                                       "primary source; `note` says what was found.")
    note: str | None


class WorkMinimumOut(Out):
    end_goals: list[str] = Field(description="The end goals of the programmes the minimum applies to.")
    unit: str = Field(description="`hours_per_week`.")
    hours_per_week: float | None = Field(description="The minimum; null where the requirement exists but its figure "
                                                     "is not known (then `verified` is false).")
    from_month: int | None = Field(description="The month of the programme it applies from.")
    part_time_hours_per_week: float | None
    part_time_up_to_percent: int | None
    source: str
    verified: bool
    note: str | None


class DerivedOut(Out):
    model_config = ConfigDict(extra="allow")  # every derived value; these are the documented ones
    in_target_group: bool | None = Field(description="In the target group for the introduction programme "
                                                     "(integreringsloven §§ 8–9); `facts.in_target_group` names the "
                                                     "answers that decided it.")
    chapter_6a: bool | None = Field(None, description="The programme follows the temporary rules for collective "
                                                      "protection (chapter 6A) on the mapping date.")
    norwegian_goal: NorwegianGoalOut | None = Field(description="The guiding Norwegian goal proposed for the "
                                                                "participant (B2 in all four where their profession "
                                                                "requires it); the plan holds the goal set.")
    needs_norwegian_b2: bool | None = Field(None, description="The participant's regulated profession requires "
                                                              "documented B2.")
    norwegian_goal_row: str | None = Field(None, description="Which row of the guiding levels `norwegian_goal` is: "
                                                             "primary_not_completed, primary_completed, "
                                                             "upper_secondary (general university admission or its "
                                                             "equal) or upper_secondary_needs_b2.")
    duration_limits: DurationLimitsOut | None
    duration_extension_mandatory: bool | None = Field(None, description="The programme is to be extended where that "
                                                                        "helps reach the end goal.")
    decision_deadline: dt.date | None = Field(description="Three months after settlement, or after the participant's "
                                                          "own claim where that came later (integreringsloven § 12).")
    allowed_end_goals: list[str] | None = Field(description="The end goals the law allows the participant.")
    end_goal_main_rule: str | None = Field(None, description="The end goal the law sets as the main rule (under 25 "
                                                             "without upper secondary: upper_secondary); another "
                                                             "allowed end goal needs a written reason.")
    end_goal_needs_reason: bool | None = Field(None, description="The proposed end goal departs from the main rule.")
    end_goal: str | None = Field(description="The proposed end goal where answered, otherwise the participant's wish "
                                             "as it is (recommendations.md).")
    duration_end_goal: str | None = Field(None, description="The end goal the duration limits are read with (null "
                                                            "while it is open and the limits depend on it).")
    age_at_permit: int | None
    age: int | None = Field(None, description="Age on the mapping date: what the end-goal rule and UPPER-SECONDARY "
                                              "read.")
    has_upper_secondary: bool | None = Field(None, description="Completed education at upper secondary level or "
                                                               "higher, general or vocational (the programme's "
                                                               "duration and end goals).")
    has_university_admission: bool | None = Field(None, description="Completed education giving general university "
                                                                    "admission in Norway or its equal (the Norwegian "
                                                                    "goal and the right to Norwegian training).")
    norwegian_training_max_months: int | None = Field(None, description="The right and duty to Norwegian training, "
                                                                        "in months.")
    required_content: list[str] | None = Field(None, description="The content the law requires in the programme: "
                                                                 "norwegian, social_studies, life_skills, parenting, "
                                                                 "work_or_education_oriented.")
    oriented_elements: dict[str, Any] | None = Field(None, description="The recommendation codes that are work- "
                                                                       "(`work_codes`) or education-oriented "
                                                                       "(`education_codes`) elements, and how many a "
                                                                       "programme needs at least (`min_elements`).")
    work_oriented_minimum: WorkMinimumOut | None = Field(None, description="The minimum of work-oriented content for "
                                                                           "this participant's programme, where one "
                                                                           "applies.")
    facts: dict[str, list[str]] | None = Field(None, description="Per derived value, the question ids that decided "
                                                                 "it.")
    rules: dict[str, RuleOut] | None = Field(None, description="Per rule of the programme the derived values rest "
                                                               "on, its source, date and whether it is confirmed.")
    unverified_rules: list[str] | None = Field(None, description="The rules above that are not confirmed in a "
                                                                 "primary source: check them before deciding.")


class EvaluationOut(Out):
    recommendations: list[RecommendationOut]
    derived: DerivedOut
    ruleset: str = Field(description="Version of the rule set (a content hash); record it with the result.")


@router.post("/evaluate", summary="Evaluate answers against the rules", response_model=EvaluationOut, responses={422: {"model": ErrorsOut}})
def api_evaluate(body: EvaluateIn, user: CurrentUser):
    """What the rules propose for these answers, each with the answers that made it fire and its source, plus the
    derived values (null where the answers do not yet allow them). Partial answers are fine; answers with type,
    range or cross-field errors → 422 with an error per field. Evaluated with the parameters in force today."""
    day = clock.today()
    q = default_questionnaire()
    history = programme_history()
    result = validate(q, body.answers, programme=history.on(day), today=day, allow_synthetic=get_settings().demo)
    if result.errors:
        return JSONResponse({"errors": [i18n.error_dict(e) for e in result.errors]}, status_code=422)
    return evaluate(result.answers, questionnaire=q, rules=default_ruleset(), programme_history=history, today=day)
