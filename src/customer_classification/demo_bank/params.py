"""Typed parameters of the demo bank generator (``parameters_demo_data.yml``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from customer_classification.periods import month_end, parse_month


class DemoBankParams(BaseModel):
    """Scale, calendar and planted-signal settings of the generated bank.

    Kedro validates ``params:demo_bank`` against this model before the run starts,
    so a typo or an impossible value fails with the field's name.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(20261123, description="Root seed; same seed gives identical tables.")
    n_customers: int = Field(20_000, ge=10, description="Customers to generate.")
    n_months: int = Field(24, ge=3, le=120, description="Months of history.")
    last_month: str = Field("2026-10", description="Last month of history, YYYY-MM.")
    chunk_size: int = Field(50_000, ge=10, description="Customers simulated and written per chunk.")
    customers_per_rm: int = Field(150, ge=5, description="Clients per relationship manager, on average.")
    high_value_aum_line: float = Field(200_000, gt=0, description="AUM line of a high-value customer (M1).")
    outcome_window_months: int = Field(6, ge=1, le=24, description="Months in which an upgrade counts (M1).")
    transaction_rate_multiplier: float = Field(1.0, gt=0, description="Scales every transaction rate.")
    digital_rate_multiplier: float = Field(1.0, gt=0, description="Scales every digital event rate.")
    monthly_offer_probability: float = Field(
        0.12, ge=0, le=1, description="Chance a customer gets an offer in a month."
    )
    dirty_record_rate: float = Field(0.0005, ge=0, le=0.01, description="Share of rows made dirty per dirty rule.")

    @field_validator("last_month")
    @classmethod
    def _month_format(cls, value: str) -> str:
        parse_month(value, "last_month")
        return value

    @property
    def month_ends(self) -> list[dt.date]:
        """Month-end dates of the history, oldest first."""
        last = parse_month(self.last_month, "last_month")
        ends = []
        year, month = last.year, last.month
        for _ in range(self.n_months):
            ends.append(month_end(dt.date(year, month, 1)))
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return ends[::-1]

    @property
    def n_relationship_managers(self) -> int:
        return max(8, round(self.n_customers / self.customers_per_rm))

    @property
    def n_chunks(self) -> int:
        return -(-self.n_customers // self.chunk_size)
