"""Derived values: what follows from the answers and the programme parameters (age, goals, limits, deadline).

Works on drafts: answers may be partial or malformed, so nothing here raises; a value that cannot be computed is None.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Mapping

from .messages import N_

if TYPE_CHECKING:  # programme.py imports the code lists below, so only the type is imported here
    from .programme import Programme

# The orders the app compares in; the single source for both.
CEFR_LEVELS = ("none", "A1", "A2", "B1", "B2", "C1")
EDUCATION_LEVELS = ("primary", "lower_secondary", "upper_secondary_general", "upper_secondary_vocational",
                    "tertiary_vocational", "bachelor", "master", "doctorate")
END_GOALS = ("work", "upper_secondary", "higher_education_qualification", "primary_education")
# goals.end_goal_wish's codes: the participant's own wish, which is not always an end goal of § 13.
END_GOAL_WISHES = ("work", "upper_secondary", "higher_education", "recognition", "primary_education", "undecided")
RESIDENCE_BASES = ("refugee", "resettlement_refugee", "humanitarian", "family_reunification", "collective_protection",
                   "other")
SKILLS = ("listening", "reading", "writing", "oral")

_HIGHER_EDUCATION = ("bachelor", "master", "doctorate")

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


def _in_target_group(answers: Mapping, programme: Programme, age_at_permit: int | None,
                     today: dt.date) -> bool | None:
    """Three-valued: False as soon as one condition fails, None while a needed answer is missing."""
    tg = programme.target_group
    results: list[bool | None] = []
    basis = _code(answers.get("participant.residence_basis"), RESIDENCE_BASES)
    results.append(None if basis is None else basis in tg.residence_bases)
    results.append(None if age_at_permit is None
                   else tg.min_age_at_permit <= age_at_permit <= tg.max_age_at_permit)
    settled = _date(answers.get("participant.settlement_date"))
    resident_until = None if settled is None else add_months(settled, tg.max_months_resident)
    results.append(None if settled is None else (resident_until is None or today < resident_until))
    if False in results:
        return False
    return None if None in results else True


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


def _norwegian_goal(programme: Programme, has_upper_secondary: bool | None,
                    has_primary: bool | None) -> dict[str, str] | None:
    goals = programme.norwegian_goals
    if has_upper_secondary:
        return goals.upper_secondary.as_dict()
    if has_upper_secondary is None or has_primary is None:
        return None
    return (goals.primary_completed if has_primary else goals.primary_not_completed).as_dict()


def _norwegian_gap(answers: Mapping, goal: dict[str, str] | None) -> list[str] | None:
    if goal is None:
        return None
    levels = {s: _code(answers.get(f"norwegian.{s}"), CEFR_LEVELS) for s in SKILLS}
    if all(level is None for level in levels.values()):
        return None
    # A skill not yet assessed is not listed: the gap names what is known to be below the goal.
    return [s for s in SKILLS
            if levels[s] is not None and CEFR_LEVELS.index(levels[s]) < CEFR_LEVELS.index(goal[s])]


# --- the public functions -----------------------------------------------------------------------------------------


def derive(answers: dict, programme: Programme, today: dt.date) -> dict:
    """Every derived value, keyed by its name without the `derived.` prefix; None where it cannot be computed."""
    if not isinstance(answers, Mapping):
        answers = {}

    birth = _date(answers.get("participant.birth_date"))
    permit = _date(answers.get("participant.permit_date"))
    age_at_permit = _years_between(birth, permit) if birth and permit else None
    # § 13's "under 25" is read at the time the end goal is set, i.e. now, not at the permit.
    age_now = _years_between(birth, today) if birth else None

    completed = _completed_levels(answers)
    if completed is None:
        highest = has_upper = has_primary = has_foreign_he = None
    else:
        top = max((index for index, _ in completed), default=None)
        highest = None if top is None else EDUCATION_LEVELS[top]
        has_upper = top is not None and top >= EDUCATION_LEVELS.index("upper_secondary_general")
        has_primary = top is not None
        has_foreign_he = _foreign_higher_education(completed)

    end_goal = _end_goal(answers)
    allowed = programme.allowed_end_goals(has_upper_secondary=has_upper, age=age_now)
    duration_end_goal = _duration_end_goal(end_goal, allowed)
    limits = programme.duration_limits(has_upper_secondary=has_upper, age=age_now, end_goal=duration_end_goal)
    norwegian_goal = _norwegian_goal(programme, has_upper, has_primary)

    settled = _date(answers.get("participant.settlement_date"))
    deadline = add_months(settled, programme.decision.deadline_months_after_settlement) if settled else None

    training = programme.norwegian_training
    return {
        "age_at_permit": age_at_permit,
        "in_target_group": _in_target_group(answers, programme, age_at_permit, today),
        "highest_completed_level": highest,
        "has_upper_secondary": has_upper,
        "has_primary": has_primary,
        "has_foreign_higher_education": has_foreign_he,
        "end_goal": end_goal,
        "allowed_end_goals": None if allowed is None else list(allowed),
        "norwegian_goal": norwegian_goal,
        "norwegian_gap": _norwegian_gap(answers, norwegian_goal),
        "decision_deadline": deadline.isoformat() if deadline else None,
        "decision_overdue": None if deadline is None else today > deadline,
        "duration_limits": None if limits is None else limits.as_dict(),
        "duration_end_goal": duration_end_goal,
        "norwegian_training_max_months": (None if has_upper is None else
                                          training.max_months_with_upper_secondary if has_upper
                                          else training.max_months),
        "hours_per_week": programme.scope.hours_per_week,
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
