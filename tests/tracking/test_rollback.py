"""``kedro champions rollback``: one command puts back an earlier month's champions in
``model_registry.json`` and on MLflow's ``@champion`` alias, which ``score`` reads."""

from __future__ import annotations

import json

import mlflow
import pytest
from click.testing import CliRunner
from mlflow import MlflowClient

from customer_classification import mlflow_registry, tracking
from customer_classification.cli import cli
from customer_classification.datasets import ChampionDataset, MlflowChampionDataset, ModelRegistryDataset
from customer_classification.pipelines.model_registry.nodes import registrar
from customer_classification.registry import RegistryUpdate
from tests.pipelines.model_registry.test_registry import BINARY, PARAMS, REGRESSION, ColumnModel, decide

REGISTRY = "data/06_models/registry"
PREFIX = "customer_classification."  # conf/base/mlflow.yml


def _month(version: str, dataset: ModelRegistryDataset, potential_column: str) -> RegistryUpdate:
    """A retrain of ``version`` whose potential-model challenger predicts ``potential_column``."""
    registry = dataset.load()
    params = PARAMS.model_copy(update={"version": version})
    records, *_ = decide(registry, potential_column, "near", params)
    update = registrar(["tag_binner"])(
        records,
        registry,
        params,
        ColumnModel(potential_column, BINARY),
        {"ref": version},
        ColumnModel("near", REGRESSION),
        {"ref": version},
        {"binner": version},
    )
    dataset.save(update)
    return update


@pytest.fixture
def two_months(workdir, monkeypatch):
    """The project in ``workdir`` after two retrains (2026-11's potential model promoted over
    2026-10's), registered in its embedded MLflow store as a retrain registers them."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store = f"sqlite:///{workdir / 'data/10_mlflow/mlflow.db'}"
    (workdir / "data/10_mlflow").mkdir(parents=True)
    monkeypatch.setattr(tracking, "_session_tracking_uri", store)
    mlflow.set_tracking_uri(store)
    mlflow.set_experiment(experiment_id=mlflow.create_experiment("test", (workdir / "artifacts").as_uri()))
    dataset = ModelRegistryDataset(path=str(workdir / REGISTRY))
    for version, column in (("2026-10", "weak"), ("2026-11", "strong")):
        mlflow_registry.register_update(_month(version, dataset, column), PREFIX, None)
    yield workdir
    mlflow.set_tracking_uri(None)


def _champion_months() -> dict[str, str]:
    client = MlflowClient()
    return {
        name.removeprefix(PREFIX): client.get_model_version_by_alias(name, "champion").tags["month"]
        for name in (m.name for m in client.search_registered_models())
    }


def test_rollback_restores_a_months_champions_in_the_registry_and_in_mlflow(two_months):
    assert _champion_months()["potential_model"] == _champion_months()["tag_binner"] == "2026-11"

    result = CliRunner().invoke(cli, ["champions", "rollback", "--to", "2026-10", "--reason", "bad campaign month"])

    assert result.exit_code == 0, result.output
    assert "potential_model: 2026-11 -> 2026-10" in result.output
    document = json.loads((two_months / REGISTRY / "model_registry.json").read_text())
    assert {entry["version"] for entry in document["champions"].values()} == {"2026-10"}
    assert document["champions"]["potential_model"]["metric"] == "auc"  # the entry as 2026-10 left it
    (rollback,) = document["rollbacks"]
    assert rollback["to"] == "2026-10" and rollback["reason"] == "bad campaign month"
    assert rollback["versions_before"]["tag_binner"] == "2026-11"
    assert set(_champion_months().values()) == {"2026-10"}
    # what score reads, from either store
    assert MlflowChampionDataset(artefact="potential_model", prefix=PREFIX).load().column == "weak"
    registry_champion = ChampionDataset(path=str(two_months / REGISTRY), artefact="potential_model")
    assert registry_champion.load().column == "weak"
    # the next month's retrain competes with the restored champion
    assert (
        ModelRegistryDataset(path=str(two_months / REGISTRY))
        .load()
        .champions_before("2026-12")["potential_model"]["version"]
        == "2026-10"
    )


def test_rolling_back_one_model_takes_its_drift_reference_and_leaves_the_rest(two_months):
    result = CliRunner().invoke(cli, ["champions", "rollback", "--to", "2026-10", "--artefact", "potential_model"])

    assert result.exit_code == 0, result.output
    champions = json.loads((two_months / REGISTRY / "model_registry.json").read_text())["champions"]
    assert champions["potential_model"]["version"] == "2026-10"
    assert champions["potential_model_drift_reference"]["version"] == "2026-10"
    assert champions["tag_binner"]["version"] == "2026-11"
    months = _champion_months()
    assert months["potential_model"] == months["potential_model_drift_reference"] == "2026-10"
    assert months["tag_binner"] == "2026-11"


def test_list_shows_the_champions_and_a_month_or_artefact_not_held_is_refused_with_nothing_changed(two_months):
    listed = CliRunner().invoke(cli, ["champions", "list"])
    document = (two_months / REGISTRY / "model_registry.json").read_bytes()

    unknown_month = CliRunner().invoke(cli, ["champions", "rollback", "--to", "2026-08"])
    unknown_model = CliRunner().invoke(cli, ["champions", "rollback", "--to", "2026-10", "--artefact", "m9"])

    assert listed.exit_code == 0, listed.output
    assert "potential_model" in listed.output and "auc" in listed.output
    assert "retrains recorded: 2026-10, 2026-11" in listed.output
    assert unknown_month.exit_code != 0
    assert "no retrain of 2026-08 is recorded (recorded: ['2026-10', '2026-11'])" in unknown_month.output
    assert unknown_model.exit_code != 0 and "left no champion for ['m9']" in unknown_model.output
    assert (two_months / REGISTRY / "model_registry.json").read_bytes() == document
    assert _champion_months()["potential_model"] == "2026-11"
