"""The retrain's artefacts as MLflow model versions, against the embedded SQLite store and a
real ``mlflow server`` started on localhost: versions, the @champion alias, reruns of a month,
an interrupted registration, and ``score``'s dataset reading the champion."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import mlflow
import pytest
from kedro.io import DatasetError
from mlflow import MlflowClient

from customer_classification import mlflow_registry, tracking
from customer_classification.datasets import MlflowChampionDataset
from customer_classification.registry import ModelRegistry, record_retrain
from tests.pipelines.model_registry.test_registry import _update

PREFIX = "cc."


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """The embedded store (SQLite file and artefact folder) in tmp_path."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setattr(tracking, "_session_tracking_uri", None)  # no Kedro session: this store
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment_id=mlflow.create_experiment("test", (tmp_path / "artifacts").as_uri()))
    yield uri
    mlflow.set_tracking_uri(None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path, monkeypatch):
    """``mlflow server`` on a free localhost port, with a SQLite backend and artefacts in tmp_path."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setattr(tracking, "_session_tracking_uri", None)  # no Kedro session: this server
    port = _free_port()
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}"]
    command += ["--artifacts-destination", str(tmp_path / "server_artifacts"), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{uri}/health", timeout=2)  # noqa: S310 - localhost
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"mlflow server did not start: {process.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.5)
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("test")
        yield uri
    finally:
        mlflow.set_tracking_uri(None)
        process.terminate()
        process.wait(timeout=30)


def _retrain(version: str, registry: ModelRegistry) -> tuple[ModelRegistry, object]:
    """The registry update of a retrain of ``version`` and the registry after it."""
    update = _update(version, registry)
    return ModelRegistry(update.state, lambda artefact, month: update.artefacts[(artefact, month)]), update


def _champion_month(name: str) -> str:
    return MlflowClient().get_model_version_by_alias(PREFIX + name, "champion").tags["month"]


def _register_two_months_and_rerun() -> dict:
    registry = ModelRegistry()
    after_first, first = _retrain("2026-10", registry)
    mlflow_registry.register_update(first, PREFIX, None)
    versions_after_first = {m.name: m.version for m in MlflowClient().search_model_versions()}
    mlflow_registry.register_update(first, PREFIX, None)  # the same month again
    rerun_versions = {m.name: m.version for m in MlflowClient().search_model_versions()}
    return {"first": first, "versions": versions_after_first, "rerun": rerun_versions, "registry": after_first}


def _check_registration(outcome: dict) -> None:
    client = MlflowClient()
    names = {m.name for m in client.search_registered_models()}
    assert names == {PREFIX + a for a, _ in outcome["first"].artefacts}
    for artefact, _month in outcome["first"].artefacts:
        version = client.get_model_version_by_alias(PREFIX + artefact, "champion")
        assert version.tags == {"month": "2026-10", "artefact": artefact}
    # a rerun of the month adds no version
    assert outcome["rerun"] == outcome["versions"]
    champion = MlflowChampionDataset(artefact="potential_model", prefix=PREFIX).load()
    assert champion.column == "strong"  # the object itself, as the file registry gives it
    info = mlflow.models.get_model_info(f"models:/{PREFIX}potential_model@champion")
    # a stand-in model names no columns: its signature names its type
    assert info.signature.params.to_dict() == [
        {"name": "artefact_type", "type": "string", "default": "ColumnModel", "shape": None}
    ]


def test_embedded_store_registers_each_artefact_once_per_month_with_the_champion_alias(embedded):
    outcome = _register_two_months_and_rerun()
    _check_registration(outcome)
    assert MlflowChampionDataset(artefact="tag_binner", prefix=PREFIX).load() == {"binner": "2026-10"}


def test_a_real_mlflow_server_holds_the_versions_and_the_champion(server):
    outcome = _register_two_months_and_rerun()
    _check_registration(outcome)
    assert MlflowClient().tracking_uri == server


def test_the_next_month_moves_the_alias_and_an_interrupted_registration_leaves_it(embedded, monkeypatch):
    first = _register_two_months_and_rerun()
    registry = first["registry"]
    _, second = _retrain("2026-11", registry)
    calls = []
    real = mlflow_registry.ensure_version

    def fail_on_third(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 3:
            raise RuntimeError("the tracking server went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(mlflow_registry, "ensure_version", fail_on_third)
    with pytest.raises(RuntimeError, match="went away"):
        mlflow_registry.register_update(second, PREFIX, None)
    # two versions of 2026-11 exist, but every champion is still the complete 2026-10
    assert {_champion_month(a) for a, _ in second.artefacts} == {"2026-10"}
    assert MlflowChampionDataset(artefact="tag_binner", prefix=PREFIX).load() == {"binner": "2026-10"}
    monkeypatch.setattr(mlflow_registry, "ensure_version", real)
    mlflow_registry.register_update(second, PREFIX, None)  # the rerun completes the month
    assert _champion_month("tag_binner") == "2026-11"
    assert MlflowChampionDataset(artefact="tag_binner", prefix=PREFIX).load() == {"binner": "2026-11"}
    versions = MlflowClient().search_model_versions(f"name = '{PREFIX}tag_binner'")
    assert sorted(v.tags["month"] for v in versions) == ["2026-10", "2026-11"]


def test_score_without_a_registered_champion_says_how_to_get_one(embedded):
    with pytest.raises(DatasetError, match="kedro run --pipelines retrain"):
        MlflowChampionDataset(artefact="potential_model", prefix=PREFIX).load()
    assert not MlflowChampionDataset(artefact="potential_model", prefix=PREFIX).exists()


def test_record_retrain_is_unchanged_by_mlflow():
    # the JSON document still decides: MLflow mirrors its champions
    state = record_retrain(ModelRegistry(), "2026-10", [], {}, {"tag_binner": {"version": "2026-10"}})
    assert state["champions"] == {"tag_binner": {"version": "2026-10"}}


def test_a_store_an_earlier_session_used_does_not_pass_for_the_users_choice(tmp_path, monkeypatch):
    """MLflow writes the store it is pointed at to MLFLOW_TRACKING_URI; a later session of the same
    process (another project, a test) must still use its own store, and a URI the user set wins."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    earlier = f"sqlite:///{tmp_path / 'earlier.db'}"
    try:
        tracking.point_mlflow_at(earlier)
        assert tracking.user_tracking_uri() is None
        monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
        assert tracking.user_tracking_uri() == "http://tracking.example:5000"
    finally:
        mlflow.set_tracking_uri(None)
