"""Calendar helpers shared by the parameter models: months written as YYYY-MM."""

from __future__ import annotations

import datetime as dt


def parse_month(value: str, field: str) -> dt.date:
    """First day of a ``YYYY-MM`` month; a ``ValueError`` naming the field otherwise."""
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise ValueError(f"{field} must look like 2026-10, got {value!r}") from exc


def month_end(first_day: dt.date) -> dt.date:
    """Last day of the month that starts on ``first_day``."""
    following = dt.date(first_day.year + (first_day.month == 12), first_day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
