"""Repair of the soft contract violations: exact duplicates dropped, bad values
set to missing, rows breaking a required column's rule or a foreign key dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw

from customer_classification.contracts.engine import (
    Frame,
    TableContract,
    _RowRule,
    count_rules_and,
    repeated_keys,
    row_count,
    row_rules,
)
from customer_classification.spark_cache import cached, derived_from_cache, release


def undeclared_columns(frame: Frame, table: TableContract) -> list[str]:
    """The frame's columns that the contract does not declare, in the frame's order."""
    declared = set(table.column_names)
    return [name for name in frame.collect_schema().names() if name not in declared]


def _distinct(frame: Frame, key: list[str], rows: int, rows_per_pass: int | None) -> tuple[Frame, Frame | None]:
    """The frame without exact duplicate rows, and the repeated keys it was made with (None for
    an eager frame; on Spark persisted, to release once the result is computed).

    Eager frames keep their row order. On lazy engines only the rows whose key
    repeats are compared whole: a distinct over every column of a 60-million-row
    table needs the whole table in memory, a count per key does not. Row order does
    not matter downstream (money is summed in integer cents).
    """
    if isinstance(frame, nw.DataFrame):
        return frame.unique(maintain_order=True), None
    repeated = repeated_keys(frame, key, rows, rows_per_pass)
    single = frame.join(repeated, on=key, how="anti")
    several = frame.join(repeated, on=key, how="semi").unique()
    return nw.concat([single, several], how="vertical"), repeated


@dataclass(frozen=True)
class Repair:
    """What :func:`repair_table` did for one rule: rows dropped, values set to missing, or an
    undeclared column dropped (``rows``: the rows that carried it)."""

    table: str
    column: str
    rule: str
    action: Literal["dropped rows", "set to missing", "dropped column"]
    rows: int

    def as_record(self) -> dict[str, Any]:
        return {"table": self.table, "column": self.column, "rule": self.rule, "action": self.action, "rows": self.rows}


def repair_table(
    native_frame: Any,
    table: TableContract,
    references: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
    rows_per_pass: int | None = None,
    rows: int | None = None,
) -> tuple[Any, list[Repair]]:
    """Repair the soft violations of a table that passed :func:`raise_for_violations`.

    Only the declared columns leave: a column the contract does not declare is
    dropped (an extract may carry a copy of a PII column under another name, which
    no rule would protect). Exact duplicate rows are dropped (one kept); the rows
    are compared on the declared columns. A value breaking a rule of a nullable
    column is set to missing and the row kept; a row breaking a rule of a required
    column, or pointing at an unknown key, is dropped. Returns the repaired native
    frame and one :class:`Repair` per undeclared column and per rule that changed
    rows (the rows breaking that rule; a row breaking two rules counts under both).
    ``rows``: the frame's rows when the caller has counted them (on Spark a count is a job).
    """
    repaired, repairs, _ = repair_and_summarise(native_frame, table, references, as_of, rows_per_pass, rows)
    return repaired, repairs


@dataclass(frozen=True)
class Repaired:
    """The repaired table's rows and the lowest and highest value of ``date_column`` in it
    (None when no value is left, or no column was asked for)."""

    rows: int
    low: Any = None
    high: Any = None


def _kept(rules: list[_RowRule]) -> nw.Expr | None:
    """True for the rows the repair keeps (those breaking no rule that drops rows); None: all."""
    dropping = [rule.condition for rule in rules if not rule.blank_instead_of_drop]
    return ~nw.any_horizontal(*dropping, ignore_nulls=True) if dropping else None


def _blanked_where(column: str, conditions: list[nw.Expr]) -> nw.Expr:
    """``column`` missing where any of ``conditions`` (of rules that blank instead of dropping) holds."""
    return nw.when(~nw.any_horizontal(*conditions, ignore_nulls=True)).then(nw.col(column))


def _repaired_value(column: str, rules: list[_RowRule]) -> nw.Expr:
    """A column's value as the repair leaves it: missing where a rule blanks it."""
    blanking = [rule.condition for rule in rules if rule.blank_instead_of_drop and rule.column == column]
    return _blanked_where(column, blanking) if blanking else nw.col(column)


def _summary(rules: list[_RowRule], date_column: str | None) -> list[nw.Expr]:
    """The repaired table's rows and ``date_column``'s range, as aggregations over the unrepaired
    (flagged) frame. Every rule takes part, broken or not: a rule no row breaks drops and blanks
    nothing, so the figures are those of the table :func:`repair_and_summarise` returns."""
    kept = _kept(rules)
    summary = [nw.len() if kept is None else kept.cast(nw.Int64).sum()]
    if date_column is not None:
        value = _repaired_value(date_column, rules)
        value = value if kept is None else nw.when(kept).then(value)
        summary += [value.min(), value.max()]
    return summary


def repair_and_summarise(
    native_frame: Any,
    table: TableContract,
    references: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
    rows_per_pass: int | None = None,
    rows: int | None = None,
    date_column: str | None = None,
) -> tuple[Any, list[Repair], Repaired]:
    """:func:`repair_table`, and the repaired table's rows and ``date_column``'s range
    (:class:`Repaired`), counted in the pass that counts the rules.

    On Spark the deduplicated frame with its foreign-key flags is persisted, and that pass
    computes it: the repaired table is a filter over it, which the report, the foreign keys of
    the tables after it and the nodes downstream read without repeating the deduplication and
    the joins. Releasing the repaired table (:func:`~customer_classification.spark_cache.release`)
    drops that cache.
    """
    frame = nw.from_native(native_frame)
    columns = table.column_names
    before = row_count(frame) if rows is None else rows
    repairs = [
        Repair(table.name, name, "undeclared column", "dropped column", before)
        for name in undeclared_columns(frame, table)
    ]
    frame, repeated = _distinct(frame.select(columns), list(table.key), before, rows_per_pass)
    flagged, rules = row_rules(frame, table, references, as_of)
    flagged = cached(flagged)
    rows, counts, (rows_out, *date_range) = count_rules_and(flagged, rules, _summary(rules, date_column))
    release(repeated)  # read by the pass just made, which persisted what it computed
    summary = Repaired(int(rows_out or 0), *date_range)
    if before > rows:
        repairs.append(Repair(table.name, "+".join(table.key), "exact duplicate row", "dropped rows", before - rows))
    broken = [(rule, count) for rule, count in zip(rules, counts, strict=True) if count]
    blanked: dict[str, list[nw.Expr]] = {}
    dropped: list[nw.Expr] = []
    for rule, count in broken:
        if rule.blank_instead_of_drop:
            blanked.setdefault(rule.column, []).append(rule.condition)
        else:
            dropped.append(rule.condition)
        action = "set to missing" if rule.blank_instead_of_drop else "dropped rows"
        repairs.append(Repair(table.name, rule.column, rule.rule, action, count))
    repaired = flagged
    if blanked:
        repaired = repaired.with_columns(
            _blanked_where(column, conditions).alias(column) for column, conditions in blanked.items()
        )
    if dropped:
        repaired = repaired.filter(~nw.any_horizontal(*dropped, ignore_nulls=True))
    return derived_from_cache(repaired.select(columns).to_native(), flagged), repairs, summary
