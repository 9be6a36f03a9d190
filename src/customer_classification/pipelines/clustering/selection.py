"""Choice of k (elbow, silhouette, stability across seeds) and the K-means fit."""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

logger = logging.getLogger(__name__)


def _elbow(ks: np.ndarray, inertia: np.ndarray) -> int:
    """The k farthest below the straight line from the first to the last inertia (the knee)."""
    if len(ks) < 3:
        return int(ks[0])
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    y = (inertia - inertia[-1]) / max(inertia[0] - inertia[-1], 1e-12)
    return int(ks[np.argmax((1 - x) - y)])


def k_evidence(
    matrix: np.ndarray,
    k_range: tuple[int, int],
    *,
    seed: int,
    restarts: int,
    silhouette_sample_size: int,
) -> pd.DataFrame:
    """Per k: ``restarts`` single-start k-means++ fits with different seeds give the
    stability (mean adjusted Rand index between every pair) and, from the best of
    them, the inertia and the silhouette on a sample.

    ``matrix`` has one row per customer (already a sample if the population is large).
    """
    low, high = k_range
    high = min(high, len(matrix) - 1)
    if high < low:
        raise ValueError(f"{len(matrix)} customers are too few to try k from {low} to {k_range[1]}")
    rng = np.random.default_rng(seed)
    silhouette_rows = rng.choice(len(matrix), size=min(silhouette_sample_size, len(matrix)), replace=False)
    rows = []
    for k in range(low, high + 1):
        fits = [KMeans(n_clusters=k, n_init=1, random_state=seed + r).fit(matrix) for r in range(restarts)]
        stability = float(
            np.mean([adjusted_rand_score(a.labels_, b.labels_) for a, b in itertools.combinations(fits, 2)])
        )
        best = min(fits, key=lambda fit: fit.inertia_)
        labels = best.labels_[silhouette_rows]
        silhouette = (
            float(silhouette_score(matrix[silhouette_rows], labels)) if len(np.unique(labels)) > 1 else float("nan")
        )
        rows.append({"k": k, "inertia": float(best.inertia_), "silhouette": silhouette, "stability": stability})
    evidence = pd.DataFrame(rows)
    evidence["is_elbow"] = evidence["k"] == _elbow(evidence["k"].to_numpy(), evidence["inertia"].to_numpy())
    return evidence


def choose_k(evidence: pd.DataFrame, min_stability: float, fixed_k: int | None = None) -> pd.DataFrame:
    """Mark the chosen k and why.

    Rule: the elbow of the inertia curve if its stability reaches ``min_stability``;
    otherwise, among the k that are that stable, the one with the highest
    silhouette; if none is, the most stable k. A k preset in the parameters
    replaces the rule (the evidence is still reported beside it).
    """
    evidence = evidence.copy()
    stable = evidence[evidence["stability"] >= min_stability]
    elbow = stable[stable["is_elbow"]]
    if fixed_k is not None:
        chosen, reason = fixed_k, f"preset in parameters (k: {fixed_k})"
    elif not elbow.empty:
        chosen, reason = int(elbow["k"].iloc[0]), f"elbow of the inertia curve, stability >= {min_stability}"
    elif not stable.empty:
        chosen = int(stable.loc[stable["silhouette"].idxmax(), "k"])
        reason = f"elbow unstable; highest silhouette among k with stability >= {min_stability}"
    else:
        chosen = int(evidence.loc[evidence["stability"].idxmax(), "k"])
        reason = f"no k reached stability {min_stability}; the most stable k"
        logger.warning("Segmentation: %s (best stability %.2f)", reason, evidence["stability"].max())
    evidence["chosen"] = evidence["k"] == chosen
    evidence["reason"] = np.where(evidence["chosen"], reason, "")
    if fixed_k is not None and not evidence["chosen"].any():
        extra = pd.DataFrame([{"k": fixed_k, "chosen": True, "reason": reason}])
        evidence = pd.concat([evidence, extra], ignore_index=True)
    return evidence


def fit_kmeans(matrix: np.ndarray, k: int, *, seed: int, n_init: int) -> KMeans:
    """K-means with ``n_init`` initialisations (k-means++), the best kept."""
    if len(matrix) < k:
        raise ValueError(f"{len(matrix)} customers cannot form {k} clusters")
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(matrix)


def relabel_by_size(model: KMeans, matrix: np.ndarray) -> KMeans:
    """Number the clusters from the largest (0) down, so ids read the same on every run."""
    counts = np.bincount(model.predict(matrix), minlength=model.n_clusters)
    order = np.lexsort((np.arange(model.n_clusters), -counts))
    model.cluster_centers_ = model.cluster_centers_[order]
    model.labels_ = np.argsort(order)[model.labels_]
    return model
