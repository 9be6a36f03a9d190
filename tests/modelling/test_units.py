"""Hand-checked metrics, tiers, reasons and calibration, and the models' bad inputs, on in-memory data."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.calibration import choose_calibration
from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext
from customer_classification.modelling.fitted import refit_champion, tune
from customer_classification.modelling.metrics import gain_table, ks_statistic, threshold_metrics
from customer_classification.modelling.reasons import top_reasons
from customer_classification.modelling.spec import ModelSpec, SplitSpec, StudySpec
from customer_classification.modelling.table import FeatureEncoder, assemble_model_table
from customer_classification.modelling.tiers import TierSpec, assign_tiers, tier_report


def test_ks_is_the_largest_gap_between_the_cumulative_rates():
    y = np.array([1, 1, 0, 1, 0, 0])
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    # after 2 rows: tpr 2/3, fpr 0 -> 2/3; after 4 rows: tpr 1, fpr 1/3 -> 2/3
    assert ks_statistic(y, score) == pytest.approx(2 / 3)


def test_gain_table_by_hand():
    score = np.arange(20, 0, -1, dtype=float)  # row i has rank i
    y = np.zeros(20)
    y[[0, 1, 2, 14]] = 1  # 4 positives of 20: base rate 0.2
    table = gain_table(y, score)
    assert table["customers"].tolist() == [2] * 10
    assert table.loc[0, "positives"] == 2 and table.loc[0, "lift"] == pytest.approx(5.0)
    assert table.loc[1, "cumulative_gain"] == pytest.approx(0.75)
    assert table.loc[1, "cumulative_lift"] == pytest.approx(3.75)
    assert table.loc[9, "cumulative_gain"] == pytest.approx(1.0)


def test_threshold_precision_and_recall_by_hand():
    out = threshold_metrics(np.array([0.9, 0.8, 0.2, 0.75]), np.array([0.8, 0.3, 0.9, 0.71]), 0.7)
    assert out["precision"] == pytest.approx(2 / 3) and out["recall"] == pytest.approx(2 / 3)


def test_tiers_take_their_shares_and_observed_rates_fall():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.5, 10_000)
    tiers = assign_tiers(p, TierSpec())
    counts = pd.Series(tiers).value_counts().reindex(["A", "B", "C", "D"]).tolist()
    assert counts == [500, 1500, 3000, 5000]
    report = tier_report(tiers, rng.random(10_000) < p, p)
    assert report["observed_rate"].is_monotonic_decreasing
    by_cutoff = assign_tiers(
        np.array([0.5, 0.2, 0.1, 0.01]), TierSpec(method="probability", shares=None, cutoffs=[0.3, 0.15, 0.05])
    )
    assert list(by_cutoff) == ["A", "B", "C", "D"]


def test_tier_shares_must_add_up():
    with pytest.raises(ValueError, match="add up to 1"):
        TierSpec(shares=[0.5, 0.2, 0.2, 0.2])


def _frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "income": rng.lognormal(10, 1, n),
            "logins": rng.poisson(3, n).astype(float),
            "segment": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["a", "b", "c"]),
        }
    )
    logit = 1.5 * (np.log(X["income"]) - 10) + 0.3 * X["logins"] - 2 + (X["segment"] == "c") * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


CTX = FitContext("binary", 2, seed=0, n_threads=1, early_stopping_rounds=10, max_boosting_rounds=50, report_every=10)


def test_reasons_sum_with_the_expected_value_to_the_raw_score():
    X, y = _frame(600)
    model = FAMILY_REGISTRY["lightgbm"].fit(
        {"num_leaves": 7, "learning_rate": 0.1, "min_child_samples": 10, "n_rounds": 30}, X, y, CTX
    )
    contributions = model.contributions(X)
    np.testing.assert_allclose(contributions.sum(axis=1), model.raw_score(X), rtol=1e-9, atol=1e-9)
    reasons = top_reasons(contributions, X, k=2)
    first = contributions[:, :-1].argmax(axis=1)
    assert (reasons["reason_1_feature"].to_numpy() == X.columns.to_numpy()[first]).all()
    assert (reasons["reason_1_contribution"] >= reasons["reason_2_contribution"]).all()
    assert reasons.loc[0, "reason_1_value"] in {
        f"{X.loc[0, c]:.6g}" if c != "segment" else X.loc[0, c] for c in X.columns
    }


def test_one_class_contributions_are_that_class_block_of_all_classes():
    """A multiclass reason is explained from one class's trees: the same numbers as that
    class's block of the full TreeSHAP output (categorical column included)."""
    X, _ = _frame(900, seed=3)
    y = np.digitize(np.log(X["income"]) + 0.2 * X["logins"] + (X["segment"] == "c"), [10.2, 11.0])
    ctx = FitContext("multiclass", 3, seed=0, n_threads=1, early_stopping_rounds=10, max_boosting_rounds=40,
                     report_every=10)  # fmt: skip
    model = FAMILY_REGISTRY["lightgbm"].fit(
        {"num_leaves": 7, "learning_rate": 0.1, "min_child_samples": 10, "n_rounds": 25}, X, y, ctx
    )
    every_class = model.contributions(X)
    width = X.shape[1] + 1
    assert every_class.shape == (len(X), 3 * width)
    for k in range(3):
        one_class = model.contributions(X, class_index=k)
        np.testing.assert_array_equal(one_class, every_class[:, k * width : (k + 1) * width])
        np.testing.assert_allclose(one_class.sum(axis=1), model.raw_score(X)[:, k], rtol=1e-9, atol=1e-9)


def test_calibration_choice_follows_the_shape_of_the_truth():
    rng = np.random.default_rng(1)
    margin = rng.normal(0, 2, 6000)
    logistic_y = (rng.random(6000) < 1 / (1 + np.exp(-margin))).astype(int)
    assert choose_calibration(margin, logistic_y, folds=5, seed=0)[0].method == "sigmoid"
    step_y = (rng.random(6000) < np.where(np.abs(margin) < 1, 0.9, 0.05)).astype(int)  # not monotone in a sigmoid way
    assert choose_calibration(margin, step_y, folds=5, seed=0)[0].method == "isotonic"


def test_calibration_with_fewer_positives_than_folds_falls_back_to_sigmoid(caplog):
    margin = np.linspace(-2, 2, 50)
    y = np.zeros(50, dtype=int)
    y[[10, 40]] = 1
    with caplog.at_level(logging.WARNING):
        calibrator, losses = choose_calibration(margin, y, folds=5, seed=0)
    assert calibrator.method == "sigmoid" and losses == {}
    assert "fewer than the 5 folds" in caplog.text


SPLIT = SplitSpec(
    training_snapshots=[dt.date(2025, 1, 1)],
    validation_snapshot=dt.date(2025, 2, 1),
    test_snapshot=dt.date(2025, 3, 1),
    scoring_snapshot=dt.date(2025, 4, 1),
    customer_holdout=None,
)
SPEC = ModelSpec(target="target", task="binary")


def _flat_table(n: int = 300, one_class: bool = False) -> pd.DataFrame:
    parts = []
    for k, snapshot in enumerate(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]):
        X, y = _frame(n, seed=k)
        X.insert(0, "customer_id", np.arange(n))
        X.insert(1, "snapshot_date", pd.Timestamp(snapshot))
        target = np.zeros(n, dtype=bool) if one_class and k == 0 else y.astype(bool)
        X["target"] = pd.Series(target, dtype=object) if k < 3 else None  # the scoring snapshot has no labels
        parts.append(X)
    table = pd.concat(parts, ignore_index=True)
    table["segment"] = table["segment"].astype(str)
    return table


STUDY = StudySpec(families=["lightgbm", "logistic"], n_trials=3, study_name="unit", n_threads=1, max_boosting_rounds=40)


def test_a_target_with_one_class_is_refused_with_the_split_named():
    flat = _flat_table(one_class=True)
    table = assemble_model_table(flat, flat, SPEC, SPLIT)
    with pytest.raises(ValueError, match="target 'target' has a single class in the training rows"):
        tune(table, SPEC, STUDY)


def test_too_few_rows_are_refused():
    flat = _flat_table(n=10)
    table = assemble_model_table(flat, flat, SPEC, SPLIT)
    with pytest.raises(ValueError, match="10 labelled training rows, fewer than the 20"):
        tune(table, SPEC, STUDY)


def test_an_all_missing_feature_is_dropped_and_an_unseen_category_scores_as_missing(caplog):
    flat = _flat_table()
    flat["empty"] = np.nan
    table = assemble_model_table(flat, flat, SPEC, SPLIT)
    with caplog.at_level(logging.WARNING):
        outcome, encoder = tune(table, SPEC, STUDY)
        model = refit_champion(table, outcome, encoder, SPEC, STUDY)
    assert "['empty'] are missing in every training row" in caplog.text
    assert "empty" not in model.encoder.columns
    rows = table[table["split"] == "scoring"].head(5).copy()
    rows["segment"] = ["z", "a", "b", "c", "z"]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        p = model.predict(rows)
    assert "feature 'segment': 2 rows hold categories unseen in training (e.g. ['z'])" in caplog.text
    assert np.isfinite(p).all() and ((p > 0) & (p < 1)).all()


def test_encoder_refuses_text_in_a_numeric_feature():
    encoder = FeatureEncoder(["x"], []).fit(pd.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="feature 'x' is declared numeric but holds text"):
        encoder.transform(pd.DataFrame({"x": ["a", "b"]}))
