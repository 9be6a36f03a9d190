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

from customer_classification.buckets import bucket_count, in_bucket, integer_column
from customer_classification.contracts.masking import mask_pii
from customer_classification.spark_cache import broadcast, cached, derived_from_cache, is_spark, release

TypeFamily = Literal["int", "float", "string", "date", "datetime", "bool"]
Severity = Literal["hard", "soft"]
N_EXAMPLES = 5
FINITE = "finite (not NaN or infinite)"


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
        limit = "" if self.severity == "hard" else f" (tolerance {self.tolerance:.2%})"
        shown = f"; examples: {', '.join(repr(e) for e in self.examples)}" if self.examples else ""
        return (
            f"table '{self.table}', column '{self.column}', rule '{self.rule}': "
            f"{self.count:,} of {self.rows:,} rows ({self.share:.2%}){limit}{shown}"
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


Frame = nw.DataFrame | nw.LazyFrame


def collect_frame(frame: Frame) -> nw.DataFrame:
    """An eager frame: a lazy one computed (on Polars by the streaming engine), an eager one as it is."""
    if not isinstance(frame, nw.LazyFrame):
        return frame
    # Polars' streaming engine keeps memory bounded on tables larger than memory
    return frame.collect(engine="streaming") if frame.implementation.is_polars() else frame.collect()


def _scalar(frame: Frame, expr: nw.Expr) -> Any:
    return collect_frame(frame.select(expr.alias("_value"))).item()


def row_count(frame: Frame) -> int:
    return int(_scalar(frame, nw.len()))


def _shown(values: Sequence[Any], column: Column) -> tuple[Any, ...]:
    """Example values as an error or a report may show them: dates as ISO text, PII masked."""
    shown = (v.isoformat() if isinstance(v, dt.date) else v for v in values)
    return tuple(mask_pii(v) if column.pii else v for v in shown)


def _examples(frame: Frame, condition: nw.Expr, column: Column) -> tuple[Any, ...]:
    """The smallest few distinct offending values: the same on every engine and run."""
    name = column.name
    offending = frame.filter(condition).select(name).unique().sort(name, nulls_last=True).head(N_EXAMPLES)
    return _shown(collect_frame(offending)[name].to_list(), column)


def _offending_rows(flagged: Frame, conditions: list[nw.Expr]) -> Frame:
    """The rows breaking any of the rules, for their examples. On Spark they are computed once
    and persisted (a few rows), instead of one pass over the table and its foreign-key joins
    per rule; other engines filter the table itself for each rule."""
    if not conditions or not is_spark(flagged):
        return flagged
    return cached(flagged.filter(nw.any_horizontal(*conditions, ignore_nulls=True)))


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
    if column.dtype == "float":
        # NaN and infinities pass every range rule (NaN compares false) and break sums downstream
        rules.append((FINITE, ~col.is_finite() & ~col.is_null()))
    if column.minimum is not None:
        rules.append((f">= {column.minimum}", col < column.minimum))
    maximum = _as_of_bound(column, as_of)
    if maximum is not None:
        rules.append((f"<= {maximum}", col > maximum))
    if column.allowed is not None:
        rules.append((f"in {list(column.allowed)}", ~col.is_in(list(column.allowed)) & ~col.is_null()))
    return rules


@dataclass(frozen=True)
class _RowRule:
    """A row-level rule: which rows break it, and how a repair treats them."""

    column: str
    rule: str
    condition: nw.Expr
    severity: Severity
    tolerance: float
    blank_instead_of_drop: bool


def row_rules(
    frame: Frame, table: TableContract, references: Mapping[str, Any] | None, as_of: dt.date | None
) -> tuple[Frame, list[_RowRule]]:
    """Every value and foreign-key rule of the table, with the frame they apply to
    (lazy engines get a helper column per foreign key)."""
    rules = []
    for column in table.columns:
        for rule, condition in value_rules(column, as_of):
            hard = rule == "not_null" and column.name in table.key
            blank = column.nullable and rule != "not_null"
            rules.append(_RowRule(column.name, rule, condition, "hard" if hard else "soft", column.tolerance, blank))
    for index, fk in enumerate(table.foreign_keys):
        if references is None or fk.table not in references:
            continue
        frame, orphan = _with_orphan_flag(frame, fk, references, flag=f"_known_{index}")
        rule = f"foreign key -> {fk.table}.{fk.ref_column}"
        rules.append(_RowRule(fk.column, rule, orphan, "soft", fk.tolerance, table.column(fk.column).nullable))
    return frame, rules


def count_rules(frame: Frame, rules: Sequence[_RowRule]) -> tuple[int, list[int]]:
    """Rows of the frame and rows breaking each rule, in one pass."""
    rows, counts, _ = count_rules_and(frame, rules)
    return rows, counts


def count_rules_and(
    frame: Frame, rules: Sequence[_RowRule], more: Sequence[nw.Expr] = ()
) -> tuple[int, list[int], list[Any]]:
    """Rows of the frame, rows breaking each rule and the values of ``more`` (aggregations,
    e.g. what the repair keeps), in one pass: on Spark each pass is a job over the whole plan."""
    values = collect_frame(
        frame.select(
            nw.len().alias("_rows"),
            *[r.condition.cast(nw.Int64).sum().alias(f"_rule_{i}") for i, r in enumerate(rules)],
            *[expr.alias(f"_more_{i}") for i, expr in enumerate(more)],
        )
    ).row(0)
    counts = values[1 : len(rules) + 1]
    return int(values[0]), [int(c or 0) for c in counts], list(values[len(rules) + 1 :])


# the most repeated keys a Spark join sends to every task rather than shuffling the table by them
BROADCAST_KEYS = 1_000_000


def repeated_keys(frame: Frame, key: list[str], rows: int, rows_per_pass: int | None) -> Frame:
    """The keys that more than one row shares.

    On Polars' lazy engine they are computed once, in buckets of an integer key
    column when the table has more than ``rows_per_pass`` rows, and kept in memory
    (they are few): later passes join against them instead of grouping the whole
    table again, and no pass holds every key of a large table at once. On Spark see
    :func:`_spark_repeated_keys`.
    """

    def repeated(part: Frame) -> Frame:
        return part.group_by(key).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1).select(key)

    if is_spark(frame):
        return _spark_repeated_keys(repeated(frame))
    if not isinstance(frame, nw.LazyFrame) or frame.implementation.is_spark_like():
        return repeated(frame)
    column = integer_column(frame, key)
    buckets = bucket_count(frame, rows, rows_per_pass) if column else 1
    parts = [
        collect_frame(repeated(frame if buckets == 1 else frame.filter(in_bucket(column, bucket, buckets))))
        for bucket in range(buckets)
    ]
    return nw.concat(parts, how="vertical").lazy()


def _spark_repeated_keys(found: Frame) -> Frame:
    """Spark's repeated keys, persisted and counted (one job grouping the table by its key), and
    marked for a broadcast join when few: the joins picking the rows whose key repeats (or not)
    then read the table once instead of shuffling it whole. The repair's deduplication asks for
    the same plan after the check, and Spark's cache answers it; :func:`release` of the frame
    returned drops the cache (``contracts.repair`` does once the repaired table is computed)."""
    found = cached(found)
    if row_count(found) > BROADCAST_KEYS:
        return found
    return derived_from_cache(broadcast(found), found)


def _key_rules(frame: Frame, table: TableContract, rows: int, rows_per_pass: int | None) -> list[Violation]:
    """Exact duplicates (soft) and different rows under one key (hard), looking only
    at the rows whose key repeats (their keys stay persisted on Spark, for the repair)."""
    key = list(table.key)
    # few rows, read by up to four queries: computed once on Spark
    sharing = cached(frame.join(repeated_keys(frame, key, rows, rows_per_pass), on=key, how="semi"))
    try:
        return _shared_key_violations(sharing, table, key, rows)
    finally:
        release(sharing)


def _shared_key_violations(sharing: Frame, table: TableContract, key: list[str], rows: int) -> list[Violation]:
    shared_rows = row_count(sharing)
    if not shared_rows:
        return []
    distinct = sharing.unique()
    duplicates = shared_rows - row_count(distinct)
    found = []
    if duplicates:
        repeated = collect_frame(
            sharing.group_by(key).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1).sort(key).head(N_EXAMPLES)
        )
        found.append(
            Violation(
                table.name,
                "+".join(key),
                "exact duplicate row",
                "soft",
                duplicates,
                rows,
                tuple(repeated[key[0]].to_list()),
                table.duplicate_tolerance,
            )
        )
    collisions = collect_frame(distinct.group_by(key).agg(nw.len().alias("_n")).filter(nw.col("_n") > 1).sort(key))
    if len(collisions):
        examples = tuple(tuple(r) if len(r) > 1 else r[0] for r in collisions.select(key).head(N_EXAMPLES).rows())
        found.append(
            Violation(
                table.name,
                "+".join(key),
                "unique key (different rows share a key)",
                "hard",
                int(collisions["_n"].sum()),
                rows,
                examples,
            )
        )
    return found


def _with_orphan_flag(
    frame: Frame, fk: ForeignKey, references: Mapping[str, Any], flag: str = "_known"
) -> tuple[Frame, nw.Expr]:
    """The frame (with a helper column on lazy engines) and the expression true for orphans.

    Pandas and Polars test membership in the referenced keys and keep their row
    order; Spark joins instead, since a million keys make no ``IN`` list.
    """
    reference = nw.from_native(references[fk.table])
    is_set = ~nw.col(fk.column).is_null()
    if not frame.implementation.is_spark_like():
        known = collect_frame(reference.select(fk.ref_column).unique())[fk.ref_column].to_list()
        return frame, ~nw.col(fk.column).is_in(known) & is_set
    keys = reference.select(nw.col(fk.ref_column).alias(fk.column), nw.lit(value=True).alias(flag)).unique()
    # the referenced keys (a million customers at most: megabytes) go to every task, so the
    # checked table, tens of millions of rows, is not shuffled for the join
    return frame.join(broadcast(keys), on=fk.column, how="left"), nw.col(flag).is_null() & is_set


def validate_table(
    native_frame: Any,
    table: TableContract,
    references: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
    rows_per_pass: int | None = None,
    rows: int | None = None,
) -> list[Violation]:
    """Every violation of ``table`` by a frame of any engine narwhals supports.

    Args:
        native_frame: the table as loaded (pandas, Polars eager or lazy, PySpark).
        table: its contract.
        references: other tables by name (same engine), for the foreign keys; a
            foreign key whose table is absent is not checked.
        as_of: end of the history; columns flagged ``not_after_as_of`` must not pass it.
        rows_per_pass: on Polars' lazy engine, the most rows one pass of the key
            check groups at once (larger tables are checked in buckets); None for one pass.
        rows: the frame's rows when the caller has counted them (on Spark a count is a job).
    """
    frame = nw.from_native(native_frame)
    rows = row_count(frame) if rows is None else rows
    schema = frame.collect_schema()
    missing = [c for c in table.column_names if c not in schema]
    found = [
        Violation(
            table.name, name, "required column is missing", "hard", rows, rows, tuple(sorted(schema))[:N_EXAMPLES]
        )
        for name in missing
    ]
    for column in table.columns:
        if column.name in missing or _type_matches(schema[column.name], column.dtype):
            continue
        shown = _shown(collect_frame(frame.select(column.name).head(N_EXAMPLES - 1))[column.name].to_list(), column)
        found.append(
            Violation(
                table.name, column.name, f"type is {column.dtype}", "hard", rows, rows,
                (f"found {schema[column.name]}", *shown),
            )
        )  # fmt: skip
    if found:
        return found  # the rows cannot be checked against a schema they do not have
    flagged, rules = row_rules(frame, table, references, as_of)
    _, counts = count_rules(flagged, rules)
    broken = [(rule, count) for rule, count in zip(rules, counts, strict=True) if count]
    offending = _offending_rows(flagged, [rule.condition for rule, _ in broken])
    for rule, count in broken:
        examples = _examples(offending, rule.condition, table.column(rule.column))
        found.append(
            Violation(table.name, rule.column, rule.rule, rule.severity, count, rows, examples, rule.tolerance)
        )
    release(offending)
    # undeclared columns are dropped by the repair, so rows are told apart on the declared ones
    return found + _key_rules(frame.select(table.column_names), table, rows, rows_per_pass)


def raise_for_violations(violations: Sequence[Violation]) -> None:
    """Raise :class:`ContractError` listing every violation that stops the run."""
    stopping = [v for v in violations if v.stops_run]
    if stopping:
        raise ContractError(stopping)
