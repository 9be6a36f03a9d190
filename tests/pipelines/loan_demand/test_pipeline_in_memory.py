"""M2 ``loan_demand`` run in memory on the tiny demo bank: who is trained on, who is scored,
the potential-loan flag (``predicted > decision.threshold``) and the metrics it reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.metrics import regression_metrics
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.table import customer_group
from customer_classification.pipelines import loan_demand
from tests.pipelines.in_memory import raw_parameters, run_in_memory

SCORING = pd.Timestamp("2026-11-01")
TEST = pd.Timestamp("2026-05-01")
LABELLED = [pd.Timestamp(d) for d in ("2025-11-01", "2026-01-01", "2026-03-01", "2026-05-01")]
PARAMS = ModelPipelineParams.model_validate(raw_parameters("loan_demand"))
TARGET = PARAMS.model.target  # cumulative_drawdown_utilization: the window's drawdowns over the limit
THRESHOLD = PARAMS.decision.threshold  # 1.5, the label's default


def _labels(tiny_engineered) -> pd.DataFrame:
    labels = tiny_engineered["model_labels"].to_pandas()
    labels["snapshot_date"] = pd.to_datetime(labels["snapshot_date"])
    return labels


def test_every_customer_of_the_scoring_snapshot_is_scored_once(tiny_models, tiny_engineered):
    scores = tiny_models["loan_demand_scores"]
    features = tiny_engineered["customer_features"].to_pandas()
    latest = features[pd.to_datetime(features["snapshot_date"]) == SCORING]
    assert sorted(scores["customer_id"]) == sorted(latest["customer_id"])
    assert scores["customer_id"].is_unique
    assert (pd.to_datetime(scores["snapshot_date"]) == SCORING).all()
    assert list(scores.columns[:4]) == [
        "customer_id",
        "snapshot_date",
        "predicted_utilization",
        "is_potential_loan_customer",
    ]
    assert [f"reason_{i}_feature" for i in (1, 2, 3)] == [c for c in scores.columns if c.endswith("_feature")]


def test_training_rows_are_customers_with_a_credit_line_in_their_holdout_group(tiny_models, tiny_engineered):
    """Labelled rows: a label at the window's end (a credit line), and the split the customer's
    hash group is held out for (``split.customer_holdout``: train 0, validation 1, test 2)."""
    labels = _labels(tiny_engineered)
    with_line = labels[labels["snapshot_date"].isin(LABELLED) & labels[TARGET].notna()]
    group_of_snapshot = with_line["snapshot_date"].map(dict(zip(LABELLED, [0, 0, 1, 2], strict=True)))
    held_out = customer_group(with_line["customer_id"], [0.5, 0.25, 0.25]) == group_of_snapshot.to_numpy()
    expected = with_line[held_out]
    table = tiny_models["loan_demand_table"]
    labelled = table[table["split"] != "scoring"]
    assert sorted(zip(labelled["customer_id"], labelled["snapshot_date"], strict=True)) == sorted(
        zip(expected["customer_id"], expected["snapshot_date"], strict=True)
    )
    assert labelled[TARGET].notna().all()
    assert (labelled.groupby("customer_id", observed=True)["split"].nunique() == 1).all()  # one held-out split each


def test_customers_without_a_credit_line_are_scored_too(tiny_models, tiny_engineered):
    labels = _labels(tiny_engineered)
    without_line = set(labels.loc[(labels["snapshot_date"] == TEST) & labels[TARGET].isna(), "customer_id"])
    assert without_line, "the tiny bank should have customers without a credit line"
    assert without_line <= set(tiny_models["loan_demand_scores"]["customer_id"])


def test_the_flag_is_predicted_utilization_above_the_threshold(tiny_models):
    scores = tiny_models["loan_demand_scores"]
    expected = scores["predicted_utilization"] > THRESHOLD
    assert scores["is_potential_loan_customer"].tolist() == expected.tolist()
    assert 0 < expected.sum() < len(scores), "the tiny bank should have customers on both sides of the threshold"


def test_a_prediction_exactly_at_the_threshold_is_not_flagged(tiny_models):
    """The threshold set to one customer's own prediction: that customer is not a potential loan customer."""
    scoring_only = loan_demand.create_pipeline().only_nodes_with_outputs("loan_demand_scores")
    predicted = np.sort(tiny_models["loan_demand_scores"]["predicted_utilization"].to_numpy())
    at = float(predicted[len(predicted) // 2])
    outputs = run_in_memory(
        scoring_only,
        {name: tiny_models[name] for name in ("loan_demand_scoring_table", "loan_demand_model")},
        {"loan_demand": raw_parameters("loan_demand", {"decision": {"threshold": at}})},
    )
    scores = outputs["loan_demand_scores"]
    on_the_line = scores[scores["predicted_utilization"] == at]
    assert len(on_the_line) >= 1
    assert not on_the_line["is_potential_loan_customer"].any()
    assert scores["is_potential_loan_customer"].sum() == (predicted > at).sum()


def test_test_metrics_are_those_of_the_test_predictions(tiny_models):
    metrics = tiny_models["loan_demand_metrics"]
    predictions = tiny_models["loan_demand_test_predictions"]
    table = tiny_models["loan_demand_table"]
    assert len(predictions) == (table["split"] == "test").sum() == metrics["test"]["n"]
    assert (pd.to_datetime(predictions["snapshot_date"]) == TEST).all()
    recomputed = regression_metrics(predictions["actual"].to_numpy(), predictions["predicted"].to_numpy())
    assert metrics["test"] == pytest.approx(recomputed)
    assert metrics["potential_threshold"]["threshold"] == THRESHOLD
    assert metrics["potential_threshold"]["flagged"] == int((predictions["predicted"] > THRESHOLD).sum())
    assert metrics["potential_threshold"]["realised_high"] == int((predictions["actual"] > THRESHOLD).sum())
    assert metrics["test"]["r2"] > 0.3, "drawing is a habit: the model should explain much of it"


def test_the_study_runs_its_trials_over_the_regression_families(tiny_models):
    study = tiny_models["loan_demand_study"]
    assert len(study.trials) == 4
    assert {t.params["family"] for t in study.trials} <= {"lightgbm", "linear", "random_forest"}
    comparison = tiny_models["loan_demand_comparison"]
    assert comparison["champion"].sum() == 1
    assert (
        tiny_models["loan_demand_metrics"]["champion"]["family"]
        == comparison.loc[comparison["champion"], "family"].item()
    )


def test_the_outstanding_utilization_label_builds_a_table_on_that_column(tiny_engineered):
    table_only = loan_demand.create_pipeline().only_nodes_with_outputs("loan_demand_table")
    outputs = run_in_memory(
        table_only,
        {name: tiny_engineered[name] for name in ("customer_features", "model_labels")},
        {"loan_demand": raw_parameters("loan_demand", {"label": {"source": "outstanding_utilization"}})},
    )
    table = outputs["loan_demand_table"]
    labelled = table[table["split"] != "scoring"]
    assert "utilization_at_window_end" in table.columns and TARGET not in table.columns
    assert labelled["utilization_at_window_end"].between(0, 1.05).all()
