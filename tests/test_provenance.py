"""Each table records the run that wrote it; score and retrain refuse layers of two runs."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline

from customer_classification.datasets import ChunkedParquetDataset
from customer_classification.provenance import RECORD_NAME, MixedRunsGuard, RunRecorder, read_record


def _join(a, b):
    return a


ENGINEERING = Pipeline(
    [
        Node(_join, ["customers", "transactions"], "int_customers", name="protect"),
        Node(_join, ["int_customers", "transactions"], "customer_features", name="features"),
    ]
)
TAGS = Pipeline([Node(_join, ["int_customers", "customer_features"], "customer_tags", name="tags")])


def _run(run_id: str, catalog: DataCatalog, written: list[str]) -> None:
    """A run of data_engineering that writes ``written`` and stops there."""
    recorder = RunRecorder()
    params = {"run_id": run_id, "pipeline_names": ["data_engineering"], "env": "prod"}
    recorder.before_pipeline_run(run_params=params, pipeline=ENGINEERING, catalog=catalog)
    for name in written:
        catalog[name].save(pd.DataFrame({"customer_id": [1, 2]}))
    recorder.on_pipeline_error(error=RuntimeError("killed"), run_params=params, pipeline=ENGINEERING, catalog=catalog)


def test_score_refuses_tables_that_two_runs_wrote(tmp_path):
    catalog = DataCatalog(
        {name: ChunkedParquetDataset(path=str(tmp_path / name)) for name in ("int_customers", "customer_features")}
    )
    _run("2026-11-01T08.00.00.000Z", catalog, ["int_customers", "customer_features"])
    guard = MixedRunsGuard(pipelines=lambda: {"data_engineering": ENGINEERING, "tag_system": TAGS})
    score = {"pipeline_names": ["score"]}
    guard.before_pipeline_run(run_params=score, pipeline=TAGS, catalog=catalog)  # one run: fine

    _run("2026-11-02T08.00.00.000Z", catalog, ["int_customers"])  # stopped before the features
    assert read_record(tmp_path / "int_customers")["run_id"] == "2026-11-02T08.00.00.000Z"
    assert catalog["int_customers"].load()["customer_id"].tolist() == [1, 2], "the record is not read as a part"
    with pytest.raises(RuntimeError) as error:
        guard.before_pipeline_run(run_params=score, pipeline=TAGS, catalog=catalog)
    message = str(error.value)
    assert "written by different runs of data_engineering" in message
    assert "customer_features (from data_engineering): run 2026-11-01T08.00.00.000Z" in message
    assert "int_customers (from data_engineering): run 2026-11-02T08.00.00.000Z" in message
    assert "kedro run --pipelines data_engineering" in message

    guard.before_pipeline_run(run_params={"pipeline_names": ["tag_system"]}, pipeline=TAGS, catalog=catalog)


def test_a_table_written_outside_a_run_has_no_record(tmp_path):
    ChunkedParquetDataset(path=str(tmp_path / "t")).save(pd.DataFrame({"a": [1]}))
    assert not (tmp_path / "t" / RECORD_NAME).exists()
