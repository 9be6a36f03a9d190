"""ChunkedParquetDataset: chunks become one table, swapped in only when complete."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import polars as pl
import pytest
from kedro.io import DatasetError

from customer_classification.datasets import ChunkedParquetDataset, ModelRegistryDataset, TableChunk
from customer_classification.registry import RegistryUpdate, empty_state


def frame(start: int, n: int) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": range(start, start + n), "balance": [1.5] * n})


def test_chunks_load_back_as_one_table_in_any_backend(tmp_path):
    dataset = ChunkedParquetDataset(path=str(tmp_path / "holdings"))
    for index in range(3):
        dataset.save(TableChunk(frame(index * 10, 10), index, 3))
    loaded = dataset.load()
    assert loaded["customer_id"].tolist() == list(range(30))
    polars = ChunkedParquetDataset(path=str(tmp_path / "holdings"), backend="polars_lazy").load()
    assert isinstance(polars, pl.LazyFrame)
    assert polars.select(pl.len()).collect().item() == 30


def test_an_interrupted_write_leaves_the_previous_table(tmp_path):
    path = str(tmp_path / "holdings")
    ChunkedParquetDataset(path=path).save(frame(0, 5))
    interrupted = ChunkedParquetDataset(path=path)
    interrupted.save(TableChunk(frame(100, 10), 0, 2))  # the run dies before chunk 1
    assert ChunkedParquetDataset(path=path).load()["customer_id"].tolist() == list(range(5))

    rerun = ChunkedParquetDataset(path=path)
    rerun.save(TableChunk(frame(100, 10), 0, 2))
    rerun.save(TableChunk(frame(110, 10), 1, 2))
    assert rerun.load()["customer_id"].tolist() == list(range(100, 120))
    assert [p.name for p in tmp_path.iterdir()] == ["holdings"], "no staging folder is left behind"


def test_loading_a_table_never_written_says_what_to_do(tmp_path):
    with pytest.raises(DatasetError, match="run the pipeline that writes it first"):
        ChunkedParquetDataset(path=str(tmp_path / "nothing")).load()


def test_a_written_chunk_no_longer_holds_its_rows(tmp_path):
    """Kedro buffers a generator node's yielded chunks; written ones must not pin memory."""
    data = frame(0, 1000)
    alive = weakref.ref(data)
    chunk = TableChunk(data, 0, 2)
    del data
    ChunkedParquetDataset(path=str(tmp_path / "holdings")).save(chunk)
    gc.collect()
    assert alive() is None
    assert "written" in repr(chunk)
    with pytest.raises(DatasetError, match="already written"):
        chunk.take()


@pytest.mark.parametrize("backend", ["pandas", "polars", "polars_lazy"])
def test_a_truncated_part_is_named_with_its_table(tmp_path, backend):
    path = tmp_path / "transactions"
    writer = ChunkedParquetDataset(path=str(path))
    for index in range(2):
        writer.save(TableChunk(frame(index * 10, 10), index, 2))
    part = path / "part-00001.parquet"
    part.write_bytes(part.read_bytes()[:100])
    with pytest.raises(DatasetError, match=r"Table 'transactions' .*the part part-00001.parquet is not a readable"):
        ChunkedParquetDataset(path=str(path), backend=backend).load()


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next_successful_write(tmp_path):
    path = tmp_path / "holdings"
    ChunkedParquetDataset(path=str(path)).save(frame(0, 5))
    retired = tmp_path / ".holdings.retired-0badc0de"  # killed between the swap and the clean-up
    retired.mkdir()
    (retired / "part-00000.parquet").write_bytes(b"old")
    ChunkedParquetDataset(path=str(path)).save(frame(5, 5))
    assert [p.name for p in tmp_path.iterdir()] == ["holdings"]

    registry = ModelRegistryDataset(path=str(tmp_path / "registry"))
    half_written = tmp_path / "registry" / "tag_binner" / ".2026-10.pkl.k1ll3d.tmp"
    half_written.parent.mkdir(parents=True)
    half_written.write_bytes(b"half a pickle")
    registry.save(RegistryUpdate(empty_state(), {("tag_binner", "2026-10"): {"binner": 1}}))
    assert sorted(p.name for p in (tmp_path / "registry").rglob("*")) == [
        "2026-10.pkl",
        "model_registry.json",
        "tag_binner",
    ]
