"""The customer holdout, the guard against label leakage (``split.customer_holdout``): the customers
whose rows train, validate and test never overlap, and a customer's group depends on its id alone,
not on the order of the rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.spec import ModelSpec, SplitSpec
from customer_classification.modelling.table import assemble_model_table, customer_group

SNAPSHOTS = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"])
N = 1200
SPEC = ModelSpec(target="target", task="binary", population=["in_population"])
SPLIT = SplitSpec(
    training_snapshots=[dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
    validation_snapshot=dt.date(2026, 3, 1),
    test_snapshot=dt.date(2026, 4, 1),
    scoring_snapshot=dt.date(2026, 5, 1),
)


def bank() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every customer at every snapshot, labelled except at the scoring one."""
    rng = np.random.default_rng(3)
    ids = np.repeat(np.arange(1000, 1000 + N), len(SNAPSHOTS))
    when = np.tile(SNAPSHOTS, N)
    features = pd.DataFrame({"customer_id": ids, "snapshot_date": when, "balance": rng.normal(size=len(ids))})
    target = rng.integers(0, 2, len(ids)).astype(float)
    target[when == SNAPSHOTS[-1]] = np.nan
    labels = pd.DataFrame({"customer_id": ids, "snapshot_date": when, "target": target, "in_population": True})
    return features, labels


def customers_by_split(table: pd.DataFrame) -> dict[str, set[int]]:
    return {name: set(rows["customer_id"]) for name, rows in table.groupby("split", observed=True)}


def test_training_validation_and_test_customers_do_not_overlap():
    table = assemble_model_table(*bank(), SPEC, SPLIT)
    by_split = customers_by_split(table)
    assert not by_split["train"] & by_split["validation"]
    assert not by_split["train"] & by_split["test"]
    assert not by_split["validation"] & by_split["test"]
    # every customer is scored, and each labelled customer lands in one group at its shares 0.5/0.25/0.25
    assert by_split["scoring"] == set(range(1000, 1000 + N))
    shares = [len(by_split[s]) / N for s in ("train", "validation", "test")]
    assert shares == pytest.approx([0.5, 0.25, 0.25], abs=0.05)
    # a training customer has its rows at both training snapshots
    assert (table[table["split"] == "train"].groupby("customer_id").size() == 2).all()


def test_without_the_holdout_every_customer_is_in_every_split():
    open_split = SplitSpec(**{**SPLIT.model_dump(), "customer_holdout": None})
    by_split = customers_by_split(assemble_model_table(*bank(), SPEC, open_split))
    assert by_split["train"] == by_split["validation"] == by_split["test"] == set(range(1000, 1000 + N))


def test_a_customers_group_does_not_change_when_the_rows_are_shuffled():
    features, labels = bank()
    table = assemble_model_table(features, labels, SPEC, SPLIT)
    shuffled = assemble_model_table(
        features.sample(frac=1, random_state=1), labels.sample(frac=1, random_state=2), SPEC, SPLIT
    )
    pd.testing.assert_frame_equal(shuffled, table)
    ids = pd.Series(np.arange(1000, 1000 + N))
    groups = dict(zip(ids, customer_group(ids, [0.5, 0.25, 0.25]), strict=True))
    reordered = ids.sample(frac=1, random_state=3)
    assert customer_group(reordered, [0.5, 0.25, 0.25]).tolist() == reordered.map(groups).tolist()
    # the group is a function of the id's text: the same customer as int or str is in the same group
    assert customer_group(ids.astype(str), [0.5, 0.25, 0.25]).tolist() == list(groups.values())


def test_other_shares_move_the_group_sizes():
    ids = pd.Series(np.arange(N))
    counts = np.bincount(customer_group(ids, [0.8, 0.1, 0.1]), minlength=3) / N
    assert counts == pytest.approx([0.8, 0.1, 0.1], abs=0.04)


@pytest.mark.parametrize("shares", [[0.5, 0.5], [0.6, 0.3, 0.3], [1.0, 0.0, 0.0]])
def test_holdout_shares_that_are_not_three_positive_shares_summing_to_one_are_refused(shares):
    with pytest.raises(ValueError, match=r"customer_holdout must be three positive shares .* adding up to 1"):
        SplitSpec(**{**SPLIT.model_dump(), "customer_holdout": shares})
