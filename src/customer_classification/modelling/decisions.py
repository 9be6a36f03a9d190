"""What a model pipeline's prediction decides for each customer: a service tier or a flag.

The model pipelines share every node; the decision is the task-specific part, chosen in the
pipeline's parameters (``decision.rule``):

* ``tiers`` (M1): customers ranked by predicted probability go into service tiers A/B/C/D;
* ``threshold`` (M2): customers whose prediction is above a threshold are flagged.

Each decision adds its columns to the scores and the test predictions, its block to the
metrics JSON and its table to the reporting folder.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from customer_classification.modelling.fitted import FittedModel
from customer_classification.modelling.metrics import threshold_metrics
from customer_classification.modelling.tiers import TierSpec, assign_tiers, tier_report


class TierDecision(TierSpec):
    """Service tiers by predicted probability (see :class:`~.tiers.TierSpec`); needs a binary task."""

    rule: Literal["tiers"] = "tiers"
    acted_on: list[str] | None = Field(
        default=None,
        description="The tiers a campaign contacts (their customers get reason codes); null: the first two tiers.",
    )
    tasks: ClassVar[tuple[str, ...]] = ("binary",)

    @model_validator(mode="after")
    def _acted_on_are_tiers(self) -> TierDecision:
        unknown = sorted(set(self.acted_on or []) - set(self.names))
        if unknown:
            raise ValueError(f"decision.acted_on names tiers {unknown} that are not among the tiers {self.names}")
        return self

    def acted_on_rows(self, columns: dict[str, Any]) -> np.ndarray:
        """The customers of the tiers in ``acted_on`` (by default the first two)."""
        tiers = self.acted_on if self.acted_on is not None else self.names[:2]
        return np.isin(np.asarray(columns["tier"], dtype=object), tiers)

    def columns(self, model: FittedModel, rows: pd.DataFrame, predicted: np.ndarray) -> dict[str, Any]:
        # isotonic calibration ties customers: the uncalibrated score breaks the ties
        return {"tier": assign_tiers(predicted, self, tie_breaker=model.raw_score(rows))}

    def evaluate(self, actual: np.ndarray, predicted: np.ndarray, columns: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
        """The tier report (customers, observed rate, mean probability per tier), also as the metrics' ``tiers``."""
        report = tier_report(columns["tier"], actual, predicted)
        return {"tiers": report.to_dict("records")}, report


class ThresholdDecision(BaseModel):
    """Customers whose prediction is strictly above ``threshold`` are flagged in ``flag_column``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: Literal["threshold"] = "threshold"
    threshold: float = Field(allow_inf_nan=False, description="Prediction above which a customer is flagged.")
    flag_column: str = Field(default="is_flagged", description="Name of the flag column in the scores.")
    report_steps: list[float] = Field(
        default=[-0.2, -0.1, 0.0, 0.1, 0.2],
        description="Offsets from the threshold at which the threshold report shows precision and recall.",
    )
    tasks: ClassVar[tuple[str, ...]] = ("binary", "regression")

    def columns(self, model: FittedModel, rows: pd.DataFrame, predicted: np.ndarray) -> dict[str, Any]:
        return {self.flag_column: predicted > self.threshold}

    def acted_on_rows(self, columns: dict[str, Any]) -> np.ndarray:
        """The flagged customers."""
        return np.asarray(columns[self.flag_column], dtype=bool)

    def evaluate(self, actual: np.ndarray, predicted: np.ndarray, columns: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
        """Precision and recall at the threshold (the metrics' ``potential_threshold``) and, in the
        report, at the thresholds around it, so that a user sees what moving it would cost."""
        at_threshold = threshold_metrics(actual, predicted, self.threshold)
        candidates = sorted({round(self.threshold + step, 10) for step in self.report_steps})
        report = pd.DataFrame([threshold_metrics(actual, predicted, t) for t in candidates])
        report.insert(1, "configured", report["threshold"] == self.threshold)
        report.insert(3, "share_flagged", report["flagged"] / max(len(actual), 1))
        return {"potential_threshold": at_threshold}, report


Decision = Annotated[TierDecision | ThresholdDecision, Field(discriminator="rule")]
