"""A small declarative condition language, shared by show-if, cross-field checks and recommendation rules.

Conditions are plain data (dicts from YAML). `compile_condition` checks every name, operator and value against
a schema at load time and returns a tree that evaluates without `eval` and can say which answers made it true.

Forms:
    {all: [c, ...]}  {any: [c, ...]}  {not: c}
    {answered: name}
    {field: name, OP: value}            OP in eq ne in not_in lt le gt ge contains; value may be {ref: name}
    {some: repeat, where: c}            inside c, the row's fields are `item.<field>`
    {count: repeat, where: c?, OP: n}   OP a comparison on the number of (matching) rows
    {sum: repeat, of: field, where: c?, OP: n}
    {lookup: table, key: name, column: col, OP: value}   a reference-table cell for the answer's code
    {lookup: table, key: name, exists: true|false}     whether the answer's code is a row of the table

A comparison on a missing value is false: a rule whose inputs are missing does not fire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping  # not typing's aliases: isinstance() with them is several times slower
from dataclasses import dataclass, field as dc_field
from functools import cached_property
from typing import Any, Protocol

COMPARISONS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "contains")
ORDERING = ("lt", "le", "gt", "ge")
MISSING = object()


class ConditionError(ValueError):
    """A condition that does not fit the schema; the message names the problem."""


@dataclass(frozen=True)
class FieldSpec:
    """What the condition compiler needs to know about a name."""

    type: str  # text longtext date int number bool choice multi cefr country language municipality occupation repeat
    codes: tuple[str, ...] | None = None  # allowed codes for choice/multi/cefr
    ordered: bool = False  # codes are listed lowest to highest and may be compared with lt/ge
    item_fields: Mapping[str, "FieldSpec"] | None = None  # for repeat


class Schema(Protocol):
    def field_spec(self, name: str) -> FieldSpec | None: ...


@dataclass(frozen=True)
class Fact:
    """One answer that a true condition read: the evidence behind a decision."""

    field: str
    value: Any
    row: int | None = None  # index in a repeat group


class Context:
    """Values a condition reads: answers, derived values (`derived.*`) and reference tables."""

    def __init__(
        self,
        answers: Mapping[str, Any],
        derived: Mapping[str, Any] | None = None,
        tables: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
    ):
        self.answers = answers
        self.derived = derived or {}
        self.tables = tables or {}
        self.item: Mapping[str, Any] | None = None
        self.row: int | None = None

    def get(self, name: str) -> Any:
        if name.startswith("item."):
            if self.item is None:
                return MISSING
            value = self.item.get(name[5:], MISSING)
        elif name.startswith("derived."):
            value: Any = self.derived
            for part in name[8:].split("."):
                if not isinstance(value, Mapping) or part not in value:
                    return MISSING
                value = value[part]
        else:
            value = self.answers.get(name, MISSING)
        if value is None or value == "" or value == []:
            return MISSING
        return value

    def with_item(self, item: Mapping[str, Any], row: int) -> "Context":
        inner = Context(self.answers, self.derived, self.tables)
        inner.item, inner.row = item, row
        return inner

    def fact(self, name: str, value: Any) -> Fact:
        return Fact(name, value, self.row if name.startswith("item.") else None)


class Node:
    def holds(self, ctx: Context) -> bool:
        raise NotImplementedError

    def evidence(self, ctx: Context) -> list[Fact]:
        """The facts that make this node hold (call only when it holds)."""
        raise NotImplementedError

    def names(self) -> set[str]:
        """Every name this node reads (for 'which answers does this rule depend on')."""
        raise NotImplementedError


@dataclass
class All(Node):
    parts: list[Node]

    def holds(self, ctx):
        return all(p.holds(ctx) for p in self.parts)

    def evidence(self, ctx):
        return [f for p in self.parts for f in p.evidence(ctx)]

    def names(self):
        return set().union(*(p.names() for p in self.parts))


@dataclass
class Any_(Node):
    parts: list[Node]

    def holds(self, ctx):
        return any(p.holds(ctx) for p in self.parts)

    def evidence(self, ctx):
        return [f for p in self.parts if p.holds(ctx) for f in p.evidence(ctx)]

    def names(self):
        return set().union(*(p.names() for p in self.parts))


@dataclass
class Not(Node):
    part: Node

    def holds(self, ctx):
        return not self.part.holds(ctx)

    def evidence(self, ctx):
        # A negation is explained by the answers it looked at, as they stand.
        return [ctx.fact(n, v) for n in sorted(self.part.names()) if (v := ctx.get(n)) is not MISSING]

    def names(self):
        return self.part.names()


@dataclass
class Answered(Node):
    name: str

    def holds(self, ctx):
        return ctx.get(self.name) is not MISSING

    def evidence(self, ctx):
        return [ctx.fact(self.name, ctx.get(self.name))]

    def names(self):
        return {self.name}


@dataclass
class Ref:
    name: str


def _as_comparable(value: Any, spec: FieldSpec) -> Any:
    if spec.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return MISSING
    if spec.type in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return MISSING
    if spec.ordered and spec.codes:
        return spec.codes.index(value) if value in spec.codes else MISSING
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    try:
        if op == "eq":
            return left == right
        if op == "ne":
            return left != right
        if op == "in":
            return left in right
        if op == "not_in":
            return left not in right
        if op == "contains":
            return isinstance(left, (list, tuple)) and right in left
        if op == "lt":
            return left < right
        if op == "le":
            return left <= right
        if op == "gt":
            return left > right
        if op == "ge":
            return left >= right
    except TypeError:
        return False
    raise AssertionError(op)


@dataclass
class Compare(Node):
    name: str
    spec: FieldSpec
    op: str
    value: Any  # a literal, a list of literals, or a Ref
    ref_spec: FieldSpec | None = None

    def _operands(self, ctx):
        left = ctx.get(self.name)
        if left is MISSING:
            return MISSING, MISSING
        if isinstance(self.value, Ref):
            right = ctx.get(self.value.name)
            if right is MISSING:
                return MISSING, MISSING
            right = _as_comparable(right, self.ref_spec or self.spec)
        else:
            right = self._literal
        if self.op != "contains":
            left = _as_comparable(left, self.spec)
        return left, right

    @cached_property
    def _literal(self) -> Any:
        """The literal compared with, in the form it is compared in (worked out once: rules are read at every save)."""
        if self.op in ("in", "not_in"):
            return [_as_comparable(v, self.spec) for v in self.value]
        if self.op == "contains":
            return self.value
        return _as_comparable(self.value, self.spec)

    def holds(self, ctx):
        left, right = self._operands(ctx)
        if left is MISSING or right is MISSING:
            return False
        return _compare(self.op, left, right)

    def evidence(self, ctx):
        facts = [ctx.fact(self.name, ctx.get(self.name))]
        if isinstance(self.value, Ref):
            facts.append(ctx.fact(self.value.name, ctx.get(self.value.name)))
        return facts

    def names(self):
        return {self.name} | ({self.value.name} if isinstance(self.value, Ref) else set())


@dataclass
class Some(Node):
    name: str
    where: Node

    def _rows(self, ctx):
        rows = ctx.get(self.name)
        return list(enumerate(rows)) if isinstance(rows, list) else []

    def holds(self, ctx):
        return any(isinstance(r, Mapping) and self.where.holds(ctx.with_item(r, i)) for i, r in self._rows(ctx))

    def evidence(self, ctx):
        for i, row in self._rows(ctx):
            if isinstance(row, Mapping):
                inner = ctx.with_item(row, i)
                if self.where.holds(inner):
                    return [Fact(f"{self.name}.{f.field[5:]}" if f.field.startswith("item.") else f.field, f.value, f.row)
                            for f in self.where.evidence(inner)]
        return []

    def names(self):
        return {self.name} | {n for n in self.where.names() if not n.startswith("item.")}


@dataclass
class Aggregate(Node):
    """count or sum over a repeat group's (matching) rows, compared with a number."""

    name: str
    kind: str  # count | sum
    of: str | None
    where: Node | None
    op: str
    value: float

    def _matching(self, ctx):
        rows = ctx.get(self.name)
        if not isinstance(rows, list):
            return []
        return [(i, r) for i, r in enumerate(rows)
                if isinstance(r, Mapping) and (self.where is None or self.where.holds(ctx.with_item(r, i)))]

    def total(self, ctx) -> float:
        rows = self._matching(ctx)
        if self.kind == "count":
            return len(rows)
        total = 0.0
        for _, r in rows:
            v = r.get(self.of)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                total += v
        return total

    def holds(self, ctx):
        return _compare(self.op, self.total(ctx), self.value)

    def evidence(self, ctx):
        label = f"{self.kind}({self.name}{'.' + self.of if self.of else ''})"
        return [Fact(label, self.total(ctx))]

    def names(self):
        inner = self.where.names() if self.where else set()
        return {self.name} | {n for n in inner if not n.startswith("item.")}


@dataclass
class Lookup(Node):
    """Compares a reference-table column for the code in an answer, e.g. a profession's Norwegian requirement.

    With `op == "exists"` (column None) it asks whether the code is a row of the table at all, e.g. whether a country
    is in the vocational recognition scheme. Either way a missing answer makes it false: `exists: false` means
    "answered, and not in the table", never "not answered".
    """

    table: str
    key: str
    column: str | None
    op: str
    value: Any

    def _row(self, ctx):
        code = ctx.get(self.key)
        if code is MISSING:
            return MISSING
        return ctx.tables.get(self.table, {}).get(str(code), MISSING)

    def _cell(self, ctx):
        row = self._row(ctx)
        if row is MISSING:
            return MISSING
        cell = row.get(self.column)
        return MISSING if cell in (None, "") else cell

    def holds(self, ctx):
        if self.op == "exists":
            if ctx.get(self.key) is MISSING:
                return False
            return (self._row(ctx) is not MISSING) == self.value
        cell = self._cell(ctx)
        if cell is MISSING:
            return False
        return _compare(self.op, cell, self.value)

    def evidence(self, ctx):
        if self.op == "exists":
            return [ctx.fact(self.key, ctx.get(self.key))]
        return [ctx.fact(self.key, ctx.get(self.key)), Fact(f"{self.table}.{self.column}", self._cell(ctx))]

    def names(self):
        return {self.key}


def _check_literal(value: Any, spec: FieldSpec, where: str) -> None:
    t = spec.type
    if spec.codes is not None and t in ("choice", "multi", "cefr"):
        if value not in spec.codes:
            raise ConditionError(f"{where}: '{value}' is not a code of this question (codes: {', '.join(spec.codes)})")
        return
    if t in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConditionError(f"{where}: compares a number with {value!r}")
    elif t == "bool":
        if not isinstance(value, bool):
            raise ConditionError(f"{where}: compares a yes/no answer with {value!r}")
    elif t == "date":
        if not isinstance(value, (str, dt.date)):
            raise ConditionError(f"{where}: compares a date with {value!r}")
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            raise ConditionError(f"{where}: '{value}' is not an ISO date") from None
    elif t == "repeat":
        raise ConditionError(f"{where}: a repeat group is compared only through some/count/sum")
    elif t in ("country", "language"):
        from .reference import countries, languages

        known = countries("en") if t == "country" else languages("en")
        if value not in known:
            raise ConditionError(f"{where}: '{value}' is not a {t} code")
    elif not isinstance(value, str):
        raise ConditionError(f"{where}: compares a text answer with {value!r}")


def table_columns(rows: Mapping[str, Mapping[str, str]]) -> list[str]:
    return list(next(iter(rows.values()), {}))


def check_lookup_key(name: str, spec: FieldSpec, table: str, rows: Mapping[str, Mapping[str, str]],
                     where: str) -> None:
    """The key's answers must be able to name a row: a choice with a code among the table's keys, or a country
    for a table keyed by country."""
    keys = set(rows)
    if spec.type == "country":
        from .reference import countries

        if keys and not keys & set(countries("en")):
            raise ConditionError(f"{where}: '{name}' is a country, but table '{table}' is not keyed by country codes")
    elif spec.codes is not None:
        if not keys & set(spec.codes):
            raise ConditionError(f"{where}: no code of '{name}' is a key of table '{table}', so no row is ever found")
    else:
        raise ConditionError(f"{where}: '{name}' ({spec.type}) cannot name a row of table '{table}'")


def compile_condition(
    data: Any,
    schema: Schema,
    where: str = "condition",
    *,
    item: Mapping[str, FieldSpec] | None = None,
    tables: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> Node:
    """Compile and check a condition; raise ConditionError naming `where` and the problem. `tables`: the reference
    tables (name → key → row), so that a lookup is checked against their columns, keys and cell values."""

    def spec_of(name: Any, here: str) -> FieldSpec:
        if not isinstance(name, str):
            raise ConditionError(f"{here}: a name must be a string, not {name!r}")
        if name.startswith("item."):
            if item is None:
                raise ConditionError(f"{here}: '{name}' is used outside some/count/sum")
            spec = item.get(name[5:])
            if spec is None:
                raise ConditionError(f"{here}: the repeat group has no field '{name[5:]}' (fields: {', '.join(item)})")
            return spec
        spec = schema.field_spec(name)
        if spec is None:
            raise ConditionError(f"{here}: unknown question or derived value '{name}'")
        return spec

    def sub(value: Any, here: str, inner_item=item) -> Node:
        return compile_condition(value, schema, here, item=inner_item, tables=tables)

    if not isinstance(data, Mapping) or not data:
        raise ConditionError(f"{where}: a condition must be a mapping, not {data!r}")
    keys = set(data)

    if keys == {"all"} or keys == {"any"}:
        kind = "all" if "all" in keys else "any"
        parts = data[kind]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"{where}: '{kind}' needs a non-empty list")
        nodes = [sub(p, f"{where}.{kind}[{i}]") for i, p in enumerate(parts)]
        return All(nodes) if kind == "all" else Any_(nodes)
    if keys == {"not"}:
        return Not(sub(data["not"], f"{where}.not"))
    if keys == {"answered"}:
        spec_of(data["answered"], where)
        return Answered(data["answered"])

    if "some" in keys:
        if keys != {"some", "where"}:
            raise ConditionError(f"{where}: 'some' takes exactly 'where' (got {', '.join(sorted(keys))})")
        spec = spec_of(data["some"], where)
        if spec.type != "repeat":
            raise ConditionError(f"{where}: 'some' needs a repeat group; '{data['some']}' is {spec.type}")
        return Some(data["some"], sub(data["where"], f"{where}.where", spec.item_fields))

    if "count" in keys or "sum" in keys:
        kind = "count" if "count" in keys else "sum"
        ops = keys & set(ORDERING + ("eq", "ne"))
        allowed = {kind, "where"} | ({"of"} if kind == "sum" else set())
        if len(ops) != 1 or keys - ops - allowed:
            raise ConditionError(f"{where}: '{kind}' takes {', '.join(sorted(allowed))} and one comparison")
        spec = spec_of(data[kind], where)
        if spec.type != "repeat":
            raise ConditionError(f"{where}: '{kind}' needs a repeat group; '{data[kind]}' is {spec.type}")
        of = None
        if kind == "sum":
            of = data.get("of")
            of_spec = (spec.item_fields or {}).get(of) if isinstance(of, str) else None
            if of_spec is None or of_spec.type not in ("int", "number"):
                raise ConditionError(f"{where}: 'sum' needs 'of' naming a number field of '{data[kind]}'")
        op = ops.pop()
        value = data[op]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConditionError(f"{where}: '{kind}' compares with a number, not {value!r}")
        where_node = sub(data["where"], f"{where}.where", spec.item_fields) if "where" in data else None
        return Aggregate(data[kind], kind, of, where_node, op, value)

    if "lookup" in keys:
        table = data["lookup"]
        if tables is None or table not in tables:
            raise ConditionError(f"{where}: unknown reference table '{table}'")
        rows = tables[table]
        if "exists" in keys:
            if keys != {"lookup", "key", "exists"}:
                raise ConditionError(f"{where}: 'lookup' with 'exists' takes exactly key and exists")
            if not isinstance(data["exists"], bool):
                raise ConditionError(f"{where}: 'exists' must be true or false, not {data['exists']!r}")
            check_lookup_key(data["key"], spec_of(data["key"], where), table, rows, where)
            return Lookup(table, data["key"], None, "exists", data["exists"])
        ops = keys & set(COMPARISONS)
        if len(ops) != 1 or keys - ops != {"lookup", "key", "column"}:
            raise ConditionError(f"{where}: 'lookup' takes key, column and one comparison (or key and exists)")
        column = data["column"]
        if column not in table_columns(rows):
            raise ConditionError(f"{where}: table '{table}' has no column '{column}'")
        check_lookup_key(data["key"], spec_of(data["key"], where), table, rows, where)
        op = ops.pop()
        value = data[op]
        # Table cells are text: a number or yes/no here could never match.
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and (not isinstance(value, list) or not value):
            raise ConditionError(f"{where}: '{op}' needs a non-empty list")
        if op == "contains" or not all(isinstance(v, str) for v in values):
            raise ConditionError(f"{where}: a table cell is text; '{op}' {value!r} cannot compare with it")
        if op not in ORDERING:
            cells = sorted({row.get(column) or "" for row in rows.values()} - {""})
            unknown = [v for v in values if v not in cells]
            if unknown:
                raise ConditionError(f"{where}: '{unknown[0]}' is not in column '{column}' of '{table}' "
                                     f"(values: {', '.join(cells)})")
        return Lookup(table, data["key"], column, op, value)

    if "field" in keys:
        ops = keys & set(COMPARISONS)
        if len(ops) != 1 or keys - ops != {"field"}:
            raise ConditionError(
                f"{where}: a comparison takes 'field' and exactly one of {', '.join(COMPARISONS)} (got {', '.join(sorted(keys))})")
        name, op = data["field"], ops.pop()
        spec = spec_of(name, where)
        value = data[op]
        here = f"{where} ({name} {op})"
        if op in ORDERING and spec.type not in ("int", "number", "date") and not spec.ordered:
            raise ConditionError(f"{here}: '{op}' needs a number, a date or an ordered choice; '{name}' is {spec.type}")
        if spec.type == "multi" and op != "contains":
            raise ConditionError(f"{here}: a multi-choice answer is a list of codes; compare it with 'contains'")
        if op == "contains":
            if spec.type != "multi":
                raise ConditionError(f"{here}: 'contains' needs a multi-choice question")
            _check_literal(value, FieldSpec("choice", spec.codes), here)
            return Compare(name, spec, op, value)
        if isinstance(value, Mapping):
            if set(value) != {"ref"}:
                raise ConditionError(f"{here}: a value mapping must be {{ref: name}}")
            ref_spec = spec_of(value["ref"], here)
            if ref_spec.type != spec.type and {ref_spec.type, spec.type} - {"int", "number"}:
                raise ConditionError(f"{here}: compares {spec.type} with {ref_spec.type} '{value['ref']}'")
            if spec.codes is not None and ref_spec.codes is not None and not set(spec.codes) & set(ref_spec.codes):
                raise ConditionError(f"{here}: '{name}' and '{value['ref']}' have no code in common, so they are "
                                     "never equal")
            if op in ORDERING and spec.codes is not None and ref_spec.codes is not None and \
                    spec.codes != ref_spec.codes:
                raise ConditionError(f"{here}: '{name}' and '{value['ref']}' order different codes")
            return Compare(name, spec, op, Ref(value["ref"]), ref_spec)
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ConditionError(f"{here}: '{op}' needs a non-empty list")
            for v in value:
                _check_literal(v, spec, here)
        else:
            _check_literal(value, spec, here)
        return Compare(name, spec, op, value)

    raise ConditionError(f"{where}: unknown condition form with keys {', '.join(sorted(map(str, keys)))}")


@dataclass
class SimpleSchema:
    """A schema from a dict, for tests and for composing questionnaire + derived names."""

    specs: dict[str, FieldSpec] = dc_field(default_factory=dict)
    fallback: Callable[[str], FieldSpec | None] | None = None

    def field_spec(self, name: str) -> FieldSpec | None:
        if name in self.specs:
            return self.specs[name]
        return self.fallback(name) if self.fallback else None
