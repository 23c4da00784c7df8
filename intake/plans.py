"""The integration plan (integreringsplan): made from a completed mapping's proposals, shaped by the caseworker, and
fixed ("fastsatt") as versions that are kept unchanged.

Checks give messages at the field they concern (`FieldError`): `N_` messages, said in the reader's language when
shown. Every change is audited with the change and bumps the plan's row version; settings and fixing name the version
they were made from, so a plan changed in another tab is never overwritten or fixed unseen. The PDF of a version is
rendered once, at fixing, in a separate process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from . import audit, clock
from .cases import derived_values, programme_for
from .domain import derived as derived_mod
from .domain import identifiers
from .domain.answers import FieldError
from .domain.messages import N_, Message
from .domain.questionnaire import default_questionnaire
from .domain.rules import Proposal, default_ruleset
from .models import Case, Organisation, User
from .models_plans import Plan, PlanElement, PlanVersion
from .plan.document import HOURS_PER_WEEK, MAX_TEXT, NorwegianGoal, PlanDocument
from .plan.document import PlanElement as DocElement
from .plan.texts import PLAN_LANGUAGES

log = logging.getLogger(__name__)

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
STATUS_LABELS = {PROPOSED: N_("Ikke avgjort"), ACCEPTED: N_("Tatt med i planen"), REJECTED: N_("Avvist")}
# How far an element has come, as the plan prints it (the keys are intake.plan's ELEMENT_STATUSES).
PROGRESS_LABELS = {"planned": N_("Planlagt"), "ongoing": N_("I gang"), "completed": N_("Fullført"),
                   "cancelled": N_("Avbrutt")}
SETTINGS_FIELDS = ("end_goal", "duration_months", "start_date", "hours_per_week", "norwegian_hours",
                   "social_studies_hours", "long_term_goal", "language", "extension_justification")
OWN_ELEMENT_POSITION = 1000  # own elements are listed after the rules' proposals
MAX_REASON = 500
MAX_TITLE = 200
MAX_HOURS = {"norwegian_hours": 5000, "social_studies_hours": 1000}
PDF_TIMEOUT_SECONDS = 60


# --- values derived for the plan --------------------------------------------------------------------------------


def plan_derived(case: Case, plan: Plan | None) -> dict[str, Any]:
    """Derived values with the plan's end goal in place of the mapping's: the duration limits depend on it."""
    if plan is None or not plan.end_goal:
        return derived_values(case)
    answers = {**case.answers, "assessment.proposed_end_goal": plan.end_goal}
    return derived_mod.derive(answers, programme_for(case), case.mapping_date)


def current_proposals(case: Case, lang: str = "nb") -> list[Proposal]:
    """What the rules propose for the case's answers now (hidden answers never drive a proposal); reasons in `lang`."""
    visible = default_questionnaire().drop_hidden(case.answers)
    return default_ruleset().evaluate(visible, derived_values(case), lang)


def proposals_basis(case: Case) -> str:
    """A digest of what proposals are computed from: the answers and the rule set."""
    text = json.dumps(case.answers, sort_keys=True, ensure_ascii=False, default=str) + default_ruleset().version
    return hashlib.sha256(text.encode()).hexdigest()


def proposals_stale(case: Case, plan: Plan) -> bool:
    return plan.proposals_basis != proposals_basis(case)


def default_language(answers: Mapping[str, Any]) -> str:
    """The participant's native language where the plan has texts in it, else the interpreter's, else one they read
    well; Norwegian only ("nb") when none of them has plan texts."""
    rows = [r for r in answers.get("participant.languages") or [] if isinstance(r, Mapping)]
    candidates = ([r.get("language") for r in rows if r.get("level") == "native"]
                  + [answers.get("participant.interpreter_language")]
                  + [r.get("language") for r in rows if r.get("level") == "good"])
    for code in candidates:
        if code in PLAN_LANGUAGES:
            return code
    return "nb"


def career_guidance(db: Session, case_id: int) -> tuple[str, str] | None:
    """The career centre's summary and recommendation (work, education or other, with its words) for the case, once
    guidance has ended; None before that, and while the referral module is not installed."""
    try:
        from .domain.guidance import RECOMMENDATIONS
        from .referrals import latest_guidance
    except ImportError:
        return None
    found = latest_guidance(db, case_id)
    if found is None:
        return None
    summary = (getattr(found, "summary", "") or "").strip()
    code = getattr(found, "recommendation", "") or ""
    text = (getattr(found, "recommendation_text", "") or "").strip()
    recommendation = ": ".join(x for x in (RECOMMENDATIONS.get(code, code), text) if x)
    return (summary, recommendation) if summary or recommendation else None


# --- reading and writing -----------------------------------------------------------------------------------------


def elements_of(db: Session, plan: Plan) -> list[PlanElement]:
    return list(db.exec(select(PlanElement).where(PlanElement.plan_id == plan.id)
                        .order_by(col(PlanElement.position), col(PlanElement.id))).all())


def plan_state(db: Session, case: Case) -> dict[str, Any] | None:
    """For the case page: None without a plan; else the newest fixed version's number and time (None while the plan
    has never been fixed)."""
    plan = db.exec(select(Plan).where(Plan.case_id == case.id)).first()
    if plan is None:
        return None
    last = _last_version(db, plan)
    return {"number": last.number if last else None, "fixed_at": last.fixed_at if last else None}


def versions_of(db: Session, plan: Plan) -> list[dict[str, Any]]:
    """The fixed versions, newest first, without their HTML and PDF."""
    rows = db.exec(select(PlanVersion.number, PlanVersion.fixed_at, PlanVersion.fixed_by_id, PlanVersion.language,
                          PlanVersion.ruleset_version)
                   .where(PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number).desc())).all()
    names = {u.id: u.full_name for u in db.exec(select(User).where(
        col(User.id).in_({r.fixed_by_id for r in rows if r.fixed_by_id}))).all()} if rows else {}
    return [{"number": r.number, "fixed_at": r.fixed_at, "fixed_by": names.get(r.fixed_by_id, ""),
             "language": r.language, "ruleset_version": r.ruleset_version} for r in rows]


def get_version(db: Session, plan: Plan, number: int) -> PlanVersion | None:
    return db.exec(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)).first()


def _touch(db: Session, plan: Plan, base_version: int | None = None, **values: Any) -> bool:
    """Bump the plan's row version (and set `values`); with `base_version`, only if nobody changed it since."""
    stmt = update(Plan).where(col(Plan.id) == plan.id)
    if base_version is not None:
        stmt = stmt.where(col(Plan.version) == base_version)
    result = db.exec(stmt.values(version=Plan.version + 1, updated_at=clock.now(), **values))
    return result.rowcount == 1


def _element_from(proposal: Proposal, position: int, version: str) -> dict[str, Any]:
    return dict(code=proposal.code, title=proposal.title["nb"][:MAX_TITLE],
                responsible=proposal.responsible["nb"][:200], because=proposal.because,
                source=proposal.source[:500], ruleset_version=version, sensitive=proposal.sensitive,
                position=position)


def create_plan(db: Session, user: User, case: Case) -> tuple[Plan | None, list[FieldError]]:
    """The plan for a completed mapping, each of the rules' proposals a proposed element with why it was proposed.
    Returns the existing plan when there is one."""
    existing = db.exec(select(Plan).where(Plan.case_id == case.id)).first()
    if existing is not None:
        return existing, []
    if case.status != "completed":
        return None, [FieldError("case", N_("Kartleggingen må være fullført før du lager planen."))]
    answers = case.answers
    programme = programme_for(case)
    plan = Plan(case_id=case.id, organisation_id=case.organisation_id, created_by_id=user.id,
                end_goal=answers.get("assessment.proposed_end_goal"),
                duration_months=answers.get("assessment.proposed_duration_months"),
                hours_per_week=programme.scope.hours_per_week,
                social_studies_hours=programme.social_studies.hours,
                long_term_goal=(answers.get("goals.long_term") or "")[:MAX_TEXT],
                language=default_language(answers), proposals_basis=proposals_basis(case))
    db.add(plan)
    try:
        db.flush()
    except IntegrityError:  # made at the same moment in another request
        db.rollback()
        return db.exec(select(Plan).where(Plan.case_id == case.id)).one(), []
    ruleset = default_ruleset()
    order = {r.code: i for i, r in enumerate(ruleset.rules)}
    proposals = current_proposals(case)
    for p in proposals:
        db.add(PlanElement(plan_id=plan.id, **_element_from(p, order[p.code], ruleset.version)))
    audit.record(db, user, "create", "plan", plan.id,
                 f"case={case.id} proposals={','.join(p.code for p in proposals)}"[:2000],
                 organisation_id=case.organisation_id)
    db.commit()
    db.refresh(plan)
    return plan, []


@dataclass
class Refreshed:
    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # no longer proposed (kept, flagged)
    returned: list[str] = field(default_factory=list)  # proposed again

    @property
    def changed(self) -> bool:
        return bool(self.added or self.withdrawn or self.returned)


def refresh_proposals(db: Session, user: User, case: Case, plan: Plan) -> Refreshed:
    """Bring the proposals up to date with the answers: new ones are added as proposed; ones the rules no longer make
    are flagged, never deleted (a decision stays as it was made). Undecided ones get the current reasons."""
    ruleset = default_ruleset()
    order = {r.code: i for i, r in enumerate(ruleset.rules)}
    proposals = {p.code: p for p in current_proposals(case)}
    result = Refreshed()
    now = clock.now()
    elements = elements_of(db, plan)
    have = {e.code for e in elements if e.code}
    for element in elements:
        if element.code is None:
            continue
        proposal = proposals.get(element.code)
        if proposal is None:
            if not element.no_longer_proposed:
                element.no_longer_proposed, element.updated_at = True, now
                result.withdrawn.append(element.code)
            continue
        if element.no_longer_proposed:
            element.no_longer_proposed, element.updated_at = False, now
            result.returned.append(element.code)
        if element.status == PROPOSED and (element.because != proposal.because
                                           or element.ruleset_version != ruleset.version):
            element.because, element.source = proposal.because, proposal.source[:500]
            element.ruleset_version, element.updated_at = ruleset.version, now
        db.add(element)
    for code, proposal in proposals.items():
        if code not in have:
            db.add(PlanElement(plan_id=plan.id, **_element_from(proposal, order[code], ruleset.version)))
            result.added.append(code)
    _touch(db, plan, proposals_basis=proposals_basis(case))
    audit.record(db, user, "update", "plan", plan.id,
                 f"refresh-proposals added={','.join(result.added)} withdrawn={','.join(result.withdrawn)} "
                 f"returned={','.join(result.returned)}"[:2000], organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(plan)
    return result


# --- settings ----------------------------------------------------------------------------------------------------


def settings_form(plan: Plan) -> dict[str, str]:
    """The stored settings as the form shows them."""
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:g}"
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return {name: text(getattr(plan, name)) for name in SETTINGS_FIELDS}


def _parse_int(raw: str, name: str, label: Message, low: int, high: int) -> tuple[int | None, FieldError | None]:
    text = raw.strip().replace(" ", "")
    if not text:
        return None, None
    if not text.isdigit():
        return None, FieldError(name, N_("{label} må være et helt tall, for eksempel 12.", label=label))
    value = int(text)
    if not low <= value <= high:
        return None, FieldError(name, N_("{label} må være mellom {low} og {high}.", label=label, low=low, high=high))
    return value, None


def _too_long(name: str, label: Message, max_length: int, text: str) -> FieldError:
    return FieldError(name, N_("{label} kan ha høyst {max} tegn (nå {n}).", label=label, max=max_length, n=len(text)))


def parse_date(raw: str, name: str, label: Message) -> tuple[dt.date | None, FieldError | None]:
    text = raw.strip()
    if not text:
        return None, None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 2000 <= day.year <= 2100:
            return day, None
    return None, FieldError(name, N_("{label} må være en gyldig dato, for eksempel 01.02.2027.", label=label))


def _parse_settings(form: Mapping[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed values of the fields that were posted and read; errors for those that could not be read."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []

    def keep(name: str, value: Any, error: FieldError | None) -> None:
        if error:
            errors.append(error)
        else:
            values[name] = value

    if "end_goal" in form:
        goal = form["end_goal"].strip()
        keep("end_goal", goal or None,
             FieldError("end_goal", N_("Velg et av sluttmålene i listen.")) if goal and goal not in derived_mod.END_GOALS
             else None)
    if "duration_months" in form:
        keep("duration_months", *_parse_int(form["duration_months"], "duration_months", N_("Varigheten"), 1, 120))
    if "start_date" in form:
        keep("start_date", *parse_date(form["start_date"], "start_date", N_("Startdatoen")))
    if "hours_per_week" in form:
        raw = form["hours_per_week"].strip().replace(",", ".")
        try:
            hours = float(raw)
        except ValueError:
            hours = None
        keep("hours_per_week", hours, None if hours in HOURS_PER_WEEK
             else FieldError("hours_per_week", N_("Velg 37,5 eller 30 timer i uken.")))
    for name, label in (("norwegian_hours", N_("Timer norskopplæring")),
                        ("social_studies_hours", N_("Timer samfunnskunnskap"))):
        if name in form:
            keep(name, *_parse_int(form[name], name, label, 0, MAX_HOURS[name]))
    for name, label in (("long_term_goal", N_("Målet på lang sikt")), ("extension_justification", N_("Begrunnelsen"))):
        if name in form:
            text = form[name].strip()
            keep(name, text, _too_long(name, label, MAX_TEXT, text) if len(text) > MAX_TEXT else None)
    if "language" in form:
        lang = form["language"].strip()
        keep("language", lang, None if lang in PLAN_LANGUAGES
             else FieldError("language", N_("Velg et av språkene i listen.")))
    return values, errors


def settled_on(case: Case) -> dt.date | None:
    """The participant's settlement date from the mapping, if answered."""
    value = case.answers.get("participant.settlement_date")
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def settings_problems(plan: Plan, derived: Mapping[str, Any], *, fixing: bool = False,
                      settled: dt.date | None = None) -> list[FieldError]:
    """What the law allows for this participant (end goal, duration, extension), and a start after `settled` (the
    settlement date); with `fixing`, also what is missing."""
    errors: list[FieldError] = []
    if plan.end_goal:
        msg = derived_mod.end_goal_error({"assessment.proposed_end_goal": plan.end_goal}, derived)
        if msg:
            errors.append(FieldError("end_goal", msg))
        elif fixing and not derived.get("allowed_end_goals"):
            errors.append(FieldError("end_goal", N_("Tillatte sluttmål kan ikke beregnes før utdanning og fødselsdato "
                                                    "er kartlagt.")))
    elif fixing:
        errors.append(FieldError("end_goal", N_("Velg sluttmål.")))
    limits = derived.get("duration_limits")
    if plan.duration_months is not None:
        msg = derived_mod.duration_error({"assessment.proposed_duration_months": plan.duration_months}, derived)
        if msg:
            errors.append(FieldError("duration_months", msg))
        elif limits and plan.duration_months > limits["base_max"] and not plan.extension_justification.strip():
            errors.append(FieldError(
                "extension_justification",
                N_("{months} måneder er mer enn {base_max} måneder, og da er det en forlengelse. Skriv hvorfor det er "
                   "rimelig å forvente at deltakeren når sluttmålet med forlengelsen.", months=plan.duration_months,
                   base_max=limits["base_max"])))
        elif fixing and not limits:
            errors.append(FieldError("duration_months", N_("Grensene for varigheten kan ikke beregnes før "
                                                           "utdanningen og sluttmålet er kjent.")))
    elif fixing:
        errors.append(FieldError("duration_months", N_("Fyll ut varigheten i måneder.")))
    if plan.start_date is not None and settled is not None and plan.start_date < settled:
        errors.append(FieldError("start_date", N_("Programmet kan ikke starte før deltakeren ble bosatt i kommunen "
                                                  "({date}).", date=f"{settled:%d.%m.%Y}")))
    if fixing:
        missing = {"start_date": N_("Fyll ut startdatoen for programmet."),
                   "norwegian_hours": N_("Fyll ut hvor mange timer norskopplæring deltakeren skal ha."),
                   "social_studies_hours": N_("Fyll ut hvor mange timer samfunnskunnskap deltakeren skal ha.")}
        for name, message in missing.items():
            if getattr(plan, name) is None:
                errors.append(FieldError(name, message))
        if not plan.long_term_goal.strip():
            errors.append(FieldError("long_term_goal", N_("Skriv deltakerens mål på lang sikt.")))
        if plan.hours_per_week not in HOURS_PER_WEEK:
            errors.append(FieldError("hours_per_week", N_("Velg 37,5 eller 30 timer i uken.")))
        if plan.language not in PLAN_LANGUAGES:
            errors.append(FieldError("language", N_("Velg et av språkene i listen.")))
    return errors


@dataclass
class SettingsSaved:
    plan: Plan
    errors: list[FieldError]  # what could not be read (not saved) and what breaks the rules (saved, to correct)
    conflict: bool = False


STALE_MESSAGE = N_("Planen er endret i en annen fane eller av en annen etter at du åpnet siden. Se over og prøv igjen.")


def save_settings(db: Session, user: User, case: Case, plan: Plan, form: Mapping[str, str],
                  base_version: int | None) -> SettingsSaved:
    """Store every field that can be read; report the rest and every rule the settings break, at their fields."""
    values, errors = _parse_settings(form)
    if base_version is None or base_version != plan.version:
        return SettingsSaved(plan, [FieldError("plan", STALE_MESSAGE)] + errors, conflict=True)
    changed = {k: v for k, v in values.items() if getattr(plan, k) != v}
    if changed:
        if not _touch(db, plan, base_version, **changed):
            db.rollback()
            return SettingsSaved(plan, [FieldError("plan", STALE_MESSAGE)] + errors, conflict=True)
        audit.record(db, user, "update", "plan", plan.id, f"settings fields={','.join(sorted(changed))}",
                     organisation_id=plan.organisation_id)
        db.commit()
        db.refresh(plan)
    known = {e.field for e in errors}
    errors += [e for e in settings_problems(plan, plan_derived(case, plan), settled=settled_on(case))
               if e.field not in known]
    return SettingsSaved(plan, errors)


# --- elements ----------------------------------------------------------------------------------------------------


def element_field(element_id: int, name: str) -> str:
    return f"element-{element_id}.{name}"


def _element(db: Session, plan: Plan, element_id: int) -> PlanElement | None:
    element = db.get(PlanElement, element_id)
    return element if element is not None and element.plan_id == plan.id else None


def _changed(db: Session, user: User, plan: Plan, element: PlanElement, detail: str) -> None:
    element.updated_at = clock.now()
    db.add(element)
    _touch(db, plan)
    audit.record(db, user, "update", "plan", plan.id, f"element={element.id} {detail}"[:2000],
                 organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(plan)


def decide(db: Session, user: User, plan: Plan, element_id: int, decision: str, reason: str = "") -> list[FieldError]:
    """Accept a proposal into the plan, or reject it with a short reason."""
    element = _element(db, plan, element_id)
    if element is None:
        return [FieldError("plan", N_("Fant ikke tiltaket. Last siden på nytt."))]
    reason = reason.strip()
    if decision == REJECTED:
        if not reason:
            return [FieldError(element_field(element.id, "reason"),
                               N_("Skriv kort hvorfor «{title}» avvises. Deltakeren kan klage på planen.",
                                  title=element.title))]
        if len(reason) > MAX_REASON:
            return [_too_long(element_field(element.id, "reason"), N_("Begrunnelsen"), MAX_REASON, reason)]
    elif decision not in (ACCEPTED, PROPOSED):
        return [FieldError("plan", N_("Ukjent valg."))]
    element.status = decision
    element.rejection_reason = reason if decision == REJECTED else ""
    element.decided_at = clock.now() if decision != PROPOSED else None
    element.decided_by_id = user.id if decision != PROPOSED else None
    _changed(db, user, plan, element, f"decision={decision} code={element.code or '-'}")
    return []


def _element_values(element_id: int | None, form: Mapping[str, str], *, own: bool
                    ) -> tuple[dict[str, Any], list[FieldError]]:
    def name(n: str) -> str:
        return element_field(element_id, n) if element_id is not None else f"new.{n}"

    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    if own:
        title = form.get("title", "").strip()
        if not title:
            errors.append(FieldError(name("title"), N_("Skriv hva tiltaket er.")))
        elif len(title) > MAX_TITLE:
            errors.append(_too_long(name("title"), N_("Tittelen"), MAX_TITLE, title))
        else:
            values["title"] = title
    responsible = form.get("responsible", "").strip()
    if not responsible:
        errors.append(FieldError(name("responsible"), N_("Skriv hvem som har ansvaret for tiltaket.")))
    elif len(responsible) > 200:
        errors.append(FieldError(name("responsible"), N_("Ansvarlig kan ha høyst {max} tegn (nå {n}).", max=200,
                                                         n=len(responsible))))
    else:
        values["responsible"] = responsible
    start, error = parse_date(form.get("start", ""), name("start"), N_("Startdatoen"))
    errors += [error] if error else []
    end, error2 = parse_date(form.get("end", ""), name("end"), N_("Sluttdatoen"))
    errors += [error2] if error2 else []
    if start and end and end < start:
        errors.append(FieldError(name("end"), N_("Sluttdatoen kan ikke være før startdatoen.")))
    if not error and not error2:
        values["start"], values["end"] = start, end
    note = form.get("note", "").strip()
    if len(note) > MAX_TEXT:
        errors.append(_too_long(name("note"), N_("Merknaden"), MAX_TEXT, note))
    else:
        values["note"] = note
    # Only when the form has them (a form without them leaves them as they are): the status, and the dates as months.
    if "progress" in form:
        if form["progress"] in PROGRESS_LABELS:
            values["progress"] = form["progress"]
        else:
            errors.append(FieldError(name("progress"), N_("Velg en av statusene i listen.")))
    if "month_only" in form:  # a hidden "0" before the checkbox's "1": the last one posted counts
        values["month_precision"] = form["month_only"] == "1"
    return values, errors


def edit_element(db: Session, user: User, plan: Plan, element_id: int, form: Mapping[str, str]) -> list[FieldError]:
    """Change the responsible actor, start, end and note (and an own element's title). Nothing is saved on an error."""
    element = _element(db, plan, element_id)
    if element is None:
        return [FieldError("plan", N_("Fant ikke tiltaket. Last siden på nytt."))]
    values, errors = _element_values(element.id, form, own=element.code is None)
    if errors:
        return errors
    changed = sorted(k for k, v in values.items() if getattr(element, k) != v)
    for key, value in values.items():
        setattr(element, key, value)
    if changed:
        _changed(db, user, plan, element, f"edit fields={','.join(changed)}")
    return []


def add_element(db: Session, user: User, plan: Plan, form: Mapping[str, str]) -> list[FieldError]:
    """An element of the caseworker's own, taken into the plan."""
    values, errors = _element_values(None, form, own=True)
    if errors:
        return errors
    last = db.exec(select(PlanElement.position).where(PlanElement.plan_id == plan.id)
                   .order_by(col(PlanElement.position).desc()).limit(1)).first()
    element = PlanElement(plan_id=plan.id, code=None, status=ACCEPTED, decided_at=clock.now(), decided_by_id=user.id,
                          position=max(OWN_ELEMENT_POSITION, (last or 0) + 1), **values)
    db.add(element)
    db.flush()
    _changed(db, user, plan, element, "add own element")
    return []


# --- fixing a version --------------------------------------------------------------------------------------------


def element_problems(plan: Plan, elements: list[PlanElement]) -> list[FieldError]:
    errors = []
    programme_end = _programme_end(plan)
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
            elif start and not e.end and programme_end and start > programme_end:
                # Without an end of its own it would run to the programme's end, which comes before its start.
                errors.append(FieldError(element_field(e.id, "start"),
                                         N_("«{title}» begynner etter at programmet slutter ({date}). Gi tiltaket "
                                            "en sluttdato, eller en tidligere start.",
                                            title=e.title, date=f"{programme_end:%d.%m.%Y}")))
    return errors


def _element_snapshot(e: PlanElement) -> dict[str, Any]:
    return {"code": e.code, "title": e.title, "responsible": e.responsible,
            "start": e.start.isoformat() if e.start else None, "end": e.end.isoformat() if e.end else None,
            "status": e.status, "progress": e.progress, "month_precision": e.month_precision,
            "rejection_reason": e.rejection_reason, "note": e.note, "because": e.because,
            "source": e.source, "ruleset_version": e.ruleset_version, "sensitive": e.sensitive,
            "no_longer_proposed": e.no_longer_proposed, "position": e.position}


def _programme_end(plan: Plan) -> dt.date | None:
    """The programme's last day: its start plus its duration, or None while either is missing."""
    if plan.start_date is None or not plan.duration_months:
        return None
    return derived_mod.add_months(plan.start_date, plan.duration_months) - dt.timedelta(days=1)


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


def document_from_json(data: Mapping[str, Any]) -> PlanDocument:
    def day(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    values = dict(data)
    for name in ("birth_date", "plan_date", "start_date", "end_date"):
        values[name] = day(values[name])
    values["norwegian_goal"] = NorwegianGoal(**values["norwegian_goal"])
    values["elements"] = tuple(DocElement(**{**e, "start": day(e["start"]), "end": day(e.get("end"))})
                               for e in values["elements"])
    return PlanDocument(**values)


def build_document(db: Session, case: Case, plan: Plan, user: User, number: int, today: dt.date,
                   elements: list[PlanElement], derived: Mapping[str, Any]) -> PlanDocument:
    """The printed plan's content. Call only when `fix_problems` found nothing (every value it needs is there)."""
    answers = case.answers
    programme = programme_for(case)
    org = db.get(Organisation, case.organisation_id)
    guidance = career_guidance(db, case.id)
    start, end = plan.start_date, _programme_end(plan)
    accepted = [e for e in elements if e.status == ACCEPTED]
    return PlanDocument(
        participant_name=answers.get("participant.name", ""),
        birth_date=dt.date.fromisoformat(answers["participant.birth_date"]),
        # saved before identifiers were stored as their digits, it may hold spaces
        duf_number=identifiers.compact_duf_number(str(answers.get("participant.duf_number", ""))),
        municipality_name=org.name if org else "",
        caseworker_name=user.full_name, caseworker_phone=user.phone or "", caseworker_email=user.email or "",
        plan_date=today, version=number, ruleset_version=default_ruleset().version,
        end_goal=plan.end_goal, norwegian_goal=NorwegianGoal(**derived["norwegian_goal"]),
        long_term_goal=plan.long_term_goal, duration_months=plan.duration_months, start_date=start,
        end_date=end, norwegian_hours=plan.norwegian_hours,
        # An element without dates of its own runs, as the builder says, from the start to the end of the programme.
        elements=tuple(DocElement(code=e.code, title="" if e.code else e.title, responsible=e.responsible,
                                  start=e.start or start, end=e.end or end, status=e.progress, note=e.note,
                                  month_precision=e.month_precision)
                       for e in accepted),
        language=plan.language, hours_per_week=plan.hours_per_week, holiday_weeks=programme.scope.holiday_weeks,
        social_studies_hours=plan.social_studies_hours,
        career_guidance_summary=guidance[0] or None if guidance else None,
        career_guidance_recommendation=guidance[1] or None if guidance else None,
        extension_justification=(plan.extension_justification.strip() or None
                                 if derived.get("duration_limits")
                                 and plan.duration_months > derived["duration_limits"]["base_max"] else None),
        appeal_weeks=programme.appeal.weeks, appeal_authority=programme.appeal.authority,
    )


def fix_problems(case: Case, plan: Plan, user: User, elements: list[PlanElement],
                 derived: Mapping[str, Any]) -> list[FieldError]:
    """Everything that stops the plan from being fixed, at its field."""
    errors = settings_problems(plan, derived, fixing=True, settled=settled_on(case)) + element_problems(plan, elements)
    answers = case.answers
    if not answers.get("participant.duf_number"):
        errors.append(FieldError("case", N_("Deltakeren mangler DUF-nummer i kartleggingen (det står på planen). "
                                            "Fyll det ut under «Deltaker og sak».")))
    elif identifiers.duf_number_error(answers["participant.duf_number"], today=clock.today()):
        errors.append(FieldError("case", N_("DUF-nummeret i kartleggingen er ikke gyldig (det står på planen). "
                                            "Rett det under «Deltaker og sak».")))
    if not answers.get("participant.birth_date") or not answers.get("participant.name"):
        errors.append(FieldError("case", N_("Navn og fødselsdato mangler i kartleggingen.")))
    if not derived.get("norwegian_goal"):
        errors.append(FieldError("case", N_("Norskmålet kan ikke beregnes før utdanningen er kartlagt.")))
    if not (user.phone or user.email):
        errors.append(FieldError("plan", N_("Du må ha telefon eller e-post registrert på brukeren din: deltakeren "
                                            "skal kunne nå deg.")))
    return errors


@dataclass
class Prepared:
    """A version ready to be stored once its PDF is rendered."""

    case_id: int
    plan_id: int
    plan_version: int
    number: int
    document: PlanDocument
    html: str
    answers: dict[str, Any]
    elements: list[dict[str, Any]]
    fingerprint: str


@dataclass
class Fixed:
    version: PlanVersion
    refreshed: Refreshed | None = None


def _fingerprint(doc: PlanDocument, answers: Mapping[str, Any], elements: list[dict[str, Any]]) -> str:
    content = {**document_to_json(doc), "version": None, "plan_date": None}
    text = json.dumps({"document": content, "answers": answers, "elements": elements}, sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def unprintable(exc: Exception) -> FieldError:
    """The plan's text cannot be made (intake.plan's check refused the document): said at the plan as a whole."""
    return FieldError("plan", N_("Planen kan ikke skrives ut: {error}", error=str(exc)))


def _last_version(db: Session, plan: Plan):
    """The newest fixed version's number, fingerprint and time, or None."""
    return db.exec(select(PlanVersion.number, PlanVersion.fingerprint, PlanVersion.fixed_at)
                   .where(PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number).desc()).limit(1)).first()


def _next_document(db: Session, user: User, case: Case, plan: Plan, today: dt.date | None):
    """(the document the next version would print, the elements, the last version) or what stops the fixing."""
    elements = elements_of(db, plan)
    derived = plan_derived(case, plan)
    errors = fix_problems(case, plan, user, elements, derived)
    if errors:
        return errors
    last = _last_version(db, plan)
    number = (last.number if last else 0) + 1
    return build_document(db, case, plan, user, number, today or clock.today(), elements, derived), elements, last


def preview_document(db: Session, user: User, case: Case, plan: Plan,
                     today: dt.date | None = None) -> PlanDocument | list[FieldError]:
    """The plan as it would be printed if it were fixed now (the next version's number, today's date), or what
    stops it from being fixed. Changes nothing: proposals made stale by changed answers are left for the builder."""
    made = _next_document(db, user, case, plan, today)
    return made if isinstance(made, list) else made[0]


def prepare_fix(db: Session, user: User, case: Case, plan: Plan, base_version: int | None,
                today: dt.date | None = None) -> Prepared | list[FieldError]:
    """Check the plan as the caseworker saw it (`base_version`) and build the version to store."""
    from .plan.render import PlanRenderError, render_plan_html

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
    made = _next_document(db, user, case, plan, today)
    if isinstance(made, list):
        return made
    doc, elements, last = made
    snapshot = [_element_snapshot(e) for e in elements]
    fingerprint = _fingerprint(doc, case.answers, snapshot)
    if last and last.fingerprint == fingerprint:
        return [FieldError("plan", N_("Planen er ikke endret siden versjon {number} ble fastsatt.",
                                      number=last.number))]
    try:
        html = render_plan_html(doc, for_print=True)
    except PlanRenderError as exc:
        log.warning("plan %s cannot be printed: %s", plan.id, exc)
        return [unprintable(exc)]
    return Prepared(case.id, plan.id, plan.version, doc.version, doc, html, dict(case.answers), snapshot, fingerprint)


def store_version(db: Session, user: User, prepared: Prepared, pdf: bytes) -> PlanVersion | list[FieldError]:
    """Keep the version unchanged from now on; refused if the plan changed while its PDF was being made."""
    plan = db.get(Plan, prepared.plan_id, populate_existing=True)
    if plan is None or not _touch(db, plan, prepared.plan_version):
        db.rollback()
        return [FieldError("plan", N_("Planen ble endret mens den ble fastsatt. Se over og prøv igjen."))]
    version = PlanVersion(plan_id=plan.id, number=prepared.number, fixed_by_id=user.id,
                          language=prepared.document.language, ruleset_version=prepared.document.ruleset_version,
                          fingerprint=prepared.fingerprint, answers=prepared.answers, elements=prepared.elements,
                          document=document_to_json(prepared.document), html=prepared.html, pdf=pdf)
    db.add(version)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return [FieldError("plan", N_("Planen ble fastsatt av noen andre samtidig. Se over versjonene."))]
    audit.record(db, user, "fix", "plan", plan.id, f"case={prepared.case_id} version={prepared.number}",
                 organisation_id=plan.organisation_id)
    db.commit()
    db.refresh(version)
    return version


async def fix_plan(db: Session, user: User, case: Case, plan: Plan, base_version: int | None,
                   today: dt.date | None = None) -> PlanVersion | list[FieldError]:
    """ "Fastsett plan": check, render the PDF once, and store the version with everything it was made from."""
    prepared = prepare_fix(db, user, case, plan, base_version, today)
    if isinstance(prepared, list):
        return prepared
    try:
        pdf = await render_pdf(prepared.document)
    except asyncio.TimeoutError:
        return [FieldError("plan", N_("Det tok for lang tid å lage PDF-en. Prøv igjen om litt."))]
    except Exception as exc:  # a render error must reach the caseworker as a message, with nothing stored
        log.exception("plan %s: PDF rendering failed", plan.id)
        return [FieldError("plan", N_("PDF-en kunne ikke lages: {error}", error=str(exc)))]
    return store_version(db, user, prepared, pdf)


# --- rendering the PDF in a separate process --------------------------------------------------------------------
# WeasyPrint is CPU-bound and slow to import; threads make it slower (docs TECH-NOTES). One spawned worker keeps its
# fonts and parsed CSS between plans; it is replaced after a number of plans to bound its memory. Each worker warms
# itself as it starts (imports, fonts, a first layout), and the server starts the first one at start-up
# (`warm_pdf_worker`), so no caseworker's "Fastsett plan" waits for that.

_pool: ProcessPoolExecutor | None = None
WORKER_TASKS = 50


def _warm_worker() -> None:
    """The worker's initializer. A failure is only logged: the plan's own render then reports it to the caseworker."""
    _exit_with_parent()
    try:
        from .plan.render import warm_up

        warm_up()
    except Exception:
        log.exception("the PDF worker could not warm up")


def _exit_with_parent() -> None:
    """End this worker when the server process that started it ends, however it ends. A worker waits on a queue it
    holds both ends of, so it would never notice by itself, and uvicorn ends on SIGTERM by raising it again after
    its shutdown, past the interpreter's exit handlers that would stop the pool."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    max_tasks_per_child=WORKER_TASKS, initializer=_warm_worker)
    return _pool


def stop_pdf_worker() -> None:
    """Stop the PDF worker process (the server's shutdown). A render under way is let finish."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def warm_pdf_worker() -> None:
    """Start the PDF worker now, in the background, instead of at the first plan (any task starts it; it warms itself
    before running it)."""
    _get_pool().submit(int)


def _render_in_process(doc: PlanDocument) -> bytes:
    from .plan.render import render_plan_pdf

    return render_plan_pdf(doc)


async def render_pdf(doc: PlanDocument, timeout: float = PDF_TIMEOUT_SECONDS) -> bytes:
    """The plan's PDF, rendered in the worker process (in a thread of this process if the worker pool broke)."""
    global _pool
    from .plan.render import render_plan_pdf

    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_get_pool(), render_plan_pdf, doc), timeout)
    except BrokenProcessPool:
        log.warning("the PDF worker process died; rendering in this process")
        _pool = None
        return await asyncio.wait_for(loop.run_in_executor(None, _render_in_process, doc), timeout)
