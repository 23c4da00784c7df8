"""The programme's legal parameters (target group, end goals, durations, Norwegian goals) from `rules/programme.yaml`.

Each entry applies from a date, so a law change is a new entry in the file; `ProgrammeHistory.on(day)` picks one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .derived import CEFR_LEVELS, END_GOALS, RESIDENCE_BASES

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "rules" / "programme.yaml"
GOAL_LEVELS = CEFR_LEVELS[1:]  # a goal of "none" would mean no training at all
SKILLS = ("listening", "reading", "writing", "oral")


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
class EndGoalRule:
    when: Condition
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class DurationRule:
    when: Condition
    base_min: int
    base_max: int
    extension: int
    max: int

    def as_dict(self) -> dict[str, int]:
        return {"base_min": self.base_min, "base_max": self.base_max, "extension": self.extension, "max": self.max}


@dataclass(frozen=True)
class TargetGroup:
    source: str
    min_age_at_permit: int
    max_age_at_permit: int
    residence_bases: tuple[str, ...]
    max_months_resident: int


@dataclass(frozen=True)
class Decision:
    source: str
    deadline_months_after_settlement: int


@dataclass(frozen=True)
class EndGoals:
    source: str
    rules: tuple[EndGoalRule, ...]


@dataclass(frozen=True)
class Duration:
    source: str
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
class NorwegianGoals:
    source: str
    primary_not_completed: NorwegianGoal
    primary_completed: NorwegianGoal
    upper_secondary: NorwegianGoal
    upper_secondary_needs_b2: NorwegianGoal  # kept for the caseworker to choose; never chosen automatically


@dataclass(frozen=True)
class NorwegianTraining:
    source: str
    max_months: int
    max_months_with_upper_secondary: int


@dataclass(frozen=True)
class SocialStudies:
    source: str
    hours: int


@dataclass(frozen=True)
class Scope:
    source: str
    hours_per_week: float
    hours_per_week_reduced: float
    holiday_weeks: int


@dataclass(frozen=True)
class Appeal:
    source: str
    weeks: int
    authority: str  # the appeal body, named on the plan (forvaltningsloven § 27)


@dataclass(frozen=True)
class Programme:
    """The parameters in force from `valid_from` (to `valid_to`, inclusive, when set)."""

    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    target_group: TargetGroup
    decision: Decision
    end_goals: EndGoals
    duration: Duration
    norwegian_goals: NorwegianGoals
    norwegian_training: NorwegianTraining
    social_studies: SocialStudies
    scope: Scope
    appeal: Appeal

    def allowed_end_goals(self, *, has_upper_secondary: bool | None, age: int | None) -> tuple[str, ...] | None:
        rule = _first(self.end_goals.rules, has_upper_secondary=has_upper_secondary, age=age, end_goal=None)
        return None if rule is None else rule.allowed

    def duration_limits(self, *, has_upper_secondary: bool | None, age: int | None,
                        end_goal: str | None) -> DurationRule | None:
        return _first(self.duration.rules, has_upper_secondary=has_upper_secondary, age=age, end_goal=end_goal)


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


_SECTIONS = ("target_group", "decision", "end_goals", "duration", "norwegian_goals", "norwegian_training",
             "social_studies", "scope", "appeal")


def _programme(e: _Entry, raw: Any) -> Programme:
    raw = e.mapping(raw, "entry", ("valid_from", "source") + _SECTIONS, ("valid_to",))
    valid_from = e.date(raw["valid_from"], "valid_from")
    valid_to = None if raw.get("valid_to") is None else e.date(raw["valid_to"], "valid_to")
    if valid_to is not None and valid_to < valid_from:
        e.fail("valid_to", "is before valid_from")

    def section(name: str, *keys: str) -> dict:
        return e.mapping(raw[name], name, ("source",) + keys)

    tg = section("target_group", "min_age_at_permit", "max_age_at_permit", "residence_bases", "max_months_resident")
    target_group = TargetGroup(
        source=e.text(tg["source"], "target_group.source"),
        min_age_at_permit=e.integer(tg["min_age_at_permit"], "target_group.min_age_at_permit"),
        max_age_at_permit=e.integer(tg["max_age_at_permit"], "target_group.max_age_at_permit"),
        residence_bases=e.codes(tg["residence_bases"], "target_group.residence_bases", RESIDENCE_BASES),
        max_months_resident=e.integer(tg["max_months_resident"], "target_group.max_months_resident", 1),
    )
    if target_group.min_age_at_permit > target_group.max_age_at_permit:
        e.fail("target_group", "min_age_at_permit is above max_age_at_permit")

    de = section("decision", "deadline_months_after_settlement")
    decision = Decision(
        source=e.text(de["source"], "decision.source"),
        deadline_months_after_settlement=e.integer(de["deadline_months_after_settlement"],
                                                   "decision.deadline_months_after_settlement", 1),
    )

    eg = section("end_goals", "rules")
    end_goal_rules = []
    for i, rule in enumerate(e.rules(eg["rules"], "end_goals.rules")):
        where = f"end_goals.rules[{i}]"
        rule = e.mapping(rule, where, ("when", "allowed"))
        end_goal_rules.append(EndGoalRule(e.condition(rule["when"], f"{where}.when"),
                                          e.codes(rule["allowed"], f"{where}.allowed", END_GOALS)))
    end_goals = EndGoals(e.text(eg["source"], "end_goals.source"), tuple(end_goal_rules))

    du = section("duration", "rules")
    duration_rules = []
    for i, rule in enumerate(e.rules(du["rules"], "duration.rules")):
        where = f"duration.rules[{i}]"
        rule = e.mapping(rule, where, ("when", "base_min", "base_max", "extension", "max"))
        parsed = DurationRule(
            when=e.condition(rule["when"], f"{where}.when"),
            **{k: e.integer(rule[k], f"{where}.{k}") for k in ("base_min", "base_max", "extension", "max")},
        )
        if not parsed.base_min <= parsed.base_max <= parsed.max:
            e.fail(where, "expected base_min ≤ base_max ≤ max")
        if parsed.base_max + parsed.extension < parsed.max:
            e.fail(where, "base_max + extension does not reach max")
        duration_rules.append(parsed)
    duration = Duration(e.text(du["source"], "duration.source"), tuple(duration_rules))

    ng = section("norwegian_goals", "primary_not_completed", "primary_completed", "upper_secondary",
                 "upper_secondary_needs_b2")

    def goal(row: str) -> NorwegianGoal:
        levels = e.mapping(ng[row], f"norwegian_goals.{row}", SKILLS)
        return NorwegianGoal(**{s: e.cefr(levels[s], f"norwegian_goals.{row}.{s}") for s in SKILLS})

    norwegian_goals = NorwegianGoals(
        source=e.text(ng["source"], "norwegian_goals.source"),
        primary_not_completed=goal("primary_not_completed"),
        primary_completed=goal("primary_completed"),
        upper_secondary=goal("upper_secondary"),
        upper_secondary_needs_b2=goal("upper_secondary_needs_b2"),
    )

    nt = section("norwegian_training", "max_months", "max_months_with_upper_secondary")
    norwegian_training = NorwegianTraining(
        source=e.text(nt["source"], "norwegian_training.source"),
        max_months=e.integer(nt["max_months"], "norwegian_training.max_months", 1),
        max_months_with_upper_secondary=e.integer(nt["max_months_with_upper_secondary"],
                                                  "norwegian_training.max_months_with_upper_secondary", 1),
    )

    ss = section("social_studies", "hours")
    social_studies = SocialStudies(e.text(ss["source"], "social_studies.source"),
                                   e.integer(ss["hours"], "social_studies.hours", 1))

    sc = section("scope", "hours_per_week", "hours_per_week_reduced", "holiday_weeks")
    scope = Scope(
        source=e.text(sc["source"], "scope.source"),
        hours_per_week=e.number(sc["hours_per_week"], "scope.hours_per_week"),
        hours_per_week_reduced=e.number(sc["hours_per_week_reduced"], "scope.hours_per_week_reduced"),
        holiday_weeks=e.integer(sc["holiday_weeks"], "scope.holiday_weeks"),
    )

    ap = section("appeal", "weeks", "authority")
    appeal = Appeal(e.text(ap["source"], "appeal.source"), e.integer(ap["weeks"], "appeal.weeks", 1),
                    e.text(ap["authority"], "appeal.authority"))

    return Programme(
        valid_from=valid_from,
        valid_to=valid_to,
        source=e.text(raw["source"], "source"),
        target_group=target_group,
        decision=decision,
        end_goals=end_goals,
        duration=duration,
        norwegian_goals=norwegian_goals,
        norwegian_training=norwegian_training,
        social_studies=social_studies,
        scope=scope,
        appeal=appeal,
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
    if not isinstance(data, dict) or set(data) != {"entries"}:
        raise ProgrammeError(f"{path}: expected a mapping with exactly one key, 'entries'")
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
    return ProgrammeHistory(path, tuple(programme for _, programme in parsed))
