"""The programme's legal parameters (target group, end goals, durations, Norwegian goals) from `rules/programme.yaml`.

Each entry applies from a date, so a law change is a new entry in the file; `ProgrammeHistory.on(day)` picks one.
"""

from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NoReturn

import yaml

from .codes import (CEFR_LEVELS, END_GOALS, REQUIRED_CONTENT, RESIDENCE_BASES, SKILLS, UPPER_SECONDARY_NOTIONS,
                    WORK_MINIMUM_UNITS)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "rules" / "programme.yaml"
GOAL_LEVELS = CEFR_LEVELS[1:]  # a goal of "none" would mean no training at all


class ProgrammeError(ValueError):
    """The programme file is wrong, or no entry is in force; the message names the file and the entry."""


# --- the parameters -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """When a rule applies. A field left None does not constrain."""

    has_upper_secondary: bool | None = None
    age_from: int | None = None
    age_below: int | None = None
    end_goal: tuple[str, ...] | None = None

    def holds(self, *, has_upper_secondary: bool | None, age: int | None, end_goal: str | None) -> bool | None:
        """True or False, or None when it depends on something not known yet."""
        results: list[bool | None] = []
        if self.has_upper_secondary is not None:
            results.append(None if has_upper_secondary is None else has_upper_secondary == self.has_upper_secondary)
        if self.age_from is not None:
            results.append(None if age is None else age >= self.age_from)
        if self.age_below is not None:
            results.append(None if age is None else age < self.age_below)
        if self.end_goal is not None:
            # An end goal not known yet leaves the rule undecided: its limits are not guessed.
            results.append(None if end_goal is None else end_goal in self.end_goal)
        if False in results:
            return False
        return None if None in results else True


@dataclass(frozen=True)
class Section:
    """What every section says about itself: where it comes from and whether that was confirmed."""

    source: str
    verified: bool
    note: str | None

    def provenance(self) -> dict[str, Any]:
        return {"source": self.source, "verified": self.verified, "note": self.note}


@dataclass(frozen=True)
class EndGoalRule:
    when: Condition
    allowed: tuple[str, ...]
    main_rule: str | None = None  # the end goal the law sets "som hovedregel"; the others need a written reason


@dataclass(frozen=True)
class DurationRule:
    when: Condition
    base_min: int
    base_max: int
    extension: int
    max: int
    extension_mandatory: bool = False  # the programme "skal forlenges" where that helps reach the end goal

    def as_dict(self) -> dict[str, int]:
        return {"base_min": self.base_min, "base_max": self.base_max, "extension": self.extension, "max": self.max}


@dataclass(frozen=True)
class TargetGroup(Section):
    min_age_at_permit: int
    max_age_at_permit: int
    residence_bases: tuple[str, ...]
    max_months_resident: int
    humanitarian_only_after_asylum_application: bool
    family_reference_settled_under_years: int
    settlement_by_agreement_not_required_for: tuple[str, ...]


@dataclass(frozen=True)
class Decision(Section):
    deadline_months_after_settlement: int
    runs_from_claim: bool  # the deadline runs from the participant's own claim where that is later


@dataclass(frozen=True)
class EndGoals(Section):
    upper_secondary_means: str
    rules: tuple[EndGoalRule, ...]


@dataclass(frozen=True)
class Duration(Section):
    upper_secondary_means: str
    rules: tuple[DurationRule, ...]


@dataclass(frozen=True)
class NorwegianGoal:
    """The Norwegian goal (norskmål) as a CEFR level per skill of Norskprøven: a row of the programme's table, and
    the goal printed in the plan."""

    listening: str
    reading: str
    writing: str
    oral: str

    def items(self) -> tuple[tuple[str, str], ...]:
        return tuple((skill, getattr(self, skill)) for skill in SKILLS)

    def as_dict(self) -> dict[str, str]:
        return dict(self.items())


@dataclass(frozen=True)
class NorwegianGoals(Section):
    upper_secondary_means: str
    primary_not_completed: NorwegianGoal
    primary_completed: NorwegianGoal
    upper_secondary: NorwegianGoal
    upper_secondary_needs_b2: NorwegianGoal  # proposed where the participant must document B2


@dataclass(frozen=True)
class NorwegianTraining(Section):
    upper_secondary_means: str
    max_months: int
    max_months_with_upper_secondary: int


@dataclass(frozen=True)
class SocialStudies(Section):
    hours: int


@dataclass(frozen=True)
class Scope(Section):
    hours_per_week: float
    hours_per_week_reduced: float
    holiday_weeks: int


@dataclass(frozen=True)
class Appeal(Section):
    weeks: int
    authority: str  # the appeal body, named on the plan (forvaltningsloven § 27)


@dataclass(frozen=True)
class OrientedElements:
    """The catalogue's work- and education-oriented elements, and how many a programme needs at least."""

    min_elements: int
    work_codes: tuple[str, ...]
    education_codes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"min_elements": self.min_elements, "work_codes": list(self.work_codes),
                "education_codes": list(self.education_codes)}


@dataclass(frozen=True)
class WorkMinimum(Section):
    """The least work-oriented content in a programme with one of `end_goals`; `hours_per_week` None: the requirement
    exists, its figure is not known."""

    end_goals: tuple[str, ...]
    unit: str
    hours_per_week: float | None
    from_month: int | None
    part_time_hours_per_week: float | None = None  # the lower minimum a part-time programme may have
    part_time_up_to_percent: int | None = None  # ... where it is at most this share of full time

    def as_dict(self) -> dict[str, Any]:
        return {"end_goals": list(self.end_goals), "unit": self.unit, "hours_per_week": self.hours_per_week,
                "from_month": self.from_month, "part_time_hours_per_week": self.part_time_hours_per_week,
                "part_time_up_to_percent": self.part_time_up_to_percent, **self.provenance()}


@dataclass(frozen=True)
class Content(Section):
    required: tuple[str, ...]  # REQUIRED_CONTENT codes
    oriented_elements: OrientedElements
    work_oriented_minimum: WorkMinimum | None


@dataclass(frozen=True)
class Chapter6A(Section):
    """The temporary rules for persons with collective protection (utlendingsloven § 34), where they apply."""

    applies: bool
    permits_from: dt.date | None = None
    content: Content | None = None
    norwegian_training: NorwegianTraining | None = None


# The sections of an entry, in the order the leaders' rule-set page lists them.
SECTIONS = ("target_group", "decision", "end_goals", "duration", "norwegian_goals", "norwegian_training",
            "social_studies", "scope", "content", "appeal", "chapter_6a")


@dataclass(frozen=True)
class Programme:
    """The parameters in force from `valid_from` (to `valid_to`, inclusive, when set)."""

    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    verified: bool  # the entry's dates
    note: str | None
    target_group: TargetGroup
    decision: Decision
    end_goals: EndGoals
    duration: Duration
    norwegian_goals: NorwegianGoals
    norwegian_training: NorwegianTraining
    social_studies: SocialStudies
    scope: Scope
    content: Content
    appeal: Appeal
    chapter_6a: Chapter6A
    # The sections (dotted names) that differ from the entry before: only these depend on `valid_from` being right.
    changed: tuple[str, ...] = ()
    # Per section (dotted name), the date it has applied from unchanged (an earlier entry's valid_from, where the same).
    since: Mapping[str, dt.date] = dataclasses.field(default_factory=dict, compare=False)
    # The sections whose date (`since`) comes from an entry whose dates are not confirmed.
    dated_unconfirmed: frozenset[str] = frozenset()

    def confirmed(self, name: str) -> bool:
        """Whether a section (dotted name) is confirmed for this entry: its value, and, where it changed with this
        entry, the date it applies from."""
        section = self._by_name[name]
        return section.verified and name not in self.dated_unconfirmed

    def end_goal_rule(self, *, has_upper_secondary: bool | None, age: int | None) -> EndGoalRule | None:
        return _first(self.end_goals.rules, has_upper_secondary=has_upper_secondary, age=age, end_goal=None)

    def allowed_end_goals(self, *, has_upper_secondary: bool | None, age: int | None) -> tuple[str, ...] | None:
        rule = self.end_goal_rule(has_upper_secondary=has_upper_secondary, age=age)
        return None if rule is None else rule.allowed

    def duration_limits(self, *, has_upper_secondary: bool | None, age: int | None,
                        end_goal: str | None) -> DurationRule | None:
        return _first(self.duration.rules, has_upper_secondary=has_upper_secondary, age=age, end_goal=end_goal)

    def follows_chapter_6a(self, residence_basis: str | None, permit_date: dt.date | None) -> bool | None:
        """Whether a participant's programme follows chapter 6A: a § 34 permit from its first day, while it applies.
        A § 34 permit whose date is not known yet is taken to be one: the scheme began on that first day."""
        if residence_basis is None:
            return None
        if residence_basis != "collective_protection" or not self.chapter_6a.applies:
            return False
        first = self.chapter_6a.permits_from
        return permit_date is None or first is None or permit_date >= first

    def content_for(self, chapter_6a: bool | None) -> Content:
        return self.chapter_6a.content if chapter_6a and self.chapter_6a.content else self.content

    def norwegian_training_for(self, chapter_6a: bool | None) -> NorwegianTraining:
        return (self.chapter_6a.norwegian_training if chapter_6a and self.chapter_6a.norwegian_training
                else self.norwegian_training)

    def sections(self) -> tuple[tuple[str, Section], ...]:
        return tuple((name, getattr(self, name)) for name in SECTIONS)

    def all_sections(self) -> tuple[tuple[str, Section], ...]:
        """Every section and the sections inside them, by dotted name (`chapter_6a.content.work_oriented_minimum`)."""
        return self._all_sections

    @functools.cached_property
    def _by_name(self) -> Mapping[str, Section]:
        return MappingProxyType(dict(self._all_sections))

    @functools.cached_property
    def _all_sections(self) -> tuple[tuple[str, Section], ...]:
        # Computed once per entry (frozen): every derived value of every save reads it.
        out: list[tuple[str, Section]] = []

        def add(name: str, section: Section | None) -> None:
            if section is None:
                return
            out.append((name, section))
            for inner in ("content", "norwegian_training", "work_oriented_minimum"):
                if isinstance(getattr(section, inner, None), Section):
                    add(f"{name}.{inner}", getattr(section, inner))

        for name, section in self.sections():
            add(name, section)
        return tuple(out)

    def unverified(self) -> tuple[str, ...]:
        """The names of what is not confirmed in a primary source: `entry` for the dates, and each section."""
        return (("entry",) if not self.verified else ()) + tuple(n for n, s in self.all_sections() if not s.verified)


def _first(rules, **context):
    """The first rule that holds; None if none does, or if an earlier rule cannot be decided yet."""
    for rule in rules:
        holds = rule.when.holds(**context)
        if holds is None:
            return None
        if holds:
            return rule
    return None


@dataclass(frozen=True)
class ProgrammeHistory:
    path: Path
    entries: tuple[Programme, ...]  # by valid_from

    def on(self, day: dt.date) -> Programme:
        """The parameters in force on `day`."""
        if isinstance(day, dt.datetime):
            day = day.date()
        for programme in reversed(self.entries):
            if programme.valid_from <= day:
                if programme.valid_to is None or day <= programme.valid_to:
                    return programme
                break
        raise ProgrammeError(f"{self.path}: no programme parameters are in force on {day.isoformat()}")

    def periods(self) -> tuple[tuple[Programme, dt.date | None], ...]:
        """Each entry with the last day it applies (its valid_to, or the day before the next entry; None: open)."""
        out = []
        for i, programme in enumerate(self.entries):
            last = programme.valid_to
            if last is None and i + 1 < len(self.entries):
                last = self.entries[i + 1].valid_from - dt.timedelta(days=1)
            out.append((programme, last))
        return tuple(out)


# --- loading and checking -----------------------------------------------------------------------------------------


class _Entry:
    """Reads one entry, failing with the file, the entry and the place in it."""

    def __init__(self, path: Path, index: int, raw: Any):
        self.path = path
        self.label = f"entry {index}"
        if isinstance(raw, dict) and isinstance(raw.get("valid_from"), (dt.date, str)):
            self.label += f" (valid_from {raw['valid_from']})"

    def fail(self, where: str, problem: str) -> NoReturn:
        raise ProgrammeError(f"{self.path}, {self.label}: {where}: {problem}")

    def mapping(self, value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, got {_kind(value)}")
        unknown = [k for k in value if k not in required and k not in optional]
        if unknown:
            self.fail(where, f"unknown key {unknown[0]!r} (expected: {', '.join(required + optional)})")
        missing = [k for k in required if k not in value]
        if missing:
            self.fail(where, f"missing key {missing[0]!r}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected non-empty text, got {_kind(value)}")
        return value.strip()

    def integer(self, value: Any, where: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected a whole number, got {_kind(value)}")
        if value < minimum:
            self.fail(where, f"must be at least {minimum}, got {value}")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 168:
            self.fail(where, f"expected a number of hours, got {_kind(value)}")
        return float(value)

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"expected true or false, got {_kind(value)}")
        return value

    def date(self, value: Any, where: str) -> dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
            self.fail(where, f"expected a date (YYYY-MM-DD), got {_kind(value)}")
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                self.fail(where, f"expected a date (YYYY-MM-DD), got {value!r}")
        return value

    def codes(self, value: Any, where: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.fail(where, f"expected a non-empty list, got {_kind(value)}")
        for i, code in enumerate(value):
            if code not in allowed:
                self.fail(f"{where}[{i}]", f"unknown code {code!r} (expected one of: {', '.join(allowed)})")
        if len(set(value)) != len(value):
            self.fail(where, "a code is listed twice")
        return tuple(value)

    def cefr(self, value: Any, where: str) -> str:
        if value not in GOAL_LEVELS:
            self.fail(where, f"unknown CEFR level {value!r} (expected one of: {', '.join(GOAL_LEVELS)})")
        return value

    def condition(self, value: Any, where: str) -> Condition:
        raw = self.mapping(value, where, (), ("has_upper_secondary", "age_from", "age_below", "end_goal"))
        cond = Condition(
            has_upper_secondary=(None if "has_upper_secondary" not in raw
                                 else self.boolean(raw["has_upper_secondary"], f"{where}.has_upper_secondary")),
            age_from=None if "age_from" not in raw else self.integer(raw["age_from"], f"{where}.age_from"),
            age_below=None if "age_below" not in raw else self.integer(raw["age_below"], f"{where}.age_below"),
            end_goal=None if "end_goal" not in raw else self.codes(raw["end_goal"], f"{where}.end_goal", END_GOALS),
        )
        if cond.age_from is not None and cond.age_below is not None and cond.age_from >= cond.age_below:
            self.fail(where, "age_from must be below age_below")
        return cond

    def rules(self, value: Any, where: str) -> list:
        if not isinstance(value, list) or not value:
            self.fail(where, f"expected a non-empty list of rules, got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}" if not isinstance(value, (dict, list)) else type(value).__name__


CODE = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*")  # a recommendation code, as rules/recommendations.yaml has them
_PROVENANCE = ("source", "verified")


class _Reader:
    """Reads the sections of one entry; each knows its own keys and checks."""

    def __init__(self, e: _Entry):
        self.e = e

    def section(self, value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        raw = self.e.mapping(value, where, _PROVENANCE + required, ("note",) + optional)
        return raw

    def provenance(self, raw: dict, where: str) -> dict[str, Any]:
        note = raw.get("note")
        return {"source": self.e.text(raw["source"], f"{where}.source"),
                "verified": self.e.boolean(raw["verified"], f"{where}.verified"),
                "note": None if note is None else self.e.text(note, f"{where}.note")}

    def notion(self, raw: dict, where: str) -> str:
        value = raw["upper_secondary_means"]
        if value not in UPPER_SECONDARY_NOTIONS:
            self.e.fail(f"{where}.upper_secondary_means",
                        f"unknown notion {value!r} (expected one of: {', '.join(UPPER_SECONDARY_NOTIONS)})")
        return value

    def recommendation_codes(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.e.fail(where, f"expected a non-empty list of recommendation codes, got {_kind(value)}")
        for i, code in enumerate(value):
            if not isinstance(code, str) or not CODE.fullmatch(code):
                self.e.fail(f"{where}[{i}]", f"expected a recommendation code like WORK-PRACTICE, got {_kind(code)}")
        return tuple(value)

    def target_group(self, value: Any) -> TargetGroup:
        w = "target_group"
        raw = self.section(value, w, ("min_age_at_permit", "max_age_at_permit", "residence_bases",
                                      "max_months_resident", "humanitarian_only_after_asylum_application",
                                      "family_reference_settled_under_years",
                                      "settlement_by_agreement_not_required_for"))
        e = self.e
        bases = e.codes(raw["residence_bases"], f"{w}.residence_bases", RESIDENCE_BASES)
        group = TargetGroup(
            **self.provenance(raw, w),
            min_age_at_permit=e.integer(raw["min_age_at_permit"], f"{w}.min_age_at_permit"),
            max_age_at_permit=e.integer(raw["max_age_at_permit"], f"{w}.max_age_at_permit"),
            residence_bases=bases,
            max_months_resident=e.integer(raw["max_months_resident"], f"{w}.max_months_resident", 1),
            humanitarian_only_after_asylum_application=e.boolean(
                raw["humanitarian_only_after_asylum_application"], f"{w}.humanitarian_only_after_asylum_application"),
            family_reference_settled_under_years=e.integer(raw["family_reference_settled_under_years"],
                                                           f"{w}.family_reference_settled_under_years", 1),
            settlement_by_agreement_not_required_for=e.codes(
                raw["settlement_by_agreement_not_required_for"], f"{w}.settlement_by_agreement_not_required_for",
                bases),
        )
        if group.min_age_at_permit > group.max_age_at_permit:
            e.fail(w, "min_age_at_permit is above max_age_at_permit")
        return group

    def decision(self, value: Any) -> Decision:
        raw = self.section(value, "decision", ("deadline_months_after_settlement", "runs_from_claim"))
        return Decision(**self.provenance(raw, "decision"),
                        deadline_months_after_settlement=self.e.integer(
                            raw["deadline_months_after_settlement"], "decision.deadline_months_after_settlement", 1),
                        runs_from_claim=self.e.boolean(raw["runs_from_claim"], "decision.runs_from_claim"))

    def end_goals(self, value: Any) -> EndGoals:
        e = self.e
        raw = self.section(value, "end_goals", ("upper_secondary_means", "rules"))
        rules = []
        for i, rule in enumerate(e.rules(raw["rules"], "end_goals.rules")):
            where = f"end_goals.rules[{i}]"
            rule = e.mapping(rule, where, ("when", "allowed"), ("main_rule",))
            allowed = e.codes(rule["allowed"], f"{where}.allowed", END_GOALS)
            main = rule.get("main_rule")
            if main is not None and main not in allowed:
                e.fail(f"{where}.main_rule", f"{main!r} is not one of the allowed end goals")
            rules.append(EndGoalRule(e.condition(rule["when"], f"{where}.when"), allowed, main))
        return EndGoals(**self.provenance(raw, "end_goals"), upper_secondary_means=self.notion(raw, "end_goals"),
                        rules=tuple(rules))

    def duration(self, value: Any) -> Duration:
        e = self.e
        raw = self.section(value, "duration", ("upper_secondary_means", "rules"))
        rules = []
        for i, rule in enumerate(e.rules(raw["rules"], "duration.rules")):
            where = f"duration.rules[{i}]"
            rule = e.mapping(rule, where, ("when", "base_min", "base_max", "extension", "max"),
                             ("extension_mandatory",))
            parsed = DurationRule(
                when=e.condition(rule["when"], f"{where}.when"),
                **{k: e.integer(rule[k], f"{where}.{k}") for k in ("base_min", "base_max", "extension", "max")},
                extension_mandatory=e.boolean(rule.get("extension_mandatory", False),
                                              f"{where}.extension_mandatory"),
            )
            if not parsed.base_min <= parsed.base_max <= parsed.max:
                e.fail(where, "expected base_min ≤ base_max ≤ max")
            if parsed.base_max + parsed.extension < parsed.max:
                e.fail(where, "base_max + extension does not reach max")
            rules.append(parsed)
        return Duration(**self.provenance(raw, "duration"), upper_secondary_means=self.notion(raw, "duration"),
                        rules=tuple(rules))

    def norwegian_goals(self, value: Any) -> NorwegianGoals:
        e = self.e
        rows = ("primary_not_completed", "primary_completed", "upper_secondary", "upper_secondary_needs_b2")
        raw = self.section(value, "norwegian_goals", ("upper_secondary_means",) + rows)

        def goal(row: str) -> NorwegianGoal:
            levels = e.mapping(raw[row], f"norwegian_goals.{row}", SKILLS)
            return NorwegianGoal(**{s: e.cefr(levels[s], f"norwegian_goals.{row}.{s}") for s in SKILLS})

        return NorwegianGoals(**self.provenance(raw, "norwegian_goals"),
                              upper_secondary_means=self.notion(raw, "norwegian_goals"),
                              **{row: goal(row) for row in rows})

    def norwegian_training(self, value: Any, w: str = "norwegian_training") -> NorwegianTraining:
        raw = self.section(value, w, ("upper_secondary_means", "max_months", "max_months_with_upper_secondary"))
        return NorwegianTraining(
            **self.provenance(raw, w), upper_secondary_means=self.notion(raw, w),
            max_months=self.e.integer(raw["max_months"], f"{w}.max_months", 1),
            max_months_with_upper_secondary=self.e.integer(raw["max_months_with_upper_secondary"],
                                                           f"{w}.max_months_with_upper_secondary", 1))

    def social_studies(self, value: Any) -> SocialStudies:
        raw = self.section(value, "social_studies", ("hours",))
        return SocialStudies(**self.provenance(raw, "social_studies"),
                             hours=self.e.integer(raw["hours"], "social_studies.hours", 1))

    def scope(self, value: Any) -> Scope:
        e = self.e
        raw = self.section(value, "scope", ("hours_per_week", "hours_per_week_reduced", "holiday_weeks"))
        return Scope(**self.provenance(raw, "scope"),
                     hours_per_week=e.number(raw["hours_per_week"], "scope.hours_per_week"),
                     hours_per_week_reduced=e.number(raw["hours_per_week_reduced"], "scope.hours_per_week_reduced"),
                     holiday_weeks=e.integer(raw["holiday_weeks"], "scope.holiday_weeks"))

    def appeal(self, value: Any) -> Appeal:
        raw = self.section(value, "appeal", ("weeks", "authority"))
        return Appeal(**self.provenance(raw, "appeal"), weeks=self.e.integer(raw["weeks"], "appeal.weeks", 1),
                      authority=self.e.text(raw["authority"], "appeal.authority"))

    def work_minimum(self, value: Any, w: str) -> WorkMinimum | None:
        if value is None:
            return None
        e = self.e
        raw = self.section(value, w, ("end_goals", "unit", "hours_per_week", "from_month"),
                           ("part_time_hours_per_week", "part_time_up_to_percent"))
        if raw["unit"] not in WORK_MINIMUM_UNITS:
            e.fail(f"{w}.unit", f"unknown unit {raw['unit']!r} (expected one of: {', '.join(WORK_MINIMUM_UNITS)})")

        def optional(key: str, read):
            return None if raw.get(key) is None else read(raw[key], f"{w}.{key}")

        minimum = WorkMinimum(
            **self.provenance(raw, w), end_goals=e.codes(raw["end_goals"], f"{w}.end_goals", END_GOALS),
            unit=raw["unit"], hours_per_week=optional("hours_per_week", e.number),
            from_month=optional("from_month", lambda v, where: e.integer(v, where, 1)),
            part_time_hours_per_week=optional("part_time_hours_per_week", e.number),
            part_time_up_to_percent=optional("part_time_up_to_percent", lambda v, where: e.integer(v, where, 1)),
        )
        if minimum.verified and minimum.hours_per_week is None:
            e.fail(f"{w}.verified", "a minimum whose figure is not known cannot be verified")
        if (minimum.part_time_hours_per_week is None) != (minimum.part_time_up_to_percent is None):
            e.fail(w, "part_time_hours_per_week and part_time_up_to_percent go together")
        return minimum

    def content(self, value: Any, w: str = "content") -> Content:
        e = self.e
        raw = self.section(value, w, ("required", "oriented_elements", "work_oriented_minimum"))
        oe_where = f"{w}.oriented_elements"
        oe = e.mapping(raw["oriented_elements"], oe_where, ("min_elements", "work_codes", "education_codes"))
        oriented = OrientedElements(
            min_elements=e.integer(oe["min_elements"], f"{oe_where}.min_elements", 1),
            work_codes=self.recommendation_codes(oe["work_codes"], f"{oe_where}.work_codes"),
            education_codes=self.recommendation_codes(oe["education_codes"], f"{oe_where}.education_codes"))
        if set(oriented.work_codes) & set(oriented.education_codes):
            e.fail(oe_where, "a code is both work- and education-oriented")
        return Content(**self.provenance(raw, w), required=e.codes(raw["required"], f"{w}.required",
                                                                  REQUIRED_CONTENT),
                       oriented_elements=oriented,
                       work_oriented_minimum=self.work_minimum(raw["work_oriented_minimum"],
                                                               f"{w}.work_oriented_minimum"))

    def chapter_6a(self, value: Any) -> Chapter6A:
        e = self.e
        w = "chapter_6a"
        if not isinstance(value, dict) or value.get("applies") is not True:
            raw = self.section(value, w, ("applies",))
            e.boolean(raw["applies"], f"{w}.applies")
            return Chapter6A(**self.provenance(raw, w), applies=False)
        raw = self.section(value, w, ("applies", "permits_from", "content", "norwegian_training"))
        return Chapter6A(**self.provenance(raw, w), applies=True,
                         permits_from=e.date(raw["permits_from"], f"{w}.permits_from"),
                         content=self.content(raw["content"], f"{w}.content"),
                         norwegian_training=self.norwegian_training(raw["norwegian_training"],
                                                                    f"{w}.norwegian_training"))


def _programme(e: _Entry, raw: Any) -> Programme:
    raw = e.mapping(raw, "entry", ("valid_from", "source", "verified") + SECTIONS, ("valid_to", "note"))
    valid_from = e.date(raw["valid_from"], "valid_from")
    valid_to = None if raw.get("valid_to") is None else e.date(raw["valid_to"], "valid_to")
    if valid_to is not None and valid_to < valid_from:
        e.fail("valid_to", "is before valid_from")
    read = _Reader(e)
    return Programme(
        valid_from=valid_from,
        valid_to=valid_to,
        source=e.text(raw["source"], "source"),
        verified=e.boolean(raw["verified"], "verified"),
        note=None if raw.get("note") is None else e.text(raw["note"], "note"),
        **{name: getattr(read, name)(raw[name]) for name in SECTIONS},
    )


def load_programme(path: Path | str = DEFAULT_PATH) -> ProgrammeHistory:
    """Read and check the programme file; any mistake is a `ProgrammeError` naming the file and the entry."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProgrammeError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise ProgrammeError(f"{path}: not valid YAML: {exc}") from exc
    # `shared` holds the sections the entries refer to with YAML anchors; it is read through them.
    if not isinstance(data, dict) or "entries" not in data or set(data) - {"entries", "shared"}:
        raise ProgrammeError(f"{path}: expected a mapping with the key 'entries' (and optionally 'shared')")
    if not isinstance(data["entries"], list) or not data["entries"]:
        raise ProgrammeError(f"{path}: 'entries' must be a non-empty list")

    parsed: list[tuple[_Entry, Programme]] = []
    for index, raw in enumerate(data["entries"], start=1):
        entry = _Entry(path, index, raw)
        parsed.append((entry, _programme(entry, raw)))

    parsed.sort(key=lambda pair: pair[1].valid_from)
    for (earlier_entry, earlier), (later_entry, later) in zip(parsed, parsed[1:]):
        if earlier.valid_from == later.valid_from:
            later_entry.fail("valid_from", f"the same date as {earlier_entry.label}")
        if earlier.valid_to is not None and earlier.valid_to >= later.valid_from:
            later_entry.fail("valid_from", f"overlaps {earlier_entry.label}, which is valid to {earlier.valid_to}")
    entries = [programme for _, programme in parsed]
    for i, programme in enumerate(entries):
        before = dict(entries[i - 1].all_sections()) if i else {}
        since_before = entries[i - 1].since if i else {}
        changed = tuple(name for name, section in programme.all_sections() if before.get(name) != section)
        since = {name: programme.valid_from if name in changed else since_before[name]
                 for name, _ in programme.all_sections()}
        unconfirmed_dates = {e.valid_from for e in entries[:i + 1] if not e.verified}
        entries[i] = dataclasses.replace(programme, changed=changed, since=MappingProxyType(since),
                                         dated_unconfirmed=frozenset(n for n, day in since.items()
                                                                     if day in unconfirmed_dates))
    return ProgrammeHistory(path, tuple(entries))
