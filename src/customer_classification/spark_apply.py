"""Pandas node functions applied partition by partition of a Spark DataFrame (``--env spark``).

The score's nodes apply models fitted on one machine to one customer's rows at a time. Given a
Spark DataFrame, :func:`map_partitions` runs the same pandas function on every partition on the
executors (``DataFrame.mapInPandas``); the fitted models travel in the function's closure, and no
customer row reaches the driver. Given pandas or Polars, it calls the function unchanged, so the
local run is the same code as before.

The output's Spark schema is the function's answer on an empty frame with the input's columns and
types, worked out on the driver. A function that cannot answer on no rows (LightGBM refuses to
predict nothing) is asked on an executor, on the first row, and only the schema comes back.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

Frame = Any  # pandas, Polars (eager or lazy) or a Spark DataFrame


def is_spark(frame: Any) -> bool:
    """Whether ``frame`` is a PySpark DataFrame (without importing PySpark, which is optional)."""
    return type(frame).__module__.startswith("pyspark.")


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical and text columns as Python objects: Spark has no categorical
    type, and its Arrow conversion takes text in one piece, not pandas' Arrow-backed chunks."""
    converted = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype | pd.StringDtype)]
    if not converted:
        return frame
    frame = frame.copy()
    for column in converted:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def spark_schema(frame: pd.DataFrame):
    """The Spark schema of a pandas frame: Arrow's types, a column of nothing but nulls as text."""
    from pyspark.sql.pandas.types import from_arrow_schema  # noqa: PLC0415 - Spark is optional

    schema = pa.Schema.from_pandas(plain(frame), preserve_index=False)
    fields = [pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in schema]
    return from_arrow_schema(pa.schema(fields), prefer_timestamp_ntz=True)


def _partition(batches: Iterator[pd.DataFrame]) -> pd.DataFrame | None:
    """One partition's rows as one frame (the function sees whole partitions); None when empty."""
    frames = [batch for batch in batches if len(batch)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _apply_to_partitions(function: Callable[[pd.DataFrame], pd.DataFrame]):
    def apply(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        rows = _partition(batches)
        if rows is not None:
            yield plain(function(rows))

    return apply


def _probe_schema(function: Callable[[pd.DataFrame], pd.DataFrame]):
    """On an executor: the function's output schema on the first row, as JSON (the row stays there)."""

    def probe(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        rows = _partition(batches)
        if rows is not None:
            yield pd.DataFrame({"schema": [spark_schema(function(rows.head(1))).json()]})

    return probe


def output_schema(function: Callable[[pd.DataFrame], pd.DataFrame], frame: Any):
    """The Spark schema of ``function``'s output on ``frame``'s partitions."""
    from pyspark.sql.types import StructType  # noqa: PLC0415

    empty = frame.limit(0).toPandas()  # no row: the columns and their pandas types
    try:
        return spark_schema(function(empty))
    except (ValueError, IndexError, KeyError) as refused:
        probed = frame.limit(1).mapInPandas(_probe_schema(function), "schema string").collect()
        if not probed:
            raise ValueError(
                f"{_name(function)}: the Spark table has no rows, and the function gives no output "
                f"on none ({refused}); check the snapshot and the population it selects"
            ) from refused
        return StructType.fromJson(json.loads(probed[0]["schema"]))


def _name(function: Callable[..., Any]) -> str:
    inner = function.args[0] if isinstance(function, functools.partial) and function.args else function
    return getattr(inner, "__qualname__", repr(inner))


def map_partitions(function: Callable[..., pd.DataFrame], frame: Frame, *args: Any, **kwargs: Any) -> Frame:
    """``function(frame, *args, **kwargs)``; on a Spark DataFrame, applied to each partition.

    ``function`` must treat each row (or each customer's rows, when a customer's rows share a
    partition) on its own: its output on the whole table must be the union of its outputs on the
    partitions. Rows come to it in whatever order the partition holds them.
    """
    if not is_spark(frame):
        return function(frame, *args, **kwargs)
    bound = functools.partial(_call, function, args, kwargs)
    return frame.mapInPandas(_apply_to_partitions(bound), output_schema(bound, frame))


def _call(function: Callable[..., pd.DataFrame], args: tuple, kwargs: dict, rows: pd.DataFrame) -> pd.DataFrame:
    return function(rows, *args, **kwargs)
