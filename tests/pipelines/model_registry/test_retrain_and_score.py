"""``retrain`` and ``score`` as a scheduler runs them, on the tiny demo bank (docs/operations.md):
a first retrain registers champions; ``score`` fits nothing and uses them; a rerun of the month
is idempotent; the next month's retrain interrupted midway leaves the champion usable; the next
month's complete retrain records its decision; the Airflow DAG of ``retrain`` compiles."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project
from kedro_airflow.plugin import commands

from customer_classification.modelling import nodes as model_nodes
from tests.conftest import copy_run, run

SMALL_STUDY = {"n_trials": 3, "timeout_s": 120}
FAST = {"potential_model": {"study": SMALL_STUDY}, "loan_demand": {"study": SMALL_STUDY}}
REGISTRY = Path("data/06_models/registry")
# what a run of the month writes, compared byte for byte between a run and its rerun
OUTPUTS = (
    REGISTRY / "model_registry.json",
    Path("data/08_reporting/champion_decisions.json"),
    Path("data/08_reporting/drift_monitoring.csv"),
    Path("data/07_model_output/potential_scores.parquet"),
    Path("data/07_model_output/loan_demand_scores.parquet"),
    Path("data/07_model_output/product_recommendations.parquet"),
    Path("data/07_model_output/rm_classification.csv"),
)


def fingerprints(root: Path, paths=OUTPUTS) -> dict[str, str]:
    return {str(p): hashlib.sha256((root / p).read_bytes()).hexdigest() for p in paths}


def registry_files(root: Path) -> dict[str, str]:
    folder = root / REGISTRY
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory, engineered_project):
    """The project after ``kedro run --pipelines demo_data`` (the session's demo bank, copied)."""
    root = copy_run(engineered_project, tmp_path_factory.mktemp("operations_project"), only=("01_raw",))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        bootstrap_project(root)
        yield root


@pytest.fixture(scope="module")
def first_month(project):
    run(project, pipeline="retrain", extra_params=FAST)
    return fingerprints(project), registry_files(project)


def test_the_first_retrain_registers_every_artefact_as_champion(project, first_month):
    document = json.loads((project / REGISTRY / "model_registry.json").read_text())
    champions = document["champions"]
    assert champions["potential_model"]["version"] == "2026-10"
    assert champions["potential_model"]["metric"] == "auc"
    assert champions["potential_model"]["test_snapshot"] == "2026-05-01"
    assert 0.5 < champions["potential_model"]["value"] <= 1
    assert champions["loan_demand_model"]["metric"] == "rmse"
    assert {"tag_binner", "basic.segment_model", "recommender", "recommendation_blend"} <= set(champions)
    for artefact, entry in champions.items():
        assert (project / REGISTRY / artefact / f"{entry['version']}.pkl").exists()
    decisions = json.loads((project / "data/08_reporting/champion_decisions.json").read_text())
    assert [(d["model"], d["decision"]) for d in decisions] == [
        ("potential_model", "promoted"),
        ("loan_demand_model", "promoted"),
    ]
    drift = pd.read_csv(project / "data/08_reporting/drift_monitoring.csv")
    assert set(drift["band"]) <= {"stable", "watch", "act"}
    scores = drift[drift["kind"] == "score"]
    assert scores["name"].tolist() == ["probability", "predicted_utilization"]
    assert (drift["reference_snapshots"] == "2025-11-01;2026-01-01;2026-03-01").all()
    assert (drift["scoring_snapshot"] == "2026-11-01").all()
    assert "Champion or challenger: the retrain of 2026-10" in (project / "data/08_reporting/report.html").read_text()


def test_rerunning_the_month_is_idempotent(project, first_month):
    run(project, pipeline="retrain", extra_params=FAST)
    assert fingerprints(project) == first_month[0]
    assert registry_files(project) == first_month[1]


def test_score_fits_nothing_and_uses_the_registered_champions(project, first_month):
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
    for working_copy in (project / "data/06_models").glob("*.*"):
        working_copy.unlink()
    shutil.rmtree(project / "data/06_models/segments")
    retrained = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    (project / "data/07_model_output/potential_scores.parquet").unlink()
    run(project, pipeline="score", extra_params=FAST)
    scored = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    pd.testing.assert_frame_equal(scored, retrained)
    assert not (project / "data/06_models/potential_model.pkl").exists()


@pytest.fixture(scope="module")
def next_month(project, first_month):
    run(project, env="next_month", pipeline="demo_data", extra_params=FAST)


def _raise(*args, **kwargs):
    raise RuntimeError("the warehouse connection dropped")


def test_an_interrupted_retrain_leaves_the_champions_and_score_works(project, first_month, next_month):
    before = registry_files(project)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model_nodes, "fit_champion", _raise)
        bootstrap_project(project)  # the registry is rebuilt with the failing node
        with pytest.raises(RuntimeError, match="warehouse connection dropped"):
            run(project, env="next_month", pipeline="retrain", extra_params=FAST)
    bootstrap_project(project)
    assert registry_files(project) == before
    run(project, env="next_month", pipeline="score", extra_params=FAST)
    drift = pd.read_csv(project / "data/08_reporting/drift_monitoring.csv")
    assert (drift["scoring_snapshot"] == "2026-12-01").all()
    assert (drift["reference_snapshots"] == "2025-11-01;2026-01-01;2026-03-01").all()  # the 2026-10 champion
    scores = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    assert (scores["snapshot_date"] == "2026-12-01").all() and scores["probability"].between(0, 1).all()


def test_the_next_retrain_decides_against_the_champion_on_the_same_test_rows(project, first_month, next_month):
    run(project, env="next_month", pipeline="retrain", extra_params=FAST)
    document = json.loads((project / REGISTRY / "model_registry.json").read_text())
    assert [r["version"] for r in document["retrains"]] == ["2026-10", "2026-11"]
    decisions = {d["model"]: d for d in document["retrains"][-1]["decisions"]}
    for model, decision in decisions.items():
        assert decision["champion_before"] == "2026-10"
        assert decision["test_snapshot"] == "2026-06-01"
        assert decision["champion_value"] is not None and decision["decision"] in {"promoted", "kept"}
        assert "champion 2026-10" in decision["reason"] and str(decision["margin"]) in decision["reason"]
        expected = "2026-11" if decision["decision"] == "promoted" else "2026-10"
        assert document["champions"][model]["version"] == expected
        sign = 1 if decision["greater_is_better"] else -1
        improvement = sign * (decision["challenger_value"] - decision["champion_value"])
        assert (improvement >= decision["margin"]) == (decision["decision"] == "promoted")
    assert document["champions"]["tag_binner"]["version"] == "2026-11"
    assert (project / REGISTRY / "potential_model" / "2026-11.pkl").exists()  # kept or not, archived


def test_the_airflow_dag_of_retrain_is_generated_and_compiles(project):
    metadata = bootstrap_project(project)
    result = CliRunner().invoke(
        commands, ["airflow", "create", "--pipelines", "retrain", "--group-by", "memory", "-t", "dags"], obj=metadata
    )
    assert result.exit_code == 0, result.output
    dag = project / "dags" / "customer_classification_retrain_dag.py"
    source = dag.read_text()
    compile(source, str(dag), "exec")
    assert 'pipeline_name = "retrain"' in source
    # the nodes handing models over in memory share one Airflow task
    assert '"decide_champions", "score_loan_demand", "score_potential_customers", "monitor_drift"' in source
    assert '_run_kedro_node(node_names=["register_models"])' in source
