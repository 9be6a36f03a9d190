"""The campaign feedback loop: new positive responses for a category, a rerun, and that
category climbs the recommendations of the responders and of their look-alikes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from customer_classification.pipelines.product_recommendation import nodes
from customer_classification.pipelines.product_recommendation.params import ProductRecommendationParams
from tests.pipelines.data_engineering.conftest import engineering_params, run_data_engineering
from tests.pipelines.tag_system.conftest import project_parameters

CATEGORY = "insurance"
PERSONA = "young_digital_professional"  # rarely insured: room for the category to climb
SNAPSHOTS = [dt.date(2025, 11, 1), dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 5, 1), dt.date(2026, 11, 1)]


def _params() -> ProductRecommendationParams:
    settings = project_parameters()["product_recommendation"]
    study = {**settings["propensity"]["study"], "n_trials": 2, "max_boosting_rounds": 40}
    return ProductRecommendationParams.model_validate(
        {
            **settings,
            "training_snapshots": SNAPSHOTS[:2],
            "validation_snapshot": SNAPSHOTS[2],
            "test_snapshot": SNAPSHOTS[3],
            "scoring_snapshot": SNAPSHOTS[4],
            "propensity": {**settings["propensity"], "study": study},
        }
    )


def _fit(bank: dict, small_params) -> dict:
    """The bank's features and labels at SNAPSHOTS, and the recommenders and blend fitted on them."""
    engineered = run_data_engineering(
        bank, engineering_params(small_params).model_copy(update={"snapshots": SNAPSHOTS})
    )
    features, labels = engineered["customer_features"], engineered["model_labels"]
    params = _params()
    table = nodes.build_propensity_table(features, labels, params)
    _, tuning = nodes.tune_propensity(table, params)
    recommender = nodes.fit_recommenders(features, labels, table, tuning, params)
    blend, search = nodes.choose_blend(features, labels, recommender, params)
    return {
        "features": features,
        "labels": labels,
        "params": params,
        "recommender": recommender,
        "blend": blend,
        "search": search,
    }


@pytest.fixture(scope="module")
def fitted(small_bank, small_params) -> dict:
    """The small bank as it is, fitted once for both tests."""
    return _fit(small_bank, small_params)


def _category_ranks(fitted: dict) -> pd.DataFrame:
    params, recommender = fitted["params"], fitted["recommender"]
    frame = nodes._snapshots(fitted["features"], [params.scoring_snapshot])
    scores = nodes.blended_scores(recommender, fitted["blend"], frame)
    held = recommender.held(frame)
    column = params.categories.index(CATEGORY)
    # rank of the category among the categories each customer does not hold (1 = first)
    masked = np.where(held, -np.inf, scores)
    rank = (masked > masked[:, [column]]).sum(axis=1) + 1
    return pd.DataFrame({"customer_id": frame["customer_id"], "rank": np.where(held[:, column], np.nan, rank)})


def _with_new_responses(bank: dict, responders: np.ndarray) -> dict:
    """Every responder is offered the category three times (in both training windows and
    in the last months before scoring) and answers yes each time."""
    offers = []
    for day in ("2025-12-08", "2026-02-09", "2026-09-07"):
        offer = pd.Timestamp(day)
        offers.append(
            pd.DataFrame(
                {
                    "campaign_id": f"CMP-FEEDBACK-{day}",
                    "customer_id": responders,
                    "product_category": CATEGORY,
                    "channel": "app_push",
                    "offer_date": offer,
                    "responded": True,
                    "response_date": offer + pd.Timedelta(days=5),
                }
            )
        )
    campaign = bank["campaign_responses"]
    new = pd.concat(offers, ignore_index=True).astype(campaign.dtypes.to_dict())
    return {**bank, "campaign_responses": pd.concat([campaign, new], ignore_index=True)}


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_new_positive_responses_raise_the_category_for_responders_and_look_alikes(small_bank, small_params, fitted):
    truth = small_bank["demo_truth"]
    persona = truth.loc[truth["persona"] == PERSONA, "customer_id"].to_numpy()
    rng = np.random.default_rng(7)
    responders = rng.choice(persona, size=len(persona) // 2, replace=False)
    look_alikes = np.setdiff1d(persona, responders)

    before = _category_ranks(fitted).set_index("customer_id")["rank"]
    after = _category_ranks(_fit(_with_new_responses(small_bank, responders), small_params))
    after = after.set_index("customer_id")["rank"]

    for group in (responders, look_alikes):
        shared = before.index.intersection(group)
        moved = (after[shared] - before[shared]).dropna()
        assert len(moved) > 50
        assert moved.mean() < -0.2, moved.describe()  # a lower rank number: higher in the list
    others = before.index.difference(persona)
    assert (after[others] - before[others]).dropna().mean() > (after[look_alikes] - before[look_alikes]).dropna().mean()


def test_recommendations_skip_what_is_held_and_carry_a_reason_and_the_evaluation_covers_every_scorer(fitted):
    features, labels, params = fitted["features"], fitted["labels"], fitted["params"]
    recommender, blend, search = fitted["recommender"], fitted["blend"], fitted["search"]
    assert sum(blend["weights"].values()) == pytest.approx(1.0) and search["chosen"].sum() == 1

    recommendations = nodes.recommend_products(features, recommender, blend, params)
    frame = nodes._snapshots(features, [params.scoring_snapshot]).set_index("customer_id")
    held = [frame.at[row.customer_id, f"holds_{row.product_category}"] for row in recommendations.itertuples()]
    assert not any(held)
    assert set(recommendations["rank"]) == {1, 2, 3}
    assert recommendations.groupby("customer_id")["score"].is_monotonic_decreasing.all()
    assert recommendations["reason"].str.len().gt(20).all()
    assert set(recommendations["reason_source"]) <= {"collaborative_filtering", "campaign_response", "propensity"}

    evaluation = nodes.evaluate_recommendations(features, labels, recommender, blend, params)
    assert set(evaluation["scores"]) == {
        "blend",
        "collaborative_filtering",
        "campaign_response",
        "propensity",
        "popularity",
    }
    baseline = evaluation["scores"]["popularity"]["hit_rate_at_3"]
    assert evaluation["largest_possible_ratio_over_popularity"] == pytest.approx(1 / baseline, abs=1e-3)
    assert evaluation["scores"]["blend"]["hit_rate_at_3"] > baseline
