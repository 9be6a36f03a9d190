"""`kedro run --env spark --pipelines data_engineering` writes what the default engine writes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
TWO_SNAPSHOTS = {"data_engineering": {"snapshots": ["2026-03-01", "2026-11-01"]}}


def _read(workdir, layer: str, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(workdir / "data" / layer / name)
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"]).astype("datetime64[us]")
    return frame.sort_values(["customer_id", "snapshot_date"], ignore_index=True)


def assert_same_values(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    assert sorted(actual.columns) == sorted(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        left, right = expected[column], actual[column]
        if pd.api.types.is_float_dtype(left):
            np.testing.assert_allclose(
                left.to_numpy(float), right.to_numpy(float), rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=column
            )
        else:
            normalise = lambda s: s.astype(object).where(s.notna(), None).tolist()  # noqa: E731
            assert normalise(left) == normalise(right), column


def few_shuffle_partitions(root: Path) -> None:
    """The project at ``root`` shuffles into two partitions, one per core of local[2], instead of
    the eight a bank's tables get: a few hundred customers make each of the eight a task of a
    few rows, and the parity test took a fifth longer (183 s against 150 s alone). Each
    shuffle's rows are still split between partitions."""
    settings = root / "conf" / "spark" / "spark.yml"
    text = settings.read_text()
    assert "spark.sql.shuffle.partitions: 8" in text, "conf/spark/spark.yml changed its shuffle partitions"
    settings.write_text(text.replace("spark.sql.shuffle.partitions: 8", "spark.sql.shuffle.partitions: 2"))


@pytest.fixture
def short_lived_jvm(monkeypatch):
    """Spark's JVM lives for this one test, a few hundred small jobs: the quick C1 compiler alone
    (C2's optimised code never pays back in that time) and a single-threaded garbage collector on
    a small machine take about a quarter off its time. Neither changes what Spark computes."""
    options = os.environ.get("JAVA_TOOL_OPTIONS", "")
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", f"{options} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC".strip())


@pytest.mark.usefixtures("short_lived_jvm")
def test_spark_engine_writes_the_same_features_and_labels(demo_bank_workdir):
    workdir = demo_bank_workdir  # after `kedro run --pipelines demo_data`
    few_shuffle_partitions(workdir)
    run(workdir, pipeline="data_engineering", extra_params=TWO_SNAPSHOTS)
    features = _read(workdir, "04_feature", "customer_features")
    labels = _read(workdir, "05_model_input", "model_labels")
    assert features["snapshot_date"].nunique() == 2

    run(workdir, env="spark", pipeline="data_engineering", extra_params=TWO_SNAPSHOTS)
    spark_files = list((workdir / "data" / "04_feature" / "customer_features").glob("*.parquet"))
    assert spark_files and all(p.name.startswith("part-") and "snappy" in p.name for p in spark_files), "Spark wrote it"
    assert_same_values(features, _read(workdir, "04_feature", "customer_features"))
    assert_same_values(labels, _read(workdir, "05_model_input", "model_labels"))
