"""Large tables are grouped in buckets of customers; the outputs do not change."""

from __future__ import annotations

import narwhals as nw
import pandas as pd
import polars as pl
import pytest
from pandas.testing import assert_frame_equal

from customer_classification.buckets import in_bucket
from customer_classification.datasets import TableChunk
from customer_classification.pipelines.data_engineering import nodes
from tests.pipelines.data_engineering.conftest import run_data_engineering

MONTHLY = ["balances", "transactions", "credit", "digital", "campaigns"]


def as_pandas(frame) -> pd.DataFrame:
    frame = nw.from_native(frame)
    frame = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
    return frame.to_pandas()


@pytest.mark.parametrize("make_frame", [pd.DataFrame, pl.DataFrame], ids=["pandas", "polars"])
def test_every_key_falls_in_exactly_one_bucket(make_frame):
    keys = [-7, -3, -1, 0, 1, 2, 5, 11, 10**12 + 3]
    frame = nw.from_native(make_frame({"customer_id": keys}))
    buckets = [frame.filter(in_bucket("customer_id", b, 4))["customer_id"].to_list() for b in range(4)]
    assert buckets == [[0], [-7, -3, 1, 5], [2], [-1, 11, 10**12 + 3]]


def test_aggregates_come_in_customer_buckets_when_a_table_is_large(engineered, de_params):
    rows = engineered["data_quality_report"]["tables"]["transactions"]["rows_out"]
    params = de_params.model_copy(update={"rows_per_pass": rows // 3})
    chunks = list(
        nodes.aggregate_transactions(engineered["validated_transactions"], engineered["data_quality_report"], params)
    )
    assert [(c.index, c.total) for c in chunks] == [(0, 4), (1, 4), (2, 4), (3, 4)]
    parts = [as_pandas(chunk.take()) for chunk in chunks]
    customers = [set(part["customer_id"]) for part in parts]
    assert all(not (a & b) for i, a in enumerate(customers) for b in customers[i + 1 :]), "a customer in two buckets"
    assert all(part.equals(part.sort_values(["customer_id", "ym"])) for part in parts), "each part is sorted"
    whole = as_pandas(engineered["customer_month_transactions"])
    together = pd.concat(parts).sort_values(["customer_id", "ym"], ignore_index=True)
    assert_frame_equal(together, whole.sort_values(["customer_id", "ym"], ignore_index=True))
    assert isinstance(chunks[0], TableChunk)


def test_bucketed_lazy_run_writes_the_same_features_and_labels(small_bank, de_params, engineered):
    """The whole pipeline on lazy frames (as the catalog loads them), every large
    group-by in buckets, gives the eager one-pass run's outputs."""
    bucketed = run_data_engineering(small_bank, de_params.model_copy(update={"rows_per_pass": 40_000}), "polars_lazy")
    assert bucketed["data_quality_report"] == engineered["data_quality_report"]
    keyed = {
        "customer_features": ["snapshot_date", "customer_id"],
        "model_labels": ["snapshot_date", "customer_id"],
        **{f"customer_month_{name}": ["customer_id", "ym"] for name in MONTHLY},
    }
    for name, keys in keyed.items():
        assert_frame_equal(
            as_pandas(bucketed[name]).sort_values(keys, ignore_index=True),
            as_pandas(engineered[name]).sort_values(keys, ignore_index=True),
            obj=name,
        )
