"""The persisted model: encoder + champion refitted on train and validation + calibrator + explainer.

``FittedModel`` is all a scoring run needs (no fitting): ``predict`` and ``reasons`` take a
frame with the feature columns and return one value per row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.calibration import Calibrator, choose_calibration
from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext, LightGBMModel, refit_config
from customer_classification.modelling.metrics import check_binary_target
from customer_classification.modelling.reasons import top_reasons
from customer_classification.modelling.spec import ModelSpec, StudySpec
from customer_classification.modelling.study import StudyOutcome, run_study
from customer_classification.modelling.table import SPLIT, FeatureEncoder, infer_feature_columns, stratified_sample

logger = logging.getLogger(__name__)


@dataclass
class FittedModel:
    """A champion ready to score. ``predict`` returns calibrated probabilities (binary, shape (n,)),
    predictions (regression, (n,)) or class probabilities (multiclass, (n, k))."""

    spec: ModelSpec
    encoder: FeatureEncoder
    family: str
    config: dict[str, Any]
    estimator: Any
    calibrator: Calibrator | None = None
    explainer: LightGBMModel | None = None
    classes: list[Any] | None = None
    trained_on: list[str] = field(default_factory=list)
    calibration_losses: dict[str, float] = field(default_factory=dict)

    def raw_score(self, frame: pd.DataFrame) -> np.ndarray:
        return self.estimator.raw_score(self.encoder.transform(frame))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        X = self.encoder.transform(frame)
        if self.calibrator is not None:
            return self.calibrator.transform(self.estimator.raw_score(X))
        return self.estimator.predict(X)

    def reasons(self, frame: pd.DataFrame, k: int = 3, attribution: str = "treeshap") -> pd.DataFrame:
        """Top ``k`` reasons per row (see :func:`~.reasons.top_reasons`), from LightGBM contributions:
        exact TreeSHAP (``treeshap``) or path credits (``path``, :mod:`.attribution`)."""
        if self.explainer is None:
            raise ValueError("this model has no LightGBM explainer: include 'lightgbm' in the study's families")
        X = self.encoder.transform(frame)
        return top_reasons(self.explainer.contributions(X, attribution=attribution), X, k)

    def feature_importance(self, top: int = 15) -> list[dict[str, Any]]:
        """The ``top`` features by the LightGBM explainer's total split gain, largest first.

        Returns:
            ``[{"feature", "gain", "share"}]``: gain summed over the trees used for prediction,
            and its share of the total gain of all features (0..1).
        """
        if self.explainer is None:
            raise ValueError("this model has no LightGBM explainer: include 'lightgbm' in the study's families")
        booster = self.explainer.booster
        gain = booster.feature_importance("gain", iteration=self.explainer.best_iteration).astype(float)
        total = gain.sum() or 1.0
        order = np.argsort(-gain, kind="stable")[:top]
        names = booster.feature_name()
        return [{"feature": names[j], "gain": float(gain[j]), "share": float(gain[j] / total)} for j in order]


def labelled_xy(table: pd.DataFrame, encoder: FeatureEncoder, spec: ModelSpec, splits: tuple[str, ...], classes=None):
    """(features, target) of the rows of ``splits``; a multiclass target is coded 0..k-1 in ``classes`` order."""
    rows = table[table[SPLIT].isin(splits)]
    y = rows[spec.target].to_numpy()
    if spec.task == "binary":
        y = y.astype(bool).astype(int)
    elif spec.task == "multiclass":
        y = pd.Categorical(y, categories=classes).codes
    else:
        y = y.astype(float)
    return encoder.transform(rows), y


def fit_encoder(table: pd.DataFrame, spec: ModelSpec) -> FeatureEncoder:
    """Feature columns and categories from the rows the final model learns from (train and validation)."""
    numeric, categorical = infer_feature_columns(table, spec)
    return FeatureEncoder(numeric, categorical).fit(table[table[SPLIT].isin(("train", "validation"))])


def _check_rows(y: np.ndarray, spec: ModelSpec, where: str, minimum: int) -> None:
    if len(y) < minimum:
        raise ValueError(
            f"target '{spec.target}': {len(y)} labelled {where} rows, fewer than the {minimum} a model needs"
        )
    if spec.task in ("binary", "multiclass"):
        check_binary_target(y, where, spec.target)


def tune(
    table: pd.DataFrame, spec: ModelSpec, study: StudySpec, min_rows: int = 20
) -> tuple[StudyOutcome, FeatureEncoder]:
    """Run the study on the training rows, scored on the validation rows (cross-validated over both
    below ``study.cross_validate_below_rows``)."""
    encoder = fit_encoder(table, spec)
    classes = None
    if spec.task == "multiclass":
        classes = sorted(table.loc[table[SPLIT].isin(("train", "validation")), spec.target].dropna().unique().tolist())
    X, y = labelled_xy(table, encoder, spec, ("train",), classes)
    X_valid, y_valid = labelled_xy(table, encoder, spec, ("validation",), classes)
    _check_rows(y, spec, "training", min_rows)
    _check_rows(y_valid, spec, "validation", min_rows)
    sample = {}
    for split, (features, target) in (("train", (X, y)), ("validation", (X_valid, y_valid))):
        kept = stratified_sample(target, spec.task, study.max_tuning_rows, study.seed)
        sample[split] = (features, target) if kept is None else (features.iloc[kept], target[kept])
    outcome = run_study(sample["train"], sample["validation"], spec.task, study, n_classes=len(classes or [0, 1]))
    if len(sample["train"][1]) < len(y) or len(sample["validation"][1]) < len(y_valid):
        outcome.tuning_sample = {"train": (len(sample["train"][1]), len(y))}
        outcome.tuning_sample["validation"] = (len(sample["validation"][1]), len(y_valid))
        logger.info(
            "target '%s': the trials fitted on %d of %d training rows and scored %d of %d validation rows "
            "(study.max_tuning_rows: %d); the champion is refitted on every row",
            spec.target,
            *outcome.tuning_sample["train"],
            *outcome.tuning_sample["validation"],
            study.max_tuning_rows,
        )
    outcome.study.set_user_attr("target", spec.target)
    outcome.classes = classes
    return outcome, encoder


def rounds_on_every_row(
    config: dict[str, Any], family: str, every_row: tuple | None, ctx: FitContext
) -> dict[str, Any]:
    """A LightGBM configuration chosen on a sample of the rows (``every_row``: the training and
    validation (features, target) when the study sampled them), its rounds chosen again by early
    stopping on every row: more rows carry more rounds."""
    if every_row is None or family != "lightgbm" or not config.get("early_stopping", True):
        return config
    (X, y), (X_valid, y_valid) = every_row
    model = FAMILY_REGISTRY[family].fit(config, X, y, ctx, X_valid, y_valid)
    logger.info(
        "%s on every row: %d rounds (%d on the study's sample)", family, model.best_iteration, config["n_rounds"]
    )
    return {**config, "n_rounds": int(model.best_iteration)}


def _calibration(outcome: StudyOutcome, valid: tuple, folds: int, seed: int) -> tuple[Calibrator, dict[str, float]]:
    """The champion's calibration, chosen on out-of-sample margins: its validation margins, or the
    out-of-fold margins of every fitted row when the study cross-validated."""
    champion = outcome.champion
    if outcome.cross_validated:
        return choose_calibration(champion.margins, outcome.scored_target, folds, seed)
    X_valid, y_valid = valid
    return choose_calibration(champion.model.raw_score(X_valid), y_valid, folds, seed)


def refit_champion(
    table: pd.DataFrame,
    outcome: StudyOutcome,
    encoder: FeatureEncoder,
    spec: ModelSpec,
    study: StudySpec,
    calibration_folds: int = 5,
) -> FittedModel:
    """Refit the study's champion on train + validation; calibrate (binary) and attach a LightGBM explainer.

    The calibration method is chosen on the validation rows with the champion fitted on the
    training rows only (its validation margins are out of sample), then applied to the refit; a
    cross-validated study's champion is calibrated on the out-of-fold margins of every fitted row.
    """
    classes = outcome.classes
    X_valid, y_valid = labelled_xy(table, encoder, spec, ("validation",), classes)
    X_all, y_all = labelled_xy(table, encoder, spec, ("train", "validation"), classes)
    ctx = FitContext(
        spec.task,
        len(classes or [0, 1]),
        study.seed,
        study.n_threads,
        study.early_stopping_rounds,
        study.max_boosting_rounds,
        study.report_every,
    )
    champion = outcome.champion
    # the rows LightGBM's rounds were chosen on: the training rows, or a fold's when the study
    # cross-validated every row (a sampled study's rounds are chosen again on every training row)
    n_train = int((table[SPLIT] == "train").sum()) if outcome.tuning_sample else outcome.fit_rows
    every_row = None
    if outcome.tuning_sample:
        every_row = (labelled_xy(table, encoder, spec, ("train",), classes), (X_valid, y_valid))
    config = refit_config(rounds_on_every_row(champion.config, champion.family, every_row, ctx), len(y_all), n_train)
    if config != champion.config:
        logger.info(
            "refit of %s on %d rows: %d boosting rounds (%d early-stopped on %.0f training rows, scaled)",
            champion.family,
            len(y_all),
            config["n_rounds"],
            champion.config["n_rounds"],
            n_train,
        )

    def fit(candidate, config):
        # cross-validated on every row, the study already fitted each kept configuration on train + validation
        if outcome.cross_validated and not outcome.tuning_sample:
            return candidate.model
        return FAMILY_REGISTRY[candidate.family].fit(config, X_all, y_all, ctx)

    estimator = fit(champion, config)
    calibrator, losses = None, {}
    if spec.task == "binary":
        calibrator, losses = _calibration(outcome, (X_valid, y_valid), calibration_folds, study.seed)
    explainer = estimator if champion.family == "lightgbm" else None
    if explainer is None and "lightgbm" in outcome.candidates:
        logger.warning(
            "champion is %s, which has no contributions of its own; reasons come from the best LightGBM "
            "configuration, refitted on the same rows",
            champion.family,
        )
        best_lightgbm = rounds_on_every_row(outcome.candidates["lightgbm"].config, "lightgbm", every_row, ctx)
        explainer_config = refit_config(best_lightgbm, len(y_all), n_train)
        explainer = fit(outcome.candidates["lightgbm"], explainer_config)
    snapshots = []
    if spec.snapshot_column:
        fitted_rows = table.loc[table[SPLIT].isin(("train", "validation")), spec.snapshot_column]
        snapshots = sorted(fitted_rows.dt.date.unique())
    return FittedModel(
        spec=spec,
        encoder=encoder,
        family=champion.family,
        config=config,
        estimator=estimator,
        calibrator=calibrator,
        explainer=explainer,
        classes=classes,
        trained_on=[d.isoformat() if isinstance(d, dt.date) else str(d) for d in snapshots],
        calibration_losses=losses,
    )
