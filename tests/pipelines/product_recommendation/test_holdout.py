"""product_recommendation's customer holdout on the tiny bank: the customers that fit the scorers,
choose the blend and test it are disjoint groups, whatever the order of the rows."""

from __future__ import annotations

import pandas as pd

from customer_classification.modelling.table import customer_group
from customer_classification.pipelines.product_recommendation import nodes
from customer_classification.pipelines.product_recommendation.params import ProductRecommendationParams
from tests.pipelines.in_memory import raw_parameters

PARAMS = ProductRecommendationParams(**raw_parameters("product_recommendation"))


def test_the_propensity_tables_splits_hold_disjoint_customers(tiny_recommended):
    table = tiny_recommended["propensity_table"]
    by_split = {name: set(rows["customer_id"]) for name, rows in table.groupby("split", observed=True)}
    assert by_split["train"] and by_split["validation"] and by_split["test"]
    assert not by_split["train"] & by_split["validation"]
    assert not by_split["train"] & by_split["test"]
    assert not by_split["validation"] & by_split["test"]


def test_the_scorers_blend_and_test_customers_are_disjoint_and_order_free(tiny_engineered):
    features, labels = tiny_engineered["customer_features"], tiny_engineered["model_labels"]
    snapshots = [*PARAMS.training_snapshots, PARAMS.validation_snapshot, PARAMS.test_snapshot]
    groups = [
        set(nodes._with_labels(features, labels, snapshots, PARAMS, group)["customer_id"])
        for group in (nodes.TRAIN, nodes.VALIDATION, nodes.TEST)
    ]
    assert all(groups)
    assert not groups[0] & groups[1] and not groups[0] & groups[2] and not groups[1] & groups[2]
    # the same rows shuffled put every customer in the same group
    shuffled = features.sample(fraction=1.0, shuffle=True, seed=5)
    again = set(nodes._with_labels(shuffled, labels, snapshots, PARAMS, nodes.TRAIN)["customer_id"])
    assert again == groups[0]
    for group, customers in enumerate(groups):
        ids = pd.Series(sorted(customers))
        assert (customer_group(ids, PARAMS.customer_holdout) == group).all()
