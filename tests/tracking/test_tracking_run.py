"""What ``kedro run`` (the session's default run at TINY, read-only) leaves in the embedded
MLflow store: one run tagged with the month, with parameters, test metrics, the studies' trials
and the reporting files; every artefact registered once, its champion by alias."""

from __future__ import annotations

import json

import mlflow
import pytest
from mlflow import MlflowClient

PREFIX = "customer_classification."


@pytest.fixture
def store(default_run_project):
    mlflow.set_tracking_uri(f"sqlite:///{default_run_project / 'data/10_mlflow/mlflow.db'}")
    yield MlflowClient()
    mlflow.set_tracking_uri(None)


def test_kedro_run_logs_one_run_with_parameters_metrics_and_artefacts(store, default_run_project):
    experiment = store.get_experiment_by_name("customer_classification")
    assert experiment.artifact_location == (default_run_project / "data/10_mlflow/artifacts").resolve().as_uri()
    (run,) = store.search_runs([experiment.experiment_id])
    assert run.data.tags["snapshot_month"] == "2026-10"
    assert run.info.run_name == "__default__ 2026-10"
    assert run.data.params["model_registry.potential_model.metric"] == "auc"
    metrics = json.loads((default_run_project / "data/08_reporting/potential_model_metrics.json").read_text())
    assert run.data.metrics["potential_model_metrics.test.auc"] == pytest.approx(metrics["test"]["auc"])
    logged = {a.path for folder in ("studies", "reporting") for a in store.list_artifacts(run.info.run_id, folder)}
    assert {"studies/potential_model_study_trials.csv", "studies/loan_demand_study_trials.csv"} <= logged
    assert {"reporting/potential_model_comparison.csv", "reporting/champion_decisions.json"} <= logged
    figures = store.list_artifacts(run.info.run_id, "reporting/figures")
    assert figures, "the report's figures are logged"


def test_every_artefact_is_one_version_with_a_signature_and_the_champion_alias(store, default_run_project):
    document = json.loads((default_run_project / "data/06_models/registry/model_registry.json").read_text())
    names = {m.name for m in store.search_registered_models()}
    assert names == {PREFIX + artefact for artefact in document["champions"]}
    for artefact in document["champions"]:
        (version,) = store.search_model_versions(f"name = '{PREFIX}{artefact}'")
        assert version.tags["month"] == "2026-10"
        assert store.get_model_version_by_alias(PREFIX + artefact, "champion").version == version.version
    info = mlflow.models.get_model_info(f"models:/{PREFIX}potential_model@champion")
    columns = {c["name"]: c["type"] for c in info.signature.inputs.to_dict()}
    assert columns["age_years"] == "double"  # the features the model's encoder reads
    binner = mlflow.models.get_model_info(f"models:/{PREFIX}tag_binner@champion").signature
    assert {"age_years", "occupation"} <= {c["name"] for c in binner.inputs.to_dict()}
    assert "promoted" not in (store.get_model_version_by_alias(PREFIX + "tag_binner", "champion").description or "")
    assert "no champion yet" in store.get_model_version_by_alias(PREFIX + "potential_model", "champion").description
