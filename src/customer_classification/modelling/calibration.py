"""Probability calibration: isotonic or sigmoid (Platt), chosen on the validation snapshot.

The calibrator maps a model's margin (log-odds) to a probability. The method is chosen by
cross-validation over the validation rows (lower mean log loss wins); the chosen method is
then fitted on all validation rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

logger = logging.getLogger(__name__)

Method = Literal["isotonic", "sigmoid"]
# Weight of the model's own sigmoid in an isotonic calibration: isotonic regression is a step
# function, so customers the model ranks apart would tie (and the AUC fall); this much of the
# sigmoid keeps the model's order and moves no probability by more than a millionth.
ISOTONIC_TIE_BREAK = 1e-6


@dataclass
class Calibrator:
    """A fitted map from margin (shape (n,)) to calibrated probability (shape (n,))."""

    method: Method
    model: IsotonicRegression | LogisticRegression

    def transform(self, margin: np.ndarray) -> np.ndarray:
        margin = np.asarray(margin, dtype=float)
        if self.method == "isotonic":
            steps = np.clip(self.model.predict(margin), 0.0, 1.0)
            return (1 - ISOTONIC_TIE_BREAK) * steps + ISOTONIC_TIE_BREAK / (1 + np.exp(-margin))
        return self.model.predict_proba(margin.reshape(-1, 1))[:, 1]


def fit_calibrator(margin: np.ndarray, y: np.ndarray, method: Method) -> Calibrator:
    margin = np.asarray(margin, dtype=float)
    if method == "isotonic":
        return Calibrator(method, IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margin, y))
    return Calibrator(method, LogisticRegression(C=1e6).fit(margin.reshape(-1, 1), y))


def choose_calibration(
    margin: np.ndarray, y: np.ndarray, folds: int, seed: int, methods: tuple[Method, ...] = ("isotonic", "sigmoid")
) -> tuple[Calibrator, dict[str, float]]:
    """Cross-validated log loss of each method on (margin, y), and the best method fitted on all rows.

    With fewer than ``folds`` rows of either class, cross-validation is impossible: sigmoid,
    the method with two parameters, is used without comparison (logged).
    """
    y = np.asarray(y, dtype=int)
    smallest_class = int(min(y.sum(), len(y) - y.sum()))
    if smallest_class < folds or len(methods) == 1:
        fallback: Method = "sigmoid" if "sigmoid" in methods else methods[0]
        if len(methods) > 1:
            logger.warning(
                "calibration: %d rows of the rarer class on validation, fewer than the %d folds needed to compare "
                "methods; using %s calibration",
                smallest_class,
                folds,
                fallback,
            )
        return fit_calibrator(margin, y, fallback), {}
    losses = {}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for method in methods:
        predicted = np.empty(len(y))
        for fit_rows, held_out in splitter.split(margin.reshape(-1, 1), y):
            predicted[held_out] = fit_calibrator(margin[fit_rows], y[fit_rows], method).transform(margin[held_out])
        losses[method] = float(log_loss(y, np.clip(predicted, 1e-6, 1 - 1e-6)))
    best = min(methods, key=lambda m: (losses[m], methods.index(m)))
    logger.info(
        "calibration: cross-validated log loss %s; %s chosen", {k: round(v, 5) for k, v in losses.items()}, best
    )
    return fit_calibrator(margin, y, best), losses
