"""The pieces of a segmentation on hand-made data: preprocessing, the choice of k,
cluster numbering, names and product matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.preprocessing import SegmentPreprocessor
from customer_classification.pipelines.clustering import profiles as prof
from customer_classification.pipelines.clustering.params import EligibilityRule, ProductMatchingParams
from customer_classification.pipelines.clustering.selection import choose_k, fit_kmeans, k_evidence, relabel_by_size


def _population(seed: int = 0, n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.lognormal(11, 1.2, n),
            "age": rng.normal(45, 12, n),
            "city": rng.choice(["north", "south"], n),
        }
    )


def test_preprocessing_learns_once_and_a_shifted_population_does_not_move_a_customer():
    train = _population()
    model = SegmentPreprocessor(["income", "age"], ["city"]).fit(train)
    assert model.log_columns_ == ["income"]  # heavy-tailed and non-negative; age is not
    customer = train.iloc[[7]]
    before = model.transform(customer)
    shifted = pd.concat([customer, _population(seed=1).assign(income=lambda f: f["income"] * 5)], ignore_index=True)
    after = model.transform(shifted)[:1]
    np.testing.assert_array_equal(before, after)
    refitted = SegmentPreprocessor(["income", "age"], ["city"]).fit(shifted).transform(customer)
    assert not np.allclose(before, refitted)  # refitting would have moved it


def test_preprocessing_imputes_clips_and_encodes_unseen_levels_as_missing():
    train = _population()
    model = SegmentPreprocessor(["income", "age"], ["city"], categorical_weight=2.0).fit(train)
    new = pd.DataFrame({"income": [np.nan, 1e12], "age": [45.0, 200.0], "city": ["east", None]})
    matrix = model.transform(new)
    assert model.feature_names_out() == ["income", "age", "city=north", "city=south", "city=missing"]
    assert matrix[0, 0] == pytest.approx(
        (np.log1p(model.medians_["income"]) - model.means_["income"]) / model.scales_["income"]
    )
    upper_age = (model.upper_["age"] - model.means_["age"]) / model.scales_["age"]
    assert matrix[1, 1] == pytest.approx(upper_age)  # winsorised at the fitted 99th percentile
    np.testing.assert_array_equal(matrix[:, 2:], [[0, 0, 2.0], [0, 0, 2.0]])


def test_preprocessing_refuses_a_feature_missing_for_everyone():
    frame = _population().assign(empty=np.nan)
    with pytest.raises(ValueError, match=r"\['empty'\] are missing for every customer"):
        SegmentPreprocessor(["income", "empty"]).fit(frame)


def _blobs(k: int, per: int = 300, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = 10.0 * np.eye(k, 4)  # corners of a simplex: every pair of groups equally far apart
    truth = np.repeat(np.arange(k), per)
    return centres[truth] + rng.normal(0, 1, size=(k * per, 4)), truth


def test_the_evidence_chooses_the_number_of_planted_groups():
    matrix, _ = _blobs(4)
    evidence = k_evidence(matrix, (2, 8), seed=1, restarts=3, silhouette_sample_size=600)
    chosen = choose_k(evidence, min_stability=0.8)
    assert list(chosen["k"]) == list(range(2, 9))
    assert chosen.loc[chosen["chosen"], "k"].item() == 4
    assert chosen.loc[chosen["k"] == 4, "stability"].item() > 0.99
    assert evidence["inertia"].is_monotonic_decreasing


def test_a_fixed_k_overrides_the_evidence_and_an_unstable_range_falls_back_to_the_most_stable():
    matrix, _ = _blobs(4)
    evidence = k_evidence(matrix, (2, 6), seed=1, restarts=3, silhouette_sample_size=600)
    fixed = choose_k(evidence, min_stability=0.8, fixed_k=6)
    assert fixed.loc[fixed["chosen"], "k"].item() == 6
    assert fixed.loc[fixed["chosen"], "reason"].item() == "preset in parameters (k: 6)"
    strict = choose_k(evidence, min_stability=1.01)
    assert strict.loc[strict["chosen"], "k"].item() == evidence.loc[evidence["stability"].idxmax(), "k"]
    assert "no k reached stability" in strict.loc[strict["chosen"], "reason"].item()


def test_too_few_customers_for_the_k_range_is_a_clear_error():
    with pytest.raises(ValueError, match="too few to try k from 2 to 12"):
        k_evidence(np.zeros((2, 3)), (2, 12), seed=0, restarts=2, silhouette_sample_size=10)


def test_clusters_are_numbered_from_the_largest_and_predictions_follow():
    rng = np.random.default_rng(0)
    matrix = np.vstack([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (200, 2)), rng.normal(-5, 0.1, (100, 2))])
    model = relabel_by_size(fit_kmeans(matrix, 3, seed=0, n_init=2), matrix)
    sizes = np.bincount(model.predict(matrix))
    assert list(sizes) == [200, 100, 50]
    np.testing.assert_array_equal(model.labels_, model.predict(matrix))


def _levels() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster": [0, 0, 0, 0, 1, 1, 1, 1],
            "tag": ["income_level", "income_level", "life_stage", "life_stage"] * 2,
            "tag_title": ["Income level", "Income level", "Life stage", "Life stage"] * 2,
            "level": ["low", "high", "young_adult", "senior"] * 2,
            "cluster_share": [0.1, 0.9, 0.2, 0.8, 0.8, 0.2, 0.9, 0.1],
            "population_share": [0.45, 0.55, 0.55, 0.45] * 2,
        }
    ).assign(lift=lambda f: f["cluster_share"] / f["population_share"])


def test_names_come_from_the_most_over_represented_levels_in_words():
    levels = _levels()
    dictionary = pd.DataFrame(
        {"tag": ["income_level", "income_level", "spend", "life_stage"], "label": ["low", "high", "high", "senior"]}
    )
    levels["readable"] = prof.readable_levels(levels, dictionary)
    top = prof.distinguishing_levels(levels, per_cluster=5)
    names = prof.cluster_names([0, 1], top, parts=2)
    # "high" is a label of two tags and "low" a bare degree, so both carry their tag's
    # title; "senior" says what it is alone
    assert names == {0: "senior · high income level", 1: "low income level · young adult"}


def test_identical_names_are_told_apart():
    top = pd.DataFrame({"cluster": [0, 1], "readable": ["retiree", "retiree"]})
    assert prof.cluster_names([0, 1, 2], top, parts=3) == {
        0: "retiree (segment 0)",
        1: "retiree (segment 1)",
        2: "close to the population average",
    }


def test_products_are_matched_by_lift_room_to_grow_and_eligibility():
    frame = pd.DataFrame(
        {
            # cluster 0: 8 of 10 hold funds, 1 of 10 a mortgage; cluster 1: 1 of 10 funds, 9 of 10 mortgages
            "holds_mutual_fund": [1] * 8 + [0] * 2 + [1] + [0] * 9,
            "holds_mortgage": [1] + [0] * 9 + [1] * 9 + [0],
            "holds_insurance": [1] * 6 + [0] * 4 + [0] * 10,
            "age_years": [70] * 10 + [35] * 10,
        }
    )
    clusters = pd.Series([0] * 10 + [1] * 10)
    matching = ProductMatchingParams(
        categories=["mutual_fund", "mortgage", "insurance"],
        min_lift=1.2,
        max_penetration=0.85,
        eligibility=[
            EligibilityRule(category="insurance", feature="age_years", operator="<=", value=65, reason="too old"),
        ],
    )
    table = prof.match_products(frame, clusters, {0: "older", 1: "younger"}, matching).set_index(
        ["cluster", "category"]
    )
    assert table.at[(0, "mutual_fund"), "lift"] == pytest.approx(0.8 / 0.45)
    assert bool(table.at[(0, "mutual_fund"), "recommended"])
    assert not table.at[(0, "insurance"), "eligible"]  # lift 2, but the rule holds it back
    assert table.at[(0, "insurance"), "held_back_because"] == "too old"
    assert not table.at[(1, "mortgage"), "recommended"]  # 90% already hold one: no room
    assert bool(table.at[(1, "mortgage"), "nothing_to_offer"])
    assert not table.at[(0, "mortgage"), "nothing_to_offer"]


def test_an_unstable_elbow_gives_way_to_the_best_silhouette_among_stable_k():
    evidence = pd.DataFrame(
        {
            "k": [2, 3, 4, 5],
            "inertia": [100.0, 60.0, 50.0, 45.0],
            "silhouette": [0.30, 0.20, 0.25, 0.10],
            "stability": [0.5, 0.6, 0.95, 0.9],
            "is_elbow": [False, True, False, False],
        }
    )
    chosen = choose_k(evidence, min_stability=0.8)
    assert chosen.loc[chosen["chosen"], "k"].item() == 4
    assert chosen.loc[chosen["chosen"], "reason"].item().startswith("elbow unstable")
    evidence.loc[evidence["k"] == 3, "stability"] = 0.85
    assert choose_k(evidence, min_stability=0.8).query("chosen")["k"].item() == 3
