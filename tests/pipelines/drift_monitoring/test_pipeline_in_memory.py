"""``drift_monitoring`` run in memory: the training distributions of M1 and M2 of the tiny bank, then the
PSI of its scoring snapshot against them, banded at 0.1 and 0.25."""

from __future__ import annotations

import pytest

from customer_classification.pipelines import drift_monitoring
from tests.pipelines.in_memory import raw_parameters, run_in_memory

REFERENCES = ("potential_model_drift_reference", "loan_demand_model_drift_reference")


@pytest.fixture(scope="module")
def monitored(tiny_models) -> dict:
    pipeline = drift_monitoring.create_pipeline()
    params = {"drift_monitoring": raw_parameters("drift_monitoring")}
    models = ("potential_model_table", "potential_model", "loan_demand_table", "loan_demand_model")
    profiled = run_in_memory(pipeline.only_nodes_with_outputs(*REFERENCES), {m: tiny_models[m] for m in models}, params)
    scored = ("potential_model_scoring_table", "potential_scores", "loan_demand_scoring_table", "loan_demand_scores")
    inputs = {name: tiny_models[name] for name in (*models, *scored)}
    inputs |= {f"champion.{name}": profiled[name] for name in REFERENCES}  # the champions: this run's models
    return {**profiled, **run_in_memory(pipeline, inputs, params)}


def test_references_describe_the_training_rows(monitored, tiny_models):
    reference = monitored["potential_model_drift_reference"]
    table = tiny_models["potential_model_table"]
    assert reference["rows"] == (table["split"] != "scoring").sum() - (table["split"] == "test").sum()
    assert set(reference["features"]) == set(tiny_models["potential_model"].encoder.columns)


def test_every_feature_and_score_of_both_models_is_banded_by_its_psi(monitored, tiny_models):
    drift = monitored["drift_monitoring"]
    assert set(drift["model"]) == {"potential_model", "loan_demand_model"}
    scores = drift[drift["kind"] == "score"]
    assert len(scores) == 2
    expected = drift["psi"].map(lambda p: "stable" if p < 0.1 else ("watch" if p <= 0.25 else "act"))
    assert drift["band"].tolist() == expected.tolist()
    assert (drift["psi"] >= 0).all()
    m1 = drift[drift["model"] == "potential_model"]
    assert (m1["scoring_rows"] == len(tiny_models["potential_scores"])).all()
    assert (drift["scoring_snapshot"] == "2026-11-01").all()
