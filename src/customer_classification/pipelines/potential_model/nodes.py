"""Nodes of ``potential_model`` (M1): table, study, champion, evaluation, scores with tiers and reasons."""

from __future__ import annotations

from typing import Any

import optuna
import pandas as pd

from customer_classification.modelling.evaluation import family_comparison, study_summary, test_rows
from customer_classification.modelling.fitted import FittedModel, refit_champion, tune
from customer_classification.modelling.metrics import binary_metrics, gain_table
from customer_classification.modelling.study import StudyOutcome
from customer_classification.modelling.table import SPLIT, assemble_model_table
from customer_classification.modelling.tiers import TierSpec, assign_tiers, tier_report
from customer_classification.pipelines.potential_model.params import PotentialModelParams


def build_model_table(features: Any, labels: Any, params: PotentialModelParams) -> pd.DataFrame:
    """Long-tail customers of the split's snapshots, features joined to ``upgrade_within_window``."""
    return assemble_model_table(features, labels, params.model, params.split)


def tune_models(table: pd.DataFrame, params: PotentialModelParams) -> tuple[optuna.Study, StudyOutcome]:
    """The Optuna study over the families (returned twice: persisted for the dashboard, kept for the refit)."""
    outcome, encoder = tune(table, params.model, params.study, params.min_rows)
    outcome.encoder = encoder
    return outcome.study, outcome


def fit_champion(table: pd.DataFrame, outcome: StudyOutcome, params: PotentialModelParams) -> FittedModel:
    """The best configuration refitted on train + validation, calibrated, with its LightGBM explainer."""
    return refit_champion(table, outcome, outcome.encoder, params.model, params.study, params.calibration_folds)


def _tiers(model: FittedModel, rows: pd.DataFrame, probability, spec: TierSpec) -> pd.Categorical:
    return assign_tiers(probability, spec, tie_breaker=model.raw_score(rows))


def evaluate_model(
    table: pd.DataFrame, model: FittedModel, outcome: StudyOutcome, params: PotentialModelParams
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Metrics JSON, family comparison, tier report and the per-customer test predictions (customer,
    snapshot, predicted probability, tier, actual 0/1 outcome) behind them, all on the test snapshot."""
    test = test_rows(table)
    y = test[params.model.target].astype(bool).astype(int).to_numpy()
    probability = model.predict(test)
    test_tiers = _tiers(model, test, probability, params.tiers)
    tiers = tier_report(test_tiers, y, probability)
    metrics = {
        "target": params.model.target,
        "test_snapshot": params.split.test_snapshot.isoformat(),
        "trained_on": model.trained_on,
        "champion": {"family": model.family, "config": model.config},
        "calibration": {"method": model.calibrator.method, "cross_validated_log_loss": model.calibration_losses},
        "test": binary_metrics(y, probability),
        "gain_table": gain_table(y, probability).to_dict("records"),
        "tiers": tiers.to_dict("records"),
        "feature_importance": model.feature_importance(),
        "study": study_summary(outcome, params.study.n_trials),
    }
    predictions = pd.DataFrame(
        {
            params.model.id_column: test[params.model.id_column].to_numpy(),
            params.model.snapshot_column: test[params.model.snapshot_column].to_numpy(),
            "predicted": probability,
            "tier": test_tiers,
            "actual": y,
        }
    )
    return metrics, family_comparison(table, model, outcome), tiers, predictions


def score_customers(table: pd.DataFrame, model: FittedModel, params: PotentialModelParams) -> pd.DataFrame:
    """The scoring snapshot's customers: probability, tier and top reasons. Fits nothing, so a
    scoring-only run reuses it with a persisted model."""
    spec = params.model
    rows = table[table[SPLIT] == "scoring"]
    probability = model.predict(rows)
    scores = pd.DataFrame(
        {
            spec.id_column: rows[spec.id_column].to_numpy(),
            spec.snapshot_column: rows[spec.snapshot_column].to_numpy(),
            "probability": probability,
            "tier": _tiers(model, rows, probability, params.tiers),
        }
    )
    reasons = model.reasons(rows, params.n_reasons).reset_index(drop=True)
    return pd.concat([scores, reasons], axis=1)
