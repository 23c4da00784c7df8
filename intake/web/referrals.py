"""Career-guidance pages. In the case (municipality): consent, the referral draft, send, withdraw, status and history,
the summary that comes back. At the career centre: the inbox and the referral's work (accept or decline, contract,
sessions, complete). For administrators: which career centre serves each county. Print view and PDF for both sides.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from .. import access, attention, clock, i18n, referrals
from ..domain.guidance import CENTRE, INBOX_TABS
from ..domain.answers import FieldError
from ..domain.messages import N_
from ..domain.questionnaire import default_questionnaire
from ..domain.reference import languages
from ..models import Case, Organisation, User
from ..models_referrals import Referral
from ..referral_pdf import render_pdf, render_print_html
from .deps import CurrentUser, LongRequest, ObjectId, PostedForm, SessionDep
from .forms import display
from .templates import render_page, static_url

router = APIRouter(include_in_schema=False)
MAX_FIELD = 10_000  # longer posted values are cut here; the field checks then report them as too long


def _form(form: FormData, *lists: str) -> dict[str, Any]:
    """A posted form: one string per field (the last), a list for the fields named in `lists`, and the
    `areas.<code>` fields gathered into `areas`."""
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key.startswith("_") and key != "_action":
            continue
        value = value[:MAX_FIELD]
        if key in lists:
            out.setdefault(key, []).append(value)
        elif key.startswith("areas."):
            out.setdefault("areas", {})[key[6:]] = value
        else:
            out[key] = value
    for key in lists:
        out.setdefault(key, [])
    return out


async def _single_valued(form: PostedForm) -> dict[str, Any]:
    return _form(form)


ReferralForm = Annotated[dict[str, Any], Depends(_single_valued)]


def _org(db, org_id: int) -> Organisation:
    return db.get(Organisation, org_id)


def _common(**context) -> dict[str, Any]:
    return {"labels": referrals.labels(), "display": display, "questionnaire": default_questionnaire(),
            "today": clock.today(), "errors": [], "values": {}, **context}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- consent (on the case) ------------------------------------------------------------------------------------------


def _consent_page(request, db, case: Case, values=None, errors=(), status_code=200):
    centre = referrals.career_centre_for(db, _org(db, case.organisation_id))
    choices = referrals.consent_form_choices()
    if values is None:
        values = {"sections": [s for s, _ in choices.ordinary], "sensitive_questions": [], "given_how": "",
                  "given_on": clock.today().isoformat()}
    return render_page(request, "referrals/consent.html", _common(
        case=case, centre=centre, choices=choices, values=values, errors=list(errors),
        next=request.query_params.get("next", "")), status_code=status_code)


@router.get("/cases/{case_id}/consent")
def consent_form(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id, "consent.record", audit_action="read", detail="consent form")
    return _consent_page(request, db, case)


@router.post("/cases/{case_id}/consent")
def consent_record(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep, posted: PostedForm):
    case = access.load_case(db, user, case_id, "consent.record", audit_action="open-for-consent")
    data = _form(posted, "sections", "sensitive_questions")
    consent, errors = referrals.record_consent(db, user, case, data)
    if errors:
        return _consent_page(request, db, case, data, errors, status_code=422)
    if data.get("next") == "referral":
        return _redirect(f"/cases/{case.id}/referrals/new")
    return _redirect(f"/cases/{case.id}?consent=1#karriereveiledning")


@router.get("/cases/{case_id}/consent/{consent_id}/withdraw")
def consent_withdraw_page(request: Request, case_id: ObjectId, consent_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id, "consent.withdraw", audit_action="read", detail="consent withdrawal")
    consent = next((c for c in referrals.consents(db, case.id) if c.id == consent_id), None)
    if consent is None:
        raise access.NotFound()
    return render_page(request, "referrals/consent_withdraw.html", _common(case=case, consent=consent))


@router.post("/cases/{case_id}/consent/{consent_id}/withdraw")
def consent_withdraw(request: Request, case_id: ObjectId, consent_id: ObjectId, user: CurrentUser, db: SessionDep,
                     data: ReferralForm):
    case = access.load_case(db, user, case_id, "consent.withdraw", audit_action="open-for-consent-withdrawal")
    try:
        errors = referrals.withdraw_consent(db, user, case, consent_id, data)
    except LookupError:
        raise access.NotFound()
    if errors:
        consent = next(c for c in referrals.consents(db, case.id) if c.id == consent_id)
        return render_page(request, "referrals/consent_withdraw.html",
                           _common(case=case, consent=consent, errors=errors, values=data), status_code=422)
    return _redirect(f"/cases/{case.id}?consent_withdrawn=1#karriereveiledning")


# --- the referral, on the municipality's side -----------------------------------------------------------------------


def _draft_page(request, db, user, case: Case, referral: Referral | None, values=None, errors=(), status_code=200):
    centre = (_org(db, referral.to_organisation_id) if referral
              else referrals.career_centre_for(db, _org(db, case.organisation_id)))
    consent = referrals.active_consent(db, case.id, centre.id if centre else None)
    context = _common(case=case, referral=referral, values=values or referrals.referral_defaults(db, user, case),
                      errors=list(errors), languages=list(languages(i18n.current()).items()), consent=consent, centre=centre,
                      contacts=[(str(u.id), u.full_name) for u in referrals.contact_choices(db, case.organisation_id)],
                      preview=referrals.shared_sections(referrals.snapshot(case, consent)) if consent else None)
    if referral is not None:
        context["d"] = referrals.detail(db, user, referral)
    return render_page(request, "referrals/form.html", context, status_code=status_code)


def _case_referral(db, user, case_id: int, referral_id: int, permission: str = "referral.read", **kw) -> Referral:
    referral = access.load_referral(db, user, referral_id, permission, **kw)
    if referral.case_id != case_id:
        raise access.NotFound()
    return referral


def _case_and_referral(db, user, case_id: int, referral_id: int, permission: str = "referral.read", **kw
                       ) -> tuple[Case, Referral]:
    """The case (read) and one of its referrals (with `permission`), both authorised and audited."""
    case = access.load_case(db, user, case_id, detail=f"referral={referral_id}")
    return case, _case_referral(db, user, case.id, referral_id, permission, **kw)


@router.get("/cases/{case_id}/referrals/new")
def referral_new(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id, "referral.create", audit_action="read", detail="new referral form")
    draft = referrals.draft_of(db, case.id)
    if draft is not None:
        return _redirect(f"/cases/{case.id}/referrals/{draft.id}")
    return _draft_page(request, db, user, case, None)


def _send_or_show(request, db, user, case, referral, data):
    """After a draft is saved: send it when asked to, else show it again."""
    if data.get("_action") != "send":
        return _redirect(f"/cases/{case.id}/referrals/{referral.id}?saved=1")
    referral = _case_referral(db, user, case.id, referral.id, "referral.send", audit_action="open-for-send")
    errors = referrals.apply(db, user, referral, "send")
    if errors:
        return _draft_page(request, db, user, case, referral, data, errors, status_code=422)
    return _redirect(f"/cases/{case.id}/referrals/{referral.id}?sent=1")


@router.post("/cases/{case_id}/referrals")
def referral_create(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    case = access.load_case(db, user, case_id, "referral.create", audit_action="open-for-referral")
    referral, errors = referrals.create_referral(db, user, case, data)
    if errors:
        return _draft_page(request, db, user, case, None, data, errors, status_code=422)
    return _send_or_show(request, db, user, case, referral, data)


@router.get("/cases/{case_id}/referrals/{referral_id}")
def referral_page(request: Request, case_id: ObjectId, referral_id: ObjectId, user: CurrentUser, db: SessionDep):
    case, referral = _case_and_referral(db, user, case_id, referral_id)
    if referral.status == "draft" and access.can(user, "referral.update"):
        values = {"purpose": referral.purpose, "questions": referral.questions,
                  "decision_deadline": referral.decision_deadline.isoformat() if referral.decision_deadline else "",
                  "interpreter_language": referral.interpreter_language or "",
                  "contact_user_id": str(referral.contact_user_id)}
        return _draft_page(request, db, user, case, referral, values)
    d = referrals.detail(db, user, referral)
    return render_page(request, "referrals/detail.html",
                       _common(case=case, d=d, summary_unread=attention.summary_marker(db, user, d.summary)))


@router.post("/cases/{case_id}/referrals/{referral_id}")
def referral_save(request: Request, case_id: ObjectId, referral_id: ObjectId, user: CurrentUser, db: SessionDep,
                  data: ReferralForm):
    case, referral = _case_and_referral(db, user, case_id, referral_id, "referral.update",
                                        audit_action="open-for-update")
    if data.get("_action") == "delete":
        referrals.delete_draft(db, user, referral)
        return _redirect(f"/cases/{case.id}#karriereveiledning")
    errors = referrals.update_draft(db, user, referral, data)
    if errors:
        return _draft_page(request, db, user, case, referral, data, errors, status_code=422)
    return _send_or_show(request, db, user, case, referral, data)


@router.post("/cases/{case_id}/referrals/{referral_id}/withdraw")
def referral_withdraw(request: Request, case_id: ObjectId, referral_id: ObjectId, user: CurrentUser, db: SessionDep,
                      data: ReferralForm):
    case, referral = _case_and_referral(db, user, case_id, referral_id, "referral.withdraw",
                                        audit_action="open-for-withdraw")
    errors = referrals.apply(db, user, referral, "withdraw", data)
    if errors:
        return render_page(request, "referrals/detail.html",
                           _common(case=case, d=referrals.detail(db, user, referral), errors=errors, values=data),
                           status_code=422)
    return _redirect(f"/cases/{case.id}/referrals/{referral.id}?withdrawn=1")


# --- print view and PDF (both sides: what the side may see) ----------------------------------------------------------


@router.get("/referrals/{referral_id}/print")
def referral_print(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep):
    referral = access.load_referral(db, user, referral_id, detail="print view")
    html = render_print_html(referrals.detail(db, user, referral), stylesheet_href=static_url("referral-print.css"))
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/referrals/{referral_id}/pdf", dependencies=[LongRequest])
def referral_pdf(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep):
    referral = access.load_referral(db, user, referral_id, audit_action="print", detail="pdf")
    d = referrals.detail(db, user, referral)
    pdf = render_pdf(d)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="henvisning-{referral.id}-v{referral.version}.pdf"'})


# --- the career centre ----------------------------------------------------------------------------------------------


@router.get("/inbox")
def inbox(request: Request, user: CurrentUser, db: SessionDep,
          tab: Annotated[str, Query(max_length=20)] = "new"):
    access.require(db, user, "referral.inbox")
    if tab not in INBOX_TABS:
        tab = "new"
    rows, counts = referrals.inbox(db, user, tab)
    return render_page(request, "inbox/list.html", _common(rows=rows, counts=counts, tab=tab, tabs=INBOX_TABS,
                                                           organisation=_org(db, user.organisation_id)))


# The parts of a referral at the centre, each its own page under /inbox/{id} (#16 item 9): key -> (path, label).
CENTRE_PARTS = {
    "referral": ("", N_("Henvisning")),
    "contract": ("/contract", N_("Avtale")),
    "sessions": ("/sessions", N_("Samtaler")),
    "summary": ("/summary", N_("Oppsummering")),
}
# Where each action's form is, and where its success is told.
_ACTION_PART = {"receive": "referral", "accept": "referral", "decline": "referral", "contract": "contract",
                "session": "sessions", "notes": "sessions", "complete": "summary"}
_DONE_GOES_TO = {"accept": "contract", "contract": "sessions"}  # the next step's page


def _centre_page(request, db, user, referral, part: str, errors=(), values=None, form=None, status_code=200):
    return render_page(request, f"inbox/{part}.html",
                       _common(d=referrals.detail(db, user, referral), errors=list(errors), values=values or {},
                               form=form, part=part, parts=CENTRE_PARTS), status_code=status_code)


def _centre_referral(db, user, referral_id: int, part: str) -> Referral | RedirectResponse:
    """The referral as the centre's page of `part` shows it, or, for the municipality, a redirect to its own view
    of the referral. Opening it changes nothing (a GET never does): "Marker som mottatt" posts the status change."""
    referral = access.load_referral(db, user, referral_id, detail="" if part == "referral" else part)
    if access.referral_side(user) != CENTRE:
        # The inbox is the career centre's page; the municipality reads its referral on the case.
        return _redirect(f"/cases/{referral.case_id}/referrals/{referral.id}")
    return referral


def _part_route(part: str):
    def page(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep):
        referral = _centre_referral(db, user, referral_id, part)
        if isinstance(referral, RedirectResponse):
            return referral
        return _centre_page(request, db, user, referral, part)
    page.__name__ = f"inbox_{part}"
    return page


for _part, (_path, _label) in CENTRE_PARTS.items():
    router.add_api_route(f"/inbox/{{referral_id}}{_path}", _part_route(_part), methods=["GET"])


def _centre_action(request: Request, referral_id: int, user: User, db, data: dict[str, Any], name: str,
                   permission: str, action):
    referral = access.load_referral(db, user, referral_id, permission, audit_action=f"open-for-{name}")
    errors = action(referral, data)
    part = _ACTION_PART[name]
    if errors:
        return _centre_page(request, db, user, referral, part, errors, data, form=name, status_code=422)
    goes_to = _DONE_GOES_TO.get(name, part)
    anchor = f"#session-{data['_session']}" if name == "notes" else ""
    return _redirect(f"/inbox/{referral.id}{CENTRE_PARTS[goes_to][0]}?done={name}{anchor}")


@router.post("/inbox/{referral_id}/receive")
def inbox_receive(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    return _centre_action(request, referral_id, user, db, data, "receive", "referral.receive",
                            lambda r, data: referrals.apply(db, user, r, "receive"))


@router.post("/inbox/{referral_id}/accept")
def inbox_accept(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    return _centre_action(request, referral_id, user, db, data, "accept", "referral.accept",
                            lambda r, data: referrals.apply(db, user, r, "accept", data))


@router.post("/inbox/{referral_id}/decline")
def inbox_decline(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    return _centre_action(request, referral_id, user, db, data, "decline", "referral.decline",
                            lambda r, data: referrals.apply(db, user, r, "decline", data))


@router.post("/inbox/{referral_id}/contract")
def inbox_contract(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    return _centre_action(request, referral_id, user, db, data, "contract", "referral.work",
                            lambda r, data: referrals.save_contract(db, user, r, data))


@router.post("/inbox/{referral_id}/sessions")
def inbox_session(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    return _centre_action(request, referral_id, user, db, data, "session", "referral.work",
                            lambda r, data: referrals.add_session(db, user, r, data))


@router.post("/inbox/{referral_id}/sessions/{session_id}")
def inbox_session_notes(request: Request, referral_id: ObjectId, session_id: ObjectId, user: CurrentUser,
                        db: SessionDep, data: ReferralForm):
    field = f"notes-{session_id}"  # each session's notes field on the sessions page has its own name

    def save(referral, data):
        try:
            errors = referrals.update_session_notes(db, user, referral, session_id, {"notes": data.get(field, "")})
        except LookupError:
            raise access.NotFound()
        return [FieldError(field, e.message) for e in errors]
    return _centre_action(request, referral_id, user, db, {**data, "_session": session_id}, "notes",
                          "referral.work", save)


@router.post("/inbox/{referral_id}/complete")
def inbox_complete(request: Request, referral_id: ObjectId, user: CurrentUser, db: SessionDep, data: ReferralForm):
    return _centre_action(request, referral_id, user, db, data, "complete", "referral.complete",
                            lambda r, data: referrals.apply(db, user, r, "complete", data))


# --- administrator: which career centre serves each county ----------------------------------------------------------


@router.get("/admin/counties")
def counties(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "county.manage")
    return render_page(request, "admin/counties.html", {"rows": referrals.county_rows(db),
                                                        "saved": request.query_params.get("saved")})


def _county_page(request, db, code, values=None, errors=(), status_code=200):
    row = next((r for r in referrals.county_rows(db) if r[0].county_code == code), None)
    if row is None:
        raise access.NotFound()
    county, org = row
    return render_page(request, "admin/county_edit.html", {
        "county": county, "current": org, "centres": [(str(o.id), o.name) for o in referrals.career_centres(db)],
        "values": values or {"organisation_id": str(org.id) if org else ""}, "errors": list(errors)},
        status_code=status_code)


@router.get("/admin/counties/{code}")
def county_edit(request: Request, code: str, user: CurrentUser, db: SessionDep):
    access.require(db, user, "county.manage")
    return _county_page(request, db, code)


@router.post("/admin/counties/{code}")
def county_save(request: Request, code: str, user: CurrentUser, db: SessionDep, data: ReferralForm):
    access.require(db, user, "county.manage")
    try:
        errors = referrals.update_county(db, user, code, data)
    except LookupError:
        raise access.NotFound()
    if errors:
        return _county_page(request, db, code, data, errors, status_code=422)
    return _redirect(f"/admin/counties?saved={code}")
