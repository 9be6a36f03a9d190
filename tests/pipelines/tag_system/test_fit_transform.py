"""Fit once, tag forever: learned cut points persist, the dictionary and the weights read them."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from customer_classification.pipelines.tag_system.binning import TagBinner
from customer_classification.pipelines.tag_system.checks import TagConfigError
from customer_classification.pipelines.tag_system.kinds.mapped import RuleTag
from customer_classification.pipelines.tag_system.nodes import fit_tag_binner
from customer_classification.pipelines.tag_system.params import TagSystemParams, TagWeightParams
from customer_classification.pipelines.tag_system.report import dictionary_rows, tree_weights
from tests.pipelines.tag_system.conftest import tag

INCOME_TAGS = [
    tag("income_band", source="income", method="quantiles", labels=["q1", "q2", "q3", "q4", "q5"]),
    tag(
        "saving_capacity",
        source="income",
        method="supervised",
        target="upgrade_within_window",
        monotonic="increasing",
        labels=["low", "mid", "high"],
    ),
    tag("income_level", source="income", method="fixed_bins", cut_points=[30_000, 90_000], labels=["l", "m", "h"]),
]


def _population(seed: int, scale: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(np.log(40_000), 0.6, 3000) * scale
    upgrade = (rng.random(3000) < 1 / (1 + np.exp(-(income - 60_000) / 15_000))).astype(float)
    features = pd.DataFrame({"customer_id": np.arange(3000), "income": income})
    return features, pd.DataFrame({"upgrade_within_window": upgrade})


def test_a_customers_tags_do_not_move_when_the_rest_of_the_population_does():
    training, targets = _population(seed=1)
    binner = TagBinner(INCOME_TAGS).fit(training, targets)
    customer = pd.DataFrame({"customer_id": [-1], "income": [52_000.0]})
    before = binner.transform(customer)

    richer, richer_targets = _population(seed=2, scale=3.0)  # everyone else's income triples by scoring time
    scoring = pd.concat([richer, customer], ignore_index=True)
    after = binner.transform(scoring).set_index("customer_id").loc[[-1]].reset_index()
    pd.testing.assert_frame_equal(after, before)

    # the test can fail: cut points learned again on the moved population would move the customer
    refitted = TagBinner(INCOME_TAGS).fit(richer, richer_targets).transform(customer)
    assert refitted["income_band"].iloc[0] != before["income_band"].iloc[0]


def test_the_pickled_binner_tags_exactly_as_the_fitted_one():
    training, targets = _population(seed=3)
    binner = TagBinner(INCOME_TAGS).fit(training, targets)
    restored = pickle.loads(pickle.dumps(binner))
    scoring, _ = _population(seed=4, scale=1.5)
    pd.testing.assert_frame_equal(restored.transform(scoring), binner.transform(scoring))
    assert restored.tags_["income_band"].cut_points == binner.tags_["income_band"].cut_points


def test_the_binner_follows_scikit_learns_estimator_conventions():
    training, targets = _population(seed=5)
    unfitted = TagBinner(INCOME_TAGS)
    assert unfitted.get_params() == {"tags": INCOME_TAGS}, "the constructor keeps its argument untouched"
    assert not [name for name in vars(unfitted) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        unfitted.transform(training)

    binner = clone(unfitted)
    assert binner.fit(training, targets) is binner
    assert binner.get_feature_names_out().tolist() == ["income_band", "saving_capacity", "income_level"]
    assert binner.feature_names_in_.tolist() == ["income"] and binner.n_features_in_ == 1
    assert binner.transform(training).columns.tolist() == ["customer_id", *binner.get_feature_names_out()]
    pd.testing.assert_frame_equal(binner.fit_transform(training, targets), binner.transform(training))


def test_a_new_kind_is_one_class_the_binner_uses_without_knowing_it():
    class MedianSplitTag(RuleTag):  # reuses the rule kind's parameters; only the behaviour is new
        def learn_cut_points(self, values, target):
            return (float(values.median()),)

        def assign(self, features, cut_points):
            return (features[self.source].to_numpy() > cut_points[0]).astype(int)

    spec = tag(
        "halves",
        source="income",
        method="rule",
        labels=["lower", "upper"],
        otherwise="upper",
        rules=[{"label": "lower", "when": [{"feature": "income", "operator": "<", "value": 0}]}],
    )
    halves = MedianSplitTag(**spec.model_dump())
    training, _ = _population(seed=6)
    tags = TagBinner([halves]).fit(training).transform(training)
    assert (tags["halves"] == "upper").mean() == pytest.approx(0.5)


def test_an_unknown_source_feature_stops_the_fit_node_before_any_data_is_computed(default_params):
    def explode(_):
        raise AssertionError("the features were computed before the configuration was checked")

    columns = {"customer_id": pl.Int64, "snapshot_date": pl.Datetime, "age_years": pl.Float64}
    lazy = pl.LazyFrame(schema=columns).with_columns(pl.col("age_years").map_batches(explode, return_dtype=pl.Float64))
    with pytest.raises(TagConfigError) as caught:
        fit_tag_binner(lazy, lazy, default_params)
    message = str(caught.value)
    assert "tag 'income_level': feature 'annual_income' is not a column of customer_features" in message
    assert "tag 'life_stage'" not in message, "age_years exists, so life_stage is fine"


def test_a_feature_of_the_wrong_kind_is_named_with_its_tag(default_params):
    schema = {c: pl.Float64 for t in default_params.tags.values() for c in t.features}
    schema.update({"customer_id": pl.Int64, "snapshot_date": pl.Datetime, "annual_income": pl.String})
    frame = pl.DataFrame(schema=schema)
    with pytest.raises(TagConfigError, match=r"tag 'income_level': method fixed_bins needs a numeric source; "):
        fit_tag_binner(frame, frame, default_params)


def test_the_dictionary_gives_every_level_its_bounds_and_shares_that_add_up_to_coverage(default_tag_config):
    one_per_group = zip(INCOME_TAGS, ("basic", "financial", "non_financial"), strict=True)
    tags = {t.name: t.model_copy(update={"group": group}) for t, group in one_per_group}
    params = TagSystemParams.model_validate({**default_tag_config, "tags": tags})
    training, targets = _population(seed=5)
    training.loc[:99, "income"] = np.nan
    binner = TagBinner(INCOME_TAGS).fit(training, targets)
    scoring, _ = _population(seed=6, scale=2.0)
    table = dictionary_rows(binner, params, binner.transform(training), binner.transform(scoring))

    level = table[table["tag"] == "income_level"].set_index("label")
    assert level.loc["m", "definition"] == "30,000 <= income < 90,000"
    assert level.loc["h", "definition"] == "income >= 90,000"
    assert (level.loc["m", "lower"], level.loc["m", "upper"]) == (30_000, 90_000)
    assert np.isnan(level.loc["l", "lower"])
    assert level["level_order"].tolist() == [1, 2, 3]
    sums = table.groupby("tag")[["share_training", "share_scoring"]].sum()
    coverage = table.groupby("tag")[["coverage_training", "coverage_scoring"]].first()
    assert sums["share_training"].to_numpy() == pytest.approx(coverage["coverage_training"].to_numpy(), abs=1e-3)
    assert coverage["coverage_training"].tolist() == pytest.approx([1 - 100 / 3000] * 3, abs=1e-4)
    assert (coverage["coverage_scoring"] == 1.0).all()
    # a doubled population crowds into the top bins learned on the training snapshots
    bands = table[table["tag"] == "income_band"]
    assert bands["share_scoring"].iloc[-1] > 2 * bands["share_training"].iloc[-1]


def test_weights_rank_the_tag_that_drives_the_target_first():
    rng = np.random.default_rng(7)
    n = 4000
    driver = pd.Categorical.from_codes(rng.integers(0, 4, n), ["a", "b", "c", "d"], ordered=True)
    noise = pd.Categorical.from_codes(rng.integers(-1, 3, n), ["x", "y", "z"], ordered=True)
    tags = pd.DataFrame({"noise": noise, "driver": driver})
    upgrade = (rng.random(n) < np.asarray(driver.codes) * 0.2).astype(float)
    utilization = np.asarray(driver.codes) * 0.25 + rng.normal(0, 0.05, n)
    targets = pd.DataFrame({"upgrade_within_window": upgrade, "cumulative_drawdown_utilization": utilization})
    params = TagWeightParams(max_depth=4, min_samples_leaf=50, random_state=0)

    weights = tree_weights(tags, targets, tags, targets, params).set_index("tag")
    for prefix in ("m1", "m2"):
        assert weights.loc["driver", f"{prefix}_rank"] == 1
        assert weights.loc["driver", f"{prefix}_rank_normalised"] == 1.0
        assert weights.loc["driver", f"{prefix}_importance"] > 0.9
        assert weights[f"{prefix}_importance"].sum() == pytest.approx(1.0, abs=1e-5)
    again = tree_weights(tags, targets, tags, targets, params).set_index("tag")
    pd.testing.assert_frame_equal(again, weights)


def test_the_snapshots_must_be_in_time_order(default_tag_config):
    late = {**default_tag_config, "validation_snapshot": dt.date(2025, 1, 1)}
    with pytest.raises(ValueError, match="snapshots must be in time order"):
        TagSystemParams.model_validate(late)
