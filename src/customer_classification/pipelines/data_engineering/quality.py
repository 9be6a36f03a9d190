"""Validation, repair and the data-quality report (M4's data-matching verification)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import narwhals as nw
import pandas as pd

from customer_classification.contracts import (
    RAW_TABLES,
    RAW_TABLES_REFERENCES_FIRST,
    Violation,
    raise_for_violations,
    validate_table,
)
from customer_classification.contracts.engine import collect_frame, row_count
from customer_classification.contracts.repair import Repair, repair_table
from customer_classification.spark_cache import cached

# reference tables first, so that foreign keys are checked against repaired keys
REPAIR_ORDER = RAW_TABLES_REFERENCES_FIRST


EMPTY_TABLE_RULE = "has rows (or is listed in data_engineering.allow_empty_tables)"


def _empty_table(name: str, rows: int, allow_empty: Collection[str]) -> list[Violation]:
    """A hard violation when the table has no rows and is not allowed to be empty."""
    if name in allow_empty or rows:
        return []
    return [Violation(name, "(whole table)", EMPTY_TABLE_RULE, "hard", 0, 0)]


def check_and_repair(
    tables: Mapping[str, Any],
    as_of: dt.date,
    rows_per_pass: int | None = None,
    allow_empty: Collection[str] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate every raw table, stop on what cannot be repaired, repair the rest.

    Returns the repaired tables (same engine as given) and the data-quality report.
    Raises :class:`~customer_classification.contracts.ContractError` before
    anything is repaired when a hard rule is broken or a tolerance exceeded.
    ``rows_per_pass`` bounds the rows one pass of a key check groups at once. A
    table without rows stops the run unless ``allow_empty`` names it.
    """
    # each raw table counted once, for the checks, the repair and the report
    rows_in = {name: row_count(nw.from_native(tables[name])) for name in REPAIR_ORDER}
    violations = {
        name: _empty_table(name, rows_in[name], allow_empty)
        + validate_table(
            tables[name], RAW_TABLES[name], tables, as_of=as_of, rows_per_pass=rows_per_pass, rows=rows_in[name]
        )
        for name in REPAIR_ORDER
    }
    raise_for_violations([v for found in violations.values() for v in found])
    repaired: dict[str, Any] = {}
    repairs: dict[str, list[Repair]] = {}
    for name in REPAIR_ORDER:
        table, repairs[name] = repair_table(
            tables[name], RAW_TABLES[name], {**tables, **repaired}, as_of=as_of, rows_per_pass=rows_per_pass,
            rows=rows_in[name],
        )  # fmt: skip
        # on Spark, computed once (by the report's count) for the foreign keys of the tables
        # after it, the report and the nodes downstream
        repaired[name] = cached(table)
    return repaired, quality_report(rows_in, repaired, violations, repairs, as_of)


def _rows_and_date_range(native: Any, table: str) -> tuple[int, list[str | None]]:
    """Rows of a repaired table and the range of its first date column, in one pass."""
    column = next((c.name for c in RAW_TABLES[table].columns if c.dtype in ("date", "datetime")), None)
    frame = nw.from_native(native)
    if column is None:
        return row_count(frame), [None, None]
    summary = frame.select(
        nw.len().alias("rows"), nw.col(column).min().alias("low"), nw.col(column).max().alias("high")
    )
    rows, *bounds = collect_frame(summary).row(0)
    return int(rows), [None if v is None else pd.Timestamp(v).isoformat() for v in bounds]


def quality_report(
    rows_in: Mapping[str, int],
    repaired: Mapping[str, Any],
    violations: Mapping[str, list[Violation]],
    repairs: Mapping[str, list[Repair]],
    as_of: dt.date,
) -> dict[str, Any]:
    """Rows in (``rows_in``: the raw tables' rows) and out per table, every rule broken and what
    was done, source matching."""
    tables = {}
    matching = {}
    for name in REPAIR_ORDER:
        rows_out, date_range = _rows_and_date_range(repaired[name], name)
        tables[name] = {
            "rows_in": rows_in[name],
            "rows_out": rows_out,
            "date_range": date_range,
            "violations": [v.as_record() for v in violations[name]],
            "repairs": [r.as_record() for r in repairs[name]],
            "undeclared_columns_dropped": [r.column for r in repairs[name] if r.action == "dropped column"],
        }
        for fk in RAW_TABLES[name].foreign_keys:
            orphans = sum(
                v.count for v in violations[name] if v.column == fk.column and v.rule.startswith("foreign key")
            )
            matching[f"{name}.{fk.column} -> {fk.table}.{fk.ref_column}"] = {
                "rows": rows_in[name],
                "unmatched_rows": orphans,
                "matched_share": 1.0 - orphans / rows_in[name] if rows_in[name] else 1.0,
            }
    return {
        "as_of": as_of.isoformat(),
        "tables": tables,
        "source_matching": matching,
        "rows_dropped": sum(r.rows for found in repairs.values() for r in found if r.action == "dropped rows"),
        "values_set_to_missing": sum(
            r.rows for found in repairs.values() for r in found if r.action == "set to missing"
        ),
    }


def _undeclared_row(table: str, column: str) -> dict[str, Any]:
    return {
        "table": table, "column": column, "rule": "undeclared column", "severity": "soft",
        "offending_rows": 0, "share_of_rows": 0.0, "tolerance": 0.0, "action": "dropped column",
        "rows_changed": 0, "examples": "",
    }  # fmt: skip


def quality_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """The report as one row per table and rule, for a spreadsheet or the HTML report."""
    rows = []
    for table, entry in report["tables"].items():
        actions = {(r["column"], r["rule"]): r for r in entry["repairs"]}
        for v in entry["violations"]:
            action = actions.get((v["column"], v["rule"]), {})
            rows.append(
                {
                    "table": table,
                    "column": v["column"],
                    "rule": v["rule"],
                    "severity": v["severity"],
                    "offending_rows": v["count"],
                    "share_of_rows": v["share"],
                    "tolerance": v["tolerance"],
                    "action": action.get("action", "none"),
                    "rows_changed": action.get("rows", 0),
                    "examples": "; ".join(v["examples"]),
                }
            )
        rows += [_undeclared_row(table, name) for name in entry["undeclared_columns_dropped"]]
    columns = [
        "table", "column", "rule", "severity", "offending_rows", "share_of_rows",
        "tolerance", "action", "rows_changed", "examples",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
