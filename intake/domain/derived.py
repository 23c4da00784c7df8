"""Derived values: what follows from the answers and the programme parameters (age, target group, goals, limits,
deadline, the content the law requires), and which answers and which rule each follows from.

Works on drafts: answers may be partial or malformed, so nothing here raises; a value that cannot be computed is None.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping  # not typing's alias: isinstance() with it is several times slower
from typing import TYPE_CHECKING, Any

from .codes import (CEFR_LEVELS, EDUCATION_LEVELS, END_GOAL_WISHES, END_GOALS, RESIDENCE_BASES,  # noqa: F401
                    SKILLS)
from .messages import N_

if TYPE_CHECKING:
    from .programme import Programme, Section

_HIGHER_EDUCATION = ("bachelor", "master", "doctorate")
# Levels whose completion may or may not give general university admission: the caseworker says which
# (background.university_admission, from HK-dir's GSU list).
_ADMISSION_ASKED = ("upper_secondary_general", "upper_secondary_vocational", "tertiary_vocational")

# Norwegian names of the end goals, for messages (as the questionnaire's labels for assessment.proposed_end_goal).
END_GOAL_NAMES_NB = {
    "work": "arbeid",
    "upper_secondary": "fullført videregående opplæring",
    "higher_education_qualification": "kvalifisering til høyere utdanning",
    "primary_education": "fullført grunnskole",
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- reading drafts safely ----------------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _code(value: Any, codes: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in codes else None


def _rows(value: Any) -> list[Mapping] | None:
    """A repeat's rows; [] when unanswered; None when it is not a list at all."""
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    return [row for row in value if isinstance(row, Mapping)]


def _years_between(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def add_months(day: dt.date, months: int) -> dt.date | None:
    """Calendar months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb); None past year 9999."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _three_valued(results: list[tuple[bool | None, tuple[str, ...]]]) -> tuple[bool | None, list[str]]:
    """All of the conditions, each with the answers it read: False with the answers of those that failed, True with
    the answers of all, None (with the answers still missing) while one is undecided and none has failed."""
    failed = [names for ok, names in results if ok is False]
    if failed:
        return False, _unique(n for names in failed for n in names)
    if any(ok is None for ok, _ in results):
        return None, _unique(n for ok, names in results if ok is None for n in names)
    return True, _unique(n for _, names in results for n in names)


def _unique(names) -> list[str]:
    return list(dict.fromkeys(names))


# --- the pieces ---------------------------------------------------------------------------------------------------


def _completed_levels(answers: Mapping) -> list[tuple[int, Mapping]] | None:
    """(level index, row) for each completed education entry; None when the education answer is malformed."""
    rows = _rows(answers.get("background.education"))
    if rows is None:
        return None
    if not rows and answers.get("background.years_of_schooling") is None:
        # Nothing said about education yet: unknown, not "none". (No entries once the required years of schooling
        # is answered does mean no education.)
        return None
    # Only an entry marked completed counts: an unfinished or half-typed row must not lift the participant's limits.
    return [(EDUCATION_LEVELS.index(row["level"]), row) for row in rows
            if row.get("completed") is True and _code(row.get("level"), EDUCATION_LEVELS)]


def _foreign_higher_education(completed: list[tuple[int, Mapping]]) -> bool | None:
    higher = [row for _, row in completed if row["level"] in _HIGHER_EDUCATION]
    countries = [row.get("country") for row in higher]
    if any(isinstance(c, str) and c and c != "NO" for c in countries):
        return True
    if any(not (isinstance(c, str) and c) for c in countries):
        return None  # completed higher education from a country not yet given
    return False


def _university_admission(answers: Mapping, completed: list[tuple[int, Mapping]] | None) -> bool | None:
    """Whether a completed education gives general university admission in Norway (GSU) or its equal: completed higher
    education does; an upper secondary or tertiary vocational education does where the caseworker says so."""
    if completed is None:
        return None
    levels = {row["level"] for _, row in completed}
    if levels & set(_HIGHER_EDUCATION):
        return True
    if levels & set(_ADMISSION_ASKED):
        return _bool(answers.get("background.university_admission"))
    return False


# The derived values derive() names the deciding answers of (its `facts`), which `because` may show.
FACTS_FROM = ("in_target_group", "decision_deadline", "age", "age_at_permit", "chapter_6a", "has_upper_secondary",
              "has_university_admission", "allowed_end_goals", "norwegian_goal", "norwegian_training_max_months")

_NOTION_FACTS = {"upper_secondary_level": ("background.education",),
                 "general_university_admission": ("background.education", "background.university_admission")}


def _target_group(answers: Mapping, programme: Programme, age_at_permit: int | None,
                  today: dt.date) -> tuple[bool | None, list[str]]:
    """In the target group (§§ 8–9), three-valued, with the answers that decided it."""
    tg = programme.target_group
    basis = _code(answers.get("participant.residence_basis"), RESIDENCE_BASES)
    b = ("participant.residence_basis",)
    results: list[tuple[bool | None, tuple[str, ...]]] = [(None if basis is None else basis in tg.residence_bases, b)]
    if basis == "humanitarian" and tg.humanitarian_only_after_asylum_application:
        names = b + ("participant.humanitarian_after_asylum",)
        results.append((_bool(answers.get("participant.humanitarian_after_asylum")), names))
    if basis == "family_reunification":
        reference = _date(answers.get("participant.family_reference_settlement_date"))
        applied = _date(answers.get("participant.family_application_date"))
        names = b + ("participant.family_reference_settlement_date", "participant.family_application_date")
        results.append((None if reference is None or applied is None
                        else _years_between(reference, applied) < tg.family_reference_settled_under_years, names))
    if basis is not None and basis in tg.residence_bases and basis not in tg.settlement_by_agreement_not_required_for:
        results.append((_bool(answers.get("participant.settled_by_agreement")),
                        b + ("participant.settled_by_agreement",)))
    results.append((None if age_at_permit is None
                    else tg.min_age_at_permit <= age_at_permit <= tg.max_age_at_permit,
                    ("participant.birth_date", "participant.permit_date")))
    settled = _date(answers.get("participant.settlement_date"))
    resident_until = None if settled is None else add_months(settled, tg.max_months_resident)
    results.append((None if settled is None else (resident_until is None or today < resident_until),
                    ("participant.settlement_date",)))
    return _three_valued(results)


def _deadline(answers: Mapping, programme: Programme) -> tuple[dt.date | None, list[str]]:
    """The programme decision's deadline (§ 12): months after settlement, or after the participant's own claim where
    that came later; with the answer it runs from."""
    decision = programme.decision
    settled = _date(answers.get("participant.settlement_date"))
    claimed = _date(answers.get("participant.claim_date")) if decision.runs_from_claim else None
    if settled is None and claimed is None:
        return None, []
    if claimed is not None and (settled is None or claimed > settled):
        start, name = claimed, "participant.claim_date"
    else:
        start, name = settled, "participant.settlement_date"
    return add_months(start, decision.deadline_months_after_settlement), [name]


def _end_goal(answers: Mapping) -> str | None:
    """"End goal" as recommendations.md defines it for the triggers: `assessment.proposed_end_goal` where answered,
    otherwise `goals.end_goal_wish` as it is (a wish to use one's education, `recognition`, is not the end goal
    `work`: the caseworker decides that by proposing an end goal)."""
    return (_code(answers.get("assessment.proposed_end_goal"), END_GOALS)
            or _code(answers.get("goals.end_goal_wish"), END_GOAL_WISHES))


def _duration_end_goal(end_goal: str | None, allowed: tuple[str, ...] | None) -> str | None:
    """The end goal the duration table is read with: the end goal where the participant may have it, the only end
    goal they may have where there is one, else unknown (then limits that depend on it are unknown too)."""
    if allowed is None:
        return end_goal if end_goal in END_GOALS else None
    if end_goal in allowed:
        return end_goal
    return allowed[0] if len(allowed) == 1 else None


def _needs_b2(answers: Mapping) -> bool | None:
    """Whether the participant must document Norwegian at B2: their regulated profession requires it
    (reference/regulated_professions.csv, `norwegian_requirement`)."""
    from .reference import tables  # reference reads the questionnaire's directory; imported when first needed

    profession = answers.get("recognition.regulated_profession")
    if not isinstance(profession, str) or not profession:
        return None
    row = tables()["regulated_professions"].get(profession)
    return bool(row and row.get("norwegian_requirement") == "B2")


def _norwegian_goal(programme: Programme, has_admission: bool | None, has_primary: bool | None,
                    needs_b2: bool | None) -> tuple[dict[str, str] | None, str | None]:
    """The guiding Norwegian goal (a proposal: the caseworker sets the plan's goal) and the table row it is."""
    goals = programme.norwegian_goals
    if needs_b2:
        row = "upper_secondary_needs_b2"
    elif has_admission:
        row = "upper_secondary"
    elif has_admission is None or has_primary is None:
        return None, None
    else:
        row = "primary_completed" if has_primary else "primary_not_completed"
    return getattr(goals, row).as_dict(), row


def _norwegian_gap(answers: Mapping, goal: dict[str, str] | None) -> list[str] | None:
    if goal is None:
        return None
    levels = {s: _code(answers.get(f"norwegian.{s}"), CEFR_LEVELS) for s in SKILLS}
    if all(level is None for level in levels.values()):
        return None
    # A skill not yet assessed is not listed: the gap names what is known to be below the goal.
    return [s for s in SKILLS
            if levels[s] is not None and CEFR_LEVELS.index(levels[s]) < CEFR_LEVELS.index(goal[s])]


def _rule(programme: Programme, name: str, section: Section) -> dict[str, Any]:
    """A rule's provenance as the derived values carry it: where it comes from, from when, whether confirmed (its
    value, and the entry's date where the rule changed with it)."""
    return {**section.provenance(), "valid_from": programme.since[name].isoformat(),
            "verified": programme.confirmed(name)}


# --- the public functions -----------------------------------------------------------------------------------------


def derive(answers: dict, programme: Programme, today: dt.date) -> dict:
    """Every derived value, keyed by its name without the `derived.` prefix; None where it cannot be computed.

    `facts` names, per derived value, the answers it was decided by; `rules` names, per rule section, its source, the
    date it applies from and whether it is confirmed (read by `because` and shown with the plan's reasons).
    """
    if not isinstance(answers, Mapping):
        answers = {}

    birth = _date(answers.get("participant.birth_date"))
    permit = _date(answers.get("participant.permit_date"))
    age_at_permit = _years_between(birth, permit) if birth and permit else None
    # "under 25" of the end-goal rule is read when the end goal is set: on the mapping date, for the end goal and
    # for UPPER-SECONDARY alike.
    age = _years_between(birth, today) if birth else None

    completed = _completed_levels(answers)
    if completed is None:
        highest = has_upper = has_primary = has_foreign_he = None
    else:
        top = max((index for index, _ in completed), default=None)
        highest = None if top is None else EDUCATION_LEVELS[top]
        has_upper = top is not None and top >= EDUCATION_LEVELS.index("upper_secondary_general")
        has_primary = top is not None
        has_foreign_he = _foreign_higher_education(completed)
    has_admission = _university_admission(answers, completed)
    notions = {"upper_secondary_level": has_upper, "general_university_admission": has_admission}

    basis = _code(answers.get("participant.residence_basis"), RESIDENCE_BASES)
    chapter_6a = programme.follows_chapter_6a(basis, permit)
    in_group, group_facts = _target_group(answers, programme, age_at_permit, today)

    end_goal = _end_goal(answers)
    eg = programme.end_goals
    eg_upper = notions[eg.upper_secondary_means]
    end_goal_rule = programme.end_goal_rule(has_upper_secondary=eg_upper, age=age)
    allowed = None if end_goal_rule is None else end_goal_rule.allowed
    main_rule = None if end_goal_rule is None else end_goal_rule.main_rule
    proposed = _code(answers.get("assessment.proposed_end_goal"), END_GOALS)
    duration_end_goal = _duration_end_goal(end_goal, allowed)
    du_upper = notions[programme.duration.upper_secondary_means]
    limits = programme.duration_limits(has_upper_secondary=du_upper, age=age, end_goal=duration_end_goal)

    needs_b2 = _needs_b2(answers)
    ng_upper = notions[programme.norwegian_goals.upper_secondary_means]
    norwegian_goal, goal_row = _norwegian_goal(programme, ng_upper, has_primary, needs_b2)

    deadline, deadline_facts = _deadline(answers, programme)

    training = programme.norwegian_training_for(chapter_6a)
    nt_upper = notions[training.upper_secondary_means]
    content = programme.content_for(chapter_6a)
    minimum = content.work_oriented_minimum
    qualifies_for = duration_end_goal if duration_end_goal is not None else _code(end_goal, END_GOALS)
    work_minimum = (minimum.as_dict() if minimum is not None and qualifies_for in minimum.end_goals else None)

    prefix = "chapter_6a." if chapter_6a else ""
    sections = {"target_group": "target_group", "decision": "decision", "end_goals": "end_goals",
                "duration": "duration", "norwegian_goals": "norwegian_goals",
                "norwegian_training": prefix + "norwegian_training", "content": prefix + "content",
                "chapter_6a": "chapter_6a"}
    if minimum is not None:
        sections["work_oriented_minimum"] = prefix + "content.work_oriented_minimum"
    where = dict(programme.all_sections())
    rules = {name: _rule(programme, dotted, where[dotted]) for name, dotted in sections.items()}
    facts = {
        "in_target_group": group_facts,
        "decision_deadline": deadline_facts,
        "age": ["participant.birth_date"],
        "age_at_permit": ["participant.birth_date", "participant.permit_date"],
        "chapter_6a": ["participant.residence_basis", "participant.permit_date"] if chapter_6a else
                      ["participant.residence_basis"],
        "has_upper_secondary": list(_NOTION_FACTS["upper_secondary_level"]),
        "has_university_admission": list(_NOTION_FACTS["general_university_admission"]),
        "allowed_end_goals": ["participant.birth_date", *_NOTION_FACTS[eg.upper_secondary_means]],
        "norwegian_goal": (["recognition.regulated_profession"] if needs_b2 else
                           list(_NOTION_FACTS[programme.norwegian_goals.upper_secondary_means])),
        "norwegian_training_max_months": list(_NOTION_FACTS[training.upper_secondary_means])
                                         + (["participant.residence_basis"] if chapter_6a else []),
    }
    return {
        "age_at_permit": age_at_permit,
        "age": age,
        "in_target_group": in_group,
        "chapter_6a": chapter_6a,
        "highest_completed_level": highest,
        "has_upper_secondary": has_upper,
        "has_university_admission": has_admission,
        "has_primary": has_primary,
        "has_foreign_higher_education": has_foreign_he,
        "end_goal": end_goal,
        "allowed_end_goals": None if allowed is None else list(allowed),
        "end_goal_main_rule": main_rule,
        # The proposed end goal departs from the main rule: lawful, with a written reason (the plan asks for it).
        "end_goal_needs_reason": (None if allowed is None or proposed is None
                                  else main_rule is not None and proposed != main_rule and proposed in allowed),
        "needs_norwegian_b2": needs_b2,
        "norwegian_goal": norwegian_goal,
        "norwegian_goal_row": goal_row,
        "norwegian_gap": _norwegian_gap(answers, norwegian_goal),
        "decision_deadline": deadline.isoformat() if deadline else None,
        "decision_overdue": None if deadline is None else today > deadline,
        "duration_limits": None if limits is None else limits.as_dict(),
        "duration_extension_mandatory": None if limits is None else limits.extension_mandatory,
        "duration_end_goal": duration_end_goal,
        "norwegian_training_max_months": (None if nt_upper is None else
                                          training.max_months_with_upper_secondary if nt_upper
                                          else training.max_months),
        "hours_per_week": programme.scope.hours_per_week,
        "required_content": list(content.required),
        "oriented_elements": content.oriented_elements.as_dict(),
        "work_oriented_minimum": work_minimum,
        "facts": facts,
        "rules": rules,
        "unverified_rules": sorted(name for name, rule in rules.items() if not rule["verified"]),
    }


def _or_list(words: list[str], lang: str = "nb") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {OR[lang]} " + words[-1]


# The end goals' names in the UI's languages, for the end-goal error (bokmål as END_GOAL_NAMES_NB).
END_GOAL_NAMES = {
    "nb": END_GOAL_NAMES_NB,
    "nn": {"work": "arbeid", "upper_secondary": "fullført vidaregåande opplæring",
           "higher_education_qualification": "kvalifisering til høgare utdanning",
           "primary_education": "fullført grunnskule"},
    "en": {"work": "work", "upper_secondary": "completed upper secondary education",
           "higher_education_qualification": "qualification for higher education",
           "primary_education": "completed primary and lower secondary education"},
}
OR = {"nb": "eller", "nn": "eller", "en": "or"}


def end_goal_error(answers: Mapping, derived: Mapping) -> str | None:
    """A message when `assessment.proposed_end_goal` is not one the participant may have (integreringsloven § 13)."""
    if not isinstance(answers, Mapping) or not isinstance(derived, Mapping):
        return None
    proposed = answers.get("assessment.proposed_end_goal")
    if proposed is None or proposed == "":
        return None
    if proposed not in END_GOALS:
        return N_("Velg et av sluttmålene i listen.")
    allowed = derived.get("allowed_end_goals")
    if not isinstance(allowed, list) or not allowed or proposed in allowed:
        return None  # not yet known what is allowed: no verdict
    return N_("«{goal}» er ikke et tillatt sluttmål for denne deltakeren. Tillatt sluttmål: {allowed}.",
              goal={lang: names[proposed].capitalize() for lang, names in END_GOAL_NAMES.items()},
              allowed={lang: _or_list([names[g] for g in END_GOALS if g in allowed], lang)
                       for lang, names in END_GOAL_NAMES.items()})


def _who(derived: Mapping) -> str:
    """Which row of the duration table the participant is in, in words."""
    has_upper = derived.get("has_upper_secondary")
    if has_upper is True:
        return N_("for deltakere med videregående eller høyere utdanning")
    if has_upper is False:
        if derived.get("duration_end_goal") == "upper_secondary":
            return N_("for deltakere uten videregående opplæring som har fullført videregående opplæring som sluttmål")
        return N_("for deltakere uten videregående opplæring med et annet sluttmål enn fullført videregående opplæring")
    return N_("for denne deltakeren")


def duration_error(answers: Mapping, derived: Mapping) -> str | None:
    """A message when `assessment.proposed_duration_months` is outside the participant's base minimum to maximum."""
    if not isinstance(answers, Mapping) or not isinstance(derived, Mapping):
        return None
    months = _int(answers.get("assessment.proposed_duration_months"))
    limits = derived.get("duration_limits")
    if months is None or not isinstance(limits, Mapping):
        return None
    low, high = _int(limits.get("base_min")), _int(limits.get("max"))
    base_max, extension = _int(limits.get("base_max")), _int(limits.get("extension"))
    if low is None or high is None:
        return None
    detail = ""
    if base_max is not None and extension is not None:
        detail = N_(" ({low}–{base_max} måneder, og inntil {extension} måneders forlengelse)", low=low,
                    base_max=base_max, extension=extension)
    if months > high:
        return N_("Varigheten kan være høyst {high} måneder {who}{detail}. Foreslått: {months} måneder.", high=high,
                  who=_who(derived), detail=detail, months=months)
    if months < low:
        return N_("Varigheten må være minst {low} måneder {who}{detail}. Foreslått: {months} måneder.", low=low,
                  who=_who(derived), detail=detail, months=months)
    return None
