"""``kedro run`` of potential_model, loan_demand and model_demo_check on a tiny demo bank, and a
bank's own flat table through the catalog and parameters alone (docs/models.md)."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml
from kedro.framework.startup import bootstrap_project

from tests.conftest import copy_project, run

SMALL_STUDY = {"n_trials": 4, "timeout_s": 60}
PARAMS = {
    "potential_model": {"study": SMALL_STUDY},
    "loan_demand": {"study": SMALL_STUDY},
}
# a bank a little larger than TINY, so that every split holds both outcomes
BANK = {"demo_bank": {"n_customers": 1500, "chunk_size": 1500, "customers_per_rm": 50}}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("models_project")
    copy_project(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        bootstrap_project(root)
        for pipeline in ("demo_data", "data_engineering", "potential_model", "loan_demand", "model_demo_check"):
            run(root, pipeline=pipeline, extra_params={**BANK, **PARAMS})
        yield root


def test_potential_scores_have_probabilities_tiers_and_three_reasons(project):
    scores = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    labels = pd.read_parquet(project / "data/05_model_input/model_labels")
    latest = labels[(labels["snapshot_date"] == "2026-11-01") & labels["is_long_tail"].fillna(False)]
    assert sorted(scores["customer_id"]) == sorted(latest["customer_id"])
    assert scores["probability"].between(0, 1).all()
    shares = scores["tier"].value_counts(normalize=True).reindex(["A", "B", "C", "D"])
    np.testing.assert_allclose(shares, [0.05, 0.15, 0.30, 0.50], atol=0.01)
    assert scores.groupby("tier", observed=True)["probability"].min().is_monotonic_decreasing
    for i in (1, 2, 3):
        assert scores[f"reason_{i}_feature"].notna().all()
    assert (scores["reason_1_contribution"] >= scores["reason_3_contribution"]).all()


def test_metrics_comparison_and_study_are_written(project):
    metrics = json.loads((project / "data/08_reporting/potential_model_metrics.json").read_text())
    assert {"auc", "gini", "ks", "pr_auc", "brier", "top_decile_lift"} <= set(metrics["test"])
    assert metrics["test"]["gini"] == pytest.approx(2 * metrics["test"]["auc"] - 1)
    assert len(metrics["gain_table"]) == 10
    assert metrics["study"]["trials"] == SMALL_STUDY["n_trials"]
    comparison = pd.read_csv(project / "data/08_reporting/potential_model_comparison.csv")
    assert comparison["champion"].sum() == 1
    study = optuna.load_study(
        study_name="potential_model", storage=f"sqlite:///{project}/data/06_models/potential_model_study.db"
    )
    assert len(study.trials) == SMALL_STUDY["n_trials"]
    assert {t.params["family"] for t in study.trials} <= {"lightgbm", "logistic", "random_forest"}
    with sqlite3.connect(project / "data/06_models/loan_demand_study.db") as db:
        assert db.execute("select count(*) from trials").fetchone()[0] == SMALL_STUDY["n_trials"]


def test_loan_demand_scores_every_customer_and_flags_above_the_threshold(project):
    scores = pd.read_parquet(project / "data/07_model_output/loan_demand_scores.parquet")
    features = pd.read_parquet(project / "data/04_feature/customer_features")
    latest = features[features["snapshot_date"] == "2026-11-01"]
    assert len(scores) == len(latest)
    assert (scores["is_potential_loan_customer"] == (scores["predicted_utilization"] > 0.7)).all()
    metrics = json.loads((project / "data/08_reporting/loan_demand_metrics.json").read_text())
    assert {"rmse", "mae", "r2"} <= set(metrics["test"])
    assert 0 <= metrics["potential_threshold"]["precision"] <= 1
    comparison = pd.read_csv(project / "data/08_reporting/loan_demand_comparison.csv")
    assert set(comparison["family"]) <= {"lightgbm", "linear", "random_forest"}


def test_demo_check_compares_with_the_planted_truth(project):
    check = json.loads((project / "data/08_reporting/model_demo_evaluation.json").read_text())
    assert check["potential_model"]["truth_auc"] > 0.6
    assert check["potential_model"]["ratio"] > 0.85
    assert check["loan_demand"]["ratio"] > 0.7


def test_rerun_gives_the_same_scores_bit_for_bit(project):
    before = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    run(project, pipeline="potential_model", extra_params={**BANK, **PARAMS})
    after = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    pd.testing.assert_frame_equal(before, after, check_exact=True)


def test_a_flat_table_of_your_own_through_catalog_and_parameters(project):
    """The worked example of docs/models.md: one flat file with id, snapshot, features and target."""
    rng = np.random.default_rng(3)
    rows = []
    for snapshot in ("2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01"):
        n = 800
        spend = rng.gamma(2.0, 500.0, n)
        tenure = rng.integers(1, 120, n).astype(float)
        region = rng.choice(["north", "south", "east"], n)
        logit = -3 + spend / 700 + (region == "east") * 0.8
        churned = rng.random(n) < 1 / (1 + np.exp(-logit))
        rows.append(
            pd.DataFrame(
                {
                    "client": np.arange(n),
                    "as_of": pd.Timestamp(snapshot),
                    "spend_3m": spend,
                    "tenure": tenure,
                    "region": region,
                    "bought_fund": pd.Series(churned, dtype=object) if snapshot != "2025-01-01" else None,
                }
            )
        )
    byo = project / "data/01_raw/my_bank.parquet"
    pd.concat(rows, ignore_index=True).to_parquet(byo)
    env = project / "conf/my_bank"
    env.mkdir(exist_ok=True)
    table = {"type": "pandas.ParquetDataset", "filepath": "data/01_raw/my_bank.parquet"}
    (env / "catalog.yml").write_text(yaml.safe_dump({"customer_features": table, "model_labels": table}))
    # an environment replaces a whole top-level parameter: copy the base block and edit it
    params = yaml.safe_load((project / "conf/base/parameters_potential_model.yml").read_text())["potential_model"]
    params["model"].update(id_column="client", snapshot_column="as_of", target="bought_fund", population=[])
    params["split"] = {
        "training_snapshots": ["2024-01-01", "2024-04-01"],
        "validation_snapshot": "2024-07-01",
        "test_snapshot": "2024-10-01",
        "scoring_snapshot": "2025-01-01",
        "customer_holdout": None,
    }
    params["study"].update(SMALL_STUDY)
    (env / "parameters_potential_model.yml").write_text(yaml.safe_dump({"potential_model": params}))
    from kedro.framework.session import KedroSession  # noqa: PLC0415

    with KedroSession.create(project_path=project, env="my_bank") as session:
        session.run(pipeline_names=["potential_model"])
    scores = pd.read_parquet(project / "data/07_model_output/potential_scores.parquet")
    assert len(scores) == 800 and list(scores.columns[:4]) == ["client", "as_of", "probability", "tier"]
    assert set(scores["reason_1_feature"]) <= {"spend_3m", "tenure", "region"}
    metrics = json.loads((project / "data/08_reporting/potential_model_metrics.json").read_text())
    assert metrics["test"]["auc"] > 0.7
