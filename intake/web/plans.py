"""The plan builder (/cases/{id}/plan): proposals with why, decisions, settings, own elements, fixing, and the fixed
versions as the participant got them (HTML print view and the stored PDF). Every form works without JavaScript."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html as html_mod
import re
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import access, clock, i18n, plans
from ..domain.answers import FieldError
from ..domain.derived import END_GOAL_NAMES, END_GOALS
from ..plan.document import GOAL_LEVELS
from ..domain.messages import N_
from ..domain.questionnaire import default_questionnaire
from ..domain.reference import languages
from ..domain.rules import default_ruleset
from ..plan.texts import PLAN_LANGUAGES, plan_texts
from .deps import CurrentUser, LongRequest, ObjectId, PostedForm, SessionDep
from .templates import render_page

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

NOTICES = {
    "created": N_("Planen er laget av forslagene fra kartleggingen. Ta stilling til hvert forslag."),
    "settings": N_("Mål og omfang er lagret."),
    "element": N_("Tiltaket er lagret."),
    "added": N_("Tiltaket er lagt til i planen."),
    "refreshed": N_("Forslagene er oppdatert etter svarene i kartleggingen."),
    "required": N_("Tiltakene med påkrevd innhold er tatt med i planen."),
}


PREVIEW_NOT_YET = N_("Planen kan vises for utskrift når alt som er merket under, er på plass.")
BACK_TO_PLAN = N_("Tilbake til planen")
DRAFT_NOTICE = N_("UTKAST – planen er ikke fastsatt. Slik blir den skrevet ut hvis den fastsettes nå.")


async def _form(form: PostedForm) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


PlanForm = Annotated[dict[str, str], Depends(_form)]


def _version(form: dict[str, str]) -> int | None:
    raw = form.get("_version", "")
    if not raw.isdigit():
        return None
    return access.form_id(raw) or 0  # a version no plan has: "changed since", never a database error


def _plan_url(case_id: int, notice: str | None = None, anchor: str = "") -> str:
    """The builder, scrolled to `anchor`; a notice about one element is shown at that element (`at`), where the
    caseworker is, not at the top of the page."""
    query = f"?notice={notice}" + (f"&at={anchor}" if anchor.startswith("element-") else "") if notice else ""
    return f"/cases/{case_id}/plan" + query + (f"#{anchor}" if anchor else "")


def language_choices() -> list[tuple[str, str]]:
    names = languages(i18n.current())
    out = [("nb", i18n.gettext("Bare norsk (bokmål)"))]
    for code in PLAN_LANGUAGES:
        if code != "nb":
            name, own = names.get(code, code).capitalize(), plan_texts(code).name
            out.append((code, name if own.casefold() == name.casefold() else f"{name} ({own})"))
    return out


def _context(request: Request, db, user, case, plan, *, errors: list[FieldError] = (), settings: dict | None = None,
             posted: dict[str, Any] | None = None, notice: str | None = None) -> dict[str, Any]:
    """What the builder page and its parts show; after a failed post, `settings`/`posted` hold what was typed so
    nothing is lost. `errors` are those of a post: only they go into the error summary (an alert, focused); before
    the caseworker has tried anything, what is left is said as a status at the top of the page."""
    context: dict[str, Any] = {"case": case, "plan": plan, "errors": list(errors), "posted": posted or {},
                               "can_edit": access.can(user, "plan.update"), "can_fix": access.can(user, "plan.fix"),
                               "notice": notice or NOTICES.get(request.query_params.get("notice", "")),
                               "notice_at": "" if notice else request.query_params.get("at", ""),
                               "fixed": request.query_params.get("fixed", "") if not errors else ""}
    if plan is None:
        context["derived"] = plans.derived_values(case)
        return context
    if context["fixed"]:
        # what the confirmation says about the appeal: its weeks run from the day the participant gets the plan
        weeks = plans.programme_for(case).appeal.weeks
        context.update(appeal_weeks=weeks, appeal_deadline=clock.today() + dt.timedelta(weeks=weeks))
    derived = plans.plan_derived(case, plan)
    elements = plans.elements_of(db, plan)
    stale = plans.proposals_stale(case, plan)
    rules = {r.code: r for r in default_ruleset().rules}
    allowed = derived.get("allowed_end_goals")
    # What the law does not allow, and the reasons it asks for, are shown at their fields at all times, not only after
    # a post (a missing reason stops "Fastsett plan", never a save).
    at_fields = list(errors)
    at_fields += [e for e in plans.settings_problems(plan, derived, settled=plans.settled_on(case))
                  + plans.reason_problems(plan, derived) + plans.content_problems(elements, derived)
                  if e.field not in {x.field for x in errors}]
    readiness = plans.readiness(db, user, case, plan)
    undecided = plans.undecided(elements)
    context.update({
        "derived": derived, "elements": elements, "rules": rules, "versions": plans.versions_of(db, plan),
        "settings": settings or plans.settings_form(plan, derived.get("norwegian_goal")),
        "by_field": _by_field(at_fields),
        "end_goal_main_rule": derived.get("end_goal_main_rule"),
        "needs_end_goal_reason": plans.departs_from_main_rule(plan, derived) is not None,
        "below_guiding": plans.below_guiding(plan, derived),
        "goal_level_choices": [(level, level) for level in GOAL_LEVELS],
        "oriented_choices": [("", i18n.gettext("Nei"))] + [(k, i18n.translate(plans.ORIENTED_LABELS[k]))
                                                           for k in plans.ORIENTED_CHOICES],
        "oriented_labels": plans.ORIENTED_LABELS,
        "oriented_of": lambda e: plans.oriented_kind(e, derived.get("oriented_elements") or {}),
        "content_notes": readiness.notes,
        "end_goal_choices": [(g, END_GOAL_NAMES[i18n.current()][g].capitalize()) for g in END_GOALS
                             if allowed is None or g in allowed or g == plan.end_goal],
        "allowed_end_goals": allowed, "language_choices": language_choices(),
        "social_studies_hours_by_law": plans.programme_for(case).social_studies.hours,
        "stale": stale, "guidance": plans.career_guidance(db, case.id),
        # the reasons as stored (bokmål) are those of the answers now unless the answers changed since
        "because_in_ui": ({p.code: p.because for p in plans.current_proposals(case, i18n.current())}
                          if i18n.current() != "nb" and not stale else {}),
        "status_labels": plans.STATUS_LABELS, "element_field": plans.element_field,
        "progress_labels": plans.PROGRESS_LABELS,
        "progress_choices": [(code, i18n.gettext(label)) for code, label in plans.PROGRESS_LABELS.items()],
        "undecided": undecided, "required_undecided": [e for e in undecided if plans.required_content(e)],
        # the status at the top: what stops fixing, less the undecided proposals (summed up above it)
        "open_problems": [e for e in readiness.problems if not e.field.endswith(".decision")],
        "unchanged_since": readiness.unchanged_since, "fix_warnings": readiness.warnings,
        "questionnaire": default_questionnaire(),
    })
    return context


def _builder(request: Request, db, user, case, plan, *, status_code: int = 200, **kwargs):
    return render_page(request, "plans/builder.html", _context(request, db, user, case, plan, **kwargs),
                       status_code=status_code)


def _by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in errors:
        out.setdefault(e.field, []).append(e.message)
    return out


def _invalid(request, db, user, case, plan, errors, **kwargs):
    response = _builder(request, db, user, case, plan, errors=errors, status_code=422, **kwargs)
    response.headers["HX-Push-Url"] = "false"
    return response


def _partial(request: Request) -> bool:
    """An htmx request for a part of the page (not a history restore, which wants the whole page)."""
    return bool(request.headers.get("hx-request")) and request.headers.get("hx-request-type", "partial") != "full"


def _swap(request: Request, db, user, case, plan, *, element_id: int | None = None, announce: str = "",
          status_code: int = 200, **kwargs):
    """The answer to an htmx decision: the one element's card (or the whole list) and, out of band, the parts that
    follow it (what is left to decide, the fixing section, the settings form's version) and a short announcement."""
    context = _context(request, db, user, case, plan, **kwargs)
    context.update({"swap_element": element_id, "announce": announce})
    response = render_page(request, "plans/_swap.html", context, status_code=status_code)
    response.headers["HX-Push-Url"] = "false"
    return response


@router.get("/cases/{case_id}/plan")
def plan_page(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case, plan = access.load_plan(db, user, case_id)
    return _builder(request, db, user, case, plan)


@router.post("/cases/{case_id}/plan")
def create_plan(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case, plan = access.load_plan(db, user, case_id, "plan.update", audit_action="open-for-update")
    if plan is not None:
        return RedirectResponse(_plan_url(case.id), status_code=303)
    plan, errors = plans.create_plan(db, user, case)
    if errors:
        return _invalid(request, db, user, case, None, errors)
    return RedirectResponse(_plan_url(case.id, "created"), status_code=303)


def _existing(db, user, case_id: int, permission: str):
    case, plan = access.load_plan(db, user, case_id, permission, audit_action="open-for-update")
    if plan is None:
        raise access.NotFound()
    return case, plan


@router.post("/cases/{case_id}/plan/refresh")
def refresh(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    case, plan = _existing(db, user, case_id, "plan.update")
    plans.refresh_proposals(db, user, case, plan)
    return RedirectResponse(_plan_url(case.id, "refreshed", "elements"), status_code=303)


@router.post("/cases/{case_id}/plan/settings")
def save_settings(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep, form: PlanForm):
    case, plan = _existing(db, user, case_id, "plan.update")
    posted = {k: v for k, v in form.items() if k in plans.SETTINGS_FIELDS or k in plans.GOAL_FIELDS}
    saved = plans.save_settings(db, user, case, plan, posted, _version(form))
    if saved.errors:
        typed = {**plans.settings_form(saved.plan, plans.plan_derived(case, saved.plan).get("norwegian_goal")),
                 **posted}
        return _invalid(request, db, user, case, saved.plan, saved.errors, settings=typed)
    return RedirectResponse(_plan_url(case.id, "settings", "settings"), status_code=303)


def _decided(element, decision: str) -> str:
    """What a decision did, in words (the element's title in the UI's language)."""
    rule = next((r for r in default_ruleset().rules if r.code == element.code), None) if element.code else None
    title = rule.title if rule else element.title
    if decision == plans.ACCEPTED:
        return i18n.translate(N_("«{title}» er tatt med i planen.", title=title))
    if decision == plans.REJECTED:
        return i18n.translate(N_("«{title}» er avvist.", title=title))
    return i18n.translate(N_("Valget for «{title}» er angret.", title=title))


def _left(db, plan) -> str:
    left = len(plans.undecided(plans.elements_of(db, plan)))
    return (i18n.ngettext("%(n)s forslag er ikke avgjort.", "%(n)s forslag er ikke avgjort.", left) % {"n": left}
            if left else i18n.gettext("Alle forslag er avgjort."))


@router.post("/cases/{case_id}/plan/elements/{element_id}/decision")
def decide(request: Request, case_id: ObjectId, element_id: ObjectId, user: CurrentUser, db: SessionDep, form: PlanForm):
    case, plan = _existing(db, user, case_id, "plan.update")
    decision = form.get("decision", "")
    errors = plans.decide(db, user, plan, element_id, decision, form.get("reason", ""))
    posted = {"element": element_id, "reason": form.get("reason", "")}
    if _partial(request):
        if errors:
            return _swap(request, db, user, case, plan, element_id=element_id, errors=errors, posted=posted,
                         status_code=422)
        element = next(e for e in plans.elements_of(db, plan) if e.id == element_id)
        return _swap(request, db, user, case, plan, element_id=element_id,
                     announce=f"{_decided(element, decision)} {_left(db, plan)}")
    if errors:
        return _invalid(request, db, user, case, plan, errors, posted=posted)
    return RedirectResponse(_plan_url(case.id, anchor=f"element-{element_id}"), status_code=303)


@router.post("/cases/{case_id}/plan/accept-required")
def accept_required(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    """"Ta med alt påkrevd innhold": every undecided proposal the law requires, into the plan at once."""
    case, plan = _existing(db, user, case_id, "plan.update")
    taken = plans.accept_required(db, user, plan)
    said = (i18n.ngettext("%(n)s tiltak med påkrevd innhold er tatt med i planen.",
                          "%(n)s tiltak med påkrevd innhold er tatt med i planen.", len(taken)) % {"n": len(taken)}
            if taken else i18n.gettext("Det var ikke noe påkrevd innhold igjen å ta stilling til."))
    if _partial(request):
        return _swap(request, db, user, case, plan, announce=f"{said} {_left(db, plan)}")
    return RedirectResponse(_plan_url(case.id, "required", "elements"), status_code=303)


@router.post("/cases/{case_id}/plan/elements/{element_id}")
def edit_element(request: Request, case_id: ObjectId, element_id: ObjectId, user: CurrentUser, db: SessionDep, form: PlanForm):
    case, plan = _existing(db, user, case_id, "plan.update")
    errors = plans.edit_element(db, user, plan, element_id, form)
    posted = {"element": element_id, "edit": form}
    if _partial(request):
        if errors:
            return _swap(request, db, user, case, plan, element_id=element_id, errors=errors, posted=posted,
                         status_code=422)
        return _swap(request, db, user, case, plan, element_id=element_id, notice=NOTICES["element"],
                     announce=i18n.translate(NOTICES["element"]))
    if errors:
        return _invalid(request, db, user, case, plan, errors, posted=posted)
    return RedirectResponse(_plan_url(case.id, "element", f"element-{element_id}"), status_code=303)


@router.post("/cases/{case_id}/plan/elements")
def add_element(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep, form: PlanForm):
    case, plan = _existing(db, user, case_id, "plan.update")
    errors = plans.add_element(db, user, plan, form)
    if errors:
        return _invalid(request, db, user, case, plan, errors, posted={"new": form})
    added = plans.elements_of(db, plan)[-1]  # the new one: elements are listed in the order they were made
    return RedirectResponse(_plan_url(case.id, "added", f"element-{added.id}"), status_code=303)


@router.post("/cases/{case_id}/plan/fix", dependencies=[LongRequest])
def fix(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep, form: PlanForm):
    case, plan = _existing(db, user, case_id, "plan.fix")
    reasons = {name: form.get(name, "") for name in plans.FIX_REASONS}
    result = plans.fix_plan(db, user, case, plan, _version(form), fix_reasons=reasons)
    if isinstance(result, list):
        db.refresh(plan)
        return _invalid(request, db, user, case, plan, result, posted={"fix": reasons})
    return RedirectResponse(f"/cases/{case.id}/plan?fixed={result.number}#fixed-notice", status_code=303)


# --- fixed versions ----------------------------------------------------------------------------------------------


def _stored(db, user, case_id: int, number: int, what: str):
    _case, plan = access.load_plan(db, user, case_id, detail=f"version={number} {what}")
    version = plans.get_version(db, plan, number) if plan is not None else None
    if version is None:
        raise access.NotFound()
    return version


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_browser_style: str | None = None


def _print_style(document: dict) -> str:
    """The print CSS the browser view uses (it is the same for every plan): taken once from the renderer's own
    browser view, so the stored text is shown with the current fonts and layout."""
    global _browser_style
    if _browser_style is None:
        from ..plan.render import render_plan_html

        found = _STYLE.search(render_plan_html(plans.document_from_json(document), for_print=False))
        # Unescaped: a <style> element's text is raw, so an entity there would be CSS (and break it).
        _browser_style = html_mod.unescape(found.group(1)) if found else ""
    return _browser_style


def print_view(version, back_url: str, document: str = "plan") -> tuple[str, str]:
    """The text of one of the version's documents as printed (stored), with the print CSS for the browser and a way
    back to the plan (on screen only); and a CSP that lets exactly that CSS in."""
    from ..app import CSP

    html = _on_screen(version.contract_html if document == "contract" else version.html, back_url)
    try:
        style = _print_style(version.document)
    except Exception:  # an old version the current renderer cannot read still shows its stored text
        log.exception("no print CSS for plan version %s", version.id)
        return html, CSP
    return _with_style(html, style)


VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _on_screen(html: str, back_url: str) -> str:
    """The printed text as a screen page: a viewport (so a phone shows it at its own width, not a shrunken A4 page),
    and a link back to the plan builder above the text (plan.css hides it in print). Neither is ever in the stored
    text or the PDF."""
    link = (f'<nav class="back-link" lang="{i18n.current()}">'
            f'<a href="{html_mod.escape(back_url)}">← {html_mod.escape(i18n.gettext(BACK_TO_PLAN))}</a></nav>')
    html = html.replace("</head>", VIEWPORT + "\n</head>", 1) if VIEWPORT not in html else html
    return re.sub(r"<body([^>]*)>", lambda m: m.group(0) + "\n" + link, html, count=1)


def _with_style(html: str, style: str) -> tuple[str, str]:
    from ..app import CSP

    html = html.replace("</head>", f"<style>{style}</style>\n</head>", 1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return html, CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")


def _preview(request: Request, db, user, case_id: int, document: str):
    """The draft of one of the documents as it would be printed if the plan were fixed now, marked as a draft; or what
    stops that, at its field."""
    from ..plan.render import PlanRenderError, render_html

    case, plan = access.load_plan(db, user, case_id, detail="preview" if document == "plan" else f"preview {document}")
    if plan is None:
        raise access.NotFound()
    doc = plans.preview_document(db, user, case, plan)
    if isinstance(doc, list):
        return _builder(request, db, user, case, plan, errors=doc, notice=PREVIEW_NOT_YET)
    try:
        html = render_html(doc, document, for_print=True, draft_notice=i18n.gettext(DRAFT_NOTICE),
                           draft_notice_lang=i18n.current())
    except PlanRenderError as exc:
        return _builder(request, db, user, case, plan, errors=[plans.unprintable(exc)], notice=PREVIEW_NOT_YET)
    html, csp = _with_style(_on_screen(html, _plan_url(case.id, anchor="fix")),
                            _print_style(plans.document_to_json(doc)))
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"})


@router.get("/cases/{case_id}/plan/preview")
def preview(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    return _preview(request, db, user, case_id, "plan")


@router.get("/cases/{case_id}/plan/preview/contract")
def preview_contract(request: Request, case_id: ObjectId, user: CurrentUser, db: SessionDep):
    """The integration contract (§ 16) as it would be printed beside the plan if it were fixed now."""
    return _preview(request, db, user, case_id, "contract")


def _pdf(content: bytes | None, name: str) -> Response:
    if content is None:  # a version fixed before the contract was printed has none
        raise access.NotFound()
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@router.get("/cases/{case_id}/plan/versions/{number:int}.pdf")
def version_pdf(case_id: ObjectId, number: ObjectId, user: CurrentUser, db: SessionDep):
    version = _stored(db, user, case_id, number, "pdf")
    return _pdf(version.pdf, f"integreringsplan-{case_id}-v{number}")


@router.get("/cases/{case_id}/plan/versions/{number:int}/contract.pdf")
def contract_pdf(case_id: ObjectId, number: ObjectId, user: CurrentUser, db: SessionDep):
    version = _stored(db, user, case_id, number, "contract pdf")
    return _pdf(version.contract_pdf, f"integreringskontrakt-{case_id}-v{number}")


@router.get("/cases/{case_id}/plan/versions/{number:int}")
def version_html(case_id: ObjectId, number: ObjectId, user: CurrentUser, db: SessionDep):
    version = _stored(db, user, case_id, number, "html")
    html, csp = print_view(version, _plan_url(case_id, anchor="versions"))
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


@router.get("/cases/{case_id}/plan/versions/{number:int}/contract")
def contract_html(case_id: ObjectId, number: ObjectId, user: CurrentUser, db: SessionDep):
    version = _stored(db, user, case_id, number, "contract html")
    if version.contract_html is None:
        raise access.NotFound()
    html, csp = print_view(version, _plan_url(case_id, anchor="versions"), "contract")
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})
