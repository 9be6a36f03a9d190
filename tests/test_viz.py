"""kedro-viz reads like the method's flow: one collapsible block per pipeline at the top level."""

from __future__ import annotations

import json

from kedro_viz.api.rest.responses.pipelines import get_pipeline_response
from kedro_viz.server import load_and_populate_data

from tests.conftest import PROJECT

# data engineering -> tags -> segments -> models -> recommendations -> RM types -> report, with the
# demo bank, the demo checks, the registry, drift and the scores by the champions decided in a retrain
BLOCKS = {
    "demo_data",
    "data_engineering",
    "tag_system",
    "clustering",
    "potential_model",
    "loan_demand",
    "model_demo_check",
    "model_registry",
    "after_decision",
    "drift_monitoring",
    "product_recommendation",
    "portrait_push",
    "rm_classification",
    "rm_classification_demo_check",
    "reporting",
    "publish",
}


def test_the_default_pipeline_opens_as_one_block_per_pipeline(monkeypatch):
    monkeypatch.chdir(PROJECT)
    load_and_populate_data(PROJECT, pipeline_name="__default__")
    graph = json.loads(get_pipeline_response("__default__").model_dump_json(by_alias=True))
    tree = graph["modular_pipelines"]
    top = tree["__root__"]["children"]
    assert {c["id"] for c in top if c["type"] == "modularPipeline"} == BLOCKS
    # no node is left outside a block, and the internal steps stay inside theirs
    assert not [c for c in top if c["type"] == "task"]
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    top_data = {names[c["id"]] for c in top if c["type"] == "data"}
    assert {"customer_features", "customer_tags", "potential_scores", "report"} <= top_data
    assert "potential_model_tuning" not in top_data  # handed from the study to the refit inside M1's block
    inside_m1 = {names[c["id"]] for c in tree["potential_model"]["children"]}
    assert {"tune_models", "potential_model_tuning"} <= inside_m1
    # the segments of each group are a block inside clustering
    assert {c["id"] for c in tree["clustering"]["children"] if c["type"] == "modularPipeline"} == {
        "clustering.basic",
        "clustering.financial",
        "clustering.non_financial",
        "clustering.lifestyle",
    }
