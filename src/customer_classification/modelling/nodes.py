"""The nodes of every model pipeline (M1 ``potential_model``, M2 ``loan_demand``): the model table,
the study, the refit, the evaluation on the test snapshot and the scores of the scoring snapshot.

What differs between the models is in their parameters (:class:`~.params.ModelPipelineParams`):
the task (binary: calibrated probabilities and ranking metrics; regression: error metrics) and
the decision (tiers or a threshold, :mod:`.decisions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pandas as pd

from customer_classification.modelling import spark_scores
from customer_classification.modelling.attribution import chosen_attribution
from customer_classification.modelling.evaluation import family_comparison, study_summary, test_rows
from customer_classification.modelling.fitted import FittedModel, refit_champion, tune
from customer_classification.modelling.metrics import (
    binary_metrics,
    check_binary_target,
    gain_table,
    regression_metrics,
)
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.study import StudyOutcome
from customer_classification.modelling.table import SPLIT, assemble_model_table, assemble_scoring_table
from customer_classification.spark_apply import is_spark

logger = logging.getLogger(__name__)


def build_model_table(features: Any, labels: Any, params: ModelPipelineParams) -> pd.DataFrame:
    """The population's rows of the split's snapshots: features joined to the target, with a ``split`` column."""
    return assemble_model_table(features, labels, params.model, params.split)


def build_scoring_table(features: Any, labels: Any, params: ModelPipelineParams) -> Any:
    """The model table's scoring rows alone (the score's table: one snapshot read, not the split's).
    From Spark tables (the score on Spark), the same rows on Spark."""
    if is_spark(features):
        return spark_scores.scoring_rows(features, labels, params)
    return assemble_scoring_table(features, labels, params.model, params.split)


def tune_models(table: pd.DataFrame, params: ModelPipelineParams) -> tuple[optuna.Study, StudyOutcome]:
    """The Optuna study over the families (returned twice: persisted for the dashboard, kept for the refit).

    A binary target with one class in the test rows is refused before the study: its test metrics
    (AUC, Gini, KS) would be undefined, and the champion/challenger contest would compare nothing."""
    if params.model.task == "binary":
        check_binary_target(_actual(test_rows(table), params), "test", params.model.target)
    outcome, encoder = tune(table, params.model, params.study, params.min_rows)
    outcome.encoder = encoder
    return outcome.study, outcome


def fit_champion(table: pd.DataFrame, outcome: StudyOutcome, params: ModelPipelineParams) -> FittedModel:
    """The best configuration refitted on train + validation (calibrated when binary), with its LightGBM explainer."""
    return refit_champion(table, outcome, outcome.encoder, params.model, params.study, params.calibration_folds)


def _actual(rows: pd.DataFrame, params: ModelPipelineParams):
    target = rows[params.model.target]
    if params.model.task == "binary":
        return target.astype(bool).astype(int).to_numpy()
    return target.astype(float).to_numpy()


def _task_metrics(model: FittedModel, actual, predicted, task: str) -> dict[str, Any]:
    if task == "binary":
        return {
            "calibration": {"method": model.calibrator.method, "cross_validated_log_loss": model.calibration_losses},
            "test": binary_metrics(actual, predicted),
            "gain_table": gain_table(actual, predicted).to_dict("records"),
        }
    return {"test": regression_metrics(actual, predicted)}


def evaluate_model(
    table: pd.DataFrame, model: FittedModel, outcome: StudyOutcome, params: ModelPipelineParams
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """On the test snapshot: the metrics JSON, the family comparison, the decision's report (tiers or
    thresholds) and the per-customer test predictions (id, snapshot, predicted, the decision's
    columns, actual) behind them."""
    test = test_rows(table)
    actual = _actual(test, params)
    predicted = model.predict(test)
    decided = params.decision.columns(model, test, predicted)
    decision_metrics, decision_report = params.decision.evaluate(actual, predicted, decided)
    metrics = {
        "target": params.model.target,
        "split": params.split.method,
        "test_snapshot": params.split.test_snapshot.isoformat() if params.split.method == "time" else None,
        "trained_on": model.trained_on,
        "champion": {"family": model.family, "config": model.config},
        **_task_metrics(model, actual, predicted, params.model.task),
        **decision_metrics,
        "feature_importance": model.feature_importance(),
        "study": study_summary(outcome, params.study.n_trials),
    }
    predictions = pd.DataFrame(
        {
            **{key: test[key].to_numpy() for key in params.model.key_columns},
            "predicted": predicted,
            **decided,
            "actual": actual,
        }
    )
    return metrics, family_comparison(table, model, outcome), decision_report, predictions


def score_customers(table: pd.DataFrame, model: FittedModel, params: ModelPipelineParams) -> pd.DataFrame:
    """The scoring rows: the prediction, the decision's columns and the top reasons. With no scoring
    rows (no ``scoring_snapshot``, or a random split whose rows are all labelled) the scores are an
    empty table with the same columns. Fits nothing, so a scoring-only run reuses it with a persisted model.
    From a Spark table, the same scores computed on Spark (:mod:`.spark_scores`)."""
    if is_spark(table):
        return spark_scores.score_on_spark(table, model, params, score_customers_of)
    spec = params.model
    rows = table[table[SPLIT] == "scoring"]
    if rows.empty:
        logger.warning(
            "%s: no scoring rows (split.scoring_snapshot unset or empty, or no unlabelled row); scored nobody. "
            "The metrics and the model are written",
            spec.target,
        )
        # one labelled row gives the scores' columns and types; none of its values is kept
        return score_customers_of(table[table[SPLIT] != "scoring"].head(1), model, params).iloc[0:0]
    return score_customers_of(rows, model, params)


def score_customers_of(
    rows: pd.DataFrame,
    model: FittedModel,
    params: ModelPipelineParams,
    decide: Callable[[pd.DataFrame, np.ndarray], dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """Prediction, decision columns and reasons of ``rows``: every row's reasons, or with
    ``reasons_for: acted_on`` those of the rows the decision acts on (the others' are empty).
    ``decide`` replaces the decision's columns (the tiers of a part of the rows ranked among all)."""
    spec = params.model
    predicted = model.predict(rows)
    decided = params.decision.columns(model, rows, predicted) if decide is None else decide(rows, predicted)
    scores = pd.DataFrame(
        {
            **{key: rows[key].to_numpy() for key in spec.key_columns},
            params.prediction_column: predicted,
            **decided,
        }
    )
    explained = np.ones(len(rows), dtype=bool)
    if params.reasons_for == "acted_on":
        explained = params.decision.acted_on_rows(decided)
    at = np.flatnonzero(explained)
    attribution = chosen_attribution(params.reason_attribution, len(at), params.treeshap_max_rows, spec.target)
    # with nobody to explain, the first row's reasons give the columns and their types
    asked = rows.iloc[at] if len(at) else rows.iloc[:1]
    reasons = model.reasons(asked, params.n_reasons, attribution).iloc[: len(at)]
    reasons.index = at
    reasons = reasons.reindex(pd.RangeIndex(len(rows)))
    return pd.concat([scores, reasons], axis=1)
