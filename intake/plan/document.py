"""What a printed integration plan (integreringsplan, integreringsloven § 15) holds: one frozen value, built from a saved plan
version, and everything the renderer needs, so the same document always prints the same way.

Free text (names, the long-term goal, notes, the career centre's words) stays as written, in Norwegian; only the fixed texts
are translated (`rules/plan_texts/`). `problems()` lists what is wrong as (field, message) values; the renderer refuses a
document with problems rather than print a wrong plan.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from intake.domain.derived import CEFR_LEVELS, END_GOALS
from intake.domain.programme import NorwegianGoal

ELEMENT_STATUSES = ("planned", "ongoing", "completed", "cancelled")
HOURS_PER_WEEK = (37.5, 30.0)  # full time; or 30 where the activities need much self-study (IMDi, omfang og innhold)
GOAL_LEVELS = CEFR_LEVELS[1:]
NORWEGIAN_FORMS = ("nb", "nn")
_DUF = re.compile(r"\d{12}")
MAX_TEXT = 4000  # a printed plan is no place for a pasted document


from ..domain.answers import FieldError

# The project's one error value (field + message); the plan's own name for it is kept for its callers.
Problem = FieldError


@dataclass(frozen=True)
class Fact:
    """A fact from the mapping that a decision rests on, in Norwegian as the mapping recorded it ("Lovregulert yrke":
    "Sykepleier"): the `because` of a proposal, or the facts the end goal, duration and Norwegian goal turn on."""

    label: str
    value: str


@dataclass(frozen=True)
class Reasons:
    """Why a part of the plan is as it is (forvaltningsloven §§ 24–25): the facts, the rule it rests on (its source),
    and the caseworker's own words where the law asks for them (Norwegian, printed as written)."""

    facts: tuple[Fact, ...] = ()
    source: str = ""
    justification: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", tuple(self.facts))


@dataclass(frozen=True)
class Rejected:
    """A proposal the caseworker did not take into the plan, and why: part of the decision, so the participant may
    appeal it."""

    code: str
    reason: str
    required: bool = False  # the law makes it part of every programme it applies to


@dataclass(frozen=True)
class PlanElement:
    """One element (tiltak) of the plan: a proposal the caseworker accepted, or one of their own (`code` None)."""

    code: str | None  # one of the 22 recommendation codes, or None for an element the caseworker wrote
    title: str  # free text, Norwegian; required for own elements, an optional more precise title for coded ones
    responsible: str  # free text, e.g. "Voksenopplæringen i Drammen"
    start: dt.date
    end: dt.date | None = None  # None: until the programme ends
    status: str = "planned"
    note: str = ""  # the caseworker's note, Norwegian
    month_precision: bool = False  # print start and end as month.year (the plan may give months, not days)
    # why: the facts that made the rule propose it and its source; none for an own element
    reasons: Reasons = Reasons()
    required: bool = False  # the law makes it part of every programme it applies to


@dataclass(frozen=True)
class PlanDocument:
    # who
    participant_name: str
    birth_date: dt.date
    duf_number: str  # UDI's 12-digit case number; the national id is never printed on the plan
    municipality_name: str
    caseworker_name: str
    caseworker_phone: str
    caseworker_email: str
    # which version
    plan_date: dt.date
    version: int
    ruleset_version: str
    # goals (§ 13, § 15)
    end_goal: str
    norwegian_goal: NorwegianGoal
    long_term_goal: str  # the participant's own words, from the integration contract (§ 16)
    # scope
    duration_months: int
    start_date: dt.date
    end_date: dt.date
    norwegian_hours: int
    elements: tuple[PlanElement, ...]
    # languages: the participant reads the plan in `language` beside the Norwegian text
    language: str
    norwegian_form: str = "nb"  # "nn" for a municipality whose official form is nynorsk
    hours_per_week: float = 37.5
    holiday_weeks: int = 5
    social_studies_hours: int = 75
    # the county career centre's words, when guidance has ended (§ 11)
    career_guidance_summary: str | None = None
    career_guidance_recommendation: str | None = None
    # appeal (§ 46; forvaltningsloven §§ 28–29): to the municipality that made the decision
    # why the programme runs beyond its base period (an extension needs a reasonable expectation that the end goal is
    # reached with it): the decision's reasons, printed as written; None within the base period
    extension_justification: str | None = None
    appeal_weeks: int = 3
    appeal_body: str = ""  # empty: the municipality
    appeal_authority: str = "Statsforvalteren"  # decides the appeal if the municipality does not change its decision
    # the decision's reasons (forvaltningsloven § 25), built from the rules and the mapping's facts
    allowed_end_goals: tuple[str, ...] = ()  # what the rules allow the participant; () when not recorded
    # the end goal the law sets as its main rule, where the plan has another (its reason: end_goal_reasons'
    # justification); None where the plan follows it or there is none
    end_goal_main_rule: str | None = None
    end_goal_reasons: Reasons = Reasons()
    duration_limits: tuple[int, int, int, int] | None = None  # base_min, base_max, extension, max (months)
    duration_reasons: Reasons = Reasons()
    guiding_norwegian_goal: NorwegianGoal | None = None  # the guiding minimum levels the goal starts from
    norwegian_goal_reasons: Reasons = Reasons()
    rejected: tuple[Rejected, ...] = ()
    # fixed after the decision deadline, or before career guidance took place: when, and the caseworker's reason
    decision_deadline: dt.date | None = None
    late_reason: str | None = None
    before_guidance_reason: str | None = None
    # fixed without work-oriented elements where a minimum that is not confirmed asks for them: the caseworker's reason
    work_minimum_reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("elements", "allowed_end_goals", "rejected"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.duration_limits is not None:
            object.__setattr__(self, "duration_limits", tuple(self.duration_limits))
        if not self.appeal_body:
            object.__setattr__(self, "appeal_body", self.municipality_name)

    @property
    def has_career_guidance(self) -> bool:
        return bool(self.career_guidance_summary or self.career_guidance_recommendation)

    def problems(self, *, element_codes: frozenset[str] | None = None, languages: tuple[str, ...] | None = None
                 ) -> list[Problem]:
        """Everything that would make the printed plan wrong. The code lists come from the plan texts when given."""
        out: list[Problem] = []

        def need(ok: bool, name: str, message: str) -> None:
            if not ok:
                out.append(Problem(name, message))

        for name in ("participant_name", "duf_number", "municipality_name", "caseworker_name", "ruleset_version",
                     "appeal_body", "appeal_authority"):
            need(bool(getattr(self, name).strip()), name, "mangler")
        for name in ("participant_name", "municipality_name", "caseworker_name", "caseworker_phone",
                     "caseworker_email", "long_term_goal", "career_guidance_summary", "extension_justification",
                     "career_guidance_recommendation", "late_reason", "before_guidance_reason",
                     "work_minimum_reason"):
            value = getattr(self, name) or ""
            need(len(value) <= MAX_TEXT, name, f"er lengre enn {MAX_TEXT} tegn")
        need(bool(self.caseworker_phone.strip() or self.caseworker_email.strip()), "caseworker_phone",
             "programrådgiveren må ha telefon eller e-post")
        need(bool(_DUF.fullmatch(self.duf_number)), "duf_number", "DUF-nummeret har 12 sifre")
        need(self.version >= 1, "version", "versjonen begynner på 1")
        need(self.end_goal in END_GOALS, "end_goal", f"ukjent sluttmål {self.end_goal!r}")
        for skill, level in self.norwegian_goal.items():
            need(level in GOAL_LEVELS, f"norwegian_goal.{skill}", f"ukjent nivå {level!r}")
        need(self.duration_months >= 1, "duration_months", "varigheten må være minst én måned")
        need(self.start_date <= self.end_date, "end_date", "sluttdatoen er før startdatoen")
        need(self.hours_per_week in HOURS_PER_WEEK, "hours_per_week", "timer i uken er 37,5 eller 30")
        need(self.norwegian_hours >= 0, "norwegian_hours", "kan ikke være negativ")
        need(self.social_studies_hours >= 0, "social_studies_hours", "kan ikke være negativ")
        need(self.norwegian_form in NORWEGIAN_FORMS, "norwegian_form", "bokmål (nb) eller nynorsk (nn)")
        if languages is not None:
            need(self.language in languages, "language", f"ingen plantekster på språket {self.language!r}")
        for i, element in enumerate(self.elements):
            at = f"elements[{i}]"
            if element.code is None:
                need(bool(element.title.strip()), f"{at}.title", "et eget tiltak må ha en tittel")
            elif element_codes is not None:
                need(element.code in element_codes, f"{at}.code", f"ukjent tiltak {element.code!r}")
            need(element.status in ELEMENT_STATUSES, f"{at}.status", f"ukjent status {element.status!r}")
            need(bool(element.responsible.strip()), f"{at}.responsible", "mangler")
            need(element.end is None or element.start <= element.end, f"{at}.end", "slutter før den begynner")
            need(len(element.title) <= 200 and len(element.note) <= MAX_TEXT, f"{at}", "teksten er for lang")
        for goal in self.allowed_end_goals:
            need(goal in END_GOALS, "allowed_end_goals", f"ukjent sluttmål {goal!r}")
        if self.end_goal_main_rule is not None:
            need(self.end_goal_main_rule in END_GOALS, "end_goal_main_rule",
                 f"ukjent sluttmål {self.end_goal_main_rule!r}")
            need(bool(self.end_goal_reasons.justification.strip()), "end_goal_reasons",
                 "et annet sluttmål enn hovedregelen trenger en begrunnelse")
        for i, rejected in enumerate(self.rejected):
            if element_codes is not None:
                need(rejected.code in element_codes, f"rejected[{i}].code", f"ukjent tiltak {rejected.code!r}")
            need(bool(rejected.reason.strip()), f"rejected[{i}].reason", "en avvisning har en begrunnelse")
        for name in ("end_goal_reasons", "duration_reasons", "norwegian_goal_reasons"):
            need(len(getattr(self, name).justification) <= MAX_TEXT, name, f"er lengre enn {MAX_TEXT} tegn")
        return out


__all__ = ["ELEMENT_STATUSES", "HOURS_PER_WEEK", "Fact", "NorwegianGoal", "PlanDocument", "PlanElement", "Problem",
           "Reasons", "Rejected"]
