"""The JSON API for career guidance (documented at /api/docs): consent, referrals, the career centre's inbox, and one
POST per status change. A change the current status does not allow answers 409 with a message; missing input 422."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from .. import access, i18n, referrals
from ..domain.answers import FieldError
from ..domain.guidance import (CAREER_AREAS, CONSENT_METHODS, DECLINE_REASONS, INBOX_TABS, RECOMMENDATIONS,
                               SESSION_FORMS, TEXT_MAX, TRANSITIONS)
from ..models_referrals import Consent
from .deps import CurrentUser, ObjectId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["referrals"])


def _iso_date(value: Any) -> Any:
    # Strict: an ISO date string (or a date), never a number read as a timestamp.
    if not isinstance(value, (str, dt.date)):
        raise ValueError("must be an ISO date string, e.g. 2026-12-01")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[StrictStr, Field(max_length=TEXT_MAX)]
# The codes come from intake/domain/guidance.py, so the API and the pages accept the same ones.
ConsentMethod = Literal[tuple(CONSENT_METHODS)]
DeclineReason = Literal[tuple(DECLINE_REASONS)]
Recommendation = Literal[tuple(RECOMMENDATIONS)]
SessionForm = Literal[tuple(SESSION_FORMS)]
Area = Literal[tuple(CAREER_AREAS)]
Tab = Literal[tuple(INBOX_TABS)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(In):
    sections: list[StrictStr] = Field(description="Section ids shared. `participant` is required; a sensitive "
                                                  "section (e.g. `life`) only when the participant consented to it.")
    sensitive_questions: list[StrictStr] = Field(default_factory=list,
                                                 description="Sensitive questions outside sensitive sections, by id.")
    given_how: ConsentMethod
    given_on: IsoDate


class ReferralIn(In):
    purpose: Text = ""
    questions: Text = ""
    decision_deadline: IsoDate | None = Field(default=None, description="Defaults to the case's decision deadline.")
    interpreter_language: StrictStr | None = Field(default=None, max_length=3, description="ISO 639 code")
    contact_user_id: StrictInt | None = Field(default=None, description="A caseworker of the municipality; "
                                                                        "defaults to the caller.")
    send: StrictBool = Field(default=False, description="Send at once (needs a consent and a purpose).")


class NoteIn(In):
    note: Text = ""


class AcceptIn(In):
    planned_first_session: IsoDate


class DeclineIn(In):
    decline_reason: DeclineReason
    decline_text: Text = Field(default="", description="Required when the reason is `other`.")


class StartIn(In):
    goal: Text
    frame: Text
    agreed_on: IsoDate | None = None


class SessionIn(In):
    held_on: IsoDate
    form: SessionForm
    interpreter_used: StrictBool = False
    notes: Text = Field(default="", description="The counsellor's private notes on the session: the career centre's "
                                                "own, never shown to the municipality.")


class CompleteIn(In):
    summary: Annotated[StrictStr, Field(max_length=8000)]
    areas: dict[Area, Text] = Field(default_factory=dict, description="Optional text per career-competence area.")
    recommendation: Recommendation
    recommendation_text: Text


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorsOut(BaseModel):
    errors: list[FieldErrorOut]


class MessageOut(BaseModel):
    detail: str


class ConsentOut(BaseModel):
    id: int
    recipient_organisation_id: int
    sections: list[str]
    sensitive_questions: list[str]
    given_how: str
    given_on: dt.date
    recorded_at: dt.datetime
    withdrawn_at: dt.datetime | None


class OrgOut(BaseModel):
    id: int
    name: str


class ContactOut(BaseModel):
    name: str
    phone: str | None
    email: str | None


class EventOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    at: dt.datetime
    by: str
    note: str


class SummaryOut(BaseModel):
    summary: str
    areas: dict[str, str]
    recommendation: str
    recommendation_text: str
    completed_at: dt.datetime


class ContractOut(BaseModel):
    goal: str
    frame: str
    agreed_on: dt.date


class SessionOut(BaseModel):
    held_on: dt.date
    form: str
    interpreter_used: bool
    notes: str = Field(description="The counsellor's private notes (the career centre's side only, as the sessions).")


class ReferralListItem(BaseModel):
    id: int
    version: int
    status: str
    participant_name: str
    municipality: str
    sent_at: dt.datetime | None
    decision_deadline: dt.date | None
    overdue: bool


class ReferralOut(BaseModel):
    id: int
    case_id: int | None = Field(description="Only for the municipality that sent it.")
    version: int
    status: str
    status_label: str
    from_organisation: OrgOut
    to_organisation: OrgOut
    participant_name: str
    purpose: str
    questions: str
    decision_deadline: dt.date | None
    interpreter_language: str | None
    contact: ContactOut | None
    sent_at: dt.datetime | None
    planned_first_session: dt.date | None
    decline_reason: str | None
    decline_text: str
    overdue: bool
    allowed_transitions: list[str] = Field(description="Status changes the caller may make now.")
    consent: ConsentOut | None
    shared_answers: dict[str, Any] | None = Field(description="The answers the consent covers, as sent; absent "
                                                              "where this side may not see them.")
    derived: dict[str, Any] | None
    history: list[EventOut]
    summary: SummaryOut | None
    contract: ContractOut | None = Field(description="The career centre's side only.")
    sessions: list[SessionOut] | None = Field(description="The career centre's side only.")


def _errors(errors: list[FieldError]) -> JSONResponse:
    return JSONResponse({"errors": [i18n.error_dict(e) for e in errors]}, status_code=422)


def _consent_out(c: Consent) -> ConsentOut:
    return ConsentOut(id=c.id, recipient_organisation_id=c.recipient_organisation_id, sections=c.sections,
                      sensitive_questions=c.sensitive_questions, given_how=c.given_how, given_on=c.given_on,
                      recorded_at=c.recorded_at, withdrawn_at=c.withdrawn_at)


def _out(db, user, referral) -> ReferralOut:
    d = referrals.detail(db, user, referral)
    centre = d.side == "centre"
    snap = None if d.shared is None else (referral.snapshot if not d.preview else None)
    r = d.referral
    return ReferralOut(
        id=r.id, case_id=None if centre else r.case_id, version=r.version, status=r.status,
        status_label=d.status.label, from_organisation=OrgOut(id=d.from_org.id, name=d.from_org.name),
        to_organisation=OrgOut(id=d.to_org.id, name=d.to_org.name), participant_name=d.participant_name,
        purpose=r.purpose, questions=r.questions, decision_deadline=r.decision_deadline,
        interpreter_language=r.interpreter_language,
        contact=ContactOut(name=d.contact.full_name, phone=d.contact.phone, email=d.contact.email) if d.contact else None,
        sent_at=r.sent_at, planned_first_session=r.planned_first_session, decline_reason=r.decline_reason,
        decline_text=r.decline_text, overdue=d.overdue, allowed_transitions=[t.name for t in d.actions],
        consent=_consent_out(d.consent) if d.consent and not d.preview else None,
        shared_answers=(snap or {}).get("answers") if snap else None, derived=(snap or {}).get("derived") if snap else None,
        history=[EventOut(action=e.action, from_status=e.from_status, to_status=e.to_status, at=e.at, by=e.user_name,
                          note=e.note) for e in d.events],
        summary=SummaryOut(summary=d.summary.summary, areas=d.summary.areas, recommendation=d.summary.recommendation,
                           recommendation_text=d.summary.recommendation_text, completed_at=d.summary.completed_at)
        if d.summary else None,
        contract=ContractOut(goal=d.contract.goal, frame=d.contract.frame, agreed_on=d.contract.agreed_on)
        if centre and d.contract else None,
        sessions=[SessionOut(held_on=s.held_on, form=s.form, interpreter_used=s.interpreter_used,
                             notes=s.notes) for s in d.sessions]
        if centre else None)


NOT_FOUND = {404: {"model": MessageOut, "description": "No such referral that you may see"}}
CONFLICT = {409: {"model": MessageOut, "description": "Not possible from the referral's current status"}}
INVALID = {422: {"model": ErrorsOut}}


# --- consent ---------------------------------------------------------------------------------------------------------


@router.post("/cases/{case_id}/consents", summary="Record a consent", status_code=201, response_model=ConsentOut,
             responses={**INVALID, 404: {"model": MessageOut}})
def api_record_consent(case_id: ObjectId, body: ConsentIn, user: CurrentUser, db: SessionDep):
    """Record the participant's consent to share the named parts of the mapping with the county's career centre."""
    case = access.load_case(db, user, case_id, "consent.record", audit_action="open-for-consent")
    consent, errors = referrals.record_consent(db, user, case, body.model_dump(mode="json"))
    if errors:
        return _errors(errors)
    return _consent_out(consent)


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw", summary="Withdraw a consent", response_model=ConsentOut,
             responses={**INVALID, 404: {"model": MessageOut}})
def api_withdraw_consent(case_id: ObjectId, consent_id: ObjectId, body: NoteIn, user: CurrentUser, db: SessionDep):
    """Withdraw a consent: the career centre loses access to the referrals sent under it."""
    case = access.load_case(db, user, case_id, "consent.withdraw", audit_action="open-for-consent-withdrawal")
    try:
        errors = referrals.withdraw_consent(db, user, case, consent_id, body.model_dump())
    except LookupError:
        raise access.NotFound()
    if errors:
        return _errors(errors)
    return _consent_out(db.get(Consent, consent_id))


# --- referrals -------------------------------------------------------------------------------------------------------


@router.post("/cases/{case_id}/referrals", summary="Create a referral", status_code=201, response_model=ReferralOut,
             responses={**INVALID, **CONFLICT, 404: {"model": MessageOut}})
def api_create_referral(case_id: ObjectId, body: ReferralIn, user: CurrentUser, db: SessionDep):
    """Create a draft referral (the next version for the case) to the county's career centre; with `send: true` it
    is sent at once. Only one draft per case at a time (409)."""
    case = access.load_case(db, user, case_id, "referral.create", audit_action="open-for-referral")
    data = body.model_dump(mode="json", exclude={"send"})
    defaults = referrals.referral_defaults(db, user, case)
    data = {k: (defaults.get(k) if v is None and k in ("decision_deadline", "contact_user_id") else v)
            for k, v in data.items()}
    referral, errors = referrals.create_referral(db, user, case, data)
    if errors:
        return _errors(errors)
    if body.send:
        referral = access.load_referral(db, user, referral.id, "referral.send", audit_action="open-for-send")
        errors = referrals.apply(db, user, referral, "send")
        if errors:
            return _errors(errors)
    return _out(db, user, referral)


@router.get("/referrals", summary="List the career centre's inbox", response_model=list[ReferralListItem], responses={403: {"model": MessageOut}})
def api_inbox(user: CurrentUser, db: SessionDep,
              tab: Annotated[Tab | None,
              Query(description="One tab of the inbox; all when left out.")] = None):
    """The inbox of the caller's career centre: referrals to that centre only, while their consent stands."""
    access.require(db, user, "referral.inbox")
    rows, _ = referrals.inbox(db, user, tab)
    return [ReferralListItem(id=r.referral.id, version=r.referral.version, status=r.referral.status,
                             participant_name=r.participant_name, municipality=r.municipality,
                             sent_at=r.referral.sent_at, decision_deadline=r.referral.decision_deadline,
                             overdue=r.overdue) for r in rows]


@router.get("/referrals/{referral_id}", summary="Read a referral", response_model=ReferralOut, responses=NOT_FOUND)
def api_get_referral(referral_id: ObjectId, user: CurrentUser, db: SessionDep):
    """The referral as the caller's side may see it. Reading it changes nothing: the career centre marks a sent
    referral as received with `POST /api/v1/referrals/{id}/receive`."""
    return _out(db, user, access.load_referral(db, user, referral_id))


def _transition(db, user, referral_id: int, name: str, data: dict[str, Any] | None = None):
    referral = access.load_referral(db, user, referral_id, f"referral.{name}", audit_action=f"open-for-{name}")
    errors = referrals.apply(db, user, referral, name, data or {})
    if errors:
        return _errors(errors)
    return _out(db, user, referral)


TRANSITION_RESPONSES = {**NOT_FOUND, **CONFLICT, **INVALID, 403: {"model": MessageOut}}


# What each status change's POST reads (None: no body) and what its description adds to the TRANSITIONS table.
TRANSITION_INPUT: dict[str, tuple[type[In] | None, str]] = {
    "send": (None, "Needs a standing consent and a purpose; freezes the shared answers."),
    "receive": (None, ""),
    "accept": (AcceptIn, "With the planned first session."),
    "decline": (DeclineIn, "With a reason."),
    "start": (StartIn, "With the guidance contract: goal and frame."),
    "complete": (CompleteIn, "With the summary and the recommendation."),
    "withdraw": (NoteIn, ""),
}

TRANSITION_SUMMARY = {"send": "Send a referral", "receive": "Mark a referral received", "accept": "Accept a referral",
                      "decline": "Decline a referral", "start": "Start the guidance",
                      "complete": "Complete the guidance with a summary", "withdraw": "Withdraw a referral"}


def _transition_endpoint(name: str, body_model: type[In] | None):
    if body_model is None:
        def endpoint(referral_id: ObjectId, user: CurrentUser, db: SessionDep):
            return _transition(db, user, referral_id, name)
    else:
        def endpoint(referral_id: ObjectId, body: In, user: CurrentUser, db: SessionDep):
            return _transition(db, user, referral_id, name, body.model_dump(mode="json"))
        endpoint.__annotations__["body"] = body_model  # this transition's own input, in the OpenAPI document
    return endpoint


def _add_transition_routes() -> None:
    """One POST /referrals/{id}/<transition> per row of the TRANSITIONS table (a new row without an entry in
    TRANSITION_INPUT stops start-up here)."""
    for t in TRANSITIONS.values():
        body_model, note = TRANSITION_INPUT[t.name]
        description = f"{' or '.join(t.from_statuses)} → {t.to} ({t.role}, {t.side} side). {note}".strip()
        router.add_api_route(f"/referrals/{{referral_id}}/{t.name}", _transition_endpoint(t.name, body_model),
                             methods=["POST"], name=f"api_{t.name}", description=description,
                             summary=TRANSITION_SUMMARY.get(t.name, f"{t.name.capitalize()} a referral"),
                             response_model=ReferralOut, responses=TRANSITION_RESPONSES)


_add_transition_routes()


@router.post("/referrals/{referral_id}/sessions", summary="Record a guidance session", response_model=ReferralOut, responses=TRANSITION_RESPONSES)
def api_add_session(referral_id: ObjectId, body: SessionIn, user: CurrentUser, db: SessionDep):
    """Record a guidance session (career counsellor; accepted or in progress)."""
    referral = access.load_referral(db, user, referral_id, "referral.work", audit_action="open-for-session")
    errors = referrals.add_session(db, user, referral, body.model_dump(mode="json"))
    if errors:
        return _errors(errors)
    return _out(db, user, referral)
