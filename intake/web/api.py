"""The JSON API (documented at /api/docs): cases and their answers in the spec's JSON form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .. import access, i18n
from ..cases import check, create_case, save_answers
from ..domain.answers import FieldError
from .deps import CurrentUser, SessionDep

router = APIRouter(prefix="/api/v1", tags=["cases"])


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Any] = Field(default_factory=dict,
                                    description="Answers keyed by question id, as in the questionnaire spec.")


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorsOut(BaseModel):
    errors: list[FieldErrorOut]


class CreatedOut(BaseModel):
    id: int


class CaseOut(BaseModel):
    id: int
    status: str
    answers: dict[str, Any]
    derived: dict[str, Any]
    errors: list[FieldErrorOut] = Field(description="Problems in the saved answers, e.g. a failed cross-field check.")
    mapping_date: dt.date
    completed_at: dt.datetime | None
    version: int


def _errors(errors: list[FieldError]) -> JSONResponse:
    return JSONResponse({"errors": [i18n.error_dict(e) for e in errors]}, status_code=422)


def _case_out(case) -> CaseOut:
    result = check(case)
    return CaseOut(id=case.id, status=case.status, answers=case.answers, derived=result.derived,
                   errors=[FieldErrorOut(**i18n.error_dict(e)) for e in result.errors], mapping_date=case.mapping_date,
                   completed_at=case.completed_at, version=case.version)


@router.post("/cases", status_code=201, response_model=CreatedOut, responses={422: {"model": ErrorsOut}})
def api_create_case(body: AnswersIn, user: CurrentUser, db: SessionDep):
    """Create a case in your organisation. Invalid answers → 422 with an error per field."""
    access.require(user, "case.create")
    case, errors = create_case(db, user, body.answers)
    if errors:
        return _errors(errors)
    return CreatedOut(id=case.id)


@router.get("/cases/{case_id}", response_model=CaseOut, responses={404: {"description": "No such case in your organisation"}})
def api_get_case(case_id: int, user: CurrentUser, db: SessionDep):
    """Answers, derived values and status."""
    case = access.load_case(db, user, case_id)
    return _case_out(case)


@router.patch("/cases/{case_id}/answers", response_model=CaseOut,
              responses={422: {"model": ErrorsOut}, 404: {"description": "No such case in your organisation"}})
def api_patch_answers(case_id: int, body: AnswersIn, user: CurrentUser, db: SessionDep):
    """Merge answers into the case (null removes an answer). Nothing is saved when any answer is invalid, or when the
    change makes a check fail (a problem the case already had, say from a form, does not block other changes)."""
    case = access.load_case(db, user, case_id, "case.update", audit_action="open-for-update")
    merged = {**case.answers, **{k: v for k, v in body.answers.items() if v is not None}}
    for k, v in body.answers.items():
        if v is None:
            merged.pop(k, None)
    had = {(e.field, e.message) for e in check(case).errors}
    errors = [e for e in check(case, merged).errors
              if (e.field, e.message) not in had or ".".join(e.field.split(".")[:2]) in body.answers]
    if errors:
        return _errors(errors)
    saved = save_answers(db, user, case.id, body.answers)
    return _case_out(saved.case)
