"""The kinds that cut a numeric source into ``[lower, upper)`` levels: fixed_bins, quantiles and supervised."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from customer_classification.pipelines.tag_system.kinds.base import BinnedTagKind, TagFitError, number
from customer_classification.pipelines.tag_system.targets import TARGETS

# Model targets a supervised tag may learn its cut points against (columns of model_labels).
SUPERVISED_TARGETS = (
    "upgrade_within_window",
    "utilization_at_window_end",
    "cumulative_drawdown_utilization",
    "campaign_response",
)


def _strictly_increasing(values: list[float]) -> list[float]:
    for before, after in zip(values, values[1:], strict=False):
        if not before < after:
            raise ValueError(f"must be strictly increasing; got {values} ({before} is followed by {after})")
    return values


def _one_label_per_bin(labels: list[str], n_cuts: int, cuts_are: str) -> None:
    if len(labels) != n_cuts + 1:
        raise ValueError(f"{n_cuts} {cuts_are} make {n_cuts + 1} bins, but {len(labels)} labels are given: {labels}")


class FixedBinsTag(BinnedTagKind):
    """Levels between cut points given in the configuration: ``[lower, upper)``."""

    method: Literal["fixed_bins"]
    cut_points: list[float] = Field(min_length=1)
    labels: list[str] = Field(min_length=1)

    @field_validator("cut_points")
    @classmethod
    def _sorted(cls, value: list[float]) -> list[float]:
        return _strictly_increasing(value)

    @model_validator(mode="after")
    def _bins_labelled(self) -> FixedBinsTag:
        _one_label_per_bin(self.labels, len(self.cut_points), "cut points")
        return self

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        return tuple(self.cut_points)

    def method_detail(self, training: str) -> str:
        return "fixed cut points; lower bound included, upper bound excluded"


class QuantileTag(BinnedTagKind):
    """Levels between quantiles of the source on the training snapshots (equal-sized by default)."""

    method: Literal["quantiles"]
    labels: list[str] = Field(min_length=2)
    quantiles: list[float] | None = Field(None, description="Quantile of each cut point; default equal shares.")

    @field_validator("quantiles")
    @classmethod
    def _within_zero_one(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return value
        outside = [q for q in value if not 0 < q < 1]
        if outside:
            raise ValueError(f"must lie strictly between 0 and 1; got {outside}")
        return _strictly_increasing(value)

    @model_validator(mode="after")
    def _bins_labelled(self) -> QuantileTag:
        if self.quantiles is not None:
            _one_label_per_bin(self.labels, len(self.quantiles), "quantiles")
        return self

    @property
    def probabilities(self) -> list[float]:
        """Quantile of each cut point."""
        if self.quantiles is not None:
            return list(self.quantiles)
        n_bins = len(self.labels)
        return [i / n_bins for i in range(1, n_bins)]

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        known = values.dropna().to_numpy(dtype="float64")
        if known.size == 0:
            raise TagFitError(f"tag '{self.name}': '{self.source}' has no values on the training snapshots")
        cuts = np.quantile(known, self.probabilities)
        for q_low, q_high, low, high in zip(self.probabilities, self.probabilities[1:], cuts, cuts[1:], strict=False):
            if not low < high:
                raise TagFitError(
                    f"tag '{self.name}': the {q_low:g} and {q_high:g} quantiles of '{self.source}' on the training "
                    f"snapshots are both {number(low)}, so a level would be empty; give fewer labels, other "
                    "quantiles or use fixed_bins"
                )
        return tuple(float(c) for c in cuts)

    def method_detail(self, training: str) -> str:
        quantiles = ", ".join(f"{q:g}" for q in self.probabilities)
        return f"cut points at the {quantiles} quantiles of the training snapshots ({training})"


class SupervisedTag(BinnedTagKind):
    """Cut points a decision tree learns on the training snapshots against a model target.

    The tree has one leaf per label; ``monotonic`` forces the target to rise
    (``increasing``) or fall (``decreasing``) from level to level.
    """

    method: Literal["supervised"]
    target: Literal[SUPERVISED_TARGETS]  # type: ignore[valid-type]
    labels: list[str] = Field(min_length=2)
    monotonic: Literal["increasing", "decreasing"] | None = None
    min_bin_share: float = Field(0.05, gt=0, lt=0.5, description="Smallest share of training rows in a level.")

    @model_validator(mode="after")
    def _bins_fit(self) -> SupervisedTag:
        if len(self.labels) * self.min_bin_share > 1:
            raise ValueError(
                f"{len(self.labels)} levels of at least {self.min_bin_share:.0%} of the rows cannot exist; "
                "lower min_bin_share or give fewer labels"
            )
        return self

    @property
    def learned_against(self) -> str | None:
        return self.target

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        y = target.to_numpy(dtype="float64", na_value=np.nan)
        usable = ~np.isnan(x) & ~np.isnan(y)
        n_rows, n_bins = int(usable.sum()), len(self.labels)
        min_rows = math.ceil(self.min_bin_share * n_rows)
        if n_rows < 2 * n_bins or min_rows * n_bins > n_rows:
            raise TagFitError(
                f"tag '{self.name}': only {n_rows} training rows have both '{self.source}' and '{self.target}'; "
                f"too few for {n_bins} levels"
            )
        is_classification = TARGETS[self.target][0] == "classification"
        sign = {"increasing": 1, "decreasing": -1, None: 0}[self.monotonic]
        tree = (DecisionTreeClassifier if is_classification else DecisionTreeRegressor)(
            max_leaf_nodes=n_bins,
            min_samples_leaf=max(1, min_rows),
            monotonic_cst=[sign] if sign else None,
            random_state=0,
        )
        tree.fit(x[usable].reshape(-1, 1), y[usable].astype(int) if is_classification else y[usable])
        is_split = tree.tree_.feature >= 0
        cuts = tuple(sorted(float(t) for t in tree.tree_.threshold[is_split]))
        if len(cuts) != n_bins - 1:
            shape = f", {self.monotonic}" if self.monotonic else ""
            raise TagFitError(
                f"tag '{self.name}': a tree on '{self.source}' against '{self.target}'{shape} finds {len(cuts) + 1} "
                f"level(s), not the {n_bins} labelled ({self.labels}); give fewer labels, lower min_bin_share "
                "or drop the monotonic constraint"
            )
        return cuts

    def method_detail(self, training: str) -> str:
        shape = f", {self.monotonic} from level to level" if self.monotonic else ""
        return (
            f"cut points learned by a decision tree against {self.target} ({TARGETS[self.target][1]}) "
            f"on the training snapshots ({training}){shape}"
        )
