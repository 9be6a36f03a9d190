"""M1 ``potential_model`` run in memory on the tiny demo bank: scores, tiers, reasons, metrics, study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.decisions import TierDecision
from customer_classification.modelling.nodes import build_scoring_table, score_customers
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.pipelines import potential_model
from tests.pipelines.conftest import SMALL_STUDY
from tests.pipelines.in_memory import raw_parameters, run_in_memory

SCORING = pd.Timestamp("2026-11-01")


def test_potential_scores_have_probabilities_tiers_and_three_reasons(tiny_models, tiny_engineered):
    scores = tiny_models["potential_scores"]
    labels = tiny_engineered["model_labels"].to_pandas()
    latest = labels[(pd.to_datetime(labels["snapshot_date"]) == SCORING) & labels["is_long_tail"].fillna(False)]
    assert sorted(scores["customer_id"]) == sorted(latest["customer_id"])  # long-tail customers only, once each
    assert scores["probability"].between(0, 1).all()
    shares = scores["tier"].value_counts(normalize=True).reindex(["A", "B", "C", "D"])
    np.testing.assert_allclose(shares, [0.05, 0.15, 0.30, 0.50], atol=0.02)
    assert scores.groupby("tier", observed=True)["probability"].min().is_monotonic_decreasing
    # reasons for the tiers a campaign contacts (decision.acted_on: A and B), none for the others
    contacted = scores["tier"].isin(["A", "B"])
    for i in (1, 2, 3):
        assert scores.loc[contacted, f"reason_{i}_feature"].notna().all()
        assert scores.loc[~contacted, f"reason_{i}_feature"].isna().all()
    explained = scores[contacted]
    assert (explained["reason_1_contribution"] >= explained["reason_3_contribution"]).all()


def test_metrics_comparison_and_study_are_reported(tiny_models):
    metrics = tiny_models["potential_model_metrics"]
    assert {"auc", "gini", "ks", "pr_auc", "brier", "top_decile_lift"} <= set(metrics["test"])
    # AUC by its definition, counted here: the share of (upgraded, not upgraded) pairs of test customers
    # the model ranks right, a tie counting half; then Gini = 2 AUC - 1
    tested = tiny_models["potential_model_test_predictions"]
    positive = tested.loc[tested["actual"] == 1, "predicted"].to_numpy()
    negative = tested.loc[tested["actual"] == 0, "predicted"].to_numpy()
    above = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    assert metrics["test"]["auc"] == pytest.approx(above / (len(positive) * len(negative)))
    assert metrics["test"]["gini"] == pytest.approx(2 * metrics["test"]["auc"] - 1)
    assert metrics["test"]["auc"] > 0.6
    assert len(metrics["gain_table"]) == 10
    assert metrics["study"]["trials"] == SMALL_STUDY["study"]["n_trials"]
    comparison = tiny_models["potential_model_comparison"]
    assert comparison["champion"].sum() == 1
    study = tiny_models["potential_model_study"]
    assert len(study.trials) == SMALL_STUDY["study"]["n_trials"]
    assert {t.params["family"] for t in study.trials} <= {"lightgbm", "logistic", "random_forest"}


def test_test_predictions_are_the_test_snapshots_long_tail_customers(tiny_models):
    table = tiny_models["potential_model_table"]
    predictions = tiny_models["potential_model_test_predictions"]
    test = table[table["split"] == "test"]
    assert sorted(predictions["customer_id"]) == sorted(test["customer_id"])
    assert tiny_models["potential_model_metrics"]["test"]["n"] == len(test)


@pytest.mark.parametrize("model", ["potential_model", "loan_demand"])
def test_the_scoring_table_is_the_model_tables_scoring_rows(tiny_models, tiny_engineered, model):
    whole, scoring = tiny_models[f"{model}_table"], tiny_models[f"{model}_scoring_table"]
    expected = whole[whole["split"] == "scoring"].reset_index(drop=True)
    pd.testing.assert_frame_equal(scoring, expected, check_exact=True)
    # read from lazy scans too (as the catalog hands them over): the same rows
    lazy = {name: tiny_engineered[name].lazy() for name in ("customer_features", "model_labels")}
    params = ModelPipelineParams(**raw_parameters(model, SMALL_STUDY))
    pd.testing.assert_frame_equal(build_scoring_table(*lazy.values(), params), expected, check_exact=True)


def test_without_a_scoring_snapshot_the_scoring_table_is_one_row_that_scores_nobody(tiny_engineered):
    raw = raw_parameters("potential_model", SMALL_STUDY)
    raw["split"] = {**raw["split"], "scoring_snapshot": None}
    params = ModelPipelineParams(**raw)
    features, labels = (tiny_engineered[name] for name in ("customer_features", "model_labels"))
    table = build_scoring_table(features, labels, params)
    assert len(table) == 1 and table["split"].iloc[0] != "scoring"


def test_rerun_gives_the_same_scores_bit_for_bit(tiny_models, tiny_engineered):
    inputs = {name: tiny_engineered[name] for name in ("customer_features", "model_labels")}
    again = run_in_memory(
        potential_model.create_pipeline(), inputs, {"potential_model": raw_parameters("potential_model", SMALL_STUDY)}
    )
    pd.testing.assert_frame_equal(again["potential_scores"], tiny_models["potential_scores"], check_exact=True)


def test_reasons_for_everyone_explains_every_customer_with_the_same_reasons(tiny_models):
    raw = raw_parameters("potential_model", SMALL_STUDY)
    table, model = tiny_models["potential_model_table"], tiny_models["potential_model"]
    acted_on = score_customers(table, model, ModelPipelineParams(**raw))
    everyone = score_customers(table, model, ModelPipelineParams(**{**raw, "reasons_for": "everyone"}))
    assert everyone["reason_1_feature"].notna().all()
    contacted = acted_on["tier"].isin(["A", "B"])
    pd.testing.assert_frame_equal(acted_on[contacted], everyone[contacted])


def test_acted_on_tiers_must_be_tiers():
    with pytest.raises(ValueError, match=r"decision.acted_on names tiers \['Z'\] that are not among the tiers"):
        TierDecision(acted_on=["A", "Z"])
