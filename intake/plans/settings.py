"""The plan's goals and scope (end goal, duration, start, hours, the long-term goal, the print's language): read from
the form, stored where they can be read, and checked against what the law allows the participant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from sqlmodel import Session

from .. import audit
from ..domain import derived as derived_mod
from ..domain.answers import FieldError
from ..domain.messages import N_
from ..models import Case, User
from ..models_plans import Plan
from ..plan.document import HOURS_PER_WEEK, MAX_TEXT
from ..plan.texts import PLAN_LANGUAGES
from ..domain.codes import CEFR_LEVELS, SKILLS
from ..plan.document import GOAL_LEVELS
from .common import (GOAL_FIELDS, MAX_HOURS, SETTINGS_FIELDS, STALE_MESSAGE, parse_date, parse_int,
                     text_problem, touch)
from .proposals import plan_derived

# The skills' names in the UI's languages, for the messages that name them.
SKILL_NAMES = {
    "nb": {"listening": "lytting", "reading": "lesing", "writing": "skriving", "oral": "muntlig"},
    "nn": {"listening": "lytting", "reading": "lesing", "writing": "skriving", "oral": "munnleg"},
    "en": {"listening": "listening", "reading": "reading", "writing": "writing", "oral": "oral"},
}

def _and_list(words: list[str], lang: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + (" and " if lang == "en" else " og ") + words[-1]


def plan_norwegian_goal(plan: Plan, derived: Mapping[str, Any]) -> dict[str, str] | None:
    """The plan's Norwegian goal: as the caseworker set it, else the guiding goal the mapping gives (a proposal)."""
    return dict(plan.norwegian_goal) if plan.norwegian_goal else derived.get("norwegian_goal")


def below_guiding(plan: Plan, derived: Mapping[str, Any]) -> list[str]:
    """The skills where the plan's Norwegian goal is below the guiding level (integreringsforskriften: the levels guide,
    and may be adjusted for the individual with a reason)."""
    goal, guiding = plan_norwegian_goal(plan, derived), derived.get("norwegian_goal")
    if not goal or not guiding:
        return []
    return [s for s in SKILLS if s in goal and CEFR_LEVELS.index(goal[s]) < CEFR_LEVELS.index(guiding[s])]


def departs_from_main_rule(plan: Plan, derived: Mapping[str, Any]) -> str | None:
    """The end goal the law sets as its main rule, where the plan's lawful end goal is another; else None."""
    main, allowed = derived.get("end_goal_main_rule"), derived.get("allowed_end_goals") or []
    if main and plan.end_goal and plan.end_goal != main and plan.end_goal in allowed:
        return main
    return None


def reason_problems(plan: Plan, derived: Mapping[str, Any]) -> list[FieldError]:
    """The written reasons the law asks for where the caseworker departs from what it guides to: an end goal other than
    the main rule (integreringsloven § 13), a Norwegian goal below the guiding level. They stop "Fastsett plan", never
    a save: the end goal and the goal are lawful choices."""
    errors = []
    main = departs_from_main_rule(plan, derived)
    if main and not plan.end_goal_reason.strip():
        errors.append(FieldError("end_goal_reason", N_(
            "Hovedregelen for deltakere under 25 år uten videregående opplæring er sluttmålet «{main}». Skriv hvorfor "
            "deltakeren skal ha et annet sluttmål. Begrunnelsen står i planen.",
            main={lang: names[main] for lang, names in derived_mod.END_GOAL_NAMES.items()})))
    below = below_guiding(plan, derived)
    if below and not plan.norwegian_goal_reason.strip():
        errors.append(FieldError("norwegian_goal_reason", N_(
            "Målet i norsk er lavere enn det veiledende nivået i {skills}. Skriv hvorfor. Begrunnelsen står i planen.",
            skills={lang: _and_list([names[s] for s in below], lang) for lang, names in SKILL_NAMES.items()})))
    return errors


def settings_form(plan: Plan, guiding: Mapping[str, str] | None = None) -> dict[str, str]:
    """The stored settings as the form shows them; the Norwegian goal as set, else the guiding goal (`guiding`)."""
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:g}"
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    goal = plan.norwegian_goal or guiding or {}
    return ({name: text(getattr(plan, name)) for name in SETTINGS_FIELDS}
            | {f"norwegian_goal_{s}": goal.get(s, "") for s in SKILLS})


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
        keep("duration_months", *parse_int(form["duration_months"], "duration_months", N_("Varigheten"), 1, 120))
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
            keep(name, *parse_int(form[name], name, label, 0, MAX_HOURS[name]))
    if any(name in form for name in GOAL_FIELDS):
        levels = {s: form.get(f"norwegian_goal_{s}", "").strip() for s in SKILLS}
        if not any(levels.values()):
            values["norwegian_goal"] = None
        else:
            bad = [s for s in SKILLS if levels[s] not in GOAL_LEVELS]
            for s in bad:
                errors.append(FieldError(f"norwegian_goal_{s}", N_("Velg et nivå for {skill}.", skill={
                    lang: names[s] for lang, names in SKILL_NAMES.items()})))
            if not bad:
                values["norwegian_goal"] = levels
    for name, label in (("long_term_goal", N_("Målet på lang sikt")), ("extension_justification", N_("Begrunnelsen")),
                        ("end_goal_reason", N_("Begrunnelsen")), ("norwegian_goal_reason", N_("Begrunnelsen"))):
        if name in form:
            text = form[name].strip()
            keep(name, text, text_problem(name, label, MAX_TEXT, text))
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
        errors += reason_problems(plan, derived)
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


def save_settings(db: Session, user: User, case: Case, plan: Plan, form: Mapping[str, str],
                  base_version: int | None) -> SettingsSaved:
    """Store every field that can be read; report the rest and every rule the settings break, at their fields."""
    values, errors = _parse_settings(form)
    if base_version is None or base_version != plan.version:
        return SettingsSaved(plan, [FieldError("plan", STALE_MESSAGE)] + errors, conflict=True)
    changed = {k: v for k, v in values.items() if getattr(plan, k) != v}
    if changed:
        if not touch(db, plan, base_version, **changed):
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
