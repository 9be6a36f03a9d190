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

CATEGORY = "insurance"
PERSONA = "young_digital_professional"  # rarely insured: room for the category to climb
SNAPSHOTS = [dt.date(2025, 11, 1), dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 5, 1), dt.date(2026, 11, 1)]


def _params() -> ProductRecommendationParams:
    return ProductRecommendationParams(
        categories=[
            "time_deposit",
            "wealth_management",
            "mutual_fund",
            "insurance",
            "credit_card",
            "personal_loan",
            "mortgage",
        ],
        training_snapshots=SNAPSHOTS[:2],
        validation_snapshot=SNAPSHOTS[2],
        test_snapshot=SNAPSHOTS[3],
        scoring_snapshot=SNAPSHOTS[4],
    )


def _recommend(bank: dict, small_params) -> pd.DataFrame:
    engineered = run_data_engineering(
        bank, engineering_params(small_params).model_copy(update={"snapshots": SNAPSHOTS})
    )
    features, labels = engineered["customer_features"], engineered["model_labels"]
    params = _params()
    recommender = nodes.fit_recommenders(features, labels, params)
    blend, _ = nodes.choose_blend(features, labels, recommender, params)
    scores = nodes.blended_scores(recommender, blend, nodes._snapshots(features, [params.scoring_snapshot]))
    frame = nodes._snapshots(features, [params.scoring_snapshot])
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
def test_new_positive_responses_raise_the_category_for_responders_and_look_alikes(small_bank, small_params):
    truth = small_bank["demo_truth"]
    persona = truth.loc[truth["persona"] == PERSONA, "customer_id"].to_numpy()
    rng = np.random.default_rng(7)
    responders = rng.choice(persona, size=len(persona) // 2, replace=False)
    look_alikes = np.setdiff1d(persona, responders)

    before = _recommend(small_bank, small_params).set_index("customer_id")["rank"]
    after = _recommend(_with_new_responses(small_bank, responders), small_params).set_index("customer_id")["rank"]

    for group in (responders, look_alikes):
        shared = before.index.intersection(group)
        moved = (after[shared] - before[shared]).dropna()
        assert len(moved) > 50
        assert moved.mean() < -0.2, moved.describe()  # a lower rank number: higher in the list
    others = before.index.difference(persona)
    assert (after[others] - before[others]).dropna().mean() > (after[look_alikes] - before[look_alikes]).dropna().mean()
