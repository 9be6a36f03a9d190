"""Typed parameters of ``model_registry`` (``parameters_model_registry.yml``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from customer_classification.periods import parse_month

# The test metrics a contest can use, and whether more is better.
METRICS: dict[str, bool] = {"auc": True, "gini": True, "pr_auc": True, "ks": True, "rmse": False, "mae": False}


class ContestSpec(BaseModel):
    """How a challenger of one model is compared with the champion on the same test rows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Literal["auc", "gini", "pr_auc", "ks", "rmse", "mae"] = Field(
        description="Test metric of the comparison (auc/gini/pr_auc/ks: higher is better; rmse/mae: lower)."
    )
    margin: float = Field(
        ge=0, description="How much better than the champion the challenger must be, in metric units."
    )

    @property
    def greater_is_better(self) -> bool:
        return METRICS[self.metric]


class ModelRegistryParams(BaseModel):
    """The retrain's version label and the champion/challenger contests.

    Kedro validates ``params:model_registry`` against this model before the run starts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(description="Version label of this retrain's artefacts: the last history month, YYYY-MM.")
    potential_model: ContestSpec
    loan_demand_model: ContestSpec

    @field_validator("version")
    @classmethod
    def _month(cls, value: str) -> str:
        parse_month(value, "model_registry.version")
        return value
