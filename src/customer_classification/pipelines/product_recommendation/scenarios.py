"""Application scenarios: each customer placed in the first scenario whose rule holds,
from their tags, potential tier, predicted loan need and top recommendation."""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

Operator = Literal["==", "!=", ">", ">=", "<", "<=", "in", "not_in"]
_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
NO_SCENARIO = "no_scenario"


class Condition(BaseModel):
    """``column operator value`` on the scenario table; a missing value never holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    operator: Operator
    value: Any

    def holds(self, table: pd.DataFrame) -> np.ndarray:
        values = table[self.column]
        known = values.notna().to_numpy()
        if self.operator in ("in", "not_in"):
            chosen = list(self.value) if isinstance(self.value, list | tuple) else [self.value]
            inside = values.astype(object).isin(chosen).to_numpy()
            return known & (inside if self.operator == "in" else ~inside)
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        return known & _COMPARE[self.operator](values, self.value).fillna(False).to_numpy(dtype=bool)

    def describe(self) -> str:
        return f"{self.column} {self.operator} {self.value}"


class Scenario(BaseModel):
    """A named scenario; a customer meets it when every condition holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    when: list[Condition] = Field(min_length=1)

    def rule(self) -> str:
        return " and ".join(c.describe() for c in self.when)


def check_scenarios(scenarios: list[Scenario], columns: list[str]) -> None:
    """Every scenario's columns exist and every name is unique; a clear error otherwise."""
    names = [s.name for s in scenarios]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"scenario names must be unique; repeated: {repeated}")
    for scenario in scenarios:
        unknown = [c.column for c in scenario.when if c.column not in columns]
        if unknown:
            raise ValueError(
                f"scenario '{scenario.name}': columns {unknown} are not in the scenario table; "
                f"it has the tags, {sorted(c for c in columns if not c.startswith(('customer', 'snapshot')))[-6:]} ..."
            )


def assign(table: pd.DataFrame, scenarios: list[Scenario]) -> pd.Series:
    """The first scenario (in the listed order) whose rule holds for each row, else ``no_scenario``."""
    check_scenarios(scenarios, list(table.columns))
    placed = np.full(len(table), NO_SCENARIO, dtype=object)
    free = np.ones(len(table), dtype=bool)
    for scenario in scenarios:
        meets = np.logical_and.reduce([c.holds(table) for c in scenario.when])
        placed[free & meets] = scenario.name
        free &= ~meets
    return pd.Series(placed, index=table.index, name="scenario")


def scenario_table(
    customer_tags: pd.DataFrame,
    potential_scores: pd.DataFrame,
    loan_demand_scores: pd.DataFrame,
    product_recommendations: pd.DataFrame,
    snapshot: dt.date,
) -> pd.DataFrame:
    """One row per customer of the snapshot: every tag, the potential tier and probability, the
    predicted utilization and loan flag, and the top recommended category."""
    at = pd.Timestamp(snapshot)
    tags = customer_tags[pd.to_datetime(customer_tags["snapshot_date"]) == at]
    potential = potential_scores[["customer_id", "probability", "tier"]].rename(
        columns={"probability": "potential_probability", "tier": "potential_tier"}
    )
    loans = loan_demand_scores[["customer_id", "predicted_utilization", "is_potential_loan_customer"]]
    first = product_recommendations[product_recommendations["rank"] == 1][["customer_id", "product_category"]]
    table = (
        tags.merge(potential, on="customer_id", how="left")
        .merge(loans, on="customer_id", how="left")
        .merge(first.rename(columns={"product_category": "top_recommendation"}), on="customer_id", how="left")
    )
    table["potential_tier"] = table["potential_tier"].astype(object)
    return table.reset_index(drop=True)
