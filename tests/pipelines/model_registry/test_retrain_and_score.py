"""``retrain`` and ``score`` as a scheduler runs them, on the tiny demo bank (docs/operations.md):
a first retrain registers champions; ``score`` fits nothing and uses them; a rerun of the month
is idempotent; the next month's retrain interrupted midway leaves the champion usable; the next
month's complete retrain records its decision; the Airflow DAG of ``retrain`` compiles.

The first month is the session's default run (its retrain is the month of 2026-10) and its rerun
the session's ``month_rerun`` (tests/conftest.py); the steps below go on in the same project."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro_airflow.plugin import commands
from sklearn.metrics import roc_auc_score

from customer_classification.datasets import ModelRegistryDataset
from customer_classification.modelling import nodes as model_nodes
from tests.conftest import REGISTRY, TINY, inside, registry_files, run

# Each step of the months below is a module fixture that runs once and records what the tests
# read, so the tests pass in any order: a step's fixture asks for the steps before it.


@pytest.fixture(scope="module")
def scored(month_project, month_rerun) -> dict:
    """``score`` after the working copies of the fitted models and the scores were deleted."""
    project = month_project
    for working_copy in (project / "data/06_models").glob("*.*"):
        working_copy.unlink()
    shutil.rmtree(project / "data/06_models/segments")
    retrained = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    (project / "data/07_model_output/potential_scores.parquet").unlink()
    with inside(project):
        run(project, pipeline="score")
    return {
        "retrained": retrained,
        "scored": pd.read_parquet(project / "data/07_model_output/potential_scores.parquet"),
        "working_copy_left": (project / "data/06_models/potential_model.pkl").exists(),
    }


def _raise(*args, **kwargs):
    raise RuntimeError("the warehouse connection dropped")


@pytest.fixture(scope="module")
def interrupted(month_project, scored) -> dict:
    """The next month's demo bank, a ``retrain`` that fails midway, then ``score``."""
    project = month_project
    with inside(project):
        run(project, env="next_month", pipeline="demo_data")
        before = registry_files(project)
        with pytest.MonkeyPatch.context() as failing:
            failing.setattr(model_nodes, "fit_champion", _raise)
            bootstrap_project(project)  # the registry is rebuilt with the failing node
            with pytest.raises(RuntimeError, match="warehouse connection dropped") as error:
                run(project, env="next_month", pipeline="retrain")
        bootstrap_project(project)
        after = registry_files(project)
        run(project, env="next_month", pipeline="score")
    return {
        "error": error.value,
        "before": before,
        "after": after,
        "drift": pd.read_csv(project / "data/08_reporting/drift_monitoring.csv"),
        "scores": pd.read_parquet(project / "data/07_model_output/potential_scores.parquet"),
    }


@pytest.fixture(scope="module")
def next_month(month_project, interrupted) -> dict:
    """The next month's complete ``retrain``: its registry document, and both versions of each
    model scored again here on the customers of the challenger's test predictions."""
    project = month_project
    with inside(project):
        run(project, env="next_month", pipeline="retrain")
        with KedroSession.create(project_path=project, env="next_month", runtime_params=TINY) as session:
            features = session.load_context().catalog.load("customer_features").collect().to_pandas()
    registry = ModelRegistryDataset(path=str(project / REGISTRY)).load()
    rescored = {}
    for model, predictions in (("potential_model", "potential_model"), ("loan_demand_model", "loan_demand")):
        test = pd.read_parquet(project / f"data/07_model_output/{predictions}_test_predictions.parquet")
        keys = ["customer_id", "snapshot_date"]
        rows = test[keys].merge(features, on=keys, how="left", validate="one_to_one")
        rescored[model] = {
            "test": test,
            "champion": registry.load(model, "2026-10").predict(rows),
            "challenger": registry.load(model, "2026-11").predict(rows),
        }
    document = json.loads((project / REGISTRY / "model_registry.json").read_text())
    return {"document": document, "rescored": rescored, "registry_files": registry_files(project)}


def test_the_first_retrain_registers_every_artefact_as_champion(first_month):
    champions = first_month["document"]["champions"]
    assert champions["potential_model"]["version"] == "2026-10"
    assert champions["potential_model"]["metric"] == "auc"
    assert champions["potential_model"]["test_snapshot"] == "2026-05-01"
    # the registry's figure is the test AUC the model pipeline reports for the same model
    assert champions["potential_model"]["value"] == pytest.approx(first_month["metrics"]["test"]["auc"], abs=1e-6)
    assert champions["loan_demand_model"]["metric"] == "rmse"
    assert {"tag_binner", "basic.segment_model", "recommender", "recommendation_blend"} <= set(champions)
    for artefact, entry in champions.items():
        assert f"{artefact}/{entry['version']}.pkl" in first_month["registry_files"]
    assert [(d["model"], d["decision"]) for d in first_month["decisions"]] == [
        ("potential_model", "promoted"),
        ("loan_demand_model", "promoted"),
    ]
    drift = first_month["drift"]
    assert set(drift["band"]) <= {"stable", "watch", "act"}
    scores = drift[drift["kind"] == "score"]
    assert scores["name"].tolist() == ["probability", "predicted_utilization"]
    assert (drift["reference_snapshots"] == "2025-11-01;2026-01-01;2026-03-01").all()
    assert (drift["scoring_snapshot"] == "2026-11-01").all()
    assert "Champion or challenger: the retrain of 2026-10" in first_month["report"]


def test_rerunning_the_month_is_idempotent(first_month, month_rerun):
    assert month_rerun["fingerprints"] == first_month["fingerprints"]
    assert month_rerun["registry_files"] == first_month["registry_files"]


def test_score_fits_nothing_and_uses_the_registered_champions(scored):
    fitting = {
        "tag_system.fit_tag_binner",
        "potential_model.tune_models",
        "potential_model.fit_champion",
        "loan_demand.fit_champion",
        "product_recommendation.fit_recommenders",
        "product_recommendation.choose_blend",
    }
    names = {n.name for n in pipelines["score"].nodes}
    assert {"potential_model.score_customers", "tag_system.assign_tags"} <= names
    assert not names & fitting and not any(n.endswith("fit_segments") for n in names)
    # without the working copies a fit leaves in 06_models, score still runs: it reads the registry
    pd.testing.assert_frame_equal(scored["scored"], scored["retrained"])
    assert not scored["working_copy_left"]


def test_an_interrupted_retrain_leaves_the_champions_and_score_works(interrupted):
    assert interrupted["after"] == interrupted["before"]
    drift = interrupted["drift"]
    assert (drift["scoring_snapshot"] == "2026-12-01").all()
    assert (drift["reference_snapshots"] == "2025-11-01;2026-01-01;2026-03-01").all()  # the 2026-10 champion
    scores = interrupted["scores"]
    assert (scores["snapshot_date"] == "2026-12-01").all() and scores["probability"].between(0, 1).all()


def test_the_next_retrain_decides_against_the_champion_on_the_same_test_rows(next_month):
    document = next_month["document"]
    assert [r["version"] for r in document["retrains"]] == ["2026-10", "2026-11"]
    decisions = {d["model"]: d for d in document["retrains"][-1]["decisions"]}
    assert set(decisions) == {"potential_model", "loan_demand_model"}
    for model, decision in decisions.items():
        assert decision["champion_before"] == "2026-10"
        assert decision["test_snapshot"] == "2026-06-01"
        rescored = next_month["rescored"][model]
        test = rescored["test"]
        assert decision["test_rows"] == len(test) and (pd.to_datetime(test["snapshot_date"]) == "2026-06-01").all()
        # both versions, loaded from the registry and scored here on the challenger's test customers,
        # give the figures the decision recorded: the two were compared on the same rows
        actual = test["actual"].to_numpy()
        if model == "potential_model":
            measure = lambda score: roc_auc_score(actual.astype(int), score)  # noqa: E731
        else:
            measure = lambda score: float(np.sqrt(np.mean((actual - score) ** 2)))  # noqa: E731
        np.testing.assert_allclose(rescored["challenger"], test["predicted"], rtol=1e-9)
        assert decision["challenger_value"] == pytest.approx(measure(rescored["challenger"]), abs=1e-9)
        assert decision["champion_value"] == pytest.approx(measure(rescored["champion"]), abs=1e-9)
        expected = "2026-11" if decision["decision"] == "promoted" else "2026-10"
        assert document["champions"][model]["version"] == expected
        assert "champion 2026-10" in decision["reason"] and str(decision["margin"]) in decision["reason"]
    assert document["champions"]["tag_binner"]["version"] == "2026-11"
    assert "potential_model/2026-11.pkl" in next_month["registry_files"]  # kept or not, archived


def test_the_airflow_dag_of_retrain_is_generated_and_compiles(workdir):
    project = workdir  # the DAG needs the project's settings, no data
    metadata = bootstrap_project(project)
    result = CliRunner().invoke(
        commands, ["airflow", "create", "--pipelines", "retrain", "--group-by", "memory", "-t", "dags"], obj=metadata
    )
    assert result.exit_code == 0, result.output
    dag = project / "dags" / "customer_classification_retrain_dag.py"
    source = dag.read_text()
    compile(source, str(dag), "exec")
    assert 'pipeline_name = "retrain"' in source
    tasks = [json.loads(names) for names in re.findall(r"_run_kedro_node\(node_names=(\[[^]]*\])\)", source)]
    # the nodes handing models over in memory share one Airflow task: the decision and what scores with its
    # champions; each model's study and refit (the model tables are files, so the study is a task of its own)
    (deciding,) = [task for task in tasks if "model_registry.decide_champions" in task]
    assert {
        "after_decision.potential_model.score_customers",
        "after_decision.loan_demand.score_customers",
        "after_decision.drift_monitoring.monitor_drift",
    } <= set(deciding)
    for model in ("potential_model", "loan_demand"):
        (study,) = [task for task in tasks if f"{model}.tune_models" in task]
        assert f"{model}.fit_champion" in study and f"{model}.build_model_table" not in study
    assert ["model_registry.register_models"] in tasks  # the registry is written by a task of its own
