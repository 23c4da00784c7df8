"""The condition language: compiling with checks, evaluating, evidence and names; lookups into reference tables most."""

import pytest

from intake.domain.conditions import ConditionError, Context, Fact, FieldSpec, SimpleSchema, compile_condition

SCHEMA = SimpleSchema({
    "a.level": FieldSpec("cefr", ("none", "A1", "A2", "B1", "B2", "C1"), ordered=True),
    "a.goal": FieldSpec("cefr", ("none", "A1", "A2", "B1", "B2", "C1"), ordered=True),
    "a.count": FieldSpec("int"),
    "a.flag": FieldSpec("bool"),
    "a.job": FieldSpec("choice", ("nurse", "electrician", "none")),
    "a.wish": FieldSpec("choice", ("work", "study")),
    "a.needs": FieldSpec("multi", ("transport", "childcare")),
    "a.home": FieldSpec("country"),
    "a.rows": FieldSpec("repeat", item_fields={
        "country": FieldSpec("country"),
        "years": FieldSpec("number"),
        "kind": FieldSpec("choice", ("vocational", "general")),
    }),
})
TABLES = {
    "professions": {"nurse": {"code": "nurse", "requirement": "B2", "authority": "Helsedirektoratet"},
                    "electrician": {"code": "electrician", "requirement": "", "authority": "DSB"}},
    "scheme": {"PL": {"country": "PL", "name": "Poland"}, "DE": {"country": "DE", "name": "Germany"}},
}


def compiled(data):
    return compile_condition(data, SCHEMA, "test", tables=TABLES)


def holds(data, answers):
    return compiled(data).holds(Context(answers, {}, TABLES))


# --- lookup: a cell compared -------------------------------------------------------------------------------------

def test_lookup_compares_the_cell_for_the_answers_code():
    rule = {"lookup": "professions", "key": "a.job", "column": "requirement", "eq": "B2"}
    assert holds(rule, {"a.job": "nurse"})
    assert not holds(rule, {"a.job": "electrician"})  # empty cell: no requirement
    assert not holds(rule, {"a.job": "none"})  # no row
    assert not holds(rule, {})  # unanswered


def test_lookup_in_list_and_evidence_names_the_cell():
    rule = {"lookup": "professions", "key": "a.job", "column": "authority", "in": ["DSB", "Helsedirektoratet"]}
    node = compiled(rule)
    ctx = Context({"a.job": "electrician"}, {}, TABLES)
    assert node.holds(ctx)
    assert node.evidence(ctx) == [Fact("a.job", "electrician"), Fact("professions.authority", "DSB")]
    assert node.names() == {"a.job"}


@pytest.mark.parametrize("value", [2, True, ["B2", 2]])
def test_lookup_refuses_a_value_that_is_not_text(value):
    op = "in" if isinstance(value, list) else "eq"
    with pytest.raises(ConditionError, match="table cell is text"):
        compiled({"lookup": "professions", "key": "a.job", "column": "requirement", op: value})


def test_lookup_refuses_unknown_table_column_and_key():
    with pytest.raises(ConditionError, match="unknown reference table 'nope'"):
        compiled({"lookup": "nope", "key": "a.job", "column": "requirement", "eq": "B2"})
    with pytest.raises(ConditionError, match="has no column 'colour'"):
        compiled({"lookup": "professions", "key": "a.job", "column": "colour", "eq": "B2"})
    with pytest.raises(ConditionError, match="unknown question or derived value 'a.jbo'"):
        compiled({"lookup": "professions", "key": "a.jbo", "column": "requirement", "eq": "B2"})


# --- lookup: is the code a row of the table ----------------------------------------------------------------------

def test_lookup_exists_true_and_false():
    in_table = {"lookup": "professions", "key": "a.job", "exists": True}
    outside = {"lookup": "professions", "key": "a.job", "exists": False}
    schema_rows = {"some": "a.rows", "where": {"lookup": "scheme", "key": "item.country", "exists": True}}
    assert holds(schema_rows, {"a.rows": [{"country": "SY"}, {"country": "PL"}]})
    assert not holds(schema_rows, {"a.rows": [{"country": "SY"}]})
    # a top-level key works the same
    assert holds(in_table, {"a.job": "nurse"}) and not holds(in_table, {"a.job": "none"})
    assert holds(outside, {"a.job": "none"}) and not holds(outside, {"a.job": "nurse"})


def test_lookup_exists_false_is_false_when_unanswered():
    """`exists: false` means answered and not in the table: a missing country never counts as outside the scheme."""
    outside = {"some": "a.rows", "where": {"lookup": "scheme", "key": "item.country", "exists": False}}
    assert holds(outside, {"a.rows": [{"country": "AF"}]})
    assert not holds(outside, {"a.rows": [{"years": 3}]})
    assert not holds(outside, {"a.rows": [{"country": ""}]})
    assert not holds({"lookup": "professions", "key": "a.job", "exists": False}, {})


@pytest.mark.parametrize("rule, problem", [
    # a key whose answers can never name a row of the table
    ({"lookup": "scheme", "key": "a.job", "exists": True}, "no code of 'a.job' is a key of table 'scheme'"),
    ({"lookup": "professions", "key": "a.count", "column": "authority", "eq": "DSB"},
     "'a.count' (int) cannot name a row of table 'professions'"),
    ({"some": "a.rows", "where": {"lookup": "professions", "key": "item.country", "exists": True}},
     "'item.country' is a country, but table 'professions' is not keyed by country codes"),
    # a cell value the column never holds (a typo would make the rule never fire)
    ({"lookup": "professions", "key": "a.job", "column": "requirement", "eq": "B3"},
     "'B3' is not in column 'requirement' of 'professions' (values: B2)"),
    ({"lookup": "professions", "key": "a.job", "column": "authority", "in": ["DSB", "Politiet"]},
     "'Politiet' is not in column 'authority'"),
])
def test_lookup_refuses_what_can_never_match(rule, problem):
    with pytest.raises(ConditionError) as info:
        compiled(rule)
    assert problem in str(info.value)


def test_lookup_exists_evidence_is_the_key_and_names_are_outside_the_item():
    node = compiled({"some": "a.rows", "where": {"all": [
        {"field": "item.kind", "eq": "vocational"},
        {"lookup": "scheme", "key": "item.country", "exists": True},
    ]}})
    ctx = Context({"a.rows": [{"kind": "general", "country": "PL"}, {"kind": "vocational", "country": "DE"}]}, {}, TABLES)
    assert node.holds(ctx)
    assert node.evidence(ctx) == [Fact("a.rows.kind", "vocational", 1), Fact("a.rows.country", "DE", 1)]
    assert node.names() == {"a.rows"}


@pytest.mark.parametrize("data, message", [
    ({"lookup": "scheme", "key": "a.job", "exists": "yes"}, "'exists' must be true or false"),
    ({"lookup": "scheme", "key": "a.job", "exists": True, "column": "name"}, "takes exactly key and exists"),
    ({"lookup": "nope", "key": "a.job", "exists": True}, "unknown reference table"),
    ({"lookup": "scheme", "key": "item.country", "exists": True}, "used outside some/count/sum"),
])
def test_lookup_exists_mistakes(data, message):
    with pytest.raises(ConditionError, match=message):
        compiled(data)


# --- the rest of the language, as the rules use it ---------------------------------------------------------------

def test_ordered_comparison_with_a_derived_ref():
    schema = SimpleSchema({**SCHEMA.specs, "derived.goal": FieldSpec("cefr", SCHEMA.specs["a.goal"].codes, ordered=True)})
    node = compile_condition({"field": "a.level", "lt": {"ref": "derived.goal"}}, schema)
    assert node.holds(Context({"a.level": "A2"}, {"goal": "B1"}))
    assert not node.holds(Context({"a.level": "B1"}, {"goal": "B1"}))
    assert not node.holds(Context({"a.level": "A2"}, {}))  # goal not computable: does not fire
    assert node.names() == {"a.level", "derived.goal"}


def test_multi_choice_contains_and_country_codes():
    assert holds({"field": "a.needs", "contains": "childcare"}, {"a.needs": ["transport", "childcare"]})
    assert holds({"field": "a.home", "ne": "NO"}, {"a.home": "SY"})


def test_missing_values_make_comparisons_false_but_not_negations():
    assert not holds({"field": "a.flag", "eq": False}, {})
    assert not holds({"field": "a.job", "ne": "none"}, {})
    assert holds({"not": {"field": "a.flag", "eq": False}}, {})


def test_sum_and_evidence():
    node = compiled({"sum": "a.rows", "of": "years", "ge": 2})
    ctx = Context({"a.rows": [{"years": 1}, {"years": 1.5}]}, {}, TABLES)
    assert node.holds(ctx)
    assert node.evidence(ctx) == [Fact("sum(a.rows.years)", 2.5)]
    assert not node.holds(Context({}, {}, TABLES))


def test_not_evidence_is_the_answers_it_looked_at():
    node = compiled({"not": {"field": "a.flag", "eq": False}})
    assert node.evidence(Context({"a.flag": True})) == [Fact("a.flag", True)]
    assert node.evidence(Context({})) == []


@pytest.mark.parametrize("data, message", [
    ({"field": "a.count", "eq": "two"}, "compares a number"),
    ({"field": "a.flag", "eq": "yes"}, "compares a yes/no answer"),
    ({"field": "a.job", "eq": "pilot"}, "'pilot' is not a code"),
    ({"field": "a.job", "lt": "nurse"}, "needs a number, a date or an ordered choice"),
    ({"field": "a.nope", "eq": 1}, "unknown question or derived value 'a.nope'"),
    ({"field": "a.count", "lt": {"ref": "a.level"}}, "compares int with cefr"),
    ({"some": "a.rows", "where": {"field": "item.colour", "eq": "x"}}, "has no field 'colour'"),
    ({"whatever": 1}, "unknown condition form"),
    ({"field": "a.needs", "eq": "childcare"}, "compare it with 'contains'"),
    ({"field": "a.home", "eq": "XX"}, "'XX' is not a country code"),
    ({"field": "a.home", "in": ["SY", "Syria"]}, "'Syria' is not a country code"),
    ({"field": "a.job", "eq": {"ref": "a.wish"}}, "have no code in common"),
])
def test_compile_mistakes_are_named(data, message):
    with pytest.raises(ConditionError, match=message):
        compiled(data)
