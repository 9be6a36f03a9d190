"""``product_recommendation`` (M4) run in memory on the tiny bank: top-3 categories and a scenario per customer."""

from __future__ import annotations

import pytest

TOP_K = 3  # conf/base top_k


def test_each_customer_gets_at_most_three_distinct_ranked_categories(tiny_recommended, tiny_bank):
    recommendations = tiny_recommended["product_recommendations"]
    per_customer = recommendations.groupby("customer_id")
    assert per_customer.size().max() <= TOP_K
    assert per_customer["product_category"].nunique().equals(per_customer.size())
    assert per_customer["rank"].apply(lambda r: sorted(r) == list(range(1, len(r) + 1))).all()
    assert set(recommendations["product_category"]) <= set(tiny_bank["products"]["category"])
    first = recommendations.sort_values(["customer_id", "rank"]).groupby("customer_id")["score"]
    assert (first.diff().dropna() <= 1e-12).all()  # scores do not rise down the ranking
    assert recommendations["reason"].notna().all()


def test_every_scored_customer_is_in_exactly_one_scenario(tiny_recommended, tiny_bank):
    scenarios = tiny_recommended["customer_scenarios"]
    assert scenarios["customer_id"].is_unique
    assert len(scenarios) == len(tiny_bank["customers"])
    summary = tiny_recommended["scenario_summary"]
    assert summary["customers"].sum() == len(scenarios)
    assert summary["share"].sum() == pytest.approx(1.0)
    counted = scenarios["scenario"].value_counts()
    assert summary.set_index("scenario")["customers"].loc[counted.index].tolist() == counted.tolist()


def test_the_chosen_blend_is_the_search_row_marked_chosen(tiny_recommended):
    search = tiny_recommended["recommendation_blend_search"]
    assert search["chosen"].sum() == 1
    evaluation = tiny_recommended["recommendation_evaluation"]
    assert evaluation["k"] == TOP_K
    assert 0 < evaluation["customers_evaluated"] <= evaluation["customers_at_snapshot"]
