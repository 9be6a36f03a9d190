"""Path credits (``reason_attribution: path``): they add up to the raw score like TreeSHAP's, pick
the feature that drives the score, and ``auto`` switches to them above ``treeshap_max_rows``."""

from __future__ import annotations

import logging

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.attribution import chosen_attribution, path_contributions
from customer_classification.modelling.families import LightGBMModel
from customer_classification.modelling.params import ModelPipelineParams
from tests.pipelines.in_memory import raw_parameters


def _data(n: int = 2000, classes: int = 2):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"driver": rng.normal(size=n), "weak": rng.normal(size=n), "noise": rng.normal(size=n)})
    margin = 3 * X["driver"] + 0.3 * X["weak"]
    y = (margin > 0).astype(int) if classes == 2 else np.digitize(margin, np.quantile(margin, [1 / 3, 2 / 3]))
    return X, y


def _booster(X, y, objective: str, **params) -> lgb.Booster:
    config = {"objective": objective, "verbose": -1, "seed": 1, "num_threads": 1, **params}
    return lgb.train(config, lgb.Dataset(X, y), num_boost_round=30)


def test_path_credits_add_up_to_the_raw_score_and_name_the_driving_feature():
    X, y = _data()
    booster = _booster(X, y, "binary")
    credits = path_contributions(booster, X, num_iteration=30)
    assert credits.shape == (len(X), 4)
    np.testing.assert_allclose(credits.sum(axis=1), booster.predict(X, raw_score=True), atol=1e-9)
    # the feature the label is made of carries the largest absolute credit, as in exact TreeSHAP
    exact = booster.predict(X, pred_contrib=True)
    assert (np.abs(credits[:, :3]).argmax(axis=1) == 0).mean() > 0.9
    assert (np.abs(exact[:, :3]).argmax(axis=1) == 0).mean() > 0.9


def test_a_class_of_a_multiclass_model_is_credited_from_its_own_trees():
    X, y = _data(classes=3)
    booster = _booster(X, y, "multiclass", num_class=3)
    model = LightGBMModel(booster, "multiclass", best_iteration=30)
    margins = booster.predict(X, raw_score=True)
    for k in range(3):
        credits = model.contributions(X, class_index=k, attribution="path")
        np.testing.assert_allclose(credits.sum(axis=1), margins[:, k], atol=1e-9)


def test_auto_uses_treeshap_up_to_the_limit_and_path_credits_above_with_a_warning(caplog):
    assert chosen_attribution("auto", 10, 10, "m") == "treeshap"
    with caplog.at_level(logging.WARNING):
        assert chosen_attribution("auto", 11, 10, "target 'y'") == "path"
    assert "target 'y': 11 customers to explain, more than treeshap_max_rows (10)" in caplog.text
    assert chosen_attribution("treeshap", 10**9, 10, "m") == "treeshap"


def test_reason_attribution_is_validated():
    with pytest.raises(ValueError, match="reason_attribution"):
        ModelPipelineParams(**{**raw_parameters("potential_model"), "reason_attribution": "shapley"})
