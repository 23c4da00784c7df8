"""Properties of the rules over generated mappings: any valid answers evaluate, and a rule's result depends only on the
answers it reads (directly, or through the derived values it reads)."""

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.domain.derived import derive
from intake.domain.programme import load_programme
from intake.domain.questionnaire import CEFR, default_questionnaire
from intake.domain.rules import DERIVED_INPUTS, default_ruleset, evaluate
from tests.personas import PERSONAS

QUESTIONNAIRE = default_questionnaire()
RULES = default_ruleset()
HISTORY = load_programme()
# Scheme and non-scheme countries, Norway, and the personas' countries.
COUNTRIES = ["NO", "SY", "ER", "AF", "PL", "DE", "IS", "SE", "SO"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def value_of(q):
    """Values of the right type (and code) for a question, as the JSON form of the answers holds them."""
    t = q.type
    low = int(q.min) if q.min is not None else 0
    high = int(q.max) if q.max is not None else 60
    if t in ("text", "longtext", "occupation"):
        return st.text(alphabet="abc æøå-", min_size=1, max_size=12)
    if t == "date":
        return st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if t == "int":
        return st.integers(low, high)
    if t == "number":
        return st.one_of(st.integers(low, high), st.floats(low, high, allow_nan=False).map(lambda x: round(x, 1)))
    if t == "bool":
        return st.booleans()
    if t == "choice":
        return st.sampled_from(q.codes)
    if t == "multi":
        return st.lists(st.sampled_from(q.codes), min_size=1, unique=True)
    if t == "cefr":
        return st.sampled_from(CEFR)
    if t == "country":
        return st.sampled_from(COUNTRIES)
    if t == "language":
        return st.sampled_from(["ar", "ti", "prs", "en", "so"])
    if t == "municipality":
        return st.sampled_from(["3301", "5001", "1103", "0301"])
    if t == "repeat":
        row = st.fixed_dictionaries({}, optional={f.id: value_of(f) for f in q.fields})
        return st.lists(row, min_size=1, max_size=3)
    raise AssertionError(f"no strategy for type {t}")


VALUES = {q.id: value_of(q) for q in QUESTIONNAIRE.questions()}

# Any question answered or not, with a value of its type.
generated = st.fixed_dictionaries({}, optional=VALUES)
# A persona with some answers left out: drafts that are close to real mappings, so most rules are exercised.
drafts = st.sampled_from(list(PERSONAS.values())).flatmap(
    lambda p: st.sets(st.sampled_from(sorted(p))).map(lambda gone: {k: v for k, v in p.items() if k not in gone}))
answers_st = st.one_of(generated, drafts)
days = st.dates(dt.date(2021, 1, 1), dt.date(2030, 12, 31))


def results(answers, today):
    derived = derive(answers, HISTORY.on(today), today)
    return {p.code: (p.as_api(), p.due) for p in RULES.evaluate(answers, derived)}


@SETTINGS
@given(answers=answers_st, today=days)
def test_any_valid_answers_evaluate(answers, today):
    out = evaluate(answers, questionnaire=QUESTIONNAIRE, rules=RULES, programme_history=HISTORY, today=today)
    assert set(out) == {"recommendations", "derived", "ruleset"}
    assert {r["code"] for r in out["recommendations"]} <= set(RULES.catalogue)
    json.dumps(out)


@SETTINGS
@given(answers=answers_st, today=days, data=st.data())
def test_an_answer_a_rule_does_not_read_never_changes_its_result(answers, today, data):
    if not answers:
        return
    key = data.draw(st.sampled_from(sorted(answers)), label="answer changed")
    replace = data.draw(st.booleans(), label="replace rather than remove")
    other = dict(answers)
    if replace:
        other[key] = data.draw(VALUES[key], label="new value")
    else:
        del other[key]
    before, after = results(answers, today), results(other, today)
    for rule in RULES.rules:
        if key not in rule.inputs():
            assert before.get(rule.code) == after.get(rule.code), (rule.code, key)


def results_as_the_app_evaluates(answers, today):
    out = evaluate(answers, questionnaire=QUESTIONNAIRE, rules=RULES, programme_history=HISTORY, today=today)
    return {r["code"]: r for r in out["recommendations"]}


@SETTINGS
@given(answers=answers_st, today=days, data=st.data())
def test_the_same_holds_as_the_app_evaluates_with_hidden_answers_dropped(answers, today, data):
    """evaluate() drops the answers a show-if hides first (as saving does), so a rule also depends on the answers that
    decide whether the questions it reads are shown (RuleSet.inputs): e.g. CHILDCARE reads life.childcare_needed,
    which is asked only when there are children under 6."""
    if not answers:
        return
    key = data.draw(st.sampled_from(sorted(answers)), label="answer changed")
    other = dict(answers)
    if data.draw(st.booleans(), label="replace rather than remove"):
        other[key] = data.draw(VALUES[key], label="new value")
    else:
        del other[key]
    before, after = results_as_the_app_evaluates(answers, today), results_as_the_app_evaluates(other, today)
    for rule in RULES.rules:
        if key not in RULES.inputs(rule):
            assert before.get(rule.code) == after.get(rule.code), (rule.code, key)


def test_a_rule_depends_on_what_shows_its_questions():
    childcare = RULES.rule("CHILDCARE")
    assert childcare.inputs() == {"life.childcare_needed"}
    assert "life.children_under_6" in RULES.inputs(childcare)


@SETTINGS
@given(answers=answers_st, today=days, data=st.data())
def test_derive_reads_only_the_listed_inputs(answers, today, data):
    """DERIVED_INPUTS is what makes the property above sound for rules that read derived values."""
    others = sorted(set(VALUES) - DERIVED_INPUTS)
    key = data.draw(st.sampled_from(others), label="answer changed")
    other = dict(answers)
    if data.draw(st.booleans(), label="set rather than remove"):
        other[key] = data.draw(VALUES[key], label="new value")
    else:
        other.pop(key, None)
    programme = HISTORY.on(today)
    assert derive(answers, programme, today) == derive(other, programme, today)
