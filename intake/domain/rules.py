"""Recommendation rules: which plan elements to propose from a mapping, and why (`rules/recommendations.yaml`).

The file is checked strictly at load (every name, code and comparison against the questionnaire), so a broken rule
stops start-up with an error naming the file and the rule. Each proposal carries the answers that made it fire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from . import programme as programme_mod
from .conditions import (MISSING, All, Aggregate, Any_, Compare, ConditionError, Context, Fact, FieldSpec, Lookup, Node,
                         Not, Ref, Some, check_lookup_key, compile_condition, table_columns)
from .derived import FACTS_FROM, derive
from .questionnaire import LANGS, RULES_DIR, Question, Questionnaire, default_questionnaire
from .reference import REFERENCE_DIR, countries, languages, tables

DEFAULT_PATH = RULES_DIR / "recommendations.yaml"

# The answers derive() reads. A rule that reads any derived value depends on all of them
# (tests/domain/test_rules_properties.py checks that no other answer changes derive()'s result).
DERIVED_INPUTS = frozenset({
    "participant.birth_date", "participant.permit_date", "participant.settlement_date", "participant.residence_basis",
    "participant.humanitarian_after_asylum", "participant.family_reference_settlement_date",
    "participant.family_application_date", "participant.settled_by_agreement", "participant.claim_date",
    "background.education", "background.years_of_schooling", "background.university_admission",
    "goals.end_goal_wish", "assessment.proposed_end_goal", "recognition.regulated_profession",
    "norwegian.listening", "norwegian.reading", "norwegian.writing", "norwegian.oral",
})

# The programme's rule sections a proposal may rest on (derive()'s `rules`), shown at the end of its `because`.
RULE_SECTIONS = ("target_group", "decision", "end_goals", "duration", "norwegian_goals", "norwegian_training",
                 "content", "chapter_6a", "work_oriented_minimum")
EVIDENCE_KEYS = {"label", "codes_from", "shown_as_first_of", "explained_by", "facts_from"}
TOP_KEYS = {"version", "source", "catalogue", "evidence_labels", "rules"}
RULE_KEYS = {"code", "title", "explanation", "responsible", "responsible_from", "source", "when", "sensitive", "due",
             "required_content", "rests_on"}
REQUIRED_RULE_KEYS = ("code", "title", "explanation", "source", "when")
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*")
# The few words "because" needs besides the questionnaire's own labels, per UI language.
WORDS = {
    "nb": {"none": "Ingen", "yes": "Ja", "no": "Nei", "in_total": "til sammen", "number": "antall", "rule": "Regel",
           "from": "gjelder fra", "unverified": "ikke bekreftet i en primærkilde"},
    "nn": {"none": "Ingen", "yes": "Ja", "no": "Nei", "in_total": "til saman", "number": "talet på", "rule": "Regel",
           "from": "gjeld frå", "unverified": "ikkje stadfesta i ei primærkjelde"},
    "en": {"none": "None", "yes": "Yes", "no": "No", "in_total": "in total", "number": "number", "rule": "Rule",
           "from": "in force from", "unverified": "not confirmed in a primary source"},
}


class RuleError(ValueError):
    """The rule file is wrong; the message names the file, the rule and the problem."""


@dataclass(frozen=True)
class ResponsibleFrom:
    """Name the responsible actor from a reference-table cell for the code in an answer."""

    table: str
    key: str
    column: str


@dataclass
class Rule:
    code: str
    title: Mapping[str, str]
    explanation: Mapping[str, str]
    responsible: Mapping[str, str] | None
    responsible_from: ResponsibleFrom | None
    source: str
    when: Node
    sensitive: bool = False
    due: str | None = None
    required_content: bool = False  # the law requires it in every programme where it is proposed
    rests_on: tuple[str, ...] = ()  # the programme's rule sections (RULE_SECTIONS) it follows from

    def names(self) -> set[str]:
        """Every question and derived name the rule reads."""
        extra = {self.due} if self.due else set()
        return self.when.names() | extra | ({self.responsible_from.key} if self.responsible_from else set())

    def inputs(self) -> set[str]:
        """Answers its result may depend on: its questions, and derive()'s inputs if it reads a derived value."""
        names = self.names()
        asked = {n for n in names if not n.startswith("derived.")}
        # a rule it rests on is read from derive() too: which section applies depends on its inputs
        return asked | (set(DERIVED_INPUTS) if asked != names or self.rests_on else set())


@dataclass
class Proposal:
    code: str
    title: Mapping[str, str]
    explanation: Mapping[str, str]
    responsible: Mapping[str, str]
    because: list[dict[str, Any]]
    source: str
    sensitive: bool = False
    due: Any = None

    def as_api(self, lang: str = "nb") -> dict[str, Any]:
        return {"code": self.code, "title": self.title[lang], "explanation": self.explanation[lang],
                "responsible": self.responsible[lang], "because": self.because, "source": self.source,
                "due": self.due}


@dataclass
class RuleSet:
    rules: list[Rule]
    version: str
    source: str
    questionnaire: Questionnaire
    evidence_labels: Mapping[str, Mapping[str, Any]]
    tables: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    catalogue: tuple[str, ...] = ()

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)

    def inputs(self, rule: Rule) -> set[str]:
        """Answers the rule's result may depend on as the app evaluates it (hidden answers dropped first): what it
        reads, and what decides whether those questions are shown."""
        direct = rule.inputs()
        return direct | self.questionnaire.visibility_inputs(direct)

    def evaluate(self, answers: Mapping[str, Any], derived: Mapping[str, Any] | None,
                 lang: str = "nb") -> list[Proposal]:
        """The proposals whose rule holds, in the file's order; `because` in `lang` (stored with a plan: bokmål)."""
        ctx = Context(answers, derived or {}, self.tables)
        proposals = []
        for rule in self.rules:
            if not rule.when.holds(ctx):
                continue
            due = ctx.get(rule.due) if rule.due else None
            responsible = self._responsible(rule, ctx)
            facts = self._explained(rule.when.evidence(ctx), ctx)
            facts += [Fact(f"rule.{name}", ctx.derived["rules"][name]) for name in rule.rests_on
                      if name in (ctx.derived.get("rules") or {})]
            proposals.append(Proposal(
                code=rule.code, title=rule.title, explanation=rule.explanation, responsible=responsible,
                because=self._because(facts, lang),
                # "{responsible}" in a source names the actor found for this case (e.g. the profession's authority).
                source=rule.source.replace("{responsible}", responsible["nb"]), sensitive=rule.sensitive,
                due=None if due is MISSING else due,
            ))
        return proposals

    def _responsible(self, rule: Rule, ctx: Context) -> Mapping[str, str]:
        rf = rule.responsible_from
        if rf is not None:
            code = ctx.get(rf.key)
            row = self.tables.get(rf.table, {}).get(str(code)) if code is not MISSING else None
            cell = row.get(rf.column) if row else None
            if cell:
                return {lang: cell for lang in LANGS}
        return rule.responsible or {lang: "" for lang in LANGS}

    # --- "because": the answers behind a proposal, with labels in a UI language ------------------------------------

    def describe(self, names: list[str], answers: Mapping[str, Any], derived: Mapping[str, Any] | None,
                 lang: str = "nb") -> list[dict[str, Any]]:
        """`because` for facts the caller names (questions and derived values; one not answered is left out), in the
        same words as a proposal's: the reasons the printed plan gives for its end goal, duration and Norwegian goal."""
        ctx = Context(answers, derived or {}, self.tables)
        facts = [Fact(name, ctx.get(name)) for name in names if ctx.get(name) is not MISSING]
        return self._because(self._explained(facts, ctx), lang)

    def _explained(self, facts: list[Fact], ctx: Context) -> list[Fact]:
        """A derived value as the answers behind it (evidence_labels' `shown_as_first_of` and `explained_by`): the
        caseworker sees what was answered, not only what the app worked out from it."""
        out: list[Fact] = []
        for fact in facts:
            entry = self.evidence_labels.get(fact.field) or {}
            instead = next((name for name in entry.get("shown_as_first_of") or () if ctx.get(name) is not MISSING),
                           None)
            out.append(Fact(instead, ctx.get(instead)) if instead else fact)
            behind = list(entry.get("explained_by") or ())
            if entry.get("facts_from"):  # the answers derive() says decided this value, for this participant
                behind += (ctx.derived.get("facts") or {}).get(entry["facts_from"]) or []
            out.extend(Fact(name, ctx.get(name)) for name in dict.fromkeys(behind) if ctx.get(name) is not MISSING)
        return out

    def _because(self, facts: list[Fact], lang: str = "nb") -> list[dict[str, Any]]:
        seen: set = set()
        out = []
        for fact in facts:
            question, question_label, value, label = self._describe(fact, lang)
            key = (question, fact.row, repr(value))
            if key in seen:
                continue
            seen.add(key)
            out.append({"question": question, "value": value, "label": label, "question_label": question_label})
        return out

    def _describe(self, fact: Fact, lang: str = "nb") -> tuple[str, str, Any, str]:
        name, value = fact.field, fact.value
        q = self.questionnaire
        if name.startswith("rule.") and isinstance(value, Mapping):
            # the law a proposal rests on, as it stands on the mapping date (its source is in Norwegian)
            day = _format_date(value.get("valid_from"))
            label = f"{value.get('source')} ({WORDS[lang]['from']} {day}"
            label += f"; {WORDS[lang]['unverified']})" if not value.get("verified") else ")"
            return name, WORDS[lang]["rule"], {k: value.get(k) for k in ("source", "valid_from", "verified")}, label
        match = re.fullmatch(r"(sum|count)\(([^.()]+\.[^.()]+)(?:\.([^.()]+))?\)", name)
        if match:
            kind, repeat, of = match.groups()
            value = _plain_number(value)
            parent = q.by_id.get(repeat)
            base = parent.label[lang] if parent else repeat
            if kind == "sum" and of:
                inner = _item(parent, of)
                return (f"{repeat}.{of}", f"{base} – {inner.label[lang] if inner else of}, {WORDS[lang]['in_total']}",
                        value, _format_number(value))
            return repeat, f"{base}, {WORDS[lang]['number']}", value, _format_number(value)
        if name in q.by_id:
            question = q.by_id[name]
            return name, question.label[lang], value, _format(question, value, lang)
        parent_id, _, field_id = name.rpartition(".")
        parent = q.by_id.get(parent_id)
        inner = _item(parent, field_id)
        if inner is not None:
            return name, f"{parent.label[lang]} – {inner.label[lang]}", value, _format(inner, value, lang)
        entry = self.evidence_labels.get(name)
        if entry is not None:
            spec = q.field_spec(name)
            codes_from = entry.get("codes_from")
            labeller = _question_at(q, codes_from) if codes_from else None
            return name, entry["label"][lang], value, _format_spec(spec, value, labeller, lang)
        return name, name, value, _format_spec(None, value, None, lang)


def _item(parent: Question | None, field_id: str) -> Question | None:
    if parent is None or parent.type != "repeat":
        return None
    return next((f for f in parent.fields if f.id == field_id), None)


def _question_at(q: Questionnaire, name: str) -> Question | None:
    if name in q.by_id:
        return q.by_id[name]
    parent_id, _, field_id = name.rpartition(".")
    return _item(q.by_id.get(parent_id), field_id)


def _plain_number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _format_number(value: Any) -> str:
    value = _plain_number(value)
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def _format_date(value: Any) -> str:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return day.strftime("%d.%m.%Y")


def _format(question: Question, value: Any, lang: str = "nb") -> str:
    """An answer as a caseworker reads it, in `lang`."""
    t = question.type
    if t == "repeat" and isinstance(value, list):
        rows = [_format_row(question, row, lang) for row in value if isinstance(row, Mapping)]
        return "; ".join(r for r in rows if r) or WORDS[lang]["none"]
    if t in ("choice", "multi") and question.options:
        if isinstance(value, list):
            return ", ".join(question.option_label(str(v), lang) for v in value)
        return question.option_label(str(value), lang)
    return _format_spec(question.spec(), value, None, lang)


def _format_row(question: Question, row: Mapping, lang: str = "nb") -> str:
    parts = []
    for f in question.fields:
        if f.id not in row or row[f.id] in (None, ""):
            continue
        if f.type == "bool":
            parts.append(f"{f.label[lang].lower()}: {WORDS[lang]['yes' if row[f.id] else 'no'].lower()}")
        elif f.type in ("int", "number"):
            parts.append(f"{f.label[lang].lower()}: {_format_number(row[f.id])}")
        elif f.type != "longtext":
            text = _format(f, row[f.id], lang)
            if text not in parts:  # "Ungdomsskole" as both level and field of study says it once
                parts.append(text)
    return ", ".join(parts)


def _format_spec(spec: FieldSpec | None, value: Any, labeller: Question | None, lang: str = "nb") -> str:
    if isinstance(value, bool):
        return WORDS[lang]["yes" if value else "no"]
    if labeller is not None and isinstance(value, str):
        return labeller.option_label(value, lang)
    t = spec.type if spec else None
    if t == "cefr" and isinstance(value, str):
        return WORDS[lang]["none"] if value == "none" else value
    if t == "date" or isinstance(value, dt.date):
        return _format_date(value)
    if t == "country" and isinstance(value, str):
        return countries(lang).get(value, value)
    if t == "language" and isinstance(value, str):
        return languages(lang).get(value, value)
    if isinstance(value, (int, float)):
        return _format_number(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


# --- loading and checking -------------------------------------------------------------------------------------------


def _walk(node: Node):
    yield node
    children: list[Node] = []
    if isinstance(node, (All, Any_)):
        children = node.parts
    elif isinstance(node, Not):
        children = [node.part]
    elif isinstance(node, Some):
        children = [node.where]
    elif isinstance(node, Aggregate) and node.where is not None:
        children = [node.where]
    for child in children:
        yield from _walk(child)


def _evidence_names(node: Node) -> set[str]:
    """Names that may appear in `because` without being a question: derived values and table cells."""
    names = {n for n in node.names() if n.startswith("derived.")}
    for n in _walk(node):
        if isinstance(n, Compare) and isinstance(n.value, Ref) and n.value.name.startswith("derived."):
            names.add(n.value.name)
        if isinstance(n, Lookup) and n.column is not None:
            names.add(f"{n.table}.{n.column}")
    return names


class _Loader:
    def __init__(self, path: Path, questionnaire: Questionnaire):
        self.path = path
        self.q = questionnaire
        self.rows = tables()

    def fail(self, problem: str, rule: str | None = None):
        where = f"{self.path}: rule '{rule}'" if rule else str(self.path)
        raise RuleError(f"{where}: {problem}")

    def labels(self, value: Any, what: str, rule: str | None) -> dict[str, str]:
        if not isinstance(value, Mapping) or set(value) != set(LANGS) or not all(
                isinstance(v, str) and v.strip() for v in value.values()):
            self.fail(f"'{what}' needs non-empty text in exactly {', '.join(LANGS)}", rule)
        return dict(value)

    def evidence_labels(self, raw: Any) -> dict[str, dict[str, Any]]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.fail("'evidence_labels' must be a mapping from a name to {label, codes_from}")
        out = {}
        for name, entry in raw.items():
            where = f"evidence_labels '{name}'"
            if not isinstance(entry, Mapping) or "label" not in entry or set(entry) - EVIDENCE_KEYS:
                self.fail(f"{where}: needs 'label' and optionally {', '.join(sorted(EVIDENCE_KEYS - {'label'}))}, "
                          "nothing else")
            if str(name).startswith("derived."):
                if self.q.field_spec(name) is None:
                    self.fail(f"{where}: unknown derived value")
            else:
                table, _, column = str(name).partition(".")
                if table not in self.rows or column not in table_columns(self.rows[table]):
                    self.fail(f"{where}: neither a derived value nor a reference table column")
            codes_from = entry.get("codes_from")
            if codes_from is not None:
                question = _question_at(self.q, codes_from) if isinstance(codes_from, str) else None
                if question is None or not question.options:
                    self.fail(f"{where}: codes_from '{codes_from}' is not a choice question")
            shown: dict[str, tuple[str, ...]] = {}
            for key in ("shown_as_first_of", "explained_by"):
                names = entry.get(key)
                if names is None:
                    continue
                if not isinstance(names, list) or not names or not all(
                        isinstance(n, str) and n in self.q.by_id for n in names):
                    self.fail(f"{where}: '{key}' must be a non-empty list of question ids, not {names!r}")
                shown[key] = tuple(names)
            facts_from = entry.get("facts_from")
            if facts_from is not None and (not str(name).startswith("derived.") or not isinstance(facts_from, str)
                                           or facts_from not in FACTS_FROM):
                self.fail(f"{where}: 'facts_from' must name a derived value derive() gives facts for "
                          f"({', '.join(FACTS_FROM)}), not {facts_from!r}")
            out[name] = {"label": self.labels(entry["label"], where + " label", None), "codes_from": codes_from,
                         "facts_from": facts_from, **shown}
        return out

    def rule(self, raw: Any, index: int, catalogue: tuple[str, ...], labels: Mapping) -> Rule:
        code = raw.get("code") if isinstance(raw, Mapping) else None
        name = code if isinstance(code, str) else f"#{index + 1}"
        if not isinstance(raw, Mapping):
            self.fail("a rule must be a mapping", name)
        unknown = set(raw) - RULE_KEYS
        if unknown:
            self.fail(f"unknown keys {', '.join(sorted(map(str, unknown)))} (allowed: {', '.join(sorted(RULE_KEYS))})",
                      name)
        for key in REQUIRED_RULE_KEYS:
            if key not in raw or raw[key] in (None, ""):
                self.fail(f"missing '{key}'", name)
        if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
            self.fail(f"'code' must be an upper-case code like NOR-TRAINING, not {code!r}", name)
        if code not in catalogue:
            self.fail(f"unknown recommendation code '{code}' (not in the catalogue)", name)
        if not isinstance(raw["source"], str) or not raw["source"].strip():
            self.fail("'source' must be non-empty text", name)
        if "responsible" not in raw and "responsible_from" not in raw:
            self.fail("missing 'responsible' (or 'responsible_from')", name)
        responsible = self.labels(raw["responsible"], "responsible", name) if "responsible" in raw else None
        responsible_from = self.responsible_from(raw["responsible_from"], name) if "responsible_from" in raw else None
        sensitive, required = raw.get("sensitive", False), raw.get("required_content", False)
        for key, value in (("sensitive", sensitive), ("required_content", required)):
            if not isinstance(value, bool):
                self.fail(f"'{key}' must be true or false, not {value!r}", name)
        due = raw.get("due")
        if due is not None:
            spec = self.q.field_spec(due) if isinstance(due, str) else None
            if spec is None or spec.type != "date":
                self.fail(f"'due' must name a date question or derived date, not {due!r}", name)
        try:
            when = compile_condition(raw["when"], self.q, "when", tables=self.rows)
        except ConditionError as exc:
            self.fail(str(exc), name)
        unlabelled = sorted(n for n in _evidence_names(when) | ({due} if due else set()) if n not in labels)
        if unlabelled:
            self.fail(f"no entry in evidence_labels for {', '.join(unlabelled)}", name)
        rests_on = raw.get("rests_on", [])
        if not isinstance(rests_on, list) or not all(r in RULE_SECTIONS for r in rests_on) or \
                len(set(rests_on)) != len(rests_on):
            self.fail(f"'rests_on' must list the programme's rule sections ({', '.join(RULE_SECTIONS)}), each once, "
                      f"not {rests_on!r}", name)
        return Rule(code, self.labels(raw["title"], "title", name),
                    self.labels(raw["explanation"], "explanation", name), responsible, responsible_from,
                    raw["source"].strip(), when, sensitive, due, required, tuple(rests_on))

    def responsible_from(self, raw: Any, rule: str) -> ResponsibleFrom:
        if not isinstance(raw, Mapping) or set(raw) != {"table", "key", "column"}:
            self.fail("'responsible_from' needs exactly table, key and column", rule)
        table, key, column = raw["table"], raw["key"], raw["column"]
        if table not in self.rows:
            self.fail(f"responsible_from: unknown reference table '{table}'", rule)
        if column not in table_columns(self.rows[table]):
            self.fail(f"responsible_from: table '{table}' has no column '{column}'", rule)
        spec = self.q.field_spec(key) if isinstance(key, str) else None
        if spec is None:
            self.fail(f"responsible_from: unknown question '{key}'", rule)
        try:
            check_lookup_key(key, spec, table, self.rows[table], "responsible_from")
        except ConditionError as exc:
            self.fail(str(exc), rule)
        return ResponsibleFrom(table, key, column)


def load_rules(questionnaire: Questionnaire, path: Path | str | None = None,
               programme_path: Path | str | None = None) -> RuleSet:
    """Read and check the rule file; any mistake is a `RuleError` naming the file, the rule and the problem."""
    path = Path(path) if path else DEFAULT_PATH
    programme_path = Path(programme_path) if programme_path else programme_mod.DEFAULT_PATH
    loader = _Loader(path, questionnaire)
    try:
        text = path.read_bytes()
        programme_text = programme_path.read_bytes()
    except OSError as exc:
        raise RuleError(f"{exc.filename}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        loader.fail("expected a mapping with version, source, catalogue, evidence_labels and rules")
    unknown = set(data) - TOP_KEYS
    if unknown:
        loader.fail(f"unknown top-level keys {', '.join(sorted(map(str, unknown)))} "
                    f"(allowed: {', '.join(sorted(TOP_KEYS))})")
    if not isinstance(data.get("source"), str) or not data["source"].strip():
        loader.fail("needs a 'source' saying what the rules rest on")
    catalogue = data.get("catalogue")
    if not isinstance(catalogue, list) or not catalogue or not all(
            isinstance(c, str) and CODE_PATTERN.fullmatch(c) for c in catalogue):
        loader.fail("'catalogue' must be a non-empty list of upper-case codes")
    if len(set(catalogue)) != len(catalogue):
        twice = sorted({c for c in catalogue if catalogue.count(c) > 1})
        loader.fail(f"'catalogue' lists a code twice: {', '.join(twice)}")
    labels = loader.evidence_labels(data.get("evidence_labels"))
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        loader.fail("'rules' must be a non-empty list")

    rules: list[Rule] = []
    for i, raw in enumerate(raw_rules):
        rule = loader.rule(raw, i, tuple(catalogue), labels)
        if any(r.code == rule.code for r in rules):
            loader.fail("duplicate code: another rule has the same code", rule.code)
        rules.append(rule)
    missing = [c for c in catalogue if c not in {r.code for r in rules}]
    if missing:
        loader.fail(f"no rule for catalogue code{'s' if len(missing) > 1 else ''} {', '.join(missing)}")

    # The version covers everything a proposal follows from: the rules, the programme, the questionnaire and the
    # reference tables the rules look up (a country added to the recognition scheme changes proposals).
    digest = hashlib.sha256()
    for part in (text, b"\0", programme_text, b"\0", questionnaire.version.encode()):
        digest.update(part)
    for csv_path in sorted(REFERENCE_DIR.glob("*.csv")):
        digest.update(b"\0" + csv_path.name.encode() + b"\0" + csv_path.read_bytes())
    return RuleSet(rules, digest.hexdigest()[:12], data["source"].strip(), questionnaire, labels, tables(),
                   tuple(catalogue))


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    return load_rules(default_questionnaire())


def evaluate(answers: Mapping[str, Any], *, questionnaire: Questionnaire, rules: RuleSet,
             programme_history: programme_mod.ProgrammeHistory, today: dt.date) -> dict[str, Any]:
    """The API's view of a mapping: proposals with their reasons, every derived value, and the rule set's version.

    Answers to questions that their show-if hides are left out first, as when saving: a hidden answer never
    drives a proposal.
    """
    visible = questionnaire.drop_hidden(answers)
    derived = derive(visible, programme_history.on(today), today)
    return {
        "recommendations": [p.as_api() for p in rules.evaluate(visible, derived)],
        "derived": derived,
        "ruleset": rules.version,
    }
