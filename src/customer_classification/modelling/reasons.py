"""Reason codes: the features that pushed a customer's score up the most, from LightGBM's contributions."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _as_text(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        return values.astype("object").where(values.notna(), "missing").astype(str).to_numpy()
    return np.array([("missing" if np.isnan(v) else f"{v:.6g}") for v in values.to_numpy(dtype=float)], dtype=object)


def _chosen_values(features: pd.DataFrame, column: np.ndarray) -> np.ndarray:
    """Row r's value of feature ``column[r]`` as text; only the chosen cells are formatted."""
    out = np.empty(len(features), dtype=object)
    for j in np.unique(column):
        rows = np.flatnonzero(column == j)
        out[rows] = _as_text(features.iloc[rows, j])
    return out


def top_reasons(contributions: np.ndarray, features: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """The ``k`` largest contributions per row, largest first.

    Args:
        contributions: shape (n, n_features + 1), margin units; the last column (the expected
            value) is not a reason.
        features: the encoded feature frame (n, n_features) the contributions were computed on.

    Returns:
        Columns ``reason_<i>_feature``, ``reason_<i>_value`` (the customer's value as text) and
        ``reason_<i>_contribution`` for i = 1..k, one row per input row.
    """
    per_feature = contributions[:, :-1]
    if per_feature.shape[1] != features.shape[1]:
        raise ValueError(f"{per_feature.shape[1]} contributions per row for {features.shape[1]} features")
    k = min(k, per_feature.shape[1])
    # stable descending order: ties go to the earlier feature, so reasons are reproducible
    order = np.argsort(-per_feature, axis=1, kind="stable")[:, :k]
    names = np.asarray(features.columns, dtype=object)
    rows = np.arange(len(features))
    out = {}
    for i in range(k):
        column = order[:, i]
        out[f"reason_{i + 1}_feature"] = names[column]
        out[f"reason_{i + 1}_value"] = _chosen_values(features, column)
        out[f"reason_{i + 1}_contribution"] = per_feature[rows, column]
    return pd.DataFrame(out, index=features.index)
