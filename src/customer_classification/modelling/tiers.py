"""Customer tiers (A/B/C/D by default) from predicted probabilities, and their observed rates."""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

logger = logging.getLogger(__name__)


class TierSpec(BaseModel):
    """Tiers, best first. ``method: share`` gives the top ``shares[0]`` of customers the first tier,
    the next ``shares[1]`` the second, ...; ``method: probability`` puts a customer in the first tier
    whose ``cutoffs`` value the probability reaches (one cut-off fewer than tiers, decreasing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    names: list[str] = Field(default=["A", "B", "C", "D"], min_length=2)
    method: Literal["share", "probability"] = "share"
    shares: list[float] | None = Field(default=[0.05, 0.15, 0.30, 0.50])
    cutoffs: list[float] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TierSpec:
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"tier names must differ; got {self.names}")
        if self.method == "share":
            if self.shares is None or len(self.shares) != len(self.names):
                raise ValueError(f"method 'share' needs one share per tier {self.names}; got {self.shares}")
            if any(s <= 0 for s in self.shares) or abs(sum(self.shares) - 1.0) > 1e-9:
                raise ValueError(f"tier shares must be positive and add up to 1; got {self.shares}")
        else:
            cutoffs = self.cutoffs or []
            if len(cutoffs) != len(self.names) - 1:
                raise ValueError(f"method 'probability' needs {len(self.names) - 1} cutoffs for tiers {self.names}")
            if any(not 0 < c < 1 for c in cutoffs) or any(a <= b for a, b in zip(cutoffs, cutoffs[1:], strict=False)):
                raise ValueError(f"tier cutoffs must be strictly decreasing probabilities in (0, 1); got {cutoffs}")
        return self


def assign_tiers(probability: np.ndarray, spec: TierSpec, tie_breaker: np.ndarray | None = None) -> pd.Categorical:
    """Each row's tier (ordered categorical, best tier first). Shares rank by probability, then by
    ``tie_breaker`` (e.g. the uncalibrated score, since isotonic calibration ties customers), then by row."""
    probability = np.asarray(probability, dtype=float)
    n = len(probability)
    if spec.method == "probability":
        index = np.searchsorted(-np.asarray(spec.cutoffs), -probability, side="right")
    else:
        keys = (np.zeros(n) if tie_breaker is None else -np.asarray(tie_breaker, dtype=float), -probability)
        rank = np.empty(n, dtype=int)
        rank[np.lexsort(keys)] = np.arange(n)
        bounds = np.round(np.cumsum(spec.shares) * n).astype(int)
        index = np.searchsorted(bounds, rank, side="right")
    return pd.Categorical.from_codes(np.minimum(index, len(spec.names) - 1), categories=spec.names, ordered=True)


def tier_report(tiers: pd.Categorical, outcome: np.ndarray, probability: np.ndarray) -> pd.DataFrame:
    """Per tier: customers, share, observed outcome rate, mean predicted probability; logs a non-falling rate."""
    frame = pd.DataFrame({"tier": tiers, "outcome": np.asarray(outcome, dtype=float), "probability": probability})
    report = frame.groupby("tier", observed=False).agg(
        customers=("outcome", "size"), observed_rate=("outcome", "mean"), mean_probability=("probability", "mean")
    )
    report.insert(1, "share", report["customers"] / len(frame))
    rates = report["observed_rate"].dropna().to_numpy()
    if np.any(np.diff(rates) > 0):
        logger.warning(
            "observed rates do not fall from the first tier to the last: %s", report["observed_rate"].round(4).to_dict()
        )
    return report.reset_index()
