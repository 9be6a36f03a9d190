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
from customer_classification.contracts.engine import row_count
from customer_classification.contracts.repair import Repair, Repaired, repair_and_summarise

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
    summaries: dict[str, Repaired] = {}
    for name in REPAIR_ORDER:
        # the report's rows and date range come from the repair's one pass over the table, which
        # on Spark also persists it for the foreign keys of the tables after it and the nodes
        # downstream
        repaired[name], repairs[name], summaries[name] = repair_and_summarise(
            tables[name], RAW_TABLES[name], {**tables, **repaired}, as_of=as_of, rows_per_pass=rows_per_pass,
            rows=rows_in[name], date_column=_date_column(name),
        )  # fmt: skip
    return repaired, quality_report(rows_in, summaries, violations, repairs, as_of)


def _date_column(table: str) -> str | None:
    """The table's first date column, whose range the report shows."""
    return next((c.name for c in RAW_TABLES[table].columns if c.dtype in ("date", "datetime")), None)


def _date_range(summary: Repaired, table: str) -> list[str | None]:
    if _date_column(table) is None:
        return [None, None]
    return [None if v is None else pd.Timestamp(v).isoformat() for v in (summary.low, summary.high)]


def quality_report(
    rows_in: Mapping[str, int],
    repaired: Mapping[str, Repaired],
    violations: Mapping[str, list[Violation]],
    repairs: Mapping[str, list[Repair]],
    as_of: dt.date,
) -> dict[str, Any]:
    """Rows in (``rows_in``: the raw tables' rows) and out per table (``repaired``: as the repair
    counted them), every rule broken and what was done, source matching."""
    tables = {}
    matching = {}
    for name in REPAIR_ORDER:
        tables[name] = {
            "rows_in": rows_in[name],
            "rows_out": repaired[name].rows,
            "date_range": _date_range(repaired[name], name),
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
