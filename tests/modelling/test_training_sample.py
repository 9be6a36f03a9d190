"""A bank-sized table fits on a sample (``split.max_training_rows``): the train and validation splits
above the limit keep a stratified sample, the same rows whatever their order; test and scoring
rows are never sampled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.spec import ModelSpec, SplitSpec
from customer_classification.modelling.table import assemble_model_table
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
