"""A frame passed between nodes in memory, its Spark cache dropped when no node needs it."""

from __future__ import annotations

from typing import Any

from kedro.io import MemoryDataset

from customer_classification.spark_cache import release


class CachedFrameDataset(MemoryDataset):
    """A ``MemoryDataset`` (the frame itself, not a copy) that unpersists a Spark frame on release.

    Kedro releases a dataset once the last node reading it has run. Data engineering
    persists the validated tables on Spark (``customer_classification.spark_cache``)
    because several steps read them; with this dataset their cache is freed as soon
    as the aggregates that read them are written, instead of when the session ends.

    Example catalog entry (``conf/spark/catalog.yml``)::

        "validated_{table}":
          type: customer_classification.datasets.CachedFrameDataset
    """

    def __init__(self, metadata: dict[str, Any] | None = None):
        super().__init__(copy_mode="assign", metadata=metadata)

    def _release(self) -> None:
        if self._exists():
            release(self._data)
        super()._release()
