"""The bank's usual model metrics: AUC, Gini, KS, PR-AUC, Brier, lift and the gain table; RMSE, MAE, R².

Scores are probabilities of the positive class (or any score that ranks like them); labels
are 0/1. Deciles are cut on the score ranked highest first, ties broken by row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

from customer_classification.modelling.spec import Task


def check_binary_target(y: np.ndarray, where: str, target: str) -> None:
    """A clear error when a labelled split holds one class only."""
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"target '{target}' has a single class in the {where} rows ({dict(zip(classes.tolist(), counts.tolist(), strict=True))}): "
            "a binary model needs both outcomes; widen the snapshots or the population"
        )


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the positives' and negatives' score distributions."""
    y = np.asarray(y, dtype=bool)
    order = np.argsort(-np.asarray(score), kind="stable")
    s, yy = np.asarray(score)[order], y[order]
    tpr = np.cumsum(yy) / yy.sum()
    fpr = np.cumsum(~yy) / (~yy).sum()
    # only compare at the end of each group of tied scores
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    return float(np.max(np.abs(tpr - fpr)[last_of_tie]))


def gain_table(y: np.ndarray, score: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """One row per decile (1 = highest scores): customers, positives, rate, lift, cumulative gain and lift."""
    y = np.asarray(y, dtype=float)
    order = np.argsort(-np.asarray(score), kind="stable")
    bins = np.empty(len(y), dtype=int)
    bins[order] = np.arange(len(y)) * n_bins // len(y) + 1
    frame = pd.DataFrame({"decile": bins, "y": y, "score": np.asarray(score, dtype=float)})
    table = frame.groupby("decile").agg(
        customers=("y", "size"),
        positives=("y", "sum"),
        min_score=("score", "min"),
        max_score=("score", "max"),
        mean_score=("score", "mean"),
    )
    overall = y.mean()
    table["positive_rate"] = table["positives"] / table["customers"]
    table["lift"] = table["positive_rate"] / overall
    table["cumulative_gain"] = table["positives"].cumsum() / y.sum()
    table["cumulative_lift"] = (table["positives"].cumsum() / table["customers"].cumsum()) / overall
    return table.reset_index()


def binary_metrics(y: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """AUC, Gini, KS, PR-AUC, Brier, top-decile lift and the base rate (n rows each)."""
    auc = roc_auc_score(y, probability)
    return {
        "auc": float(auc),
        "gini": float(2 * auc - 1),
        "ks": ks_statistic(y, probability),
        "pr_auc": float(average_precision_score(y, probability)),
        "brier": float(brier_score_loss(y, probability)),
        "top_decile_lift": float(gain_table(y, probability)["lift"].iloc[0]),
        "positive_rate": float(np.mean(y)),
        "mean_probability": float(np.mean(probability)),
        "n": len(y),
    }


def regression_metrics(y: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    return {
        "rmse": float(np.sqrt(mean_squared_error(y, prediction))),
        "mae": float(mean_absolute_error(y, prediction)),
        "r2": float(r2_score(y, prediction)),
        "n": len(y),
    }


def threshold_metrics(actual: np.ndarray, predicted: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision and recall of 'predicted above the threshold' against 'realised above the threshold'."""
    flagged = np.asarray(predicted) > threshold
    realised = np.asarray(actual) > threshold
    hits = int((flagged & realised).sum())
    return {
        "threshold": threshold,
        "flagged": int(flagged.sum()),
        "realised_high": int(realised.sum()),
        "precision": hits / flagged.sum() if flagged.any() else float("nan"),
        "recall": hits / realised.sum() if realised.any() else float("nan"),
        "n": len(flagged),
    }


# (direction, name) of the score the study optimises on the validation snapshot, per task
STUDY_METRIC = {
    "binary": ("maximize", "auc"),
    "regression": ("minimize", "rmse"),
    "multiclass": ("minimize", "log_loss"),
}


def validation_score(task: Task, y: np.ndarray, prediction: np.ndarray) -> float:
    if task == "binary":
        return float(roc_auc_score(y, prediction))
    if task == "regression":
        return float(np.sqrt(mean_squared_error(y, prediction)))
    return float(log_loss(y, prediction, labels=np.arange(prediction.shape[1])))
