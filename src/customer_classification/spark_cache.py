"""Spark's cache for the frames a run reads more than once.

A Spark frame is a plan: every action recomputes it from the files it reads. The
repaired tables are counted by the repair (for the quality report) and read by an aggregate,
and the repaired reference tables by every foreign-key check of the tables after them; each
of those plans reaches back to the raw files through key checks and joins. Persisted (memory,
spilling to disk, which is Spark's default for frames), a table is computed once and
read back from the cache. Frames of the other engines pass through unchanged: pandas
and eager Polars frames are computed already, and a lazy Polars plan is meant to be
recomputed by its streaming engine rather than held.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw


def _spark(native: Any) -> bool:
    return type(native).__module__.startswith("pyspark.") and hasattr(native, "persist")


def _native(frame: Any) -> Any:
    return frame.to_native() if isinstance(frame, nw.DataFrame | nw.LazyFrame) else frame


def is_spark(frame: Any) -> bool:
    """Whether a frame (native or narwhals) is a PySpark one."""
    return _spark(_native(frame))


def cached(frame: Any) -> Any:
    """The frame (native or narwhals, returned as given) persisted on Spark; unchanged on other engines."""
    if not is_spark(frame):
        return frame
    persisted = _native(frame).persist()
    return persisted if frame is _native(frame) else nw.from_native(persisted)


def release(frame: Any) -> None:
    """Drop a persisted Spark frame's cache (nothing on other engines, or for a frame not persisted).

    A frame made by :func:`derived_from_cache` drops the cache of the frame it was derived from.
    """
    if is_spark(frame):
        native = _native(frame)
        getattr(native, _CACHED_SOURCE, native).unpersist()


# the attribute naming, on a Spark frame, the persisted frame it reads (see derived_from_cache)
_CACHED_SOURCE = "_customer_classification_cached_source"


def derived_from_cache(frame: Any, source: Any) -> Any:
    """``frame`` (computed from the persisted ``source``) marked so that :func:`release` of it drops
    ``source``'s cache: a table handed on as a cheap step over a persisted one (a filter) is then
    released like a persisted table. A ``source`` itself derived from a persisted frame passes on
    that frame, so a step over a step still drops the cache. Unchanged on other engines; returned
    as given."""
    if is_spark(frame) and is_spark(source):
        native = _native(source)
        setattr(_native(frame), _CACHED_SOURCE, getattr(native, _CACHED_SOURCE, native))
    return frame


def sorted_once(frame: Any, *by: str) -> Any:
    """``frame`` (narwhals) sorted by ``by``, computed once on Spark: Spark sorts by range, and
    first runs a job that samples the sort's input to choose the ranges, then computes that input
    again for the sort. Persisted on disk first (not in memory, where the sort itself needs the
    room), the input is computed once and read twice; :func:`release` of the sorted frame drops
    it. Other engines sort as they do."""
    if not is_spark(frame):
        return frame.sort(*by)
    from pyspark import StorageLevel  # noqa: PLC0415 - Spark is optional

    held = nw.from_native(_native(frame).persist(StorageLevel.DISK_ONLY))
    return derived_from_cache(held.sort(*by), held)


def broadcast(frame: Any) -> Any:
    """``frame`` (native or narwhals) marked for a broadcast join on Spark; unchanged elsewhere.

    For a small frame joined to a large one (a reference table's keys against an event table):
    without it Spark shuffles both sides by the key, the large one included, whenever its size
    estimate of the small side (a plan over parquet files, not the few keys it keeps) is above
    ``spark.sql.autoBroadcastJoinThreshold``.
    """
    if not is_spark(frame):
        return frame
    hinted = _native(frame).hint("broadcast")
    return hinted if frame is _native(frame) else nw.from_native(hinted)
