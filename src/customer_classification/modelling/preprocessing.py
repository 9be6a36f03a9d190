"""Preprocessing of one group's features for K-means, learned once and reused at scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_CATEGORY = "missing"


class SegmentPreprocessor:
    """Impute, tame heavy tails, scale and one-hot encode a group's features.

    Learned on the fit snapshot with :meth:`fit`; :meth:`transform` applies the
    same medians, log choices, clipping bounds, means, spreads and category
    levels to any snapshot, so a customer's position does not move because the
    population moved.

    Numeric columns: missing values take the fitted median; a non-negative column
    more skewed than ``log_skew_above`` is log1p-transformed; values are clipped to
    the fitted ``winsor_quantiles`` and standardised. Categorical columns: one
    column per level seen when fitting (an unseen level or a missing value counts
    as ``missing``), scaled by ``categorical_weight``.
    """

    def __init__(
        self,
        numeric: list[str],
        categorical: list[str] | None = None,
        *,
        log_skew_above: float = 2.0,
        winsor_quantiles: tuple[float, float] = (0.01, 0.99),
        categorical_weight: float = 1.0,
    ):
        self.numeric = list(numeric)
        self.categorical = list(categorical or [])
        self.log_skew_above = log_skew_above
        self.winsor_quantiles = winsor_quantiles
        self.categorical_weight = categorical_weight

    def fit(self, frame: pd.DataFrame) -> SegmentPreprocessor:
        """Learn the transformation from ``frame`` (one row per customer)."""
        missing = [c for c in (*self.numeric, *self.categorical) if c not in frame.columns]
        if missing:
            raise KeyError(f"columns {missing} are not in the feature table")
        values = frame[self.numeric].astype(float)
        all_missing = [c for c in self.numeric if values[c].isna().all()]
        if all_missing:
            raise ValueError(f"numeric columns {all_missing} are missing for every customer; drop them from the group")
        self.medians_ = values.median()
        values = values.fillna(self.medians_)
        self.log_columns_ = [c for c in self.numeric if values[c].min() >= 0 and values[c].skew() > self.log_skew_above]
        values[self.log_columns_] = np.log1p(values[self.log_columns_])
        low, high = self.winsor_quantiles
        self.lower_ = values.quantile(low)
        self.upper_ = values.quantile(high)
        values = values.clip(self.lower_, self.upper_, axis=1)
        self.means_ = values.mean()
        spread = values.std(ddof=0)
        self.scales_ = spread.where(spread > 0, 1.0)
        self.levels_ = {
            c: sorted(frame[c].dropna().astype(str).unique().tolist()) + [MISSING_CATEGORY] for c in self.categorical
        }
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The model matrix: standardised numeric columns, then one-hot levels (rows follow ``frame``).

        The numeric part is computed in place in one array: at a million rows each whole-frame
        step in pandas would hold another copy of it."""
        values = self._numeric_matrix(frame)
        np.copyto(values, self.medians_.to_numpy(dtype=np.float64), where=np.isnan(values))
        for position in (self.numeric.index(c) for c in self.log_columns_):
            column = values[:, position]
            np.log1p(np.maximum(column, 0.0, out=column), out=column)
        np.clip(values, self.lower_.to_numpy(dtype=np.float64), self.upper_.to_numpy(dtype=np.float64), out=values)
        values -= self.means_.to_numpy(dtype=np.float64)
        values /= self.scales_.to_numpy(dtype=np.float64)
        if not self.levels_:
            return values
        parts = [values]
        for column, levels in self.levels_.items():
            observed = frame[column].astype("string").fillna(MISSING_CATEGORY).to_numpy(dtype=object)
            known = np.isin(observed, levels[:-1])
            observed = np.where(known, observed, MISSING_CATEGORY)
            parts.append((observed[:, None] == np.array(levels, dtype=object)[None, :]) * self.categorical_weight)
        return np.hstack(parts).astype(np.float64, copy=False)

    def _numeric_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The numeric columns as one new float array (missing values as NaN), filled column by
        column: selecting them first would copy them once more. Column-major, as pandas hands its
        frames over: a model's dot products then add in the same order, to the last bit."""
        values = np.empty((len(frame), len(self.numeric)), dtype=np.float64, order="F")
        for position, name in enumerate(self.numeric):
            values[:, position] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        return values

    def feature_names_out(self) -> list[str]:
        """Names of the model matrix's columns."""
        return [*self.numeric, *[f"{c}={level}" for c, levels in self.levels_.items() for level in levels]]
