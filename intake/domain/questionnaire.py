"""The mapping questionnaire, loaded from `rules/questionnaire.yaml` and checked strictly at load.

A mistake in the file (unknown type, duplicate id, a show-if naming an unknown question or code) stops start-up with
an error naming the file and the question, so a broken questionnaire never reaches a caseworker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .codes import CEFR_LEVELS, EDUCATION_LEVELS, END_GOAL_WISHES, END_GOALS, SKILLS
from .conditions import ConditionError, Context, FieldSpec, Node, compile_condition

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
LANGS = ("nb", "nn", "en")
TYPES = ("text", "longtext", "date", "int", "number", "bool", "choice", "multi", "cefr", "country", "language",
         "municipality", "occupation", "repeat")
CEFR = CEFR_LEVELS
DEFAULT_MAX_LENGTH = {"text": 200, "longtext": 4000, "occupation": 200}
QUESTION_KEYS = {"id", "type", "required", "label", "help", "options", "max_length", "min", "max", "sensitive", "show_if",
                 "default", "default_from", "ordered", "fields", "min_items", "max_items", "item_label", "reveal", "unit",
                 "identifies"}

# Derived values the rules and conditions may read (computed in derived.py, never asked).
# derived.end_goal: an end goal of §§ 13–14, or the participant's wish where none is proposed (recommendations.md).
_GOALS = tuple(dict.fromkeys(END_GOALS + END_GOAL_WISHES))
DERIVED_SPECS: dict[str, FieldSpec] = {
    "derived.age_at_permit": FieldSpec("int"),
    "derived.age": FieldSpec("int"),
    "derived.in_target_group": FieldSpec("bool"),
    "derived.chapter_6a": FieldSpec("bool"),
    "derived.highest_completed_level": FieldSpec("choice", EDUCATION_LEVELS, ordered=True),
    "derived.has_upper_secondary": FieldSpec("bool"),
    "derived.has_university_admission": FieldSpec("bool"),
    "derived.has_primary": FieldSpec("bool"),
    "derived.has_foreign_higher_education": FieldSpec("bool"),
    "derived.end_goal": FieldSpec("choice", _GOALS),
    "derived.end_goal_main_rule": FieldSpec("choice", END_GOALS),
    "derived.end_goal_needs_reason": FieldSpec("bool"),
    "derived.needs_norwegian_b2": FieldSpec("bool"),
    "derived.decision_deadline": FieldSpec("date"),
    "derived.decision_overdue": FieldSpec("bool"),
    "derived.norwegian_training_max_months": FieldSpec("int"),
    **{f"derived.norwegian_goal.{s}": FieldSpec("cefr", CEFR, ordered=True) for s in SKILLS},
    **{f"derived.duration_limits.{k}": FieldSpec("int") for k in ("base_min", "base_max", "extension", "max")},
}


class QuestionnaireError(ValueError):
    """The questionnaire file is wrong; the message names the file, the question and the problem."""


@dataclass(frozen=True)
class Option:
    code: str
    label: Mapping[str, str]


@dataclass
class Question:
    id: str
    type: str
    label: Mapping[str, str]
    section: str
    required: bool = False
    help: Mapping[str, str] | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    sensitive: bool = False
    show_if: Node | None = None
    default: Any = None
    default_from: str | None = None
    ordered: bool = False
    fields: tuple["Question", ...] = ()
    min_items: int = 0
    max_items: int = 20
    item_label: Mapping[str, str] | None = None
    # A conditional reveal: (the yes/no or radio question just before it, the answer that shows it). Its show_if is
    # `{field: that question, eq: that answer}`; the page puts it under that answer, shown when it is chosen.
    reveal: tuple[str, Any] | None = None
    unit: Mapping[str, str] | None = None  # after a number where it is shown ("3 år")
    # The answer identifies the person (name, national id, DUF number): its field is never filled in or remembered
    # by the browser's autofill (autocomplete="off"), which on an office's shared machine would offer it to the next.
    identifies: bool = False

    @cached_property  # read for every answer a save checks; options do not change after loading
    def codes(self) -> tuple[str, ...]:
        return CEFR if self.type == "cefr" else tuple(o.code for o in self.options)

    def option_label(self, code: str, lang: str = "nb") -> str:
        for o in self.options:
            if o.code == code:
                return o.label[lang]
        return code

    def spec(self) -> FieldSpec:
        items = {f.id: f.spec() for f in self.fields} if self.type == "repeat" else None
        codes = self.codes if self.type in ("choice", "multi", "cefr") else None
        return FieldSpec(self.type, codes, self.ordered or self.type == "cefr", items)


@dataclass
class Check:
    id: str
    field: str
    when: Node
    message: Mapping[str, str]


@dataclass
class Section:
    id: str
    title: Mapping[str, str]
    questions: list[Question]
    intro: Mapping[str, str] | None = None
    sensitive: bool = False
    checks: list[Check] = field(default_factory=list)


@dataclass
class Questionnaire:
    sections: list[Section]
    version: str
    source: str
    by_id: dict[str, Question] = field(default_factory=dict)

    def field_spec(self, name: str) -> FieldSpec | None:
        if name in self.by_id:
            return self.by_id[name].spec()
        return DERIVED_SPECS.get(name)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def questions(self):
        for s in self.sections:
            yield from s.questions

    def is_visible(self, q: Question, answers: Mapping[str, Any], derived: Mapping[str, Any] | None = None) -> bool:
        return q.show_if is None or q.show_if.holds(Context(answers, derived))

    def visibility_inputs(self, names: Iterable[str]) -> set[str]:
        """The answers that decide whether these questions are shown: their show-ifs' questions, and in turn what
        decides whether those are shown. drop_hidden removes a hidden answer, so what is read from it depends on these."""
        found: set[str] = set()
        todo = list(names)
        while todo:
            question = self.by_id.get(todo.pop())
            if question is None or question.show_if is None:
                continue
            for name in question.show_if.names() - found:
                found.add(name)
                todo.append(name)
        return found

    def drop_hidden(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Remove answers to questions that their show-if hides; repeats until stable, since hiding can chain."""
        kept = dict(answers)
        while True:
            ctx = Context(kept)  # reads `kept` as it is on each pass
            hidden = [q.id for q in self.questions() if q.id in kept and q.show_if is not None
                      and not q.show_if.holds(ctx)]
            if not hidden:
                return kept
            for qid in hidden:
                del kept[qid]


def _labels(value: Any, where: str, *, optional: bool = False) -> Mapping[str, str] | None:
    if value is None and optional:
        return None
    if not isinstance(value, Mapping) or set(value) != set(LANGS) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise QuestionnaireError(f"{where}: needs text in exactly {', '.join(LANGS)}")
    return dict(value)


def _question(data: Any, section: str, where: str, *, in_repeat: bool = False) -> Question:
    if not isinstance(data, Mapping):
        raise QuestionnaireError(f"{where}: a question must be a mapping")
    qid = data.get("id")
    where = f"{where} '{qid}'"
    if not isinstance(qid, str) or not qid:
        raise QuestionnaireError(f"{where}: missing id")
    if in_repeat and "." in qid:
        raise QuestionnaireError(f"{where}: a repeat field's id is a plain name without a dot")
    if not in_repeat and not qid.startswith(section + "."):
        raise QuestionnaireError(f"{where}: the id must start with the section id '{section}.'")
    unknown = set(data) - QUESTION_KEYS
    if unknown:
        raise QuestionnaireError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    qtype = data.get("type")
    if qtype not in TYPES:
        raise QuestionnaireError(f"{where}: unknown type '{qtype}' (types: {', '.join(TYPES)})")
    if in_repeat and qtype == "repeat":
        raise QuestionnaireError(f"{where}: a repeat group cannot hold another")
    options: list[Option] = []
    if qtype in ("choice", "multi"):
        raw = data.get("options")
        if not isinstance(raw, list) or not raw:
            raise QuestionnaireError(f"{where}: a {qtype} question needs options")
        for i, o in enumerate(raw):
            if not isinstance(o, Mapping) or set(o) != {"code", "label"} or not isinstance(o["code"], str):
                raise QuestionnaireError(f"{where}: option {i + 1} needs exactly code and label")
            options.append(Option(o["code"], _labels(o["label"], f"{where} option '{o['code']}'")))
        codes = [o.code for o in options]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise QuestionnaireError(f"{where}: duplicate option codes {', '.join(sorted(dupes))}")
    elif "options" in data:
        raise QuestionnaireError(f"{where}: only choice and multi questions have options")
    fields: list[Question] = []
    if qtype == "repeat":
        raw = data.get("fields")
        if not isinstance(raw, list) or not raw:
            raise QuestionnaireError(f"{where}: a repeat group needs fields")
        fields = [_question(f, section, f"{where} field", in_repeat=True) for f in raw]
        names = [f.id for f in fields]
        if len(set(names)) != len(names):
            raise QuestionnaireError(f"{where}: duplicate field names")
    for key in ("min", "max"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], (int, float))):
            raise QuestionnaireError(f"{where}: '{key}' must be a number")
    for key in ("required", "sensitive", "ordered", "reveal", "identifies"):
        if key in data and not isinstance(data[key], bool):
            raise QuestionnaireError(f"{where}: '{key}' must be true or false")
    if data.get("default_from") not in (None, "user.municipality"):
        raise QuestionnaireError(f"{where}: unknown default_from '{data['default_from']}'")
    q = Question(
        id=qid, type=qtype, section=section, label=_labels(data.get("label"), f"{where} label"),
        required=data.get("required", False), help=_labels(data.get("help"), f"{where} help", optional=True),
        options=tuple(options), max_length=data.get("max_length", DEFAULT_MAX_LENGTH.get(qtype)),
        min=data.get("min"), max=data.get("max"), sensitive=data.get("sensitive", False),
        default=data.get("default"), default_from=data.get("default_from"), ordered=data.get("ordered", False),
        fields=tuple(fields), min_items=data.get("min_items", 1 if data.get("required") and qtype == "repeat" else 0),
        max_items=data.get("max_items", 20),
        item_label=_labels(data.get("item_label"), f"{where} item_label", optional=True),
        unit=_labels(data.get("unit"), f"{where} unit", optional=True), identifies=data.get("identifies", False),
    )
    q._show_if_data = data.get("show_if")  # compiled once every question is known
    q._reveal = data.get("reveal", False)
    return q


def _reveal_under(question: Question, previous: Question | None, where: str) -> tuple[str, Any]:
    """Where a `reveal: true` question goes: under the answer of the question before it that its show_if names."""
    cond = question._show_if_data
    if not (isinstance(cond, Mapping) and set(cond) == {"field", "eq"} and previous is not None
            and cond["field"] == previous.id and (previous.type == "bool"
                                                  or previous.type == "choice" and len(previous.options) <= 7)):
        raise QuestionnaireError(f"{where}: reveal needs show_if {{field: <the question just before it>, eq: <an "
                                 f"answer>}}, on a yes/no question or a choice of at most 7 (radios)")
    if previous.type == "choice" and cond["eq"] not in previous.codes:
        raise QuestionnaireError(f"{where}: reveal: '{previous.id}' has no option '{cond['eq']}'")
    return previous.id, cond["eq"]


def parse_questionnaire(text: str, source_name: str = "questionnaire.yaml") -> Questionnaire:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError(f"{source_name}: not valid YAML: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("sections"), list):
        raise QuestionnaireError(f"{source_name}: needs a list of sections")
    if not isinstance(data.get("source"), str):
        raise QuestionnaireError(f"{source_name}: needs a 'source' saying what the questionnaire rests on")
    sections: list[Section] = []
    by_id: dict[str, Question] = {}
    raw_checks: list[tuple[Section, Any]] = []
    for i, s in enumerate(data["sections"]):
        sid = s.get("id") if isinstance(s, Mapping) else None
        where = f"{source_name}: section '{sid or i + 1}'"
        if not isinstance(sid, str):
            raise QuestionnaireError(f"{where}: missing id")
        if any(x.id == sid for x in sections):
            raise QuestionnaireError(f"{where}: duplicate section id")
        unknown = set(s) - {"id", "title", "intro", "sensitive", "questions", "checks"}
        if unknown:
            raise QuestionnaireError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        if not isinstance(s.get("questions"), list) or not s["questions"]:
            raise QuestionnaireError(f"{where}: needs questions")
        section = Section(sid, _labels(s.get("title"), f"{where} title"), [],
                          _labels(s.get("intro"), f"{where} intro", optional=True), bool(s.get("sensitive", False)))
        for qd in s["questions"]:
            previous = section.questions[-1] if section.questions else None
            q = _question(qd, sid, f"{source_name}: question")
            if q._reveal:
                q.reveal = _reveal_under(q, previous, f"{source_name}: question '{q.id}'")
            if q.id in by_id:
                raise QuestionnaireError(f"{source_name}: question '{q.id}': duplicate id")
            if section.sensitive:
                q.sensitive = True
            by_id[q.id] = q
            section.questions.append(q)
        raw_checks.extend((section, c) for c in s.get("checks") or [])
        sections.append(section)
    q = Questionnaire(sections, version="", source=data["source"], by_id=by_id)
    for question in by_id.values():
        if question._show_if_data is not None:
            try:
                question.show_if = compile_condition(question._show_if_data, q, "show_if")
            except ConditionError as exc:
                raise QuestionnaireError(f"{source_name}: question '{question.id}': {exc}") from None
    for section, c in raw_checks:
        where = f"{source_name}: section '{section.id}' check '{c.get('id') if isinstance(c, Mapping) else c}'"
        if not isinstance(c, Mapping) or set(c) != {"id", "field", "when", "message"}:
            raise QuestionnaireError(f"{where}: a check needs exactly id, field, when and message")
        if c["field"] not in by_id:
            raise QuestionnaireError(f"{where}: unknown question '{c['field']}'")
        try:
            when = compile_condition(c["when"], q, "when")
        except ConditionError as exc:
            raise QuestionnaireError(f"{where}: {exc}") from None
        section.checks.append(Check(c["id"], c["field"], when, _labels(c["message"], f"{where} message")))
    q.version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return q


def load_questionnaire(path: Path | str | None = None) -> Questionnaire:
    path = Path(path) if path else RULES_DIR / "questionnaire.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionnaireError(f"{path}: cannot read: {exc}") from None
    return parse_questionnaire(text, str(path))


@lru_cache(maxsize=1)
def default_questionnaire() -> Questionnaire:
    return load_questionnaire()
