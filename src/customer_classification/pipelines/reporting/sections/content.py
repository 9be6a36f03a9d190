"""The shape every section hands to the report: plain data, so it can be checked and saved as JSON.

A section is a dict::

    {
        "key": "segments",
        "method": "M3",
        "title": "...",
        "pipelines": [...],
        "intro": "one paragraph in words",
        "summary": [{"label": ..., "value": ..., "items": [...]}],  # lines of the report's summary
        "metrics": {...},  # numbers for report_summary.json
        "blocks": [...],
    }  # figures, tables, text, in order

Blocks are ``{"kind": "figure", "name", "title", "caption", "src"}``,
``{"kind": "table", "title", "columns", "rows", "note"}``, ``{"kind": "text", "text"}``
and ``{"kind": "heading", "text"}``.
"""

from __future__ import annotations

from typing import Any


def table_block(title: str, columns: list[str], rows: list[list[Any]], note: str = "") -> dict:
    """A table with column titles in words; cells are shown as given (format them first)."""
    return {
        "kind": "table",
        "title": title,
        "columns": columns,
        "rows": [[str(c) for c in r] for r in rows],
        "note": note,
    }


def text_block(text: str) -> dict:
    return {"kind": "text", "text": text}


def heading_block(text: str) -> dict:
    return {"kind": "heading", "text": text}


def summary_line(label: str, value: str, items: list[str] | None = None) -> dict:
    """One line of the report's summary, optionally with a short list under it."""
    return {"label": label, "value": value, "items": list(items or [])}
