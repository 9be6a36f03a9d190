"""The study: every family's defaults tried first, a counted budget per family, the time cap a safety net."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from customer_classification.modelling import families as families_module
from customer_classification.modelling.families import refit_config
from customer_classification.modelling.spec import StudySpec
from customer_classification.modelling.study import DEFAULT_ATTR, Candidate, StudyOutcome, run_study, trial_plan

FAMILIES = ["logistic", "random_forest", "lightgbm"]  # LightGBM listed last on purpose


def _binary_data(seed: int = 0, n: int = 600):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * X["a"] - X["b"] + 0.5 * X["a"] * X["c"])))).astype(int).to_numpy()
    return (X.iloc[:400], y[:400]), (X.iloc[400:], y[400:])


def _spec(**changes) -> StudySpec:
    settings = {
        "families": FAMILIES,
        "n_trials": 7,
        "study_name": "unit",
        "n_threads": 1,
        "max_boosting_rounds": 60,
        "report_every": 20,
        "seed": 3,
    }
    return StudySpec(**{**settings, **changes})


def test_the_plan_tries_each_default_first_lightgbm_first_and_gives_every_family_a_share():
    plan = trial_plan(FAMILIES, 20)
    assert plan[:3] == ["lightgbm", "logistic", "random_forest"]
    counts = pd.Series(plan).value_counts().to_dict()
    assert len(plan) == 20 and set(counts) == set(FAMILIES)
    assert counts["lightgbm"] > counts["random_forest"] > counts["logistic"] >= 2


def test_fewer_trials_than_families_are_refused():
    with pytest.raises(ValidationError, match="at least the number of families"):
        _spec(n_trials=2)


def test_a_scoring_family_outside_the_families_is_refused():
    with pytest.raises(ValidationError, match="scoring_family"):
        _spec(scoring_family="linear")


def test_each_familys_default_is_a_trial_and_its_best_is_no_worse_on_validation():
    train, valid = _binary_data()
    outcome = run_study(train, valid, "binary", _spec())
    first = outcome.study.trials[0]
    assert first.params["family"] == "lightgbm"
    assert first.params["lgbm_num_leaves"] == 31 and first.params["lgbm_learning_rate"] == 0.1
    assert first.params["lgbm_rounds"] == "fixed_100" and first.user_attrs["best_iteration"] == 100
    assert set(outcome.defaults) == set(FAMILIES)
    for family, best in outcome.candidates.items():
        assert best.validation_score >= outcome.defaults[family].validation_score
    counts = outcome.trials_per_family()
    assert sum(c["trials"] for c in counts.values()) == 7 and all(c["trials"] >= 1 for c in counts.values())


def test_the_scoring_family_scores_even_when_another_is_better_on_validation():
    def candidate(family: str, score: float) -> Candidate:
        return Candidate(family, 0, score, {}, None, 0.0)

    outcome = StudyOutcome(study=None, task="binary", metric="auc", direction="maximize", scoring_family="lightgbm")
    outcome.candidates = {"lightgbm": candidate("lightgbm", 0.80), "logistic": candidate("logistic", 0.85)}
    assert outcome.champion.family == "lightgbm"
    outcome.scoring_family = None
    assert outcome.champion.family == "logistic"


def test_a_loaded_machine_runs_the_same_trials_with_the_same_result(monkeypatch):
    train, valid = _binary_data()
    idle = run_study(train, valid, "binary", _spec(timeout_s=600))
    registry = dict(families_module.FAMILY_REGISTRY)
    for name, family in registry.items():

        def slow_fit(*args, _fit=family.fit, **kwargs):
            time.sleep(0.05)  # another process holds the cores
            return _fit(*args, **kwargs)

        monkeypatch.setitem(families_module.FAMILY_REGISTRY, name, type(family)(**{**family.__dict__, "fit": slow_fit}))
    loaded = run_study(train, valid, "binary", _spec(timeout_s=600))
    assert [t.params for t in loaded.study.trials] == [t.params for t in idle.study.trials]
    assert [t.value for t in loaded.study.trials] == [t.value for t in idle.study.trials]
    assert not loaded.stopped_by_time_cap


def test_hitting_the_time_cap_is_logged_and_a_family_without_a_trial_is_an_error(caplog):
    train, valid = _binary_data()
    with caplog.at_level(logging.WARNING), pytest.raises(RuntimeError, match="no completed trial for families"):
        run_study(train, valid, "binary", _spec(timeout_s=1e-6))
    assert "safety cap after 0 of 7 trials" in caplog.text


def test_the_refit_scales_lightgbms_rounds_to_the_larger_set():
    assert refit_config({"learning_rate": 0.1, "n_rounds": 80}, 1500, 1000)["n_rounds"] == 120
    assert refit_config({"C": 1.0}, 1500, 1000) == {"C": 1.0}
    # LightGBM's own 100 rounds were not chosen on the training rows: they stay 100
    assert refit_config({"early_stopping": False, "n_rounds": 100}, 1500, 1000)["n_rounds"] == 100


def test_isotonic_calibration_keeps_the_models_ranking():
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415

    from customer_classification.modelling.calibration import fit_calibrator  # noqa: PLC0415

    rng = np.random.default_rng(5)
    margin = rng.normal(size=300)
    y = (rng.random(300) < 1 / (1 + np.exp(-2 * margin))).astype(int)
    calibrated = fit_calibrator(margin, y, "isotonic").transform(margin)
    assert roc_auc_score(y, calibrated) == pytest.approx(roc_auc_score(y, margin), abs=1e-12)
    steps = np.clip(fit_calibrator(margin, y, "isotonic").model.predict(margin), 0, 1)
    assert np.abs(calibrated - steps).max() <= 1e-6


def test_a_lucky_tuned_trial_on_noise_does_not_replace_the_default():
    rng = np.random.default_rng(8)
    X = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    y = (rng.random(500) < 0.3).astype(int)  # nothing to learn: any gain over the default is luck
    train, valid = (X.iloc[:300], y[:300]), (X.iloc[300:], y[300:])
    careful = run_study(train, valid, "binary", _spec(families=["lightgbm"], n_trials=6))
    assert careful.candidates["lightgbm"] is careful.defaults["lightgbm"]
    assert careful.confidence_over_default["lightgbm"] < _spec().min_confidence_over_default
    assert careful.best_trials["lightgbm"] is not careful.defaults["lightgbm"]  # still in the comparison
    greedy = run_study(train, valid, "binary", _spec(families=["lightgbm"], n_trials=6, min_confidence_over_default=0))
    assert greedy.candidates["lightgbm"].validation_score > greedy.defaults["lightgbm"].validation_score


def test_a_small_table_is_cross_validated_over_training_and_validation_rows():
    train, valid = _binary_data()
    small = {"families": ["lightgbm", "logistic"], "n_trials": 5, "cv_folds": 4}
    outcome = run_study(train, valid, "binary", _spec(cross_validate_below_rows=601, **small))
    assert outcome.cross_validated and outcome.study.user_attrs["metric"] == "cross-validated auc"
    assert outcome.fit_rows == 450  # three folds of four, of 600 rows
    assert len(outcome.scored_target) == 600
    for family, best in outcome.candidates.items():
        # every row has an out-of-fold prediction and margin; the comparison's model saw all 600 rows
        assert best.predicted.shape == (600,) and best.margins.shape == (600,)
        assert best.validation_score >= outcome.defaults[family].validation_score
    # LightGBM's rounds: the folds' early-stopped rounds averaged, scaled from a fold's 450 rows to 600
    tuned = next(
        t
        for t in outcome.study.trials
        if t.params["family"] == "lightgbm"
        and not t.user_attrs.get(DEFAULT_ATTR)
        and t.params["lgbm_rounds"] == "early_stopping"
    )
    assert tuned.user_attrs["best_iteration"] >= 1
    lightgbm = outcome.best_trials["lightgbm"]
    assert lightgbm.model.booster.current_iteration() == refit_config(lightgbm.config, 600, 450)["n_rounds"]
    # with as many rows as the threshold, the study tunes on the validation split
    plain = run_study(train, valid, "binary", _spec(cross_validate_below_rows=600, **small))
    assert not plain.cross_validated and plain.fit_rows == 400 and len(plain.scored_target) == 200
    assert plain.study.user_attrs["metric"] == "validation auc"


def test_a_cross_validated_trial_scores_the_mean_of_its_folds():
    from customer_classification.modelling.cross_validation import cross_validate, cross_validation_folds  # noqa: PLC0415
    from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext  # noqa: PLC0415
    from customer_classification.modelling.metrics import validation_score  # noqa: PLC0415

    (X, y), _ = _binary_data()
    folds = cross_validation_folds(y, "binary", 4, seed=3)
    ctx = FitContext("binary", 2, 3, 1, 10, 60, 20)
    reported = []
    folded = cross_validate(
        FAMILY_REGISTRY["logistic"], {"C": 1.0}, (X, y), folds, ctx, lambda s, v: reported.append(v)
    )
    per_fold = [validation_score("binary", y[scored], folded.predicted[scored]) for _, scored in folds]
    assert folded.score == pytest.approx(np.mean(per_fold))
    assert reported[-1] == pytest.approx(folded.score) and len(reported) == 4  # a pruning check after each fold


def test_folds_are_stratified_seeded_and_refuse_a_class_rarer_than_the_folds():
    from customer_classification.modelling.cross_validation import cross_validation_folds  # noqa: PLC0415

    y = np.r_[np.ones(50, dtype=int), np.zeros(450, dtype=int)]
    folds = cross_validation_folds(y, "binary", 5, seed=1)
    assert [int(y[scored].sum()) for _, scored in folds] == [10] * 5
    assert sorted(np.concatenate([scored for _, scored in folds]).tolist()) == list(range(500))
    again = cross_validation_folds(y, "binary", 5, seed=1)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again, strict=True))
    target = np.random.default_rng(0).lognormal(size=500)
    top_decile = target >= np.quantile(target, 0.9)
    # each fold holds a fifth of every decile: no fold of outliers only
    assert [int(top_decile[scored].sum()) for _, scored in cross_validation_folds(target, "regression", 5, 1)] == [
        10
    ] * 5
    with pytest.raises(ValueError, match="class 1 has 3"):
        cross_validation_folds(np.r_[np.ones(3, dtype=int), np.zeros(100, dtype=int)], "binary", 5, seed=1)


def test_a_cross_validated_study_runs_the_same_trials_on_a_loaded_machine(monkeypatch):
    train, valid = _binary_data()
    spec = _spec(
        timeout_s=600, cross_validate_below_rows=10_000, cv_folds=3, families=["lightgbm", "logistic"], n_trials=5
    )
    idle = run_study(train, valid, "binary", spec)
    for name, family in dict(families_module.FAMILY_REGISTRY).items():

        def slow_fit(*args, _fit=family.fit, **kwargs):
            time.sleep(0.02)  # another process holds the cores
            return _fit(*args, **kwargs)

        monkeypatch.setitem(families_module.FAMILY_REGISTRY, name, type(family)(**{**family.__dict__, "fit": slow_fit}))
    loaded = run_study(train, valid, "binary", spec)
    assert loaded.cross_validated
    assert [t.params for t in loaded.study.trials] == [t.params for t in idle.study.trials]
    assert [t.value for t in loaded.study.trials] == [t.value for t in idle.study.trials]
    for family, best in idle.candidates.items():
        assert np.array_equal(loaded.candidates[family].model.predict(valid[0]), best.model.predict(valid[0]))
