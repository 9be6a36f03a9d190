"""A bank-sized table fits on a sample (``split.max_training_rows``): the train and validation splits
above the limit keep a stratified sample, the same rows whatever their order; test and scoring
rows are never sampled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.evaluation import study_summary
from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext
from customer_classification.modelling.fitted import fit_encoder, labelled_xy, refit_champion, rounds_on_every_row, tune
from customer_classification.modelling.spec import ModelSpec, SplitSpec, StudySpec
from customer_classification.modelling.table import assemble_model_table, stratified_sample
from tests.modelling.test_holdout import SPEC, SPLIT, bank


def sampled(limit: int | None, spec: ModelSpec = SPEC, rows=None) -> pd.DataFrame:
    features, labels = rows if rows is not None else bank()
    return assemble_model_table(features, labels, spec, SplitSpec(**{**SPLIT.model_dump(), "max_training_rows": limit}))


def counts(table: pd.DataFrame) -> dict[str, int]:
    return table["split"].value_counts().to_dict()


def test_train_and_validation_above_the_limit_are_sampled_and_test_and_scoring_kept_whole():
    full, small = counts(sampled(None)), counts(sampled(250))
    assert full["train"] > 250 and full["validation"] > 250
    assert small["train"] == pytest.approx(250, abs=2) and small["validation"] == pytest.approx(250, abs=2)
    assert small["test"] == full["test"] and small["scoring"] == full["scoring"]


def test_the_sample_keeps_the_target_rate_of_each_split():
    full, small = sampled(None), sampled(250)
    for split in ("train", "validation"):
        rate = full.loc[full["split"] == split, "target"].mean()
        assert small.loc[small["split"] == split, "target"].mean() == pytest.approx(rate, abs=0.01)


def test_a_regression_target_is_sampled_across_its_range():
    features, labels = bank()
    labels["target"] = labels["target"] * np.linspace(0, 10, len(labels))
    spec = ModelSpec(target="target", task="regression", population=["in_population"])
    full, small = sampled(None, spec, (features, labels)), sampled(200, spec, (features, labels))
    train_full = full.loc[full["split"] == "train", "target"]
    train_small = small.loc[small["split"] == "train", "target"]
    assert len(train_small) == pytest.approx(200, abs=10)
    assert train_small.quantile([0.1, 0.5, 0.9]).to_numpy() == pytest.approx(
        train_full.quantile([0.1, 0.5, 0.9]).to_numpy(), rel=0.15
    )


def test_the_same_rows_are_kept_whatever_the_order_of_the_rows():
    features, labels = bank()
    shuffled = features.sample(frac=1, random_state=5), labels.sample(frac=1, random_state=6)
    keys = ["customer_id", "snapshot_date", "split"]
    assert sampled(250)[keys].equals(sampled(250, rows=shuffled)[keys])


def test_a_split_within_the_limit_is_untouched():
    assert sampled(10_000).equals(sampled(None))


# The study's own sample (study.max_tuning_rows): the trials fit on a stratified sample, the
# champion on every row, its LightGBM rounds chosen again by early stopping on every row.
TUNING = StudySpec(families=["lightgbm"], n_trials=3, study_name="tuning", n_threads=1, max_boosting_rounds=200, seed=3)


def informative_table() -> pd.DataFrame:
    features, labels = bank()
    rng = np.random.default_rng(11)
    features["signal"] = rng.normal(size=len(features))
    labelled = labels["target"].notna().to_numpy()
    chance = 1 / (1 + np.exp(-2 * features.loc[labelled, "signal"].to_numpy()))
    labels.loc[labelled, "target"] = (rng.random(labelled.sum()) < chance).astype(float)
    return assemble_model_table(features, labels, SPEC, SPLIT)


def test_a_stratified_sample_keeps_each_class_in_its_share_and_is_the_same_for_a_seed():
    target = (np.random.default_rng(2).random(5000) < 0.1).astype(int)
    kept = stratified_sample(target, "binary", 1000, seed=4)
    assert len(kept) == pytest.approx(1000, abs=1) and np.all(np.diff(kept) > 0)
    assert target[kept].mean() == pytest.approx(target.mean(), abs=0.002)
    assert np.array_equal(kept, stratified_sample(target, "binary", 1000, seed=4))
    assert stratified_sample(target, "binary", 5000, seed=4) is None  # no longer than the limit: every row


def test_the_trials_fit_on_the_tuning_sample_and_the_champion_on_every_row():
    table = informative_table()
    n_train, n_valid = (int((table["split"] == s).sum()) for s in ("train", "validation"))
    assert n_train > 300 and n_valid > 300

    outcome, encoder = tune(table, SPEC, TUNING.model_copy(update={"max_tuning_rows": 300}))
    model = refit_champion(table, outcome, encoder, SPEC, TUNING)

    assert outcome.tuning_sample["train"] == (pytest.approx(300, abs=1), n_train)
    assert outcome.tuning_sample["validation"] == (pytest.approx(300, abs=1), n_valid)
    summary = study_summary(outcome, TUNING.n_trials)["tuning_sample"]
    assert summary["train"]["of"] == n_train
    assert model.explainer.booster.num_trees() == model.config["n_rounds"]  # the refit on every row
    untouched, _ = tune(table, SPEC, TUNING)
    assert untouched.tuning_sample == {}


def test_rounds_chosen_on_a_sample_are_chosen_again_by_early_stopping_on_every_row():
    table = informative_table()
    encoder = fit_encoder(table, SPEC)
    train, valid = (labelled_xy(table, encoder, SPEC, (split,)) for split in ("train", "validation"))
    ctx = FitContext(
        "binary", 2, seed=3, n_threads=1, early_stopping_rounds=10, max_boosting_rounds=200, report_every=25
    )
    config = {"early_stopping": True, "n_rounds": 7, "num_leaves": 7, "learning_rate": 0.05}
    direct = FAMILY_REGISTRY["lightgbm"].fit(config, *train, ctx, *valid)

    chosen = rounds_on_every_row(config, "lightgbm", (train, valid), ctx)

    assert chosen == {**config, "n_rounds": direct.best_iteration} and direct.best_iteration != 7
    assert rounds_on_every_row(config, "lightgbm", None, ctx) == config  # no sample: as the study chose
    fixed = {**config, "early_stopping": False, "n_rounds": 100}  # LightGBM's default 100 rounds stay
    assert rounds_on_every_row(fixed, "lightgbm", (train, valid), ctx) == fixed
