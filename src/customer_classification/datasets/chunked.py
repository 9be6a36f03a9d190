"""A parquet table written in chunks and swapped in atomically."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from kedro.io import AbstractDataset, DatasetError

from customer_classification.provenance import write_record


class TableChunk:
    """One chunk of a table that a generator node yields: part ``index`` of ``total``.

    The dataset takes the frame out when it writes it. Kedro hands a multi-output
    generator's chunks to the datasets through ``itertools.tee``, which keeps the
    yielded tuples in blocks of 57, so a chunk that kept its frame after being
    written would keep the whole table in memory.
    """

    __slots__ = ("_frame", "index", "total")

    def __init__(self, frame: Any, index: int, total: int):
        self._frame: Any = frame
        self.index = index
        self.total = total

    def take(self) -> Any:
        """The chunk's frame (pandas, Polars eager or lazy, or Spark), handed over once."""
        frame, self._frame = self._frame, None
        if frame is None:
            raise DatasetError(f"Chunk {self.index} of {self.total} was already written.")
        return frame

    def __repr__(self) -> str:
        state = "written" if self._frame is None else type(self._frame).__name__
        return f"TableChunk({self.index + 1} of {self.total}, {state})"


BACKENDS = ("pandas", "polars", "polars_lazy", "spark")


def _is_spark(data: Any) -> bool:
    return type(data).__module__.startswith("pyspark.")


class ChunkedParquetDataset(AbstractDataset[pd.DataFrame | TableChunk, Any]):
    """A table stored as a folder of parquet parts, for tables too large for memory.

    ``save`` takes a whole ``DataFrame`` or a :class:`TableChunk`. Chunks go to a
    staging folder beside the table; the last chunk swaps the staging folder in,
    so readers see the previous complete table until the new one is complete, and
    an interrupted write leaves the previous table as it was.

    ``load`` returns pandas (default), an eager Polars frame (``backend: polars``),
    a lazy Polars scan (``backend: polars_lazy``) for out-of-core work, or a Spark
    DataFrame (``backend: spark``, from the active SparkSession). ``save`` takes
    any of these; a Spark DataFrame is written by Spark into the staging folder.

    Example catalog entry::

        transactions:
          type: customer_classification.datasets.ChunkedParquetDataset
          path: data/01_raw/demo_bank/transactions
    """

    def __init__(self, *, path: str, backend: str = "pandas", metadata: dict[str, Any] | None = None):
        if backend not in BACKENDS:
            raise DatasetError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
        self._path = Path(path)
        self._backend = backend
        self._staging: Path | None = None
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"path": str(PurePosixPath(self._path)), "backend": self._backend}

    @property
    def folder(self) -> Path:
        """The table's folder: its parquet parts and the record of the run that wrote them."""
        return self._path

    def _exists(self) -> bool:
        return self._path.is_dir() and any(self._path.glob("*.parquet"))

    def load(self) -> Any:
        if not self._exists():
            raise DatasetError(f"No parquet parts under {self._path}; run the pipeline that writes it first.")
        if self._backend == "spark":
            from pyspark.sql import SparkSession  # noqa: PLC0415 - Spark is optional

            return SparkSession.builder.getOrCreate().read.parquet(str(self._path))
        files = sorted(str(p) for p in self._path.glob("*.parquet"))
        self._check_footers(files)
        if self._backend == "pandas":
            return pads.dataset(files, format="parquet").to_table().to_pandas()
        scan = pl.scan_parquet(files)
        return scan if self._backend == "polars_lazy" else scan.collect()

    def _check_footers(self, files: list[str]) -> None:
        """Read every part's footer (a few KiB each), so that a truncated or corrupt part
        stops the load naming its table and file; a lazy scan would fail later, in
        whichever node first reads it, with an error that names neither."""
        for file in files:
            try:
                pq.read_metadata(file)
            except (pa.ArrowException, OSError) as error:
                raise DatasetError(
                    f"Table '{self._path.name}' ({self._path}): the part {Path(file).name} is not a readable "
                    f"parquet file (truncated or corrupt: {error}). Re-extract the table or restore that part."
                ) from error

    def save(self, data: Any) -> None:
        chunk = data if isinstance(data, TableChunk) else TableChunk(data, 0, 1)
        if chunk.index == 0 or self._staging is None:
            self._start_staging()
            self._staging.mkdir(parents=True)
        frame = chunk.take()
        if _is_spark(frame):
            # Spark names its part files uniquely, so each chunk appends its own
            frame.write.mode("append").parquet(str(self._staging))
        else:
            if isinstance(frame, pl.LazyFrame):
                frame = frame.collect(engine="streaming")  # bounded memory; sums are in integer cents
            table = (
                pa.Table.from_pandas(frame, preserve_index=False)
                if isinstance(frame, pd.DataFrame)
                else frame.to_arrow()
            )
            pq.write_table(table, self._staging / f"part-{chunk.index:05d}.parquet")
        if chunk.index == chunk.total - 1:
            write_record(self._staging)  # swapped in with the parts: a table and its run never part
            self._commit()

    def _start_staging(self) -> None:
        # left by an interrupted run: a half-written table, or a previous table that a run
        # killed between the swap and the clean-up did not delete
        for pattern in (f".{self._path.name}.staging-*", f".{self._path.name}.retired-*"):
            for abandoned in self._path.parent.glob(pattern):
                shutil.rmtree(abandoned, ignore_errors=True)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._staging = self._path.with_name(f".{self._path.name}.staging-{uuid.uuid4().hex[:8]}")

    def _commit(self) -> None:
        assert self._staging is not None
        retired = self._path.with_name(f".{self._path.name}.retired-{uuid.uuid4().hex[:8]}")
        if self._path.exists():
            self._path.rename(retired)
        self._staging.rename(self._path)
        self._staging = None
        if retired.is_file():  # a single parquet file that another engine's run wrote at this path
            retired.unlink()
        shutil.rmtree(retired, ignore_errors=True)
