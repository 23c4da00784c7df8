"""What a section page shows: each visible question with the text to put back in its field and its errors.

One path for every render: the stored answers are turned back into form text, overlaid with drafts (typed text that
did not validate) and anything just posted, then read and checked exactly as a post would be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from markupsafe import Markup, escape

from .. import i18n
from ..cases import apply_changes
from ..domain.answers import FieldError, parse_section_form, with_implied
from ..domain.questionnaire import Question, Section, default_questionnaire
from ..domain.reference import common_languages, countries, languages, municipalities, municipality_name
from ..models import Case


def to_text(q: Question, value: Any) -> Any:
    """A typed answer as the text (or list of texts) its form field holds."""
    if value is None:
        return [] if q.type == "multi" else ""
    if q.type == "multi":
        return [str(v) for v in value] if isinstance(value, list) else []
    if q.type == "bool":
        return "true" if value is True else "false" if value is False else str(value)
    if q.type == "number" and isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def to_form(section: Section, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Values (typed answers or raw drafts) as a form post would carry them."""
    form: dict[str, list[str]] = {}
    for q in section.questions:
        if q.id not in values:
            continue
        value = values[q.id]
        if q.type == "repeat":
            for i, row in enumerate(value if isinstance(value, list) else []):
                for f in q.fields:
                    text = row.get(f.id, "") if isinstance(row, Mapping) else ""
                    form[f"{q.id}.{i}.{f.id}"] = [text if isinstance(text, str) else to_text(f, text)]
        elif q.type == "multi":
            form[q.id] = list(value) if isinstance(value, list) else []
        else:
            form[q.id] = [value if isinstance(value, str) else to_text(q, value)]
    return form


@dataclass
class QuestionView:
    q: Question
    text: Any  # str, list[str] (multi) or list[dict[str, str]] (repeat rows)
    errors: list[str] = field(default_factory=list)
    row_errors: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    # Questions shown under one of this question's answers (a conditional reveal), each in the page whether or not
    # that answer is chosen yet, so choosing it shows them at once, also without JavaScript.
    revealed: list["QuestionView"] = field(default_factory=list)

    def revealed_under(self, answer_text: str) -> list["QuestionView"]:
        return [w for w in self.revealed if to_text(self.q, w.q.reveal[1]) == answer_text]


@dataclass
class SectionView:
    section: Section
    questions: list[QuestionView]
    errors: list[FieldError]
    derived: dict[str, Any]
    version: int
    newly_shown: list[str] = field(default_factory=list)

    @property
    def all_questions(self) -> list[QuestionView]:
        """Every question in the page, those under an answer included."""
        return [w for v in self.questions for w in (v, *v.revealed)]


def section_view(case: Case, section: Section, *, posted: Mapping[str, list[str]] | None = None,
                 require: bool = False, shown_before: set[str] | None = None) -> SectionView:
    q = default_questionnaire()
    answers = with_implied(case.answers)
    stored = {x.id: answers[x.id] for x in section.questions if x.id in answers}
    stored.update({k: v for k, v in (case.drafts or {}).items() if k in stored or q.by_id.get(k) in section.questions})
    form = to_form(section, stored)
    if posted:
        # A repeat group that was posted is shown as posted: its stored rows are numbered without the empty ones.
        groups = tuple(x.id + "." for x in section.questions if x.type == "repeat" and any(k.startswith(x.id + ".")
                                                                                            for k in posted))
        form = {k: v for k, v in form.items() if not (groups and k.startswith(groups))}
        form.update({k: v for k, v in posted.items() if not k.startswith("_")})
    present = " ".join(x.id for x in section.questions)
    parsed, raw, read_errors = parse_section_form(section, {**form, "_questions": [present]})
    # The same merge and checks as a save, so the page shows exactly what a save would say.
    applied = apply_changes(case, parsed, read_errors=read_errors, require=[section] if require else [])
    result = applied.validation
    bad_read = {e.field for e in read_errors}
    errors = [e for e in applied.errors if e.field.split(".")[0] == section.id]
    # Required-answer errors for questions the caseworker has not yet seen are not errors yet: they are news.
    newly = [x.id for x in section.questions if shown_before is not None and x.id not in shown_before
             and q.is_visible(x, result.answers)]
    errors = [e for e in errors if not any(e.field == n or e.field.startswith(n + ".") for n in newly)
              or e.field in bad_read]
    views: list[QuestionView] = []
    for x in section.questions:
        under = next((v for v in views if x.reveal and v.q.id == x.reveal[0]), None)
        if not q.is_visible(x, result.answers) and under is None:
            continue
        mine = [e.message for e in errors if e.field == x.id]
        if x.type == "repeat":
            rows = raw.get(x.id, [])
            if not rows and x.min_items:
                rows = [{} for _ in range(x.min_items)]
            row_errors: dict[tuple[int, str], list[str]] = {}
            for e in errors:
                parts = e.field[len(x.id) + 1:].split(".") if e.field.startswith(x.id + ".") else []
                if len(parts) == 2 and parts[0].isdigit():
                    row_errors.setdefault((int(parts[0]), parts[1]), []).append(e.message)
            views.append(QuestionView(x, rows, mine, row_errors))
        else:
            text = raw.get(x.id, [] if x.type == "multi" else "")
            (under.revealed if under else views).append(QuestionView(x, text, mine))
    ordered = [e for v in views for w in (v, *v.revealed) for e in errors
               if e.field == w.q.id or e.field.startswith(w.q.id + ".")]
    return SectionView(section, views, list(dict.fromkeys(ordered)), result.derived,
                       int((case.sections or {}).get(section.id, {}).get("version", 0)), newly)


def field_label(field_id: str, lang: str | None = None) -> str | None:
    """The label of the question or repeat-row field an error is about ("Språk 2 – Nivå"), for the error summary."""
    lang = lang or i18n.current()
    q = default_questionnaire()
    if field_id in q.by_id:
        return q.by_id[field_id].label[lang]
    group_id, _, tail = field_id.rpartition(".")  # background.education.0 | end_year
    group, _, index = group_id.rpartition(".")
    parent = q.by_id.get(group)
    if parent is None or not index.isdigit() or not parent.fields:
        return None
    inner = next((f for f in parent.fields if f.id == tail), None)
    name = (parent.item_label or parent.label)[lang]
    return f"{name} {int(index) + 1} – {inner.label[lang]}" if inner else f"{name} {int(index) + 1}"


def choices_for(q: Question, lang: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a question's select or radios, in `lang` (default: the request's language)."""
    lang = lang or i18n.current()
    if q.type in ("choice", "multi"):
        return [(o.code, o.label.get(lang) or o.label["nb"]) for o in q.options]
    if q.type == "cefr":
        return [("none", i18n.gettext("Ingen", lang)), ("A1", "A1"), ("A2", "A2"), ("B1", "B1"), ("B2", "B2"), ("C1", "C1")]
    if q.type == "country":
        return list(countries(lang).items())
    if q.type == "language":
        return list(languages(lang).items())
    if q.type == "municipality":
        return list(municipalities().items())
    return []


def _options_html(choices: list[tuple[str, str]]) -> str:
    return "".join(f'<option value="{escape(code)}">{escape(label)}</option>' for code, label in choices)


REFERENCE_TYPES = ("country", "language", "municipality")


@lru_cache(maxsize=8)
def _reference_options(kind: str, lang: str) -> str:
    if kind == "language":
        # The languages common among new participants first, then every language (each stored code stays readable).
        common = escape(i18n.gettext("Vanlige språk blant nye deltakere", lang))
        every = escape(i18n.gettext("Alle språk", lang))
        return (f'<optgroup label="{common}">{_options_html(list(common_languages(lang).items()))}</optgroup>'
                f'<optgroup label="{every}">{_options_html(choices_for_type(kind, lang))}</optgroup>')
    return _options_html(choices_for_type(kind, lang))


def choices_for_type(kind: str, lang: str) -> list[tuple[str, str]]:
    return list({"country": countries, "language": languages}[kind](lang).items()) if kind != "municipality" \
        else list(municipalities().items())


def select_options(q: Question, text: str, lang: str | None = None) -> Markup:
    """A select's <option>s with `text` selected; a stored code the list no longer has is kept as its own option.

    Built once per question and language: the country and language lists have hundreds of entries, and every
    autosave re-renders the section (escaping them each time was a third of a save's time)."""
    lang = lang or i18n.current()
    html = (_reference_options(q.type, lang) if q.type in REFERENCE_TYPES
            else _options_html(choices_for(q, lang)))
    if text:
        plain = f'<option value="{escape(text)}">'
        html = (html.replace(plain, plain[:-1] + " selected>", 1) if plain in html
                else html + f'<option value="{escape(text)}" selected>{escape(text)}</option>')
    choose = escape(i18n.gettext("Velg …", lang))
    return Markup(f'<option value="">{choose}</option>' + html)


NOT = {"nb": "ikke", "nn": "ikkje", "en": "not"}


def display_number(value: Any) -> str:
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


def _lower_label(q: Question, lang: str) -> str:
    return i18n.translate(q.label, lang).lower()


def display(q: Question, value: Any, lang: str | None = None) -> str:
    """An answer as a caseworker reads it on the check-answers page (default: in the request's language)."""
    lang = lang or i18n.current()
    if value is None or value == "" or value == []:
        return ""
    if q.type in ("choice", "cefr"):
        return dict(choices_for(q, lang)).get(value, str(value))
    if q.type == "multi":
        labels = dict(choices_for(q, lang))
        return ", ".join(labels.get(v, v) for v in value)
    if q.type == "bool":
        return i18n.gettext("Ja", lang) if value else i18n.gettext("Nei", lang)
    if q.type == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
        except (TypeError, ValueError):
            return str(value)
    if q.type in ("country", "language"):
        return dict(choices_for(q, lang)).get(value, str(value))
    if q.type == "municipality":
        return municipality_name(value) or str(value)  # a number the table lacks is shown as stored
    if q.type in ("int", "number") and q.unit:  # "3 år", not a bare "3" among a row's other answers
        unit = q.unit.get(lang) or q.unit["nb"]
        return f"{display_number(value)} {unit[:-1] if lang == 'en' and value == 1 and unit.endswith('s') else unit}"
    if q.type == "number" and isinstance(value, float):
        return display_number(value)
    if q.type == "repeat":
        rows = []
        for row in value:
            # A yes/no inside a row reads as its label ("fullført", "ikke fullført"), not a bare "Ja" among the rest.
            parts = [(_lower_label(f, lang) if row[f.id] else f"{NOT[lang]} {_lower_label(f, lang)}")
                     if f.type == "bool" else display(f, row.get(f.id), lang)
                     for f in q.fields if row.get(f.id) not in (None, "")]
            rows.append(", ".join(p for p in parts if p))
        return "; ".join(rows)
    return str(value)
