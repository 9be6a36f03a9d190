"""Nodes of ``loan_demand`` (M2): table, study, champion, evaluation and scores of every customer."""

from __future__ import annotations

from typing import Any

import optuna
import pandas as pd

from customer_classification.modelling.evaluation import family_comparison, study_summary, test_rows
from customer_classification.modelling.fitted import FittedModel, refit_champion, tune
from customer_classification.modelling.metrics import regression_metrics, threshold_metrics
from customer_classification.modelling.study import StudyOutcome
from customer_classification.modelling.table import SPLIT, assemble_model_table
from customer_classification.pipelines.loan_demand.params import LoanDemandParams


def build_model_table(features: Any, labels: Any, params: LoanDemandParams) -> pd.DataFrame:
    """Customers with a credit line (labelled snapshots) and every customer of the scoring snapshot."""
    return assemble_model_table(features, labels, params.model, params.split)


def tune_models(table: pd.DataFrame, params: LoanDemandParams) -> tuple[optuna.Study, StudyOutcome]:
    """The Optuna study over the families (returned twice: persisted for the dashboard, kept for the refit)."""
    outcome, encoder = tune(table, params.model, params.study, params.min_rows)
    outcome.encoder = encoder
    return outcome.study, outcome


def fit_champion(table: pd.DataFrame, outcome: StudyOutcome, params: LoanDemandParams) -> FittedModel:
    """The family with the best validation RMSE, refitted on train + validation."""
    return refit_champion(table, outcome, outcome.encoder, params.model, params.study)


def evaluate_model(
    table: pd.DataFrame, model: FittedModel, outcome: StudyOutcome, params: LoanDemandParams
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Metrics JSON (RMSE, MAE, R², threshold precision and recall), the family comparison and the
    per-customer test predictions (customer, snapshot, predicted and actual utilization), on the test snapshot."""
    test = test_rows(table)
    actual = test[params.model.target].astype(float).to_numpy()
    predicted = model.predict(test)
    metrics = {
        "target": params.model.target,
        "test_snapshot": params.split.test_snapshot.isoformat(),
        "trained_on": model.trained_on,
        "champion": {"family": model.family, "config": model.config},
        "test": regression_metrics(actual, predicted),
        "potential_threshold": threshold_metrics(actual, predicted, params.potential_threshold),
        "feature_importance": model.feature_importance(),
        "study": study_summary(outcome, params.study.n_trials),
    }
    predictions = pd.DataFrame(
        {
            params.model.id_column: test[params.model.id_column].to_numpy(),
            params.model.snapshot_column: test[params.model.snapshot_column].to_numpy(),
            "predicted": predicted,
            "actual": actual,
        }
    )
    return metrics, family_comparison(table, model, outcome), predictions


def score_customers(table: pd.DataFrame, model: FittedModel, params: LoanDemandParams) -> pd.DataFrame:
    """Every customer of the scoring snapshot, with or without a line: predicted utilization, the
    potential-loan flag and top reasons. Fits nothing, so a scoring-only run reuses it."""
    spec = params.model
    rows = table[table[SPLIT] == "scoring"]
    predicted = model.predict(rows)
    scores = pd.DataFrame(
        {
            spec.id_column: rows[spec.id_column].to_numpy(),
            spec.snapshot_column: rows[spec.snapshot_column].to_numpy(),
            "predicted_utilization": predicted,
            "is_potential_loan_customer": predicted > params.potential_threshold,
        }
    )
    reasons = model.reasons(rows, params.n_reasons).reset_index(drop=True)
    return pd.concat([scores, reasons], axis=1)
