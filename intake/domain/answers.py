"""The one answer validator: types and ranges, cross-field checks, identifiers, allowed end goal and duration.

Answers are the JSON form of the spec (a flat dict keyed by question id). Form posts are first turned into that form
by `parse_section_form`, which keeps what could not be read as a draft so the caseworker never loses what they typed.
Errors are values (`FieldError`), collected and returned together.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from collections.abc import Iterable, Mapping  # not typing's aliases: isinstance() with them is several times slower
from typing import Any

from . import derived as derived_mod
from . import identifiers
from .conditions import Context
from .messages import N_, from_texts
from .questionnaire import Check, Question, Questionnaire, Section
from .reference import countries, county_of, languages, municipalities
from .text import FREE, NAME, text_error

MISSING = object()


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def check_value(q: Question, value: Any, name: str | None = None) -> list[FieldError]:
    """Type and range errors for one typed value (JSON form)."""
    name = name or q.id
    err = lambda msg: [FieldError(name, msg)]  # noqa: E731
    t = q.type
    if t in ("text", "longtext", "occupation"):
        if not isinstance(value, str):
            return err(N_("Svaret må være tekst."))
        if q.max_length and len(value) > q.max_length:
            return err(N_("Svaret kan ha høyst {max} tegn (nå {n}).", max=q.max_length, n=len(value)))
        # One line (a name, an identifier, an occupation) or free text: what each may hold (intake/domain/text.py)
        problem = text_error(value, FREE if t == "longtext" else NAME)
        if problem:
            return err(problem)
    elif t == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return err(N_("Skriv datoen som dd.mm.åååå."))
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            return err(N_("Datoen finnes ikke. Sjekk dag og måned."))
        if not 1900 <= d.year <= 2100:
            return err(N_("Datoen må være mellom år 1900 og 2100."))
    elif t in ("int", "number"):
        ok = isinstance(value, int) if t == "int" else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or (isinstance(value, float) and value != value):
            return err(N_("Skriv et helt tall.") if t == "int" else N_("Skriv et tall."))
        if q.min is not None and value < q.min or q.max is not None and value > q.max:
            return err(N_("Skriv et tall fra {min} til {max}.", min=_num(q.min), max=_num(q.max)))
    elif t == "bool":
        if not isinstance(value, bool):
            return err(N_("Velg ja eller nei."))
    elif t in ("choice", "cefr"):
        if not isinstance(value, str) or value not in q.codes:
            return err(N_("Velg et av alternativene.") if t == "choice" else
                       N_("Velg et nivå: ingen, A1, A2, B1, B2 eller C1."))
    elif t == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) and v in q.codes for v in value):
            return err(N_("Velg blant alternativene."))
        if len(set(value)) != len(value):
            return err(N_("Hvert alternativ kan bare velges én gang."))
    elif t == "country":
        if not isinstance(value, str) or value not in countries():
            return err(N_("Velg et land fra listen."))
    elif t == "language":
        if not isinstance(value, str) or value not in languages():
            return err(N_("Velg et språk fra listen."))
    elif t == "municipality":
        if not isinstance(value, str) or county_of(value) is None or value not in municipalities():
            return err(N_("Velg en kommune fra listen (kommunenummer med fire sifre, for eksempel 3301)."))
    elif t == "repeat":
        if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
            return err(N_("Svaret må være en liste."))
        if len(value) > q.max_items:
            return err(N_("Det kan være høyst {n} rader.", n=q.max_items))
        errors: list[FieldError] = []
        fields = {f.id: f for f in q.fields}
        for i, row in enumerate(value):
            for key, v in row.items():
                f = fields.get(key)
                if f is None:
                    errors.append(FieldError(f"{name}.{i}.{key}", N_("Ukjent felt.")))
                elif not _is_empty(v):
                    errors.extend(check_value(f, v, f"{name}.{i}.{key}"))
        return errors
    return []


def _num(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x).replace(".", ","))


def required_errors(q: Question, value: Any) -> list[FieldError]:
    if q.type == "repeat":
        rows = value if isinstance(value, list) else []
        errors = []
        if len(rows) < q.min_items:
            what = {lang: text.lower() for lang, text in (q.item_label or q.label).items()}
            errors.append(FieldError(q.id, N_("Legg til minst {n} {what}.", n=q.min_items, what=what)))
        for i, row in enumerate(rows):
            for f in q.fields:
                if f.required and _is_empty(row.get(f.id)):
                    errors.append(FieldError(f"{q.id}.{i}.{f.id}", _missing(f)))
        return errors
    if _is_empty(value):
        return [FieldError(q.id, _missing(q))]
    return []


def _missing(q: Question):
    """A required answer not given: chosen ("Velg «Nivå».") or written ("Fyll ut «Navn».")."""
    if q.type in ("choice", "multi", "cefr", "bool", "country", "language", "municipality"):
        return N_("Velg «{label}».", label=q.label)
    return N_("Fyll ut «{label}».", label=q.label)


@dataclass
class Validation:
    answers: dict[str, Any]  # valid answers, hidden ones dropped
    errors: list[FieldError]
    derived: dict[str, Any]

    def errors_for(self, prefix: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == prefix or e.field.startswith(prefix + ".")]


def validate(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    programme,
    today: dt.date,
    allow_synthetic: bool,
    require: Iterable[Section] = (),
) -> Validation:
    """Check answers; keep the valid ones, drop hidden ones, and report every problem at its field.

    `require` names the sections whose required questions must be answered (on "save and continue" and on completion).
    """
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        q = questionnaire.by_id.get(key)
        if q is None:
            errors.append(FieldError(key, N_("Ukjent spørsmål.")))
            continue
        if _is_empty(value):
            continue
        value = _whole_numbers(q, value)
        problems = check_value(q, value)
        if problems:
            errors.extend(problems)
        else:
            clean[key] = _compact(key, value)
    clean = questionnaire.drop_hidden(with_implied(clean))
    derived = derived_mod.derive(clean, programme, today)
    require = list(require)
    errors.extend(_cross_checks(questionnaire, clean, derived, today, allow_synthetic, {s.id for s in require}))
    for section in require:
        for q in section.questions:
            # An optional group's rows still need their required fields.
            asked = q.required or (q.type == "repeat" and bool(clean.get(q.id)))
            if asked and questionnaire.is_visible(q, clean) and \
                    not any(e.field == q.id or e.field.startswith(q.id + ".") for e in errors):
                errors.extend(required_errors(q, clean.get(q.id)))
    # A value that breaks a cross-field check is reported but kept: it is what the caseworker typed, and it may be the
    # other field that is wrong. Type errors never reach `clean`.
    return Validation(clean, errors, derived)


# An answer that another implies, for answers given before its question was asked (a stored case, an API client
# that sends a national id alone): a national id means the participant has one.
IMPLIED = {"participant.has_national_id": ("participant.national_id", True)}


def with_implied(answers: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(answers)
    for key, (source, value) in IMPLIED.items():
        if key not in out and not _is_empty(out.get(source)):
            out[key] = value
    return out


def _whole_numbers(q: Question, value: Any) -> Any:
    """A whole-number answer sent as 19.0 is 19: JSON (and JSON Schema's "integer") do not tell them apart."""
    if q.type == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if q.type == "repeat" and isinstance(value, list):
        fields = {f.id: f for f in q.fields}
        return [{k: _whole_numbers(fields[k], v) if k in fields else v for k, v in row.items()}
                if isinstance(row, Mapping) else row for row in value]
    return value


# Numbers typed in groups ("2026 0123 4567"), which their checks accept: stored as the digits, as printed and sent.
COMPACTED = {"participant.national_id": identifiers.compact_national_id,
             "participant.duf_number": identifiers.compact_duf_number}


def _compact(key: str, value: Any) -> Any:
    compact = COMPACTED.get(key)
    return compact(value) if compact and isinstance(value, str) else value


def _cross_checks(questionnaire: Questionnaire, answers: dict, derived: dict, today: dt.date,
                  allow_synthetic: bool, required_sections: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    ctx = Context(answers, derived)
    for section in questionnaire.sections:
        for check in section.checks:
            # A check that fails when nothing is answered ("one of these is needed") is about completeness:
            # like a required question, it applies when the section's required answers are asked for.
            if _about_completeness(check) and section.id not in required_sections:
                continue
            if check.when.holds(ctx):
                errors.append(FieldError(check.field, from_texts(check.message)))
    nid = answers.get("participant.national_id")
    if nid:
        msg = identifiers.national_id_error(nid, allow_synthetic=allow_synthetic, today=today)
        if msg:
            errors.append(FieldError("participant.national_id", msg))
        else:
            born = identifiers.birth_date_from_national_id(nid, today=today)
            given = answers.get("participant.birth_date")
            if born and given and born.isoformat() != given:
                errors.append(FieldError("participant.birth_date",
                                         N_("Fødselsdatoen stemmer ikke med fødselsnummeret ({date}).",
                                            date=f"{born:%d.%m.%Y}")))
    duf = answers.get("participant.duf_number")
    if duf:
        msg = identifiers.duf_number_error(duf, today=today)
        if msg:
            errors.append(FieldError("participant.duf_number", msg))
    for qid in ("norwegian.test_date", "participant.permit_date", "participant.birth_date"):
        value = answers.get(qid)
        if value and dt.date.fromisoformat(value) > today:
            errors.append(FieldError(qid, N_("Datoen kan ikke være fram i tid.")))
    # The year an education ended or was broken off: known only once it has happened.
    for i, row in enumerate(answers.get("background.education") or []):
        year = row.get("end_year") if isinstance(row, dict) else None
        if isinstance(year, int) and not isinstance(year, bool) and year > today.year:
            errors.append(FieldError(f"background.education.{i}.end_year",
                                     N_("Året kan ikke være fram i tid (senest {year}).", year=today.year)))
    msg = derived_mod.end_goal_error(answers, derived)
    if msg:
        errors.append(FieldError("assessment.proposed_end_goal", msg))
    msg = derived_mod.duration_error(answers, derived)
    if msg:
        errors.append(FieldError("assessment.proposed_duration_months", msg))
    return errors


def _about_completeness(check: Check) -> bool:
    return bool(check.when.holds(Context({}, {})))


# --- form posts -------------------------------------------------------------------------------------------------


def _coerce(q: Question, raw: Any, name: str) -> tuple[Any, FieldError | None]:
    """A form string (or list) as a typed value; MISSING when empty; the raw text is the caller's to keep."""
    if q.type == "multi":
        values = [v for v in (raw if isinstance(raw, list) else [raw]) if v]
        return (values or MISSING), None
    text = raw[-1] if isinstance(raw, list) else raw
    # A browser sends a textarea's line breaks as CRLF: stored as one character each, as its character count shows
    text = (text or "").strip() if q.type not in ("longtext",) else (text or "").replace("\r\n", "\n").strip("\r\n ")
    if text == "":
        return MISSING, None
    if q.type == "int":
        if re.fullmatch(r"[+-]?\d{1,9}", text.replace(" ", "")):
            return int(text.replace(" ", "")), None
        return MISSING, FieldError(name, N_("Skriv et helt tall, for eksempel 2."))
    if q.type == "number":
        t = text.replace(" ", "").replace(",", ".")
        if re.fullmatch(r"[+-]?\d{1,6}(\.\d{1,3})?", t):
            n = float(t)
            return (int(n) if n.is_integer() else n), None
        return MISSING, FieldError(name, N_("Skriv et tall, for eksempel 2 eller 2,5."))
    if q.type == "bool":
        if text in ("true", "false"):
            return text == "true", None
        return MISSING, FieldError(name, N_("Velg ja eller nei."))
    if q.type == "date":
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if m:
            text = f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
        return text, None
    if q.type == "country":
        return text.upper(), None
    if q.type == "municipality":
        return text.replace(" ", ""), None
    return text, None


def parse_section_form(section: Section, form: Mapping[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any],
                                                                                   list[FieldError]]:
    """Read a section's form post: (typed answers present in the form, raw values, errors in reading).

    Only questions present in the post are returned, so a question the page did not show is left as it was.
    Repeat rows come as `<id>.<row>.<field>`; an entirely empty row is kept in the raw values (it is on screen)
    as `{}` too, so row numbers in errors match the screen; storage drops empty rows.
    """
    answers: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    errors: list[FieldError] = []
    present = set(form.get("_questions", [""])[-1].split()) if "_questions" in form else None
    for q in section.questions:
        if q.type == "repeat":
            rows_raw: dict[int, dict[str, Any]] = {}
            pattern = re.compile(rf"^{re.escape(q.id)}\.(\d+)\.(\w+)$")
            for key, values in form.items():
                m = pattern.match(key)
                if m and int(m[1]) < 100:
                    rows_raw.setdefault(int(m[1]), {})[m[2]] = values if len(values) > 1 else values[-1]
            if not rows_raw and (present is None or q.id not in present):
                continue
            fields = {f.id for f in q.fields}
            raw_rows = [{k: v for k, v in rows_raw[i].items() if k in fields} for i in sorted(rows_raw)]
            rows, row_errors = parse_rows(q, raw_rows)
            errors.extend(row_errors)
            raw[q.id] = raw_rows
            answers[q.id] = rows
            continue
        if q.id not in form:
            if present is not None and q.id in present and q.type in ("multi", "bool"):
                answers[q.id] = None  # an unticked set of checkboxes is an answer: nothing chosen
                raw[q.id] = [] if q.type == "multi" else ""
            continue
        values = form[q.id]
        raw[q.id] = values if q.type == "multi" else values[-1]
        value, error = _coerce(q, values, q.id)
        if error:
            errors.append(error)
        answers[q.id] = None if value is MISSING else value
    return answers, raw, errors


def parse_rows(q: Question, raw_rows: list[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """A repeat group's rows as typed (one dict of form text per row, in screen order) read into typed rows.

    Every row is kept, even an empty one, so row numbers (in errors too) match what is on screen.
    """
    rows, errors = [], []
    for i, raw_row in enumerate(raw_rows):
        row = {}
        raw_row = raw_row if isinstance(raw_row, Mapping) else {}
        for f in q.fields:
            value, error = _coerce(f, raw_row.get(f.id, ""), f"{q.id}.{i}.{f.id}")
            if error:
                errors.append(error)
            elif value is not MISSING:
                row[f.id] = value
        rows.append(row)
    return rows, errors


def is_empty_row(row: Any) -> bool:
    return not isinstance(row, Mapping) or all(_is_empty(v) for v in row.values())


def draft_errors(q: Question, raw: Any) -> list[FieldError]:
    """The reading and type errors a draft (text kept as typed) still has; none for rows merely added and empty."""
    if q.type == "repeat":
        rows, errors = parse_rows(q, raw if isinstance(raw, list) else [])
        return errors + check_value(q, rows)
    value, error = _coerce(q, raw, q.id)
    if error:
        return [error]
    return [] if value is MISSING else check_value(q, value)
