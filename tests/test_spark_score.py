"""`kedro run --env spark --pipelines score` writes what the local run writes, and computes the
customer-level steps on Spark: no customer row reaches the driver outside the nodes that
docs/scaling.md names as running there.

The local side is the session's default run, whose retrain scored the scoring snapshot with the
champions that the score reads (its first month: every challenger became champion). The Spark
side runs the score's nodes after data engineering (its Spark parity is tests/test_spark_parity.py)
on the features that run wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.pipeline.node import Node

from tests.conftest import TINY, copy_run, inside
from tests.test_spark_parity import assert_same_values, few_shuffle_partitions, short_lived_jvm  # noqa: F401 - a fixture

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
KEYS = ["customer_id", "snapshot_date"]
# customer-level outputs, by the keys that order them
TABLES = {
    "04_feature/customer_tags": KEYS,
    **{
        f"07_model_output/segments/{group}/cluster_assignments.parquet": KEYS
        for group in ("basic", "financial", "lifestyle", "non_financial")
    },
    "07_model_output/potential_scores.parquet": KEYS,
    "07_model_output/loan_demand_scores.parquet": KEYS,
    "07_model_output/product_recommendations.parquet": [*KEYS, "rank"],
    "07_model_output/customer_scenarios.parquet": KEYS,
    "07_model_output/credit_push.parquet": [*KEYS, "rank"],
}
SUMMARIES = (
    "08_reporting/drift_monitoring.csv",
    "07_model_output/rm_classification.csv",
    "07_model_output/rm_thresholds.csv",
    "07_model_output/rm_alternative_thresholds.csv",
    "08_reporting/scenario_summary.csv",
)
DOCUMENTS = ("08_reporting/rm_classification_summary.json", "08_reporting/portrait_push/platform_matching.json")
# the score's nodes that still read customer rows on the driver (docs/scaling.md says why)
ON_THE_DRIVER = {"portrait_push.push_credit_products", "portrait_push.verify_second_source"}
FEW = 5  # rows naming customers that may reach the driver: the tiers' boundaries, an error's examples


def _table(root: Path, name: str, keys: list[str]) -> pd.DataFrame:
    frame = pd.read_parquet(root / "data" / name)
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"]).astype("datetime64[us]")
    return frame.sort_values(keys, ignore_index=True)


class DriverGathers:
    """Which node brought customer rows to the driver: more than a few rows with a ``customer_id``
    fetched from Spark, as Arrow batches (``toPandas``, ``toArrow``, narwhals) or as rows. The RMs'
    table, the snapshots and the aggregates name no customer."""

    def __init__(self, patch: pytest.MonkeyPatch):
        from pyspark.sql.classic.dataframe import DataFrame  # noqa: PLC0415 - Spark is optional

        self.node = None
        self.by_node: dict[str, int] = {}
        original_run = Node.run

        def run(node, *args, **kwargs):
            self.node = node.name
            return original_run(node, *args, **kwargs)

        patch.setattr(Node, "run", run)
        # toPandas and toArrow (and narwhals' collect) fetch Arrow batches; the rest fetches rows
        for method, rows_of in (("_collect_as_arrow", self._arrow_rows), ("collect", self._customers)):
            patch.setattr(DataFrame, method, self._watching(getattr(DataFrame, method), rows_of))

    @staticmethod
    def _arrow_rows(batches: list) -> int:
        rows = sum(batch.num_rows for batch in batches)
        return rows if rows > FEW and "customer_id" in batches[0].schema.names else 0

    @staticmethod
    def _customers(rows: list) -> int:
        # a few rows are the tiers' boundaries or an error's examples; aggregates name no customer
        return len(rows) if len(rows) > FEW and "customer_id" in rows[0].asDict() else 0

    def _watching(self, method, rows_of):
        def watched(frame, *args, **kwargs):
            result = method(frame, *args, **kwargs)
            if rows_of(result):
                self.by_node[self.node] = self.by_node.get(self.node, 0) + rows_of(result)
            return result

        return watched


@pytest.fixture
def spark_scored(default_run_project, tmp_path, short_lived_jvm) -> tuple[Path, dict[str, int]]:  # noqa: F811
    """A copy of the default run, then the score's nodes after data engineering on Spark; the
    Spark session is stopped after it (the tests after it on this worker need no JVM)."""
    from pyspark.sql import SparkSession  # noqa: PLC0415 - Spark is optional

    root = copy_run(default_run_project, tmp_path)
    few_shuffle_partitions(root)
    try:
        with inside(root) as patch:
            gathers = DriverGathers(patch)
            names = [n.name for n in pipelines["score"].nodes if not n.name.startswith("data_engineering.")]
            with KedroSession.create(project_path=root, env="spark", runtime_params=TINY) as session:
                session.run(pipeline_names=["score"], node_names=names)
    finally:
        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
    return root, gathers.by_node


def test_spark_score_writes_the_local_values_without_gathering_customers(default_run_project, spark_scored):
    local, (spark, gathers) = default_run_project, spark_scored
    for name, keys in TABLES.items():
        if name != "07_model_output/credit_push.parquet":  # written on the driver
            assert (spark / "data" / name).is_dir(), f"{name}: written by Spark (a folder of parts)"
        assert_same_values(_table(local, name, keys), _table(spark, name, keys))
    for name in SUMMARIES:
        pd.testing.assert_frame_equal(pd.read_csv(spark / "data" / name), pd.read_csv(local / "data" / name), rtol=1e-9)
    for name in DOCUMENTS:
        assert json.loads((spark / "data" / name).read_text()) == json.loads((local / "data" / name).read_text())
    assert set(gathers) == ON_THE_DRIVER, f"customer rows on the driver, by node: {gathers}"
