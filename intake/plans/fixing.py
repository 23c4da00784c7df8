"""Fixing a plan ("Fastsett plan"): what stops it, what needs a reason first (after the decision deadline, before
career guidance), and the version stored unchanged from then on with everything it was made from and its PDF,
rendered once. The printed document itself is built in `printed`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import audit, clock
from ..domain import identifiers
from ..domain.answers import FieldError
from ..domain.messages import N_, Message
from ..models import Case, User
from ..models_plans import Plan, PlanElement, PlanVersion
from ..plan.document import PlanDocument
from .common import (ACCEPTED, PROPOSED, REJECTED, STALE_MESSAGE, element_field, elements_of, programme_end,
                     text_problem, touch)
from . import pdf_worker
from .content import WORK_MINIMUM, content_notes, content_problems, work_minimum_warning
from .printed import BEFORE_GUIDANCE, LATE, build_document, document_to_json
from .proposals import career_guidance, plan_derived, proposals_stale, refresh_proposals
from .settings import settings_problems, settled_on

log = logging.getLogger(__name__)


def plan_state(db: Session, case: Case) -> dict[str, Any] | None:
    """For the case page: None without a plan; else the newest fixed version's number and time (None while the plan
    has never been fixed)."""
    plan = db.exec(select(Plan).where(Plan.case_id == case.id)).first()
    if plan is None:
        return None
    last = _last_version(db, plan)
    return {"number": last.number if last else None, "fixed_at": last.fixed_at if last else None}


def versions_of(db: Session, plan: Plan) -> list[dict[str, Any]]:
    """The fixed versions, newest first, without their HTML and PDFs (whether it has a contract beside it)."""
    rows = db.exec(select(PlanVersion.number, PlanVersion.fixed_at, PlanVersion.fixed_by_id, PlanVersion.language,
                          PlanVersion.ruleset_version, col(PlanVersion.contract_pdf).is_not(None).label("has_contract"))
                   .where(PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number).desc())).all()
    names = {u.id: u.full_name for u in db.exec(select(User).where(
        col(User.id).in_({r.fixed_by_id for r in rows if r.fixed_by_id}))).all()} if rows else {}
    return [{"number": r.number, "fixed_at": r.fixed_at, "fixed_by": names.get(r.fixed_by_id, ""),
             "language": r.language, "ruleset_version": r.ruleset_version, "has_contract": bool(r.has_contract)}
            for r in rows]


def get_version(db: Session, plan: Plan, number: int) -> PlanVersion | None:
    return db.exec(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)).first()


def element_problems(plan: Plan, elements: list[PlanElement]) -> list[FieldError]:
    errors = []
    last_day = programme_end(plan)
    for e in elements:
        if e.status == PROPOSED and not e.no_longer_proposed:
            errors.append(FieldError(element_field(e.id, "decision"),
                                     N_("Ta stilling til forslaget «{title}»: ta det med i planen eller avvis det.",
                                        title=e.title)))
        if e.status == ACCEPTED:
            if not e.responsible.strip():
                errors.append(FieldError(element_field(e.id, "responsible"),
                                         N_("Skriv hvem som har ansvaret for «{title}».", title=e.title)))
            start = e.start or plan.start_date
            if start and e.end and e.end < start:
                errors.append(FieldError(element_field(e.id, "end"),
                                         N_("«{title}» slutter før den begynner (programmet starter {date}).",
                                            title=e.title, date=f"{start:%d.%m.%Y}")))
            elif start and not e.end and last_day and start > last_day:
                # Without an end of its own it would run to the programme's end, which comes before its start.
                errors.append(FieldError(element_field(e.id, "start"),
                                         N_("«{title}» begynner etter at programmet slutter ({date}). Gi tiltaket "
                                            "en sluttdato, eller en tidligere start.",
                                            title=e.title, date=f"{last_day:%d.%m.%Y}")))
    return errors


def _element_snapshot(e: PlanElement) -> dict[str, Any]:
    return {"code": e.code, "title": e.title, "responsible": e.responsible,
            "start": e.start.isoformat() if e.start else None, "end": e.end.isoformat() if e.end else None,
            "status": e.status, "progress": e.progress, "month_precision": e.month_precision,
            "rejection_reason": e.rejection_reason, "note": e.note, "because": e.because,
            "source": e.source, "ruleset_version": e.ruleset_version, "sensitive": e.sensitive,
            "oriented": e.oriented,
            "no_longer_proposed": e.no_longer_proposed, "position": e.position}


def fix_problems(case: Case, plan: Plan, user: User, elements: list[PlanElement],
                 derived: Mapping[str, Any]) -> list[FieldError]:
    """Everything that stops the plan from being fixed, at its field."""
    errors = (settings_problems(plan, derived, fixing=True, settled=settled_on(case)) + element_problems(plan, elements)
              + content_problems(elements, derived))
    answers = case.answers
    if not answers.get("participant.duf_number"):
        errors.append(FieldError("participant.duf_number", N_("Deltakeren mangler DUF-nummer i kartleggingen (det står på planen). "
                                            "Fyll det ut under «Deltaker og sak».")))
    elif identifiers.duf_number_error(answers["participant.duf_number"], today=clock.today()):
        errors.append(FieldError("participant.duf_number", N_("DUF-nummeret i kartleggingen er ikke gyldig (det står på planen). "
                                            "Rett det under «Deltaker og sak».")))
    if not answers.get("participant.birth_date") or not answers.get("participant.name"):
        missing = "participant.name" if not answers.get("participant.name") else "participant.birth_date"
        errors.append(FieldError(missing, N_("Navn og fødselsdato mangler i kartleggingen.")))
    if not derived.get("norwegian_goal"):
        errors.append(FieldError("background.education", N_("Norskmålet kan ikke beregnes før utdanningen er kartlagt.")))
    if not (user.phone or user.email):
        errors.append(FieldError("plan", N_("Du må ha telefon eller e-post registrert på brukeren din: deltakeren "
                                            "skal kunne nå deg.")))
    return errors


MAX_FIX_REASON = 2000


def fix_warnings(elements: list[PlanElement], derived: Mapping[str, Any], guidance: tuple[str, str] | None,
                 today: dt.date) -> dict[str, Message]:
    """What the caseworker is told before "Fastsett plan" and must give a reason for (the reason is recorded with the
    version and printed among the plan's reasons): a plan fixed after the decision deadline (integreringsloven § 12),
    or before the career guidance the plan holds has taken place (§ 11: before the decision), or without the
    work-oriented elements a minimum that is not confirmed asks for (`content`)."""
    out: dict[str, Message] = {}
    work_minimum = work_minimum_warning(elements, derived)
    if work_minimum:
        out[WORK_MINIMUM] = work_minimum
    deadline = derived.get("decision_deadline")
    if deadline and today > dt.date.fromisoformat(deadline):
        out[LATE] = N_("Fristen for vedtak om program gikk ut {date}. Du kan fastsette planen likevel: skriv hvorfor "
                       "vedtaket kommer etter fristen. Begrunnelsen lagres med versjonen og står i planen.",
                       date=f"{dt.date.fromisoformat(deadline):%d.%m.%Y}")
    career = [e for e in elements if e.code == "CAREER-GUIDANCE" and e.status != REJECTED and not e.no_longer_proposed]
    if career and guidance is None:
        out[BEFORE_GUIDANCE] = N_("Karriereveiledningen er ikke gjennomført: karrieresenteret har ikke sendt "
                                  "oppsummeringen ennå, og veiledningen bør skje før vedtaket. Du kan fastsette planen "
                                  "likevel: skriv hvorfor det ikke kan vente. Begrunnelsen lagres med versjonen og "
                                  "står i planen.")
    return out


MISSING_FIX_REASON = {WORK_MINIMUM: N_("Skriv hvorfor deltakeren ikke skal ha arbeidsrettede tiltak."),
                      LATE: N_("Skriv hvorfor planen fastsettes etter fristen for vedtak."),
                      BEFORE_GUIDANCE: N_("Skriv hvorfor planen fastsettes før karriereveiledningen er gjennomført.")}


def fix_reason_problems(warnings: Mapping[str, Any], reasons: Mapping[str, str]) -> list[FieldError]:
    errors = []
    for name in warnings:
        text = (reasons.get(name) or "").strip()
        if not text:
            errors.append(FieldError(name, MISSING_FIX_REASON[name]))
        elif problem := text_problem(name, N_("Begrunnelsen"), MAX_FIX_REASON, text):
            errors.append(problem)
    return errors


@dataclass
class Prepared:
    """A version ready to be stored once its PDFs are rendered."""

    case_id: int
    plan_id: int
    plan_version: int
    number: int
    document: PlanDocument
    html: str
    answers: dict[str, Any]
    elements: list[dict[str, Any]]
    fingerprint: str
    contract_html: str  # the integration contract printed beside it


# What a version decides for each element; the rest of a snapshot (why it was proposed, the rule set, its place in the
# list) is kept with the version but decides nothing.
DECISION_KEYS = ("code", "title", "responsible", "start", "end", "status", "progress", "month_precision",
                 "rejection_reason", "note", "oriented")


def decision_fingerprint(document: Mapping[str, Any], elements: list[Mapping[str, Any]]) -> str:
    """A digest of what a version decides: the plan as printed (without its number and date) and the decision on every
    element, a rejection and its reason included. Answers that change nothing printed or decided do not count, so a
    version the same as the last one is not made again."""
    # what a fixing adds (its number and date, and why it was fixed late or before guidance) decides nothing new
    content = {**document, "version": None, "plan_date": None, "decision_deadline": None, "late_reason": None,
               "before_guidance_reason": None, "work_minimum_reason": None}
    decisions = [{k: e.get(k) for k in DECISION_KEYS} for e in elements]
    text = json.dumps({"document": content, "elements": decisions}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _unchanged_since(db: Session, plan: Plan, fingerprint: str) -> int | None:
    """The last version's number when it decides what `fingerprint` does (worked out from what it stored, so versions
    fixed before the digest changed compare as well); else None."""
    last = db.exec(select(PlanVersion.number, PlanVersion.document, PlanVersion.elements)
                   .where(PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number).desc()).limit(1)).first()
    if last is None or decision_fingerprint(last.document, last.elements) != fingerprint:
        return None
    return last.number


def unchanged(number: int) -> FieldError:
    return FieldError("plan", N_("Planen er ikke endret siden versjon {number} ble fastsatt: en ny versjon ville blitt "
                                 "lik den. Endre planen først, eller bruk versjon {number}.", number=number))


def unprintable(exc: Exception) -> FieldError:
    """The plan's text cannot be made (intake.plan's check refused the document): said at the plan as a whole."""
    return FieldError("plan", N_("Planen kan ikke skrives ut: {error}", error=str(exc)))


def _last_version(db: Session, plan: Plan):
    """The newest fixed version's number, fingerprint and time, or None."""
    return db.exec(select(PlanVersion.number, PlanVersion.fingerprint, PlanVersion.fixed_at)
                   .where(PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number).desc()).limit(1)).first()


@dataclass
class Next:
    """The version fixing would make now: its document, the elements it was made from, and the warnings the
    caseworker must answer with a reason (`fix_warnings`)."""

    document: PlanDocument
    elements: list[PlanElement]
    warnings: dict[str, Message]


def _next_document(db: Session, user: User, case: Case, plan: Plan, today: dt.date | None,
                   fix_reasons: Mapping[str, str] | None = None) -> Next | list[FieldError]:
    """The version fixing would make now, or what stops it; with `fix_reasons` (fixing), a warning without its reason
    stops it too."""
    today = today or clock.today()
    elements = elements_of(db, plan)
    derived = plan_derived(case, plan)
    guidance = career_guidance(db, case.id)
    errors = fix_problems(case, plan, user, elements, derived)
    warnings = fix_warnings(elements, derived, guidance, today)
    if fix_reasons is not None:
        errors += fix_reason_problems(warnings, fix_reasons)
        fix_reasons = {k: v for k, v in fix_reasons.items() if k in warnings}
    if errors:
        return errors
    last = _last_version(db, plan)
    number = (last.number if last else 0) + 1
    doc = build_document(db, case, plan, user, number, today, elements, derived, guidance=guidance,
                         fix_reasons=fix_reasons)
    return Next(doc, elements, warnings)


@dataclass
class Readiness:
    """What the builder says before "Fastsett plan": what stops it, the warnings that need a reason, or that fixing
    now would repeat the last version."""

    problems: list[FieldError]
    unchanged_since: int | None = None
    warnings: dict[str, Message] = dataclasses.field(default_factory=dict)
    notes: list[Message] = dataclasses.field(default_factory=list)  # what the caseworker checks (content_notes)


def readiness(db: Session, user: User, case: Case, plan: Plan) -> Readiness:
    made = _next_document(db, user, case, plan, None)
    elements, derived = elements_of(db, plan), plan_derived(case, plan)
    notes = content_notes(elements, derived)
    if isinstance(made, list):
        return Readiness(made, warnings=fix_warnings(elements, derived, career_guidance(db, case.id), clock.today()),
                         notes=notes)
    snapshot = [_element_snapshot(e) for e in made.elements]
    return Readiness([], _unchanged_since(db, plan, decision_fingerprint(document_to_json(made.document), snapshot)),
                     made.warnings, notes)


def preview_document(db: Session, user: User, case: Case, plan: Plan,
                     today: dt.date | None = None) -> PlanDocument | list[FieldError]:
    """The plan as it would be printed if it were fixed now (the next version's number, today's date), or what
    stops it from being fixed. Changes nothing: proposals made stale by changed answers are left for the builder."""
    made = _next_document(db, user, case, plan, today)
    return made if isinstance(made, list) else made.document


def prepare_fix(db: Session, user: User, case: Case, plan: Plan, base_version: int | None,
                today: dt.date | None = None, fix_reasons: Mapping[str, str] | None = None
                ) -> Prepared | list[FieldError]:
    """Check the plan as the caseworker saw it (`base_version`) and build the version to store; `fix_reasons` answer
    the warnings (`fix_warnings`)."""
    from ..plan.render import PlanRenderError, render_contract_html, render_plan_html

    if base_version is None or base_version != plan.version:
        return [FieldError("plan", STALE_MESSAGE)]
    if proposals_stale(case, plan):
        refreshed = refresh_proposals(db, user, case, plan)
        if refreshed.added:
            return [FieldError("plan", N_("Svarene i kartleggingen er endret, og reglene foreslår nå nye tiltak. "
                                          "Ta stilling til dem før du fastsetter planen."))]
        if refreshed.changed:
            return [FieldError("plan", N_("Svarene i kartleggingen er endret, og noen forslag gjelder ikke lenger. "
                                          "Se over planen og fastsett den på nytt."))]
    made = _next_document(db, user, case, plan, today, fix_reasons or {})
    if isinstance(made, list):
        return made
    doc = made.document
    snapshot = [_element_snapshot(e) for e in made.elements]
    fingerprint = decision_fingerprint(document_to_json(doc), snapshot)
    same = _unchanged_since(db, plan, fingerprint)
    if same is not None:
        return [unchanged(same)]
    try:
        html, contract = render_plan_html(doc, for_print=True), render_contract_html(doc, for_print=True)
    except PlanRenderError as exc:
        log.warning("plan %s cannot be printed: %s", plan.id, exc)
        return [unprintable(exc)]
    return Prepared(case.id, plan.id, plan.version, doc.version, doc, html, dict(case.answers), snapshot, fingerprint,
                    contract)


def store_version(db: Session, user: User, prepared: Prepared, pdf: bytes,
                  contract_pdf: bytes | None = None) -> PlanVersion | list[FieldError]:
    """Keep the version unchanged from now on; refused if the plan changed while its PDF was being made."""
    plan = db.get(Plan, prepared.plan_id, populate_existing=True)
    if plan is None or not touch(db, plan, prepared.plan_version):
        db.rollback()
        return [FieldError("plan", N_("Planen ble endret mens den ble fastsatt. Se over og prøv igjen."))]
    version = PlanVersion(plan_id=plan.id, number=prepared.number, fixed_by_id=user.id,
                          language=prepared.document.language, ruleset_version=prepared.document.ruleset_version,
                          fingerprint=prepared.fingerprint, answers=prepared.answers, elements=prepared.elements,
                          document=document_to_json(prepared.document), html=prepared.html, pdf=pdf,
                          contract_html=prepared.contract_html if contract_pdf is not None else None,
                          contract_pdf=contract_pdf)
    db.add(version)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return [FieldError("plan", N_("Planen ble fastsatt av noen andre samtidig. Se over versjonene."))]
    if prepared.number == 1:  # the case's first fixed plan, for the leaders' figures and the case list
        db.exec(update(Case).where(Case.id == prepared.case_id, col(Case.first_fixed_at).is_(None))
                .values(first_fixed_at=version.fixed_at))
    doc = prepared.document
    flags = ((" after-deadline" if doc.late_reason else "") + (" before-guidance" if doc.before_guidance_reason else "")
             + (" without-work-minimum" if doc.work_minimum_reason else ""))
    audit.record(db, user, "fix", "plan", plan.id, f"case={prepared.case_id} version={prepared.number}{flags}",
                 organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(version)
    return version


def fix_plan(db: Session, user: User, case: Case, plan: Plan, base_version: int | None,
             today: dt.date | None = None, fix_reasons: Mapping[str, str] | None = None
             ) -> PlanVersion | list[FieldError]:
    """ "Fastsett plan": check, render the plan's and the contract's PDFs once (in the PDF worker process), and store
    the version with everything it was made from. Blocks while the PDFs are made: call it from a plain `def` route,
    not on the event loop."""
    prepared = prepare_fix(db, user, case, plan, base_version, today, fix_reasons)
    if isinstance(prepared, list):
        return prepared
    try:
        pdfs = pdf_worker.render_documents(prepared.document)
    except TimeoutError:
        return [FieldError("plan", N_("Det tok for lang tid å lage PDF-en. Prøv igjen om litt."))]
    except Exception as exc:  # a render error must reach the caseworker as a message, with nothing stored
        log.exception("plan %s: PDF rendering failed", plan.id)
        return [FieldError("plan", N_("PDF-en kunne ikke lages: {error}", error=str(exc)))]
    return store_version(db, user, prepared, pdfs["plan"], pdfs["contract"])
