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
from pydantic import BaseModel, ConfigDict, Field

from customer_classification.modelling.fitted import FittedModel
from customer_classification.modelling.metrics import threshold_metrics
from customer_classification.modelling.tiers import TierSpec, assign_tiers, tier_report


class TierDecision(TierSpec):
    """Service tiers by predicted probability (see :class:`~.tiers.TierSpec`); needs a binary task."""

    rule: Literal["tiers"] = "tiers"
    tasks: ClassVar[tuple[str, ...]] = ("binary",)

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
