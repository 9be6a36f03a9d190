"""The portrait push on the tiny bank: what a user reads in its outputs."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from customer_classification.pipelines.portrait_push import nodes

PRODUCTS = [f"P{i:02d}" for i in range(1, 17)]


def test_every_customer_of_the_scoring_snapshot_is_pushed_products_they_do_not_hold(tiny_portrait):
    push = tiny_portrait["credit_push"]
    assert set(push["snapshot_date"].astype(str)) == {"2026-11-01"}
    assert push.groupby("customer_id")["rank"].apply(list).map(lambda r: r == sorted(r) and len(r) <= 3).all()
    assert set(push["product_id"]) <= set(PRODUCTS)
    # never a product the customer holds the month before the snapshot
    rows = tiny_portrait["portrait_push_model"]
    held = nodes.product_labels(
        tiny_portrait["holdings"], tiny_portrait["products"], [rows.params.scoring_snapshot], 6, PRODUCTS
    )
    pushed_and_held = push.merge(held, on=["customer_id", "snapshot_date"])
    assert not any(r[f"holds_{r['product_id']}"] for _, r in pushed_and_held.iterrows())
    # probabilities of one softmax: each customer's pushed products sum to at most 1
    assert (push.groupby("customer_id")["probability"].sum() <= 1 + 1e-6).all()
    assert push["is_target"].any() and not push["is_target"].all()


def test_the_evaluation_has_every_product_and_category_and_the_contenders(tiny_portrait):
    table = tiny_portrait["portrait_push_evaluation"]
    assert list(table[table["level"] == "product"]["item"]) == ["all", *PRODUCTS]
    assert len(table[table["level"] == "category"]) == 8  # all + the 7 recommendable categories
    for name in ("portrait_push", "blend", "propensity", "collaborative_filtering", "campaign_response", "popularity"):
        assert table[f"{name}_hit_rate_at_3"].between(0, 1).all() or table[f"{name}_hit_rate_at_3"].isna().any()
    summary = tiny_portrait["portrait_push_summary"]
    overall = table[(table["level"] == "category") & (table["item"] == "all")].iloc[0]
    assert summary["category"]["portrait_push"]["map_at_3"] == overall["portrait_push_map_at_3"]
    assert summary["category"]["map_over_popularity"] == round(
        overall["portrait_push_map_at_3"] / overall["popularity_map_at_3"], 4
    )


def test_the_platform_match_finds_the_planted_disagreements(tiny_portrait):
    report = tiny_portrait["platform_matching"]
    assert report["found_on_platform"] == 1.0
    assert 0.5 < report["all_fields_agree"] < 1.0
    assert report["city_typo"] > 0 and report["city_different"] > 0 and report["income_stale"] > 0
    assert report["examples"], "the report lists mismatches"


def test_the_steps_report_weights_scenarios_and_feedback(tiny_portrait):
    weights = tiny_portrait["portrait_node_weights"]
    assert np.isclose(weights["node_weight"].sum(), 1.0)
    assert (weights["shrinkage"] == 0.1).all()
    scenarios = tiny_portrait["portrait_scenarios"]
    assert list(scenarios["scenario"]) == [
        "consumer_credit", "business_credit", "housing_credit", "saving", "investing", "protection"
    ]  # fmt: skip
    assert scenarios["customers_placed"].sum() == len(tiny_portrait["portrait_fitting_rows"])
    regression = tiny_portrait["feedback_regression"]
    assert (regression["feedback_weight"].between(1, 2)).all() and regression["feedback_weight"].max() == 2
    groups = tiny_portrait["portrait_credit_groups"]
    assert set(groups["group_credit_affinity"]) <= {"low", "average", "high"}
    assert isinstance(groups, pd.DataFrame)


def _fitting_rows(tiny_portrait, **update) -> pd.DataFrame:
    inputs = [
        tiny_portrait[name]
        for name in ("customer_features", "customer_tags", "lifestyle.cluster_assignments", "model_labels", "holdings")
    ]
    params = tiny_portrait["portrait_push_model"].params.model_copy(update=update)
    return nodes.assemble_fitting_rows(*inputs, tiny_portrait["products"], params)


def test_a_big_bank_fits_on_a_seeded_sample_with_each_snapshot_and_next_product_in_its_share(tiny_portrait):
    every = _fitting_rows(tiny_portrait, max_fitting_rows=None)
    limit = len(every) // 2
    sample = _fitting_rows(tiny_portrait, max_fitting_rows=limit)
    assert abs(len(sample) - limit) <= every["next_product"].nunique() * every["snapshot_date"].nunique()
    pd.testing.assert_frame_equal(sample, _fitting_rows(tiny_portrait, max_fitting_rows=limit))
    # the rows kept are rows of the whole table, each stratum in about its share
    assert len(sample.merge(every, on=list(every.columns))) == len(sample)
    strata = ["snapshot_date", "next_product"]
    shares = every.value_counts(strata, normalize=True)
    kept = sample.value_counts(strata, normalize=True).reindex(shares.index, fill_value=0)
    assert (kept - shares).abs().max() < 0.01
    other_seed = _fitting_rows(tiny_portrait, max_fitting_rows=limit, seed=7)
    assert not other_seed["customer_id"].equals(sample["customer_id"])


def test_the_push_scores_the_same_in_batches_of_any_size(tiny_portrait):
    push = tiny_portrait["portrait_push_model"]
    inputs = [
        tiny_portrait[name]
        for name in (
            "customer_features", "customer_tags", "lifestyle.cluster_assignments", "holdings", "products",
            "int_customers", "validated_platform_profiles", "customer_month_balances", "customer_month_digital",
            "customer_month_campaigns", "customer_month_credit",
        )
    ]  # fmt: skip
    one_batch = nodes.push_credit_products(push, *inputs, push.params)
    batched = copy.deepcopy(push)
    batched.settings["model"]["prediction_batch"] = 100  # the scoring snapshot's customers in 4 batches
    assert len(one_batch["customer_id"].unique()) > 300
    pd.testing.assert_frame_equal(nodes.push_credit_products(batched, *inputs, push.params), one_batch)
