"""Collaborative filtering, response models and ranking metrics on hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.pipelines.product_recommendation.scoring import (
    CategoryResponseModels,
    ItemSimilarity,
    hit_rate_and_map,
    rank_candidates,
)

CATEGORIES = ["funds", "insurance", "mortgage"]


def _holdings(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[f"holds_{c}" for c in CATEGORIES])


def test_item_similarity_is_the_cosine_of_the_holdings_columns():
    # funds & insurance together twice; funds alone once; mortgage alone twice
    frame = _holdings([(1, 1, 0), (1, 1, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1)])
    model = ItemSimilarity(CATEGORIES).fit(frame)
    assert model.similarity_[0, 1] == pytest.approx(2 / np.sqrt(3 * 2))
    assert model.similarity_[0, 2] == 0 and model.similarity_[1, 2] == 0
    assert np.diag(model.similarity_).tolist() == [0, 0, 0]
    # a funds holder is pointed at insurance, not at mortgages, and the reason names funds
    scores = model.score(_holdings([(1, 0, 0)]))
    assert scores[0, 1] == pytest.approx(1.0) and scores[0, 2] == 0
    assert model.strongest_link(_holdings([(1, 0, 0)]))[0, 1] == "funds"
    assert model.strongest_link(_holdings([(0, 0, 0)]))[0, 1] is None


def test_ranking_skips_held_categories_and_the_metrics_follow_the_rank():
    scores = np.array([[0.9, 0.5, 0.1], [0.2, 0.3, 0.4], [0.5, 0.5, 0.5]])
    held = np.array([[True, False, False], [False, False, False], [True, True, False]])
    top = rank_candidates(scores, held, k=2)
    np.testing.assert_array_equal(top, [[1, 2], [2, 1], [2, -1]])
    realised = np.array([2, 0, 2])  # second, missed, first
    hit, average_precision = hit_rate_and_map(top, realised)
    assert hit == pytest.approx(2 / 3)
    assert average_precision == pytest.approx((1 / 2 + 0 + 1) / 3)


def test_response_models_learn_who_answers_and_fall_back_to_the_rate_when_offers_are_few():
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({"affinity": rng.normal(size=n), "noise": rng.normal(size=n)})
    answered = rng.random(n) < 1 / (1 + np.exp(-2 * frame["affinity"]))
    outcomes = pd.DataFrame(
        {
            "responded_funds": np.where(rng.random(n) < 0.5, answered, None),
            "responded_insurance": [True, False] * 5 + [None] * (n - 10),
            "responded_mortgage": [None] * n,
        }
    )
    models = CategoryResponseModels(CATEGORIES, ["affinity", "noise"], min_positives=20).fit(frame, outcomes)
    scores = models.score(pd.DataFrame({"affinity": [-2.0, 2.0], "noise": [0.0, 0.0]}))
    assert scores[1, 0] > 0.8
    assert scores[0, 0] < 0.2
    assert scores[:, 1].tolist() == [0.5, 0.5]  # 5 answers of 10 offers: too few to learn, the rate
    assert scores[:, 2].tolist() == [0.0, 0.0]  # never offered
