"""S1 and S21: the K-means groups related to credit behaviour, the qualitative portrait, and the
boosted decision trees that weigh the portrait's nodes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy import sparse

from customer_classification.pipelines.portrait_push.params import PortraitParams, WeightTreeParams

AFFINITY_LEVELS = ("low", "average", "high")
GROUP_AFFINITY = "group_credit_affinity"


def credit_groups(rows: pd.DataFrame, credit_taken: np.ndarray, params: PortraitParams) -> pd.DataFrame:
    """Per K-means segment: customers, the share taking a credit product in the window, its lift
    over the population, and the qualitative level it gives its customers (S1's groups
    strongly related to credit behaviour: lift at least ``credit_lift`` or at most its inverse)."""
    overall = float(credit_taken.mean()) if len(credit_taken) else 0.0
    table = (
        pd.DataFrame({"segment": rows["segment"].to_numpy(), "credit": credit_taken})
        .groupby("segment")["credit"]
        .agg(customers="size", credit_rate="mean")
        .reset_index()
    )
    table["credit_lift"] = table["credit_rate"] / overall if overall > 0 else 1.0
    table["strongly_related"] = (table["credit_lift"] >= params.credit_lift) | (
        table["credit_lift"] <= 1 / params.credit_lift
    )
    table[GROUP_AFFINITY] = np.where(
        table["credit_lift"] >= params.credit_lift,
        "high",
        np.where(table["credit_lift"] <= 1 / params.credit_lift, "low", "average"),
    )
    return table


def qualitative_portrait(rows: pd.DataFrame, tags: list[str], groups: pd.DataFrame) -> pd.DataFrame:
    """The portrait's nodes: every tag's level (the tag system's binning) and the segment's credit
    affinity level; an unseen segment is ``average``."""
    affinity = rows["segment"].map(dict(zip(groups["segment"], groups[GROUP_AFFINITY], strict=True)))
    portrait = rows[tags].astype(object).astype(str)
    portrait[GROUP_AFFINITY] = affinity.fillna("average").to_numpy()
    return portrait


@dataclass
class PortraitWeigher:
    """S21: a shallow gradient-boosted tree ensemble on the portrait's one-hot nodes, learning
    credit take-up; ``F(x) = F0 + shrinkage * sum_m h_m(x)`` with each tree ``h_m`` splitting on node
    thresholds and ending in leaves that hold the deviations (residual corrections). A node's
    weight is its share of the ensemble's gain (the loss reduction of the splits on it); a tag's weight is its levels' sum."""

    columns: list[str]
    model: LGBMClassifier
    node_weights: pd.Series

    @staticmethod
    def one_hot(portrait: pd.DataFrame, columns: list[str] | None = None) -> tuple[sparse.csr_matrix, list[str]]:
        dummies = pd.get_dummies(portrait, prefix_sep="=", dtype=np.float32)
        if columns is not None:
            dummies = dummies.reindex(columns=columns, fill_value=0.0)
        return sparse.csr_matrix(dummies.to_numpy(dtype=np.float32)), list(dummies.columns)

    @classmethod
    def fit(
        cls, portrait: pd.DataFrame, credit_taken: np.ndarray, params: WeightTreeParams, seed: int
    ) -> PortraitWeigher:
        matrix, columns = cls.one_hot(portrait)
        model = LGBMClassifier(
            n_estimators=params.n_trees,
            max_depth=params.depth,
            num_leaves=2**params.depth,
            learning_rate=params.shrinkage,
            min_child_samples=params.min_leaf,
            importance_type="gain",
            deterministic=True,
            force_row_wise=True,
            n_jobs=1,
            random_state=seed,
            verbose=-1,
        ).fit(matrix.astype(np.float64), credit_taken)
        gains = model.feature_importances_.astype(float)
        weights = gains / gains.sum() if gains.sum() > 0 else np.full(len(columns), 1 / len(columns))
        return cls(columns, model, pd.Series(weights, index=columns, name="node_weight"))

    def tag_weights(self) -> pd.Series:
        """Each portrait tag's weight: the sum of its levels' node weights."""
        tags = self.node_weights.index.str.split("=").str[0]
        return self.node_weights.groupby(tags).sum()

    def weighted(self, portrait: pd.DataFrame) -> sparse.csr_matrix:
        """The portrait as one-hot nodes, each scaled by its tag's weight (used by S22's similarities)."""
        matrix, _ = self.one_hot(portrait, self.columns)
        tags = pd.Index(self.columns).str.split("=").str[0]
        scale = self.tag_weights().reindex(tags).fillna(0).to_numpy(dtype=np.float32)
        return sparse.csr_matrix(matrix.multiply(scale[None, :]))

    def credit_score(self, portrait: pd.DataFrame) -> np.ndarray:
        """The ensemble's F(x): log-odds of taking up a credit product."""
        matrix, _ = self.one_hot(portrait, self.columns)
        return self.model.predict(matrix.astype(np.float64), raw_score=True)

    def report(self) -> pd.DataFrame:
        """Every node (tag level) with its weight and its tag's, and the trees' settings."""
        tags = self.tag_weights()
        table = self.node_weights.rename_axis("node").reset_index()
        table["tag"] = table["node"].str.split("=").str[0]
        table["level"] = table["node"].str.split("=", n=1).str[1]
        table["tag_weight"] = table["tag"].map(tags)
        table["shrinkage"] = self.model.learning_rate
        table["trees"] = self.model.n_estimators
        return table.sort_values(["tag_weight", "node_weight"], ascending=False, ignore_index=True)
