"""Typed parameters of ``data_engineering`` (``parameters_data_engineering.yml``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from customer_classification.contracts import RAW_TABLES
from customer_classification.periods import month_end, parse_month


class DataEngineeringParams(BaseModel):
    """The calendar and business definitions features and labels are built on, and the
    memory bound of the passes over large tables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    last_history_month: str = Field(description="Last complete month in the warehouse, YYYY-MM.")
    snapshots: list[dt.date] = Field(min_length=1, description="Snapshot dates, each the first day of a month.")
    outcome_window_months: int = Field(ge=1, le=24)
    high_value_aum_line: float = Field(gt=0)
    rows_per_pass: int | None = Field(
        default=20_000_000,
        ge=10_000,
        description=(
            "Most rows one group-by pass holds (key checks and customer-month aggregates); larger tables "
            "are processed in customer buckets, one pass each. None: one pass whatever the size. "
            "Ignored on Spark, which spills to disk by itself."
        ),
    )

    allow_empty_tables: list[str] = Field(
        default_factory=list,
        description=(
            "Raw tables that may have no rows (a bank without campaigns or a digital channel). Any other "
            "empty table stops the run: an empty extract is far more often a failed export than a fact."
        ),
    )

    @field_validator("allow_empty_tables")
    @classmethod
    def _known_tables(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(RAW_TABLES))
        if unknown:
            raise ValueError(
                f"allow_empty_tables names unknown tables {unknown}; the raw tables are {list(RAW_TABLES)}"
            )
        return value

    @field_validator("last_history_month")
    @classmethod
    def _month_format(cls, value: str) -> str:
        parse_month(value, "last_history_month")
        return value

    @field_validator("snapshots")
    @classmethod
    def _first_of_month(cls, value: list[dt.date]) -> list[dt.date]:
        wrong = [d.isoformat() for d in value if d.day != 1]
        if wrong:
            raise ValueError(f"snapshots must be first days of months; got {wrong}")
        if sorted(set(value)) != value:
            raise ValueError("snapshots must be listed once each, oldest first")
        return value

    @model_validator(mode="after")
    def _snapshots_within_history(self) -> DataEngineeringParams:
        after_end = [d.isoformat() for d in self.snapshots if d > self.scoring_limit]
        if after_end:
            raise ValueError(
                f"snapshots {after_end} are after {self.scoring_limit.isoformat()}, the month after the last month of history"
            )
        return self

    @property
    def history_end(self) -> dt.date:
        """Last day of the last month of history."""
        return month_end(parse_month(self.last_history_month, "last_history_month"))

    @property
    def scoring_limit(self) -> dt.date:
        """The latest possible snapshot: the first day after the history."""
        return self.history_end + dt.timedelta(days=1)
