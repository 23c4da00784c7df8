"""The JSON API (documented at /api/docs): cases and their answers in the spec's JSON form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from starlette.concurrency import run_in_threadpool

from .. import access, audit, i18n
from ..cases import Refused, Saved, check, create_case, save_answers, stored_validation
from ..db import new_session
from ..domain.answers import FieldError, Validation
from ..domain.messages import N_
from ..domain.text import scrub
from .deps import CurrentUser, ObjectId, SessionDep, signed_in_user

router = APIRouter(prefix="/api/v1", tags=["cases"])


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Any] = Field(default_factory=dict,
                                    description="Answers keyed by question id, as in the questionnaire spec.")


class PatchIn(AnswersIn):
    base_version: StrictInt | None = Field(default=None, ge=1, description=(
        "The case's `version` the change was made against (as `If-Match` does): if the case has changed since, "
        "nothing is saved and the answer is 409 with both values of each field."))


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


class ConflictingFieldOut(BaseModel):
    field: str
    stored: Any = Field(description="The value stored now (null: no answer).")
    sent: Any = Field(description="The value this request sent.")


class StaleOut(BaseModel):
    detail: str
    version: int = Field(description="The case's version now.")
    base_version: int | None = Field(description="The version the request was made against (null: an If-Match "
                                                 "that names no version).")
    conflicts: list[ConflictingFieldOut] = Field(description="Each field of the request, with both values.")


def etag(version: int) -> str:
    return f'"{version}"'


def _if_match_version(header: str) -> int | None | bool:
    """The version an If-Match header names: True for `*` (any), None when it names none we could have sent (a weak
    or malformed tag never matches: If-Match compares strongly)."""
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags:
        return True
    for tag in tags:
        if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit() and len(tag) < 22:
            return int(tag[1:-1])
    return None


def _errors(errors: list[FieldError]) -> JSONResponse:
    return JSONResponse({"errors": [i18n.error_dict(e) for e in errors]}, status_code=422)


def _case_out(case, result: Validation | None = None) -> Response:
    """The case as `CaseOut`, serialised here: FastAPI would validate the model it was given once more before
    serialising it, on every save."""
    result = result or check(case)
    out = CaseOut(id=case.id, status=case.status, answers=case.answers, derived=result.derived,
                  errors=[FieldErrorOut(**i18n.error_dict(e)) for e in result.errors], mapping_date=case.mapping_date,
                  completed_at=case.completed_at, version=case.version)
    return Response(out.model_dump_json(), media_type="application/json", headers={"ETag": etag(case.version)})


@router.post("/cases", summary="Create a case", status_code=201, response_model=CreatedOut, responses={422: {"model": ErrorsOut}})
def api_create_case(body: AnswersIn, user: CurrentUser, db: SessionDep):
    """Create a case in your organisation. Invalid answers → 422 with an error per field."""
    access.require(db, user, "case.create")
    case, errors = create_case(db, user, body.answers)
    if errors:
        return _errors(errors)
    return CreatedOut(id=case.id)


CASE_ETAG = {"ETag": {"description": "The case's version, for `If-Match` on the next PATCH.",
                      "schema": {"type": "string"}}}
NOT_FOUND = {404: {"description": "No such case in your organisation"}}


@router.get("/cases/{case_id}", summary="Read a case", response_model=CaseOut, responses={200: {"headers": CASE_ETAG}, **NOT_FOUND})
def api_get_case(case_id: ObjectId, user: CurrentUser, db: SessionDep):
    """Read a case: answers, derived values, status and version (also the `ETag`)."""
    return _case_out(access.load_case(db, user, case_id))


def _json_content(request: Request) -> bool:
    """The body is declared JSON (`application/json` or a `+json` type), as FastAPI requires before it reads one."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _read_body(model: type[BaseModel], request: Request, raw: bytes) -> BaseModel:
    """The body as `model`, or the RequestValidationError FastAPI raises for a body parameter (the 422 in app.py)."""
    if not _json_content(request):
        raise RequestValidationError([{"type": "model_type", "loc": ("body",), "msg": "Input should be a JSON object",
                                       "input": None}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]) \
            from None


# The body as the docs and clients see it: the route reads it itself (below), so FastAPI does not declare it
PATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": PatchIn.model_json_schema()}}}}


@router.patch("/cases/{case_id}/answers", summary="Change a case's answers", response_model=CaseOut,
              openapi_extra=PATCH_BODY,
              responses={200: {"headers": CASE_ETAG}, 422: {"model": ErrorsOut}, **NOT_FOUND,
                         409: {"model": StaleOut, "description": "`base_version` is not the case's version now"},
                         412: {"model": StaleOut, "description": "`If-Match` does not name the case's version now"}})
async def api_patch_answers(request: Request, case_id: ObjectId,
                            if_match: Annotated[str | None, Header(description=(
                                "The case's ETag from your last GET or PATCH: if the case has changed since, nothing "
                                "is saved (412)."))] = None):
    """Merge answers into a case (null removes an answer). Nothing is saved when any answer is invalid, or when the
    change makes a check fail (a problem the case already had, say from a form, does not block other changes).

    To find out about a change made since you read the case, send its version: the `ETag` as `If-Match`, or
    `base_version` in the body; when the case has changed since, nothing is saved and the answer (412 or 409) holds
    the version now and both values of each field. Without either, the answers are merged into the case as it is
    now, whoever changed it since (a later PATCH of the same field wins)."""
    # The autosave of every integration passes here: the body is read on the event loop, and everything else (signing
    # in, parsing the body, loading, checking, storing, the audit entry, the answer) happens in one hand-over to the
    # thread pool, where FastAPI's dependencies would make three (docs/BENCHMARKS.md).
    raw = await request.body()
    return await run_in_threadpool(_patch_answers, request, case_id, raw, if_match)


def _patch_answers(request: Request, case_id: int, raw: bytes, if_match: str | None) -> Response:
    db = new_session(request.app.state.engine)
    try:
        user = signed_in_user(request, db, case_id)
        body = _read_body(PatchIn, request, raw)
        # One transaction, one audit entry: the save's "update" says the case was opened to change it; a refused
        # change records the opening itself (below).
        case = access.load_case(db, user, case_id, "case.update", audited_by_caller=True)
        expected, stale_status = None, 409
        if if_match is not None:
            named = _if_match_version(if_match)
            if named is not True:
                expected, stale_status = (named if named is not None else -1), 412
        if expected is None and body.base_version is not None:
            expected = body.base_version
        saved = save_answers(db, user, case.id, body.answers, case_version=expected, all_or_nothing=True)
        if not isinstance(saved, Saved):
            audit.record(db, user, "open-for-update", "case", case.id, organisation_id=case.organisation_id)
            db.commit()
            if isinstance(saved, Refused):
                return _errors(saved.errors)
            return _stale(saved.case.version, expected, saved.theirs, saved.mine, stale_status)
        return _case_out(saved.case, stored_validation(saved))
    finally:
        db.close()


def _stale(version: int, expected: int, stored: dict[str, Any], sent: dict[str, Any], status: int) -> JSONResponse:
    body = StaleOut(detail=i18n.translate(N_("Saken er endret siden versjonen du sendte med. Les den på nytt, og send "
                                             "endringen mot versjon {version}.", version=version)),
                    version=version, base_version=expected if expected >= 0 else None,
                    conflicts=[ConflictingFieldOut(field=k, stored=stored.get(k), sent=sent[k]) for k in sent])
    # scrub: a field name is echoed back as sent, and it may hold text UTF-8 cannot (intake/domain/text.py)
    return JSONResponse(scrub(body.model_dump(mode="json")), status_code=status, headers={"ETag": etag(version)})
