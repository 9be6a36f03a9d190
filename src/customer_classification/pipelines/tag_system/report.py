"""The tag dictionary business users read, and the decision-tree weights of the tags (M4)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from customer_classification.pipelines.tag_system.binning import TagBinner
from customer_classification.pipelines.tag_system.params import TagSystemParams, TagWeightParams
from customer_classification.pipelines.tag_system.targets import TARGETS

logger = logging.getLogger(__name__)

# prefix of tag_weights' columns -> the target the tree predicts (M2: its default label)
WEIGHT_TARGETS = {"m1": "upgrade_within_window", "m2": "cumulative_drawdown_utilization"}


def dictionary_rows(
    binner: TagBinner, params: TagSystemParams, training: pd.DataFrame, scoring: pd.DataFrame
) -> pd.DataFrame:
    """One row per tag and level: definition, cut points, coverage and shares of customers.

    Args:
        binner: the fitted binner.
        params: the tag configuration (groups and snapshots).
        training, scoring: ``customer_tags`` rows of the training snapshots and of the scoring snapshot.
    """
    rows = []
    training_snapshots = ", ".join(s.isoformat() for s in params.training_snapshots)
    for name, fitted in binner.tags_.items():
        tag = fitted.spec
        shares = {
            period: frame[name].value_counts(dropna=True) / max(len(frame), 1)
            for period, frame in (("training", training), ("scoring", scoring))
        }
        for level in fitted.levels:
            rows.append(
                {
                    "tag": name,
                    "group": tag.group,
                    "title": tag.title,
                    "description": tag.description,
                    "source_features": ", ".join(tag.features),
                    "method": tag.method,
                    "method_detail": tag.method_detail(training_snapshots),
                    "level_order": level.order,
                    "label": level.label,
                    "definition": level.definition,
                    "lower": level.lower,
                    "upper": level.upper,
                    "coverage_training": training[name].notna().mean() if len(training) else np.nan,
                    "coverage_scoring": scoring[name].notna().mean() if len(scoring) else np.nan,
                    "share_training": shares["training"].get(level.label, 0.0),
                    "share_scoring": shares["scoring"].get(level.label, 0.0),
                }
            )
    table = pd.DataFrame(rows)
    share_columns = ["coverage_training", "coverage_scoring", "share_training", "share_scoring"]
    table[share_columns] = table[share_columns].astype("float64").round(4)
    return table


def _ordinal_codes(tags: pd.DataFrame) -> pd.DataFrame:
    """Each tag as its level number (0 = lowest), missing as NaN, which the trees route on their own."""
    return pd.DataFrame({name: tags[name].cat.codes.replace(-1, np.nan).astype("float64") for name in tags.columns})


def _ranks(importance: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank (1 = most important, ties share the better rank) and the share of the other tags it outweighs."""
    rank = importance.rank(ascending=False, method="min").astype(int)
    outweighs = importance.rank(ascending=True, method="min") - 1
    return rank, (outweighs / max(len(importance) - 1, 1)).round(4)


def tree_weights(
    fit_tags: pd.DataFrame,
    fit_targets: pd.DataFrame,
    check_tags: pd.DataFrame,
    check_targets: pd.DataFrame,
    params: TagWeightParams,
) -> pd.DataFrame:
    """Importance of each tag in a decision tree per target, fitted on one set of rows, checked on another.

    Args:
        fit_tags, check_tags: ordered categorical tag columns (training rows; validation rows).
        fit_targets, check_targets: the targets aligned with them, missing outside each population.
        params: depth, leaf size and seed of the trees.

    Returns:
        One row per tag: ``tag`` and, per target prefix (``m1``, ``m2``), the
        impurity-decrease importance (summing to 1 over the tags), its rank
        (1 = most important) and the normalised rank: the share of the other tags
        with a smaller importance (1 for the most important, 0 for the least).
    """
    fit_codes, check_codes = _ordinal_codes(fit_tags), _ordinal_codes(check_tags)
    weights = pd.DataFrame({"tag": list(fit_tags.columns)})
    for prefix, target in WEIGHT_TARGETS.items():
        task, population = TARGETS[target]
        rows = fit_targets[target].notna().to_numpy()
        y = fit_targets.loc[rows, target].to_numpy()
        if rows.sum() < 2 * params.min_samples_leaf or np.unique(y).size < 2:
            raise ValueError(
                f"tag weights for {target}: {int(rows.sum())} training rows of {population} with "
                f"{np.unique(y).size} distinct value(s) are too few for leaves of {params.min_samples_leaf}"
            )
        tree_class = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
        tree = tree_class(
            max_depth=params.max_depth, min_samples_leaf=params.min_samples_leaf, random_state=params.random_state
        )
        tree.fit(fit_codes[rows], y.astype(int) if task == "classification" else y)
        importance = pd.Series(tree.feature_importances_, index=weights.index).round(6)
        rank, normalised = _ranks(importance)
        weights[f"{prefix}_importance"] = importance
        weights[f"{prefix}_rank"] = rank
        weights[f"{prefix}_rank_normalised"] = normalised
        _log_check(tree, task, target, check_codes, check_targets[target])
    return weights


def _log_check(tree, task: str, target: str, codes: pd.DataFrame, truth: pd.Series) -> None:
    rows = truth.notna().to_numpy()
    y = truth[rows].to_numpy()
    if rows.sum() == 0 or np.unique(y).size < 2:
        return
    if task == "classification":
        score, metric = roc_auc_score(y.astype(int), tree.predict_proba(codes[rows])[:, 1]), "AUC"
    else:
        score, metric = r2_score(y, tree.predict(codes[rows])), "R2"
    logger.info("Tag weight tree for %s: validation %s %.3f on %s rows", target, metric, score, f"{rows.sum():,}")
