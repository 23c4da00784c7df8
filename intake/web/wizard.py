"""The caseworker's pages: case list, new case, task list, one page per section (autosaved), check answers."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import false
from sqlmodel import col, func, or_, select

from .. import access, attention, audit, case_filters, clock, plans, referrals
from ..cases import (STATUS_LABELS, Conflict, check, complete_mapping, create_case, discard_untouched, is_untouched,
                     open_problems, save_answers, section_status, unsaved_questions)
from ..domain.answers import FieldError
from ..domain.messages import N_
from ..domain.questionnaire import default_questionnaire
from ..models import Case, Organisation, User
from .deps import CurrentUser, ObjectId, PostedForm, SessionDep
from .forms import choices_for, display, field_label, section_view
from .templates import render_page, templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# Answers the printed plan carries (intake/plans/fixing.py refuses to fix a plan without them).
ON_THE_PLAN = frozenset({"participant.name", "participant.birth_date", "participant.duf_number"})

# Derived values shown beside each section, where they help the conversation.
DERIVED_BY_SECTION = {
    "participant": ["age_at_permit", "in_target_group", "chapter_6a", "decision_deadline", "unverified_rules"],
    "background": ["highest_completed_level", "has_upper_secondary", "has_university_admission"],
    "norwegian": ["norwegian_goal", "norwegian_gap", "norwegian_training_max_months"],
    "assessment": ["allowed_end_goals", "duration_limits", "norwegian_goal", "unverified_rules"],
}


SEARCH_MAX = 100  # characters of a search term


@router.get("/cases")
def case_list(request: Request, user: CurrentUser, db: SessionDep,
              page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    """The case list, filtered by the GET parameters the leaders' figures link with (no personal data in them)."""
    return _case_list(request, user, db, request.query_params, "", page)


@router.post("/cases")
def case_search(request: Request, user: CurrentUser, db: SessionDep, form: PostedForm):
    """The search (a name or a DUF number) is posted, so the term is in no address: not in a proxy's access log,
    the browser's history or a link. Without a term, the list's own address with the filters."""
    values = {k: v for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}
    term = values.pop("q", "").strip()
    page = int(values.pop("page", "1")) if values.get("page", "1").isdigit() else 1
    if not term:
        query = urlencode({k: v for k, v in case_filters.read_filters(values, set(), clock.today()).values.items()
                           if v})
        return RedirectResponse("/cases" + (f"?{query}" if query else ""), status_code=303)
    return _case_list(request, user, db, values, term, min(max(page, 1), 10_000))


def _case_list(request: Request, user, db, params, term: str, page: int):
    if not access.can(user, "case.read") and access.can(user, "referral.inbox"):
        return RedirectResponse("/inbox", status_code=303)  # a career counsellor's start page
    access.require(db, user, "case.read")
    caseworkers = db.exec(select(User).where(User.organisation_id == user.organisation_id,
                                             User.role == "caseworker").order_by(User.full_name)).all()
    filters = case_filters.read_filters(params, {u.id for u in caseworkers}, clock.today())
    errors = list(filters.errors)
    stmt = select(Case).where(Case.organisation_id == user.organisation_id, *filters.conditions)
    if len(term) > SEARCH_MAX:
        errors.append(FieldError("q", N_("Søket kan ha høyst {max} tegn.", max=SEARCH_MAX)))
        stmt = stmt.where(false())
    elif term:
        digits = term.replace(" ", "")
        stmt = stmt.where(or_(func.lower(Case.participant_name).contains(term.lower(), autoescape=True),
                              col(Case.duf_number).startswith(digits) if digits.isdigit() else False))
    total = db.exec(select(func.count()).select_from(stmt.subquery())).one()
    cases = db.exec(stmt.order_by(*case_filters.order_by(filters.sort))
                    .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    org = db.get(Organisation, user.organisation_id)
    # That a search was made, never its term: a name or DUF number in the log would outlive the case's erasure.
    audit.record(db, user, "list", "case", None,
                 f"{'search ' if term else ''}page={page} {urlencode(filters.query())}"[:500])
    db.commit()
    return render_page(request, "cases/list.html", {
        "cases": cases, "q": term, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "total": total,
        "organisation": org, "today": clock.today(), "can_create": access.can(user, "case.create"),
        "referral_by_case": referrals.latest_by_case(db, [c.id for c in cases]), "referral_labels": referrals.labels(),
        "unread": attention.unread_summaries(db, [c.id for c in cases]),
        "attention": attention.needs_attention(db, user) if access.can(user, "case.update") and page == 1 and not term
        and not filters.active else [],
        "filters": filters, "errors": errors, "filter_choices": {
            "stage": case_filters.choices(case_filters.STAGES), "deadline": case_filters.choices(case_filters.DEADLINES),
            "referral": case_filters.choices(case_filters.REFERRALS), "sort": case_filters.choices(case_filters.SORTS),
            "caseworker": [(str(u.id), u.full_name) for u in caseworkers]},
        "range_labels": case_filters.RANGE_LABELS},
        status_code=422 if errors else 200)


@router.post("/cases/new")
def new_case(request: Request, user: CurrentUser, db: SessionDep):
    access.require(db, user, "case.create")
    case, _ = create_case(db, user)
    first = default_questionnaire().sections[0].id
    return RedirectResponse(f"/cases/{case.id}/sections/{first}", status_code=303)


@router.post("/cases/{case_id}/discard")
def discard_case(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    """Delete a case that was started and never saved (an empty "Uten navn" left in the list)."""
    case = access.load_case(db, user, case_id, "case.update", audited_by_caller=True)
    if not discard_untouched(db, user, case):
        return RedirectResponse(f"/cases/{case.id}", status_code=303)
    return RedirectResponse("/cases?discarded=1", status_code=303)


@router.get("/cases/{case_id}")
def task_list(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id)
    q = default_questionnaire()
    result = check(case)
    required = check(case, require=q.sections)
    statuses = {s.id: section_status(case, s, result, required) for s in q.sections}
    guidance = referrals.case_guidance(db, user, case)
    summary_unread = attention.summary_marker(db, user, guidance.summary)  # the page shows the newest summary
    return render_page(request, "cases/tasklist.html", {
        "case": case, "sections": q.sections, "statuses": statuses, "labels": STATUS_LABELS,
        "derived": result.derived, "can_edit": access.can(user, "case.update"),
        "all_done": all(v == "completed" for v in statuses.values()), "completed_by": _completed_by(db, case),
        "not_done": [s for s in q.sections if statuses[s.id] != "completed"],
        "guidance": guidance, "referral_labels": referrals.labels(), "summary_unread": summary_unread,
        "can_refer": access.can(user, "referral.create"), "can_export": access.can(user, "case.export"),
        "can_erase": access.can(user, "case.erase"), "plan_state": plans.plan_state(db, case),
        "untouched": access.can(user, "case.update") and is_untouched(db, case)})


def _completed_by(db, case: Case) -> User | None:
    return db.get(User, case.completed_by_id) if case.completed_by_id else None


def _section_or_404(section_id: str):
    section = default_questionnaire().section(section_id)
    if section is None:
        raise access.NotFound()
    return section


def _next_url(case: Case, section_id: str, return_to: str | None) -> str:
    if return_to == "check":
        return f"/cases/{case.id}/check"
    if return_to == "plan":  # from an error link of the plan builder (an answer the plan needs)
        return f"/cases/{case.id}/plan"
    ids = [s.id for s in default_questionnaire().sections]
    i = ids.index(section_id)
    return f"/cases/{case.id}/sections/{ids[i + 1]}" if i + 1 < len(ids) else f"/cases/{case.id}/check"


def _render_section(request, case, section, view, *, return_to=None, conflict=None, notice=None, saved_at=None,
                    status_code=200, form_token=None):
    q = default_questionnaire()
    ids = [s.id for s in q.sections]
    i = ids.index(section.id)
    context = {"case": case, "section": section, "view": view, "conflict": conflict, "notice": notice,
               "return_to": return_to, "saved_at": saved_at, "choices_for": choices_for, "display": display,
               "form_token": form_token or secrets.token_urlsafe(12),
               "derived_keys": DERIVED_BY_SECTION.get(section.id, []), "questionnaire": q,
               "step": i + 1, "steps": len(ids), "previous": ids[i - 1] if i else None,
               "save_problems": _save_problems(case, section, view) if saved_at else None}
    fragment = request.headers.get("hx-request") and request.headers.get("hx-request-type", "partial") != "full"
    if fragment and request.method == "POST":
        return templates.TemplateResponse(request, "wizard/_autosave.html",
                                          {"csrf": request.state.session.csrf_token, **context},
                                          status_code=status_code)
    return render_page(request, "wizard/section.html", context, status_code=status_code)


def _save_problems(case, section, view) -> dict[str, list[str]]:
    """What the autosave status says beside "Lagret": the questions whose answer was not stored (what was typed has
    an error and is kept as a draft) and those stored but to be put right (a cross-field check), by their labels."""
    unsaved = set(unsaved_questions(case, section))
    out: dict[str, list[str]] = {"unsaved": [], "to_fix": []}
    for e in view.errors:
        question = e.field if e.field in default_questionnaire().by_id else ".".join(e.field.split(".")[:2])
        label = field_label(e.field) or e.field
        kind = "unsaved" if question in unsaved else "to_fix"
        if label not in out[kind]:
            out[kind].append(label)
    return out


@router.get("/cases/{case_id}/sections/{section_id}")
def section_page(request: Request, case_id: ObjectId, section_id: str, user: CurrentUser, db: SessionDep,
                 return_to: Annotated[str | None, Query(alias="return")] = None):
    section = _section_or_404(section_id)
    # The section page is a form: only those who may change the case get it (others read the check page).
    case = access.load_case(db, user, case_id, "case.update", audit_action="read", detail=f"section={section_id}")
    return _render_section(request, case, section, section_view(case, section), return_to=return_to)


@router.post("/cases/{case_id}/sections/{section_id}")
def section_save(request: Request, case_id: ObjectId, section_id: str, user: CurrentUser, db: SessionDep, form: PostedForm):
    """Every post saves what it can. `_action`: autosave, continue (save and next), later (save, back to the
    task list), add:<repeat id>, remove:<repeat id>:<row>."""
    section = _section_or_404(section_id)
    # The save below records the "update" entry (and a conflict its "read"): one audit entry per autosave.
    case = access.load_case(db, user, case_id, "case.update", audited_by_caller=True)
    posted = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form.keys()}
    action = (posted.get("_action") or ["autosave"])[-1]
    return_to = (posted.get("_return") or [None])[-1] or None
    form_token = (posted.get("_form") or [""])[-1][:32] or None
    shown_before = set((posted.get("_questions") or [""])[-1].split())
    try:
        base_version = int((posted.get("_version") or [""])[-1])
    except ValueError:
        base_version = None
    posted = _apply_row_action(section, posted, action)
    from ..domain.answers import parse_section_form
    changes, raw, read_errors = parse_section_form(section, posted)
    if action.startswith("add:") and any(x.id == action[4:] and x.type == "repeat" for x in section.questions):
        # An added row is empty: keep it on screen (as a draft) until it is filled in or removed.
        qid = action[4:]
        raw.setdefault(qid, []).append({})
        changes.setdefault(qid, []).append({})
    result = save_answers(db, user, case.id, changes, raw=raw, read_errors=read_errors, section=section,
                          base_version=base_version, finish_section=action == "continue", form_token=form_token)
    if isinstance(result, Conflict):
        # Nothing was saved, but the page shows the other version of the answers: that is a read.
        audit.record(db, user, "read", "case", case.id, f"section={section.id} conflict", case.organisation_id)
        db.commit()
        view = section_view(result.case, section, posted=posted)
        return _render_section(request, result.case, section, view, return_to=return_to, conflict=result,
                               status_code=409, form_token=form_token)
    case = result.case
    finishing = action == "continue"
    view = section_view(case, section, require=finishing, shown_before=shown_before if finishing else None,
                        posted=_rows_on_screen(section, posted, raw, action))
    if action == "continue" and not view.errors and not view.newly_shown:
        target = _next_url(case, section.id, return_to)
        if request.headers.get("hx-request"):
            return RedirectResponse(target, status_code=303, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    if action == "later" and not [e for e in view.errors]:
        return RedirectResponse(f"/cases/{case.id}", status_code=303)
    notice = None
    if view.newly_shown and finishing:
        notice = N_("Svarene dine gjorde at flere spørsmål ble vist. Svar på dem før du går videre.")
    status_code = 422 if finishing and view.errors else 200
    response = _render_section(request, case, section, view, return_to=return_to, notice=notice,
                               saved_at=clock.now(), status_code=status_code,
                               form_token=form_token)
    if status_code == 422:
        response.headers["HX-Push-Url"] = "false"
    return response


def _rows_on_screen(section, posted: dict[str, list[str]], raw: dict, action: str) -> dict[str, list[str]] | None:
    """After adding or removing a repeat row, that group's rows as posted, plus the added one: storage drops empty
    rows, but a row the caseworker just added (or left empty beside the one removed) stays on screen."""
    if not action.startswith(("add:", "remove:")):
        return None
    group = next((x for x in section.questions if x.type == "repeat" and x.id == action.split(":")[1]), None)
    if group is None:
        return None
    shown = {k: v for k, v in posted.items() if k.startswith(group.id + ".")}
    if action.startswith("add:"):
        shown[f"{group.id}.{len(raw.get(group.id, [])) - 1}.{group.fields[0].id}"] = [""]
    return shown or None


def _apply_row_action(section, posted: dict[str, list[str]], action: str) -> dict[str, list[str]]:
    """Remove a repeat row from the post (renumbering the rows after it) when the action asks for it."""
    if not action.startswith("remove:"):
        return posted
    try:
        _, qid, row = action.split(":")
        row_no = int(row)
    except ValueError:
        return posted
    if not any(x.id == qid and x.type == "repeat" for x in section.questions):
        return posted
    out: dict[str, list[str]] = {}
    prefix = qid + "."
    for key, values in posted.items():
        if key.startswith(prefix):
            parts = key[len(prefix):].split(".", 1)
            if len(parts) == 2 and parts[0].isdigit():
                i = int(parts[0])
                if i == row_no:
                    continue
                key = f"{prefix}{i - 1 if i > row_no else i}.{parts[1]}"
        out[key] = values
    # A group left with no rows is still an answer: an empty list, so the stored rows are cleared too.
    out.setdefault("_questions", [qid])
    if qid not in out["_questions"][-1].split():
        out["_questions"] = [out["_questions"][-1] + " " + qid]
    return out


@router.get("/cases/{case_id}/check")
def check_answers(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id, detail="check-answers")
    return _check_page(request, db, case, [])


def _check_page(request, db, case, errors, status_code=200):
    q = default_questionnaire()
    result = check(case)
    required = check(case, require=q.sections)
    rows = []
    for s in q.sections:
        items = [(x, display(x, case.answers.get(x.id))) for x in s.questions if q.is_visible(x, case.answers)]
        rows.append((s, items, section_status(case, s, result, required)))
    user = request.state.user
    # What completing still needs, said before the button is pressed (each linked to its field); the answers the
    # printed plan carries say so, since the plan cannot be fixed without them.
    needed = [] if errors else open_problems(case)
    return render_page(request, "wizard/check.html",
                       {"case": case, "rows": rows, "errors": errors, "labels": STATUS_LABELS, "needed": needed,
                        "missing": {e.field for e in required.errors}, "on_the_plan": ON_THE_PLAN,
                        "derived": result.derived, "questionnaire": q,
                        "can_edit": access.can(user, "case.update"),
                        "can_complete": access.can(user, "case.complete"),
                        "completed_by": _completed_by(db, case)},
                       status_code=status_code)


@router.post("/cases/{case_id}/complete")
def complete(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case = access.load_case(db, user, case_id, "case.complete", audit_action="open-for-complete")
    errors = complete_mapping(db, user, case)
    if errors:
        db.refresh(case)
        return _check_page(request, db, case, errors, status_code=422)
    return RedirectResponse(f"/cases/{case.id}?completed=1", status_code=303)
