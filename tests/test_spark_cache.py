"""Spark's cache for a sorted table: its input is computed once, held on disk, and dropped when the
table handed on is released, however many steps that table is over the sort."""

from __future__ import annotations

import os

import narwhals as nw
import pytest

from customer_classification.spark_cache import derived_from_cache, release, sorted_once
from tests.test_spark_parity import short_lived_jvm  # noqa: F401 - a fixture

pytest.importorskip("pyspark")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture
def spark(short_lived_jvm):  # noqa: F811
    from pyspark.sql import SparkSession  # noqa: PLC0415 - Spark is optional

    session = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    yield session
    session.stop()


def test_a_sorted_table_holds_its_input_on_disk_until_the_table_is_released(spark):
    frame = nw.from_native(spark.createDataFrame([(3, "c"), (1, "a"), (2, "b")], ["key", "value"]))
    ordered = sorted_once(frame, "key")
    handed_on = derived_from_cache(ordered.select("value"), ordered)  # a step over the sort, as the nodes do
    assert [row[0] for row in handed_on.to_native().collect()] == ["a", "b", "c"]

    persisted = list(spark.sparkContext._jsc.getPersistentRDDs().values())  # noqa: SLF001
    assert len(persisted) == 1, "the sort's input is persisted once"
    level = persisted[0].getStorageLevel()
    assert level.useDisk() and not level.useMemory(), "on disk, leaving the memory to the sort"

    release(handed_on)
    assert spark.sparkContext._jsc.getPersistentRDDs().isEmpty(), "released with the table handed on"  # noqa: SLF001


def test_other_engines_sort_as_they_do():
    import polars as pl  # noqa: PLC0415

    frame = nw.from_native(pl.DataFrame({"key": [3, 1, 2]}))
    assert sorted_once(frame, "key")["key"].to_list() == [1, 2, 3]
    release(sorted_once(frame, "key"))  # nothing to drop
