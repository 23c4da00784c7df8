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
    question: str = Field(description="Question id (or `derived.<name>`) whose answer made the rule fire.")
    value: Any = Field(description="The answer, in the questionnaire's JSON form.")
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


class DerivedOut(Out):
    model_config = ConfigDict(extra="allow")  # every derived value; these are the documented ones
    in_target_group: bool | None
    norwegian_goal: NorwegianGoalOut | None
    duration_limits: DurationLimitsOut | None
    decision_deadline: dt.date | None
    allowed_end_goals: list[str] | None
    end_goal: str | None = Field(description="The proposed end goal where answered, otherwise the participant's wish "
                                             "as it is (recommendations.md).")
    duration_end_goal: str | None = Field(None, description="The end goal the duration limits are read with (null "
                                                            "while it is open and the limits depend on it).")
    age_at_permit: int | None


class EvaluationOut(Out):
    recommendations: list[RecommendationOut]
    derived: DerivedOut
    ruleset: str = Field(description="Version of the rule set (a content hash); record it with the result.")


@router.post("/evaluate", response_model=EvaluationOut, responses={422: {"model": ErrorsOut}})
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
