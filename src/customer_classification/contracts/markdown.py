"""Render the raw contract as the Markdown of ``docs/data_contract.md``.

    python -m customer_classification.contracts.markdown > docs/data_contract.md

A test checks that the committed document matches, so it cannot drift from the code.
"""

from __future__ import annotations

from customer_classification.contracts.engine import Column, TableContract
from customer_classification.contracts.raw_tables import RAW_TABLES

_HEADER = """# Raw warehouse contract

The raw tables the project reads, as declared in
`src/customer_classification/contracts/raw_tables.py`. The demo bank writes them;
to use your own warehouse, map your tables to these names, columns and types
(see bring_your_own_data.md). The allowed values of the category, channel,
direction and event-type columns are the bank's vocabularies, declared in
`src/customer_classification/taxonomy.py`.

How a table is checked:

* **hard** rules stop the run whatever the count: a required column is missing, a
  column has the wrong type family, two different rows share a key, or the table
  has no rows (unless `data_engineering.allow_empty_tables` lists it).
* **soft** rules (value ranges, finite numbers, allowed values, non-null, foreign
  keys, exact duplicate rows, dates after the end of the history) are repaired or
  dropped by data engineering and counted in the data-quality report; they stop
  the run only when the share of offending rows exceeds the rule's tolerance,
  because then the extract itself is broken. Every soft rule tolerates 0.1% of a
  table's rows. Every `float` column must be finite: NaN and infinities pass every
  range rule and would break the sums downstream.

Only the declared columns pass validation: any other column of a raw table is
dropped, and named in the log and the data-quality report.

Every error names the table, the column, the rule, the count and a few example
values; examples from a PII column are masked everywhere (errors, log, quality
report) to their shape: every letter `x` or `X`, every digit `9`. Type families: `int`, `float` (integers accepted), `string` (also
categorical), `date` (date or datetime), `datetime`, `bool`. Columns marked PII
are direct personal identifiers: data engineering must not carry them past the
intermediate layer.
"""


def _rules(column: Column) -> str:
    parts = ["nullable" if column.nullable else "not null"]
    if column.dtype == "float":
        parts.append("finite")
    if column.minimum is not None:
        parts.append(f">= {column.minimum}")
    if column.maximum is not None:
        parts.append(f"<= {column.maximum}")
    if column.not_after_as_of:
        parts.append("not after the end of the history")
    if column.allowed is not None:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
    return "; ".join(parts)


def table_markdown(table: TableContract) -> str:
    lines = [f"## `{table.name}`", "", table.description, "", f"Key: `{', '.join(table.key)}`."]
    if table.foreign_keys:
        refs = ", ".join(f"`{fk.column}` → `{fk.table}.{fk.ref_column}`" for fk in table.foreign_keys)
        lines.append(f"Foreign keys: {refs}.")
    lines += ["", "| column | type | rules | PII | meaning |", "|---|---|---|---|---|"]
    for column in table.columns:
        lines.append(
            f"| `{column.name}` | {column.dtype} | {_rules(column)} | {'yes' if column.pii else ''} | {column.description} |"
        )
    return "\n".join(lines)


def contract_markdown() -> str:
    return _HEADER + "\n" + "\n\n".join(table_markdown(t) for t in RAW_TABLES.values()) + "\n"


if __name__ == "__main__":
    print(contract_markdown(), end="")  # noqa: T201
