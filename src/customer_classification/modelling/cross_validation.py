"""Scoring a trial by stratified k-fold cross-validation over the training and validation rows.

A small table's validation split holds a few hundred rows: the best of many trials on it is partly
the luckiest, and LightGBM's early stopping reads its rounds off the same few rows. Below
``study.cross_validate_below_rows`` fitted rows the study scores each trial on every row instead:
each fold's model is fitted on the other folds (LightGBM stopping early on its own fold) and
predicts its fold; the trial's value is the mean of the folds' scores, and the out-of-fold
predictions of all rows weigh a tuned trial against its default and choose the calibration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from customer_classification.modelling.families import Family, FitContext
from customer_classification.modelling.metrics import validation_score
from customer_classification.modelling.spec import Task

# a regression target is stratified by its deciles, as the random split and the training sample are
REGRESSION_STRATA = 10


def cross_validation_folds(y: np.ndarray, task: Task, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fitting rows, scored rows) of each of ``n_folds`` folds: shuffled with ``seed``, stratified by
    the class (binary, multiclass) or the target's deciles (regression); the same folds every run."""
    if task == "regression":
        strata = pd.qcut(pd.Series(y).rank(method="first"), REGRESSION_STRATA, labels=False).to_numpy()
    else:
        strata = np.asarray(y)
        classes, counts = np.unique(strata, return_counts=True)
        if counts.min() < n_folds:
            raise ValueError(
                f"cross-validation in {n_folds} folds needs at least {n_folds} training + validation rows of each "
                f"class; class {classes.tolist()[counts.argmin()]!r} has {counts.min()}: lower study.cv_folds, or set "
                "study.cross_validate_below_rows: null to tune on the validation split"
            )
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((len(y), 1)), strata))


@dataclass
class CrossValidated:
    """One configuration's folds: the mean score, the out-of-fold predictions of every row (and their
    margins, binary), LightGBM's early-stopped rounds averaged over the folds, and the mean fitting rows."""

    score: float
    predicted: np.ndarray
    margins: np.ndarray | None
    mean_rounds: int | None
    fit_rows: float


def cross_validate(
    family: Family,
    config: dict,
    rows: tuple[pd.DataFrame, np.ndarray],
    folds: list[tuple[np.ndarray, np.ndarray]],
    ctx: FitContext,
    report: Callable[[int, float], None],
) -> CrossValidated:
    """Fit ``config`` on each fold's fitting rows, score its held-out rows; after each fold, ``report``
    the mean score so far (step = folds done), so that a poor trial is pruned before its last fold."""
    X, y = rows
    predicted = np.zeros((len(y), ctx.n_classes) if ctx.task == "multiclass" else len(y))
    margins = np.zeros(len(y)) if ctx.task == "binary" else None
    scores, rounds = [], []
    for done, (fitting, scored) in enumerate(folds, start=1):
        X_scored, y_scored = X.iloc[scored], y[scored]
        model = family.fit(config, X.iloc[fitting], y[fitting], ctx, X_scored, y_scored)
        predicted[scored] = model.predict(X_scored)
        if margins is not None:
            margins[scored] = model.raw_score(X_scored)
        if hasattr(model, "best_iteration"):
            rounds.append(model.best_iteration)
        scores.append(validation_score(ctx.task, y_scored, predicted[scored]))
        report(done, float(np.mean(scores)))
    return CrossValidated(
        score=float(np.mean(scores)),
        predicted=predicted,
        margins=margins,
        mean_rounds=max(1, round(float(np.mean(rounds)))) if rounds else None,
        fit_rows=float(np.mean([len(fitting) for fitting, _ in folds])),
    )
