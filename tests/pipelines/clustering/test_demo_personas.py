"""On the demo bank, the lifestyle group recovers the planted personas (issue: ARI >= 0.7)."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from customer_classification.pipelines.clustering import nodes
from customer_classification.pipelines.clustering.params import ClusteringParams
from customer_classification.pipelines.tag_system.params import TagSystemParams
from tests.pipelines.data_engineering.conftest import engineering_params, run_data_engineering
from tests.pipelines.tag_system.conftest import project_parameters


def test_the_lifestyle_group_recovers_the_planted_personas(small_bank, small_params):
    features = run_data_engineering(small_bank, engineering_params(small_params))["customer_features"]
    settings = project_parameters()["clustering"]
    tag_system = TagSystemParams.model_validate(project_parameters()["tag_system"])
    # the small bank's snapshots: fit on its first, as the default fits on a training snapshot
    first = features["snapshot_date"].min().date()
    clustering = ClusteringParams.model_validate({**settings, "fit_snapshot": first, "profile_snapshot": first})
    model, evidence = nodes.fit_segments(features, tag_system, clustering, "lifestyle")
    assigned = nodes.assign_clusters(features, model)
    truth = small_bank["demo_truth"][["customer_id", "persona"]]
    at_fit = assigned[assigned["snapshot_date"] == pd.Timestamp(first)].merge(truth, on="customer_id")
    score = adjusted_rand_score(at_fit["persona"], at_fit["cluster"])
    assert score >= 0.7, (score, evidence[["k", "silhouette", "stability", "chosen"]].to_dict("records"))
    # and the group without behaviour does not: the personas are not in age and income alone
    basic_model, _ = nodes.fit_segments(features, tag_system, clustering, "basic")
    basic = nodes.assign_clusters(features, basic_model)
    basic = basic[basic["snapshot_date"] == pd.Timestamp(first)].merge(truth, on="customer_id")
    assert adjusted_rand_score(basic["persona"], basic["cluster"]) < score
