"""Hostile input to the one answer validator: whatever arrives (any JSON, any form post), `check_value`,
`parse_section_form` and `validate` answer with errors as values and never raise."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.domain.answers import FieldError, check_value, parse_section_form, validate
from intake.domain.programme import load_programme
from intake.domain.questionnaire import default_questionnaire
from tests.personas import AMAL, MAPPING_DATE

Q = default_questionnaire()
QUESTIONS = list(Q.questions())
ROW_FIELDS = [(q, f) for q in QUESTIONS if q.type == "repeat" for f in q.fields]
PROGRAMME = load_programme().on(MAPPING_DATE)

text = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["", " ", "\x00", "<script>alert(1)</script>", "31.02.2020", "1e309", "NaN", "-0", "99999999999", "A1", "B3",
     "true", "ja", "NO", "3301", "0000", "x" * 5000])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
question = st.sampled_from(QUESTIONS)


def _all_errors(errors) -> None:
    assert isinstance(errors, list)
    for e in errors:
        assert isinstance(e, FieldError) and isinstance(e.field, str) and e.message


@settings(max_examples=200, deadline=None)
@given(q=question, value=json_values)
def test_check_value_never_raises_on_any_json(q, value):
    _all_errors(check_value(q, value))


@settings(max_examples=200, deadline=None)
@given(q=question, row=st.dictionaries(st.sampled_from([f.id for _, f in ROW_FIELDS]) | text, json_values,
                                       max_size=5), rows=st.integers(0, 25))
def test_repeat_rows_of_anything_never_raise(q, row, rows):
    _all_errors(check_value(q, [row] * rows))


@st.composite
def section_posts(draw):
    section = draw(st.sampled_from(Q.sections))
    names = [q.id for q in section.questions] + [f"{q.id}.{draw(st.integers(-2, 120))}.{f.id}"
                                                 for q in section.questions if q.type == "repeat" for f in q.fields]
    keys = st.sampled_from(names + ["_questions", "_action", "_version"]) | text
    form = draw(st.dictionaries(keys, st.lists(text, min_size=1, max_size=3), max_size=12))
    return section, form


@settings(max_examples=150, deadline=None)
@given(post=section_posts())
def test_parse_section_form_never_raises_on_any_post(post):
    section, form = post
    answers, raw, errors = parse_section_form(section, form)
    _all_errors(errors)
    assert set(answers) <= {q.id for q in section.questions}


@settings(max_examples=150, deadline=None)
@given(changes=st.dictionaries(st.sampled_from([q.id for q in QUESTIONS]) | text, json_values, max_size=8),
       today=st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)), synthetic=st.booleans())
def test_validate_never_raises_and_keeps_only_valid_answers(changes, today, synthetic):
    result = validate(Q, {**AMAL, **changes}, programme=PROGRAMME, today=today, allow_synthetic=synthetic,
                      require=Q.sections)
    _all_errors(result.errors)
    for key, value in result.answers.items():
        assert not check_value(Q.by_id[key], value), key  # nothing invalid is kept as an answer
