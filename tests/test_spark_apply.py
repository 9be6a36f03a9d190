"""The per-partition helper without a JVM: pandas and Polars frames go to the function as they
are, and pandas' types map to the Spark schema a partition's output is written with."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from customer_classification.spark_apply import map_partitions, plain, spark_schema

pytest.importorskip("pyspark")


@pytest.mark.parametrize("frame", [pd.DataFrame({"x": [1, 2]}), pl.DataFrame({"x": [1, 2]})])
def test_a_local_frame_goes_to_the_function_as_it_is(frame):
    seen = []
    result = map_partitions(lambda rows, k: seen.append(rows) or k, frame, 7)
    assert result == 7 and seen[0] is frame


def test_categories_and_text_become_plain_values_and_types():
    frame = pd.DataFrame(
        {
            "tier": pd.Categorical(["A", None], categories=["A", "B"], ordered=True),
            "reason": pd.array(["often", None], dtype="string"),
            "nothing": [None, None],
            "at": pd.to_datetime(["2026-11-01", "2026-11-01"]),
            "flag": [True, False],
        }
    )
    assert plain(frame)["tier"].tolist() == ["A", None]
    assert plain(frame)["reason"].tolist() == ["often", None]
    types = {f.name: f.dataType.typeName() for f in spark_schema(frame).fields}
    assert types == {
        "tier": "string",
        "reason": "string",
        "nothing": "string",
        "at": "timestamp_ntz",
        "flag": "boolean",
    }
