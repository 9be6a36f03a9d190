"""A small, dataframe-agnostic data-contract checker.

A :class:`TableContract` declares a table's columns (type family, nullability,
range, allowed values), its key and its foreign keys. :func:`validate_table`
returns every :class:`Violation` it finds, on pandas, Polars or any other frame
narwhals supports; :func:`raise_for_violations` turns the ones that must stop a
run into one :class:`ContractError` that names table, column, rule, count and
example values.

Two severities, as a bank's data-quality process has them:

* ``hard``: the table cannot be read as declared (missing column, wrong type,
  two different rows under one key). Always stops the run.
* ``soft``: individual rows break a value rule (a negative balance, an orphan
  foreign key, an exact duplicate). Data engineering repairs or drops them and
  counts them; only a share above the rule's ``tolerance`` stops the run, because
  that means the extract itself is broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import narwhals as nw

TypeFamily = Literal["int", "float", "string", "date", "datetime", "bool"]
Severity = Literal["hard", "soft"]
N_EXAMPLES = 5


@dataclass(frozen=True)
class Column:
    """One declared column. ``minimum``/``maximum`` bound numbers and dates."""

    name: str
    dtype: TypeFamily
    description: str = ""
    nullable: bool = False
    minimum: Any = None
    maximum: Any = None
    allowed: tuple[str, ...] | None = None
    not_after_as_of: bool = False
    pii: bool = False
    tolerance: float = 0.001


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str
    tolerance: float = 0.001


@dataclass(frozen=True)
class TableContract:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    duplicate_tolerance: float = 0.001

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def pii_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Violation:
    table: str
    column: str
    rule: str
    severity: Severity
    count: int
    rows: int
    examples: tuple[Any, ...] = field(default=())
    tolerance: float = 0.0

    @property
    def share(self) -> float:
        return self.count / self.rows if self.rows else 0.0

    @property
    def stops_run(self) -> bool:
        return self.severity == "hard" or self.share > self.tolerance

    def describe(self) -> str:
        shown = ", ".join(repr(e) for e in self.examples)
        limit = "" if self.severity == "hard" else f" (tolerance {self.tolerance:.2%})"
        return (
            f"table '{self.table}', column '{self.column}', rule '{self.rule}': "
            f"{self.count:,} of {self.rows:,} rows ({self.share:.2%}){limit}; examples: {shown}"
        )

    def as_record(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity,
            "count": self.count,
            "rows": self.rows,
            "share": self.share,
            "tolerance": self.tolerance,
            "stops_run": self.stops_run,
            "examples": [str(e) for e in self.examples],
        }


class ContractError(ValueError):
    """Raised when a table breaks its contract badly enough to stop the run."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        lines = "\n".join(f"  - {v.describe()}" for v in self.violations)
        super().__init__(f"{len(self.violations)} data-contract violation(s) stop the run:\n{lines}")


def _examples(frame: nw.DataFrame, condition: nw.Expr, column: str) -> tuple[Any, ...]:
    values = frame.filter(condition).select(column).head(N_EXAMPLES)[column].to_list()
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in values)


def _count(frame: nw.DataFrame, condition: nw.Expr) -> int:
    return int(frame.select(condition.sum().alias("n")).item())


def _type_matches(dtype: Any, family: TypeFamily) -> bool:
    checks = {
        "int": dtype.is_integer(),
        "float": dtype.is_float() or dtype.is_integer(),
        "string": dtype in (nw.String, nw.Categorical, nw.Enum),
        "date": dtype in (nw.Date, nw.Datetime),
        "datetime": dtype == nw.Datetime,
        "bool": dtype == nw.Boolean,
    }
    return checks[family]


def _as_of_bound(column: Column, as_of: dt.date | None) -> Any:
    if not column.not_after_as_of or as_of is None:
        return column.maximum
    return dt.datetime.combine(as_of, dt.time.max)


def value_rules(column: Column, as_of: dt.date | None = None) -> list[tuple[str, nw.Expr]]:
    """The column's row-level rules as ``(rule name, expression true for offending rows)``."""
    col = nw.col(column.name)
    rules: list[tuple[str, nw.Expr]] = []
    if not column.nullable:
        rules.append(("not_null", col.is_null()))
    if column.minimum is not None:
        rules.append((f">= {column.minimum}", col < column.minimum))
    maximum = _as_of_bound(column, as_of)
    if maximum is not None:
        rules.append((f"<= {maximum}", col > maximum))
    if column.allowed is not None:
        rules.append((f"in {list(column.allowed)}", ~col.is_in(list(column.allowed)) & ~col.is_null()))
    return rules


def _value_rules(frame: nw.DataFrame, table: TableContract, column: Column, as_of: dt.date | None) -> list[Violation]:
    rules = value_rules(column, as_of)
    found = []
    for rule, condition in rules:
        count = _count(frame, condition)
        if count:
            severity: Severity = "hard" if rule == "not_null" and column.name in table.key else "soft"
            found.append(
                Violation(
                    table.name,
                    column.name,
                    rule,
                    severity,
                    count,
                    len(frame),
                    _examples(frame, condition, column.name),
                    column.tolerance,
                )
            )
    return found


def _key_rules(frame: nw.DataFrame, table: TableContract) -> list[Violation]:
    key = list(table.key)
    distinct = frame.unique(maintain_order=False)
    duplicates = len(frame) - len(distinct)
    found = []
    if duplicates:
        counts = frame.group_by(key).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1)
        found.append(
            Violation(
                table.name,
                "+".join(key),
                "exact duplicate row",
                "soft",
                duplicates,
                len(frame),
                tuple(counts.head(N_EXAMPLES).select(key[0])[key[0]].to_list()),
                table.duplicate_tolerance,
            )
        )
    collisions = distinct.group_by(key).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1)
    if len(collisions):
        examples = tuple(tuple(r) if len(r) > 1 else r[0] for r in collisions.select(key).head(N_EXAMPLES).rows())
        found.append(
            Violation(
                table.name,
                "+".join(key),
                "unique key (different rows share a key)",
                "hard",
                int(collisions["_n"].sum()),
                len(frame),
                examples,
            )
        )
    return found


def validate_table(
    native_frame: Any,
    table: TableContract,
    references: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> list[Violation]:
    """Every violation of ``table`` by a pandas/Polars frame.

    Args:
        native_frame: the table as loaded.
        table: its contract.
        references: other tables by name, for the foreign keys; a foreign key whose
            table is absent is not checked.
        as_of: end of the history; columns flagged ``not_after_as_of`` must not pass it.
    """
    frame = nw.from_native(native_frame, eager_only=True)
    present = set(frame.columns)
    missing = [c for c in table.column_names if c not in present]
    found = [
        Violation(
            table.name,
            name,
            "required column is missing",
            "hard",
            len(frame),
            len(frame),
            tuple(sorted(present))[:N_EXAMPLES],
        )
        for name in missing
    ]
    wrong_type = []
    for column in table.columns:
        if column.name in missing:
            continue
        dtype = frame.schema[column.name]
        if not _type_matches(dtype, column.dtype):
            wrong_type.append(column.name)
            found.append(
                Violation(
                    table.name,
                    column.name,
                    f"type is {column.dtype}",
                    "hard",
                    len(frame),
                    len(frame),
                    (f"found {dtype}", *frame[column.name].head(N_EXAMPLES - 1).to_list()),
                )
            )
    if found:
        return found  # the rows cannot be checked against a schema they do not have
    for column in table.columns:
        found += _value_rules(frame, table, column, as_of)
    found += _key_rules(frame, table)
    for fk in table.foreign_keys:
        if references is None or fk.table not in references:
            continue
        orphan = orphan_rule(fk, references)
        count = _count(frame, orphan)
        if count:
            found.append(
                Violation(
                    table.name,
                    fk.column,
                    f"foreign key -> {fk.table}.{fk.ref_column}",
                    "soft",
                    count,
                    len(frame),
                    _examples(frame, orphan, fk.column),
                    fk.tolerance,
                )
            )
    return found


def raise_for_violations(violations: Sequence[Violation]) -> None:
    """Raise :class:`ContractError` listing every violation that stops the run."""
    stopping = [v for v in violations if v.stops_run]
    if stopping:
        raise ContractError(stopping)


def orphan_rule(fk: ForeignKey, references: Mapping[str, Any]) -> nw.Expr:
    """Expression true for rows whose foreign key is set but unknown in the referenced table."""
    known = nw.from_native(references[fk.table], eager_only=True)[fk.ref_column].unique().to_list()
    return ~nw.col(fk.column).is_in(known) & ~nw.col(fk.column).is_null()


@dataclass(frozen=True)
class Repair:
    """What :func:`repair_table` did for one rule: rows dropped, or values set to missing."""

    table: str
    column: str
    rule: str
    action: Literal["dropped rows", "set to missing"]
    rows: int


def repair_table(
    native_frame: Any,
    table: TableContract,
    references: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> tuple[Any, list[Repair]]:
    """Repair the soft violations of a table that passed :func:`raise_for_violations`.

    Exact duplicate rows are dropped (first kept). A row breaking a rule of a
    nullable column keeps the row with the value set to missing; a row breaking a
    rule of a required column, or pointing at an unknown key, is dropped. Returns
    the repaired native frame and one :class:`Repair` per rule that changed rows.
    """
    frame = nw.from_native(native_frame, eager_only=True)
    repairs: list[Repair] = []
    before = len(frame)
    frame = frame.unique(maintain_order=True)
    if len(frame) < before:
        repairs.append(
            Repair(table.name, "+".join(table.key), "exact duplicate row", "dropped rows", before - len(frame))
        )
    for column in table.columns:
        for rule, condition in value_rules(column, as_of):
            frame, repair = _apply(frame, table, column.name, rule, condition, nullable=column.nullable)
            repairs += repair
    for fk in table.foreign_keys:
        if references is None or fk.table not in references:
            continue
        nullable = table.column(fk.column).nullable
        rule = f"foreign key -> {fk.table}.{fk.ref_column}"
        frame, repair = _apply(frame, table, fk.column, rule, orphan_rule(fk, references), nullable=nullable)
        repairs += repair
    return frame.to_native(), repairs


def _apply(
    frame: nw.DataFrame, table: TableContract, column: str, rule: str, condition: nw.Expr, *, nullable: bool
) -> tuple[nw.DataFrame, list[Repair]]:
    count = _count(frame, condition)
    if not count:
        return frame, []
    if nullable and rule != "not_null":
        repaired = frame.with_columns(nw.when(condition).then(None).otherwise(nw.col(column)).alias(column))
        return repaired, [Repair(table.name, column, rule, "set to missing", count)]
    return frame.filter(~condition), [Repair(table.name, column, rule, "dropped rows", count)]
