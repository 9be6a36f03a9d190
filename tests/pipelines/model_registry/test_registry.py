"""Champion/challenger decisions and the registry folder, on hand-made models and tables."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from customer_classification.datasets import ChampionDataset, ModelRegistryDataset
from customer_classification.datasets import model_registry as registry_datasets
from customer_classification.modelling.spec import ModelSpec
from customer_classification.pipelines.model_registry.nodes import decide_champions, registrar
from customer_classification.pipelines.model_registry.params import ModelRegistryParams
from customer_classification.registry import ModelRegistry, RegistryUpdate, stable_pickle


@dataclass
class ColumnModel:
    """A stand-in model that predicts one column of the table it is given."""

    column: str
    spec: ModelSpec
    trained_on: list[str] = field(default_factory=lambda: ["2025-11-01"])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.column].to_numpy()


RNG = np.random.default_rng(7)
N = 400
TARGET = RNG.integers(0, 2, N)
UTILIZATION = RNG.uniform(0, 1, N)
TABLE = pd.DataFrame(
    {
        "customer_id": np.arange(N),
        "snapshot_date": pd.Timestamp("2026-05-01"),
        "split": pd.Categorical(["test"] * N, categories=["train", "validation", "test", "scoring"]),
        "upgrade_within_window": TARGET,
        "utilization_at_window_end": UTILIZATION,
        # scores of increasing quality: noise, weak and strong signal
        "noise": RNG.uniform(0, 1, N),
        "weak": (TARGET * 0.2 + RNG.uniform(0, 1, N)) / 1.2,
        "strong": (TARGET + RNG.uniform(0, 1, N)) / 2,
        "near": UTILIZATION + RNG.normal(0, 0.05, N),
        "far": UTILIZATION + RNG.normal(0, 0.3, N),
    }
)
BINARY = ModelSpec(target="upgrade_within_window", task="binary", population=[])
REGRESSION = ModelSpec(target="utilization_at_window_end", task="regression", population=[])
PARAMS = ModelRegistryParams(
    version="2026-10",
    potential_model={"metric": "auc", "margin": 0.005},
    loan_demand_model={"metric": "rmse", "margin": 0.002},
)


def registry_with(models: dict[tuple[str, str], object], champions: dict[str, dict]) -> ModelRegistry:
    state = {"format": 1, "champions": champions, "retrains": []}
    return ModelRegistry(state, lambda artefact, version: models[(artefact, version)])


def decide(registry, potential: str, loan: str, params=PARAMS):
    return decide_champions(
        TABLE,
        ColumnModel(potential, BINARY),
        {"ref": "potential challenger"},
        TABLE,
        ColumnModel(loan, REGRESSION),
        {"ref": "loan challenger"},
        registry,
        params,
    )


def test_the_first_retrain_promotes_its_challengers():
    records, potential, potential_ref, loan, loan_ref = decide(registry_with({}, {}), "weak", "far")
    assert [r["decision"] for r in records] == ["promoted", "promoted"]
    assert "no champion yet" in records[0]["reason"]
    assert potential.column == "weak" and loan.column == "far"
    assert potential_ref == {"ref": "potential challenger"}


def test_a_better_challenger_is_promoted_and_a_worse_one_kept_with_the_reason():
    old = {
        ("potential_model", "2026-09"): ColumnModel("weak", BINARY),
        ("potential_model_drift_reference", "2026-09"): {"ref": "potential champion"},
        ("loan_demand_model", "2026-09"): ColumnModel("near", REGRESSION),
        ("loan_demand_model_drift_reference", "2026-09"): {"ref": "loan champion"},
    }
    champions = {
        "potential_model": {"version": "2026-09"},
        "potential_model_drift_reference": {"version": "2026-09"},
        "loan_demand_model": {"version": "2026-09"},
        "loan_demand_model_drift_reference": {"version": "2026-09"},
    }
    records, potential, potential_ref, loan, loan_ref = decide(registry_with(old, champions), "strong", "far")
    by_model = {r["model"]: r for r in records}
    assert by_model["potential_model"]["decision"] == "promoted"
    assert by_model["potential_model"]["improvement"] > PARAMS.potential_model.margin
    assert potential.column == "strong"
    assert potential_ref == {"ref": "potential challenger"}
    # the loan challenger has the larger RMSE: kept, and the reason says so in numbers
    kept = by_model["loan_demand_model"]
    assert kept["decision"] == "kept" and kept["champion_after"] == "2026-09"
    assert kept["improvement"] < 0
    assert f"{kept['challenger_value']:.4f}" in kept["reason"] and "less than the margin 0.002" in kept["reason"]
    assert loan.column == "near" and loan_ref == {"ref": "loan champion"}


def test_a_challenger_better_by_less_than_the_margin_is_kept():
    old = {("potential_model", "2026-09"): ColumnModel("strong", BINARY), ("loan_demand_model", "2026-09"): None}
    old[("potential_model_drift_reference", "2026-09")] = {}
    champions = {"potential_model": {"version": "2026-09"}}
    same = ModelRegistryParams(**{**PARAMS.model_dump(), "potential_model": {"metric": "auc", "margin": 0.0001}})
    records, *_ = decide(registry_with(old, champions), "strong", "far", same)
    assert records[0]["improvement"] == 0.0 and records[0]["decision"] == "kept"
    exact = ModelRegistryParams(**{**PARAMS.model_dump(), "potential_model": {"metric": "auc", "margin": 0.0}})
    records, *_ = decide(registry_with(old, champions), "strong", "far", exact)
    assert records[0]["decision"] == "promoted"  # "at least the margin": a tie with margin 0 promotes


def _update(version: str, registry: ModelRegistry) -> RegistryUpdate:
    params = ModelRegistryParams(**{**PARAMS.model_dump(), "version": version})
    records, *_ = decide(registry, "strong", "near", params)
    register = registrar(["tag_binner"])
    return register(
        records,
        registry,
        params,
        ColumnModel("strong", BINARY),
        {"ref": version},
        ColumnModel("near", REGRESSION),
        {"ref": version},
        {"binner": version},
    )


def test_registry_round_trip_reruns_and_month_order(tmp_path):
    dataset = ModelRegistryDataset(path=str(tmp_path / "registry"))
    assert dataset.load().champions == {}
    dataset.save(_update("2026-10", dataset.load()))
    document = json.loads((tmp_path / "registry" / "model_registry.json").read_text())
    assert document["champions"]["potential_model"]["version"] == "2026-10"
    assert document["champions"]["potential_model"]["metric"] == "auc"
    assert document["champions"]["tag_binner"] == {"version": "2026-10"}
    assert ChampionDataset(path=str(tmp_path / "registry"), artefact="tag_binner").load() == {"binner": "2026-10"}
    first = (tmp_path / "registry" / "model_registry.json").read_bytes()
    # a rerun of the same month competes with the champions before that month: same document
    dataset.save(_update("2026-10", dataset.load()))
    assert (tmp_path / "registry" / "model_registry.json").read_bytes() == first
    # the next month's challenger ties the champion: kept, champion stays 2026-10
    dataset.save(_update("2026-11", dataset.load()))
    after = dataset.load()
    assert after.champion_version("potential_model") == "2026-10"
    assert after.champion_version("tag_binner") == "2026-11"
    assert [r["version"] for r in after.state["retrains"]] == ["2026-10", "2026-11"]
    with pytest.raises(ValueError, match="cannot follow the retrains of"):
        _update("2026-10", after)


def test_an_interrupted_save_leaves_the_previous_registry(tmp_path, monkeypatch):
    dataset = ModelRegistryDataset(path=str(tmp_path / "registry"))
    dataset.save(_update("2026-10", dataset.load()))
    before = (tmp_path / "registry" / "model_registry.json").read_bytes()
    update = _update("2026-11", dataset.load())
    real_replace = os.replace

    def crash_on_the_document(source, target):
        if str(target).endswith("model_registry.json"):
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(registry_datasets.os, "replace", crash_on_the_document)
    with pytest.raises(DatasetError, match="disk full"):
        dataset.save(update)
    monkeypatch.undo()
    assert (tmp_path / "registry" / "model_registry.json").read_bytes() == before
    assert not list((tmp_path / "registry").rglob("*.tmp"))
    assert dataset.load().champion_version("tag_binner") == "2026-10"


def test_score_without_a_registry_says_to_run_retrain(tmp_path):
    with pytest.raises(Exception, match="kedro run --pipelines retrain"):
        ChampionDataset(path=str(tmp_path / "none"), artefact="potential_model").load()


@dataclass
class SpyModel:
    """A stand-in model with fixed scores per customer that records which customers it was asked to score."""

    scores: dict[int, float]
    spec: ModelSpec
    seen: list[list[int]] = field(default_factory=list)
    trained_on: list[str] = field(default_factory=lambda: ["2025-11-01"])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        self.seen.append(frame["customer_id"].tolist())
        return frame["customer_id"].map(self.scores).to_numpy(dtype=float)


# six customers in three splits; the four test customers are 12, 13, 14 and 15
MIXED = pd.DataFrame(
    {
        "customer_id": [10, 11, 12, 13, 14, 15],
        "snapshot_date": pd.to_datetime(["2026-01-01", "2026-03-01"] + ["2026-05-01"] * 4),
        "split": pd.Categorical(
            ["train", "validation", "test", "test", "test", "test"],
            categories=["train", "validation", "test", "scoring"],
        ),
        "upgrade_within_window": [1, 0, 1, 0, 1, 0],
        "utilization_at_window_end": [0.5, 0.5, 0.2, 0.4, 0.6, 0.8],
    }
)


def _champions(potential, loan) -> ModelRegistry:
    old = {
        ("potential_model", "2026-09"): potential,
        ("potential_model_drift_reference", "2026-09"): {"ref": "potential champion"},
        ("loan_demand_model", "2026-09"): loan,
        ("loan_demand_model_drift_reference", "2026-09"): {"ref": "loan champion"},
    }
    return registry_with(old, {name: {"version": "2026-09"} for name, _ in old})


def test_champion_and_challenger_are_scored_on_the_same_test_customers_with_hand_worked_metrics():
    # test targets 1, 0, 1, 0 for customers 12..15; the train and validation rows must not be scored
    challenger = SpyModel({12: 0.9, 13: 0.2, 14: 0.6, 15: 0.4}, BINARY)  # every positive above every negative: AUC 1
    # positives 0.3 and 0.6 against negatives 0.8 and 0.4: one ordered pair of four, AUC 0.25
    champion = SpyModel({12: 0.3, 13: 0.8, 14: 0.6, 15: 0.4}, BINARY)
    # actual utilization 0.2, 0.4, 0.6, 0.8: the challenger is 0.1 off everywhere (RMSE 0.1), the champion exact
    loan_challenger = SpyModel({12: 0.3, 13: 0.5, 14: 0.7, 15: 0.9}, REGRESSION)
    loan_champion = SpyModel({12: 0.2, 13: 0.4, 14: 0.6, 15: 0.8}, REGRESSION)
    records, potential, _, loan, loan_ref = decide_champions(
        MIXED, challenger, {}, MIXED, loan_challenger, {}, _champions(champion, loan_champion), PARAMS
    )
    for spy in (challenger, champion, loan_challenger, loan_champion):
        assert spy.seen == [[12, 13, 14, 15]]
    by_model = {r["model"]: r for r in records}
    m1 = by_model["potential_model"]
    assert (m1["test_rows"], m1["test_snapshot"]) == (4, "2026-05-01")
    assert m1["challenger_value"] == pytest.approx(1.0) and m1["champion_value"] == pytest.approx(0.25)
    assert m1["improvement"] == pytest.approx(0.75) and m1["decision"] == "promoted" and potential is challenger
    m2 = by_model["loan_demand_model"]
    assert m2["challenger_value"] == pytest.approx(0.1) and m2["champion_value"] == pytest.approx(0.0, abs=1e-12)
    assert m2["improvement"] == pytest.approx(-0.1) and m2["decision"] == "kept"
    assert "an improvement of -0.1000, less than the margin 0.002" in m2["reason"]
    assert loan is loan_champion and loan_ref == {"ref": "loan champion"}


def test_a_champion_that_cannot_score_the_test_rows_gives_way_with_the_reason():
    class Broken(SpyModel):
        def predict(self, frame):
            raise ValueError("the table to score lacks the model's feature columns ['gone']")

    challenger = SpyModel({12: 0.9, 13: 0.2, 14: 0.6, 15: 0.4}, BINARY)
    loan = SpyModel({12: 0.2, 13: 0.4, 14: 0.6, 15: 0.8}, REGRESSION)
    registry = _champions(Broken({}, BINARY), loan)
    records, potential, *_ = decide_champions(MIXED, challenger, {}, MIXED, loan, {}, registry, PARAMS)
    assert records[0]["decision"] == "promoted" and potential is challenger
    assert "the champion 2026-09 cannot score the current test rows" in records[0]["reason"]
    assert "['gone']" in records[0]["reason"]


def test_an_artefact_pickles_to_the_same_bytes_in_every_process():
    # a pydantic model keeps the fields it was given in a set of strings, whose order follows the
    # hash seed Python draws anew per process: a rerun of the month must still write the same bytes
    script = (
        "import hashlib, sys\n"
        "from customer_classification.modelling.spec import ModelSpec\n"
        "from customer_classification.registry import stable_pickle\n"
        "spec = ModelSpec(target='upgrade_within_window', task='binary', population=[])\n"
        "value = {'spec': spec, 'tags': {'young', 'urban', 'saver', 'borrower'}, 'frozen': frozenset('abcdef')}\n"
        "sys.stdout.write(hashlib.sha256(stable_pickle(value)).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(digests) == 1
    value = {"tags": {"young", "urban"}, "frozen": frozenset({3, 1, 2})}
    assert pickle.loads(stable_pickle(value)) == value
