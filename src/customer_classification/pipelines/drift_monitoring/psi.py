"""Population stability index (PSI): how far a distribution has moved from a reference one.

``PSI = sum_i (actual_i - expected_i) * ln(actual_i / expected_i)`` over bins ``i``, where
``expected_i`` and ``actual_i`` are the shares of the reference and the current population in
bin ``i``. Numeric values are binned at the reference's deciles (ties merge bins), categorical
values by level; missing values are a bin of their own in both cases, so a feature that starts
arriving empty drifts too. The usual bands: below 0.1 stable, 0.1 to 0.25 watch, above 0.25 act.

A reference is a plain dict (JSON-able) so that it can be stored next to a model version and
compared with any later population without the training rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# A share of exactly zero makes the log infinite; both shares are floored at this value,
# the usual practice (it bounds one empty bin's contribution at about 0.0009 per 1% share).
SHARE_FLOOR = 1e-4
WATCH_FROM = 0.1
ACT_ABOVE = 0.25
MISSING = "<missing>"
OTHER = "<other>"


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two share vectors of the same bins (each summing to 1), shares floored at ``SHARE_FLOOR``."""
    expected = np.maximum(np.asarray(expected, dtype=float), SHARE_FLOOR)
    actual = np.maximum(np.asarray(actual, dtype=float), SHARE_FLOOR)
    if expected.shape != actual.shape:
        raise ValueError(f"PSI needs the same bins on both sides, got {expected.shape} and {actual.shape}")
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def band(value: float, watch_from: float = WATCH_FROM, act_above: float = ACT_ABOVE) -> str:
    """'stable' (below ``watch_from``), 'watch' (up to ``act_above``) or 'act' (above it)."""
    if np.isnan(value):
        raise ValueError("PSI is NaN: a population without rows cannot be compared")
    if value < watch_from:
        return "stable"
    return "watch" if value <= act_above else "act"


def numeric_reference(values: pd.Series, n_bins: int = 10) -> dict[str, Any]:
    """Cut points at the quantiles ``1/n_bins .. (n_bins-1)/n_bins`` of ``values`` (duplicates merged)
    and the reference shares of the bins ``(-inf, c1], (c1, c2], ..., (c_last, inf)`` plus missing."""
    numbers = pd.to_numeric(values, errors="raise").astype(float)
    present = numbers.dropna().to_numpy()
    if len(present) == 0:
        edges: list[float] = []
    else:
        edges = np.unique(np.quantile(present, np.arange(1, n_bins) / n_bins)).tolist()
    return {"kind": "numeric", "edges": edges, "shares": numeric_shares(numbers, edges).tolist()}


def numeric_shares(values: pd.Series, edges: list[float]) -> np.ndarray:
    """Shares of the bins of ``edges`` (len(edges) + 1 of them), then the missing share; shape (len(edges) + 2,)."""
    return shares_of(numeric_counts(values, edges))


def numeric_counts(values: pd.Series, edges: list[float]) -> np.ndarray:
    """Counts of the bins of ``edges``, then of missing values (what :func:`numeric_shares` divides)."""
    numbers = pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    missing = np.isnan(numbers)
    bins = np.searchsorted(np.asarray(edges, dtype=float), numbers[~missing], side="left")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(float)
    return np.append(counts, missing.sum())


def shares_of(counts: np.ndarray) -> np.ndarray:
    """Bin counts as shares of their total (NaN for no values: nothing to compare)."""
    total = counts.sum()
    return counts / total if total else np.full(len(counts), np.nan)


def categorical_reference(values: pd.Series) -> dict[str, Any]:
    """The reference's levels (sorted) and their shares, then a share for levels unseen in the
    reference (zero here) and the missing share."""
    text = values.astype("object").where(values.notna(), None)
    levels = sorted(text.dropna().astype(str).unique().tolist())
    return {"kind": "categorical", "levels": levels, "shares": categorical_shares(values, levels).tolist()}


def categorical_shares(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Shares of ``levels``, of any other level, and of missing; shape (len(levels) + 2,)."""
    return shares_of(categorical_counts(values, levels))


def categorical_counts(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Counts of ``levels``, of any other level, and of missing (what :func:`categorical_shares` divides)."""
    text = values.astype("object").where(values.notna(), None)
    missing = text.isna()
    known = text.astype(str).where(~missing).value_counts().reindex(levels, fill_value=0).to_numpy(dtype=float)
    other = float((~missing).sum() - known.sum())
    return np.append(known, [other, float(missing.sum())])


def reference_of(values: pd.Series, numeric: bool, n_bins: int = 10) -> dict[str, Any]:
    return numeric_reference(values, n_bins) if numeric else categorical_reference(values)


def psi_against(reference: dict[str, Any], values: pd.Series) -> float:
    """PSI of ``values`` against a reference built by :func:`numeric_reference` or :func:`categorical_reference`."""
    return psi(np.asarray(reference["shares"], dtype=float), shares_of(counts_against(reference, values)))


def counts_against(reference: dict[str, Any], values: pd.Series) -> np.ndarray:
    """The counts of ``values`` in the reference's bins (they add up over parts of a population)."""
    if reference["kind"] == "numeric":
        return numeric_counts(values, reference["edges"])
    return categorical_counts(values, reference["levels"])
