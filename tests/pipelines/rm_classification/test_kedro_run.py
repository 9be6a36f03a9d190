"""``kedro run`` of rm_classification as a user runs it, on the tiny demo bank."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.conftest import TINY, run


def test_rm_classification_runs_without_demo_truth_and_the_demo_check_runs_with_it(finished_workdir):
    workdir = finished_workdir  # the default run: demo bank, data engineering, rm_classification and its demo check
    output = workdir / "data" / "07_model_output"
    reporting = workdir / "data" / "08_reporting"
    classification = pd.read_csv(output / "rm_classification.csv")
    thresholds = pd.read_csv(output / "rm_thresholds.csv")
    n_rms = round(TINY["demo_bank"]["n_customers"] / TINY["demo_bank"]["customers_per_rm"])
    assert len(classification) == n_rms * len(thresholds)
    assert classification["is_type"].dtype == bool
    evaluation = json.loads((reporting / "rm_demo_evaluation.json").read_text())
    assert evaluation["rms_classified"] == n_rms

    # a bank without demo truth: the pipeline alone needs none of it
    shutil.rmtree(workdir / "data" / "01_raw" / "demo_truth")
    (reporting / "rm_demo_evaluation.json").unlink()
    (output / "rm_classification.csv").unlink()
    run(workdir, pipeline="rm_classification")
    pd.testing.assert_frame_equal(pd.read_csv(output / "rm_classification.csv"), classification)
    assert not (reporting / "rm_demo_evaluation.json").exists()


def test_the_recommendation_source_types_rms_by_their_clients_first_recommendations(finished_workdir):
    workdir = finished_workdir  # after the default run
    source = {"rm_classification": {"client_category_source": "top_recommendation"}}
    run(workdir, pipeline="rm_classification", extra_params=source)
    output = workdir / "data" / "07_model_output"
    classification = pd.read_csv(output / "rm_classification.csv")
    recommendations = pd.read_parquet(output / "product_recommendations.parquet")
    first = recommendations[recommendations["rank"] == 1]
    customers = pd.read_parquet(workdir / "data" / "02_intermediate" / "customers")
    expected = (
        first.merge(customers[["customer_id", "rm_id"]].dropna(), on="customer_id")
        .groupby(["rm_id", "product_category"])
        .size()
    )
    counted = classification.set_index(["rm_id", "category"])["count"]
    for (rm, category), n in expected.items():
        if (rm, category) in counted.index:
            assert counted[(rm, category)] == n
    assert counted.sum() == expected[expected.index.get_level_values(1).isin(classification["category"])].sum()


def test_the_recommendation_source_without_recommendations_stops_before_anything_is_written(engineered_workdir):
    workdir = engineered_workdir  # after demo_data and data_engineering alone
    with pytest.raises(ValueError, match="run `kedro run --pipelines product_recommendation` first"):
        run(
            workdir,
            pipeline="rm_classification",
            extra_params={"rm_classification": {"client_category_source": "top_recommendation"}},
        )
    assert not (workdir / "data" / "07_model_output" / "rm_classification.csv").exists()
