"""Drift on Spark: the scoring rows' counts in the reference's bins, summed over partitions.

Each partition counts its rows in every reference bin of every feature and of the score (a few
hundred numbers); Spark adds them up and only those sums reach the driver, which computes the
PSI exactly as the local run does from the same counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.table import SPLIT
from customer_classification.pipelines.drift_monitoring.psi import counts_against
from customer_classification.spark_apply import map_partitions

Key = tuple[str, str]


def check_features(model: str, features: list[str], present: Iterable[str]) -> None:
    absent = [c for c in features if c not in set(present)]
    if absent:
        raise ValueError(f"drift of {model}: the scoring rows lack the champion's features {absent[:5]}")


def _counts(rows: pd.DataFrame, columns: dict[Key, dict[str, Any]]) -> pd.DataFrame:
    """One partition's counts: one row per (kind, name, bin)."""
    parts = []
    for (kind, name), reference in columns.items():
        counts = counts_against(reference, rows[name]) if len(rows) else np.zeros(0)
        parts.append(pd.DataFrame({"kind": kind, "name": name, "bin": np.arange(len(counts)), "count": counts}))
    return pd.concat(parts, ignore_index=True).astype({"kind": str, "name": str, "bin": "int64", "count": float})


def _summed(frame: Any, columns: dict[Key, dict[str, Any]]) -> dict[Key, np.ndarray]:
    from pyspark.sql import functions as F  # noqa: PLC0415 - Spark is optional

    totals = map_partitions(_counts, frame, columns).groupBy("kind", "name", "bin").agg(F.sum("count").alias("count"))
    counts = {key: np.zeros(len(ref["shares"])) for key, ref in columns.items()}
    for row in totals.collect():  # one row per bin
        counts[row["kind"], row["name"]][row["bin"]] = row["count"]
    return counts


def scoring_counts_on_spark(
    model: str, table: Any, scores: Any, columns: dict[Key, dict[str, Any]]
) -> tuple[str, dict[Key, np.ndarray]]:
    """The scoring snapshot, and the counts of the scoring rows in each reference's bins."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    scoring = table.filter(F.col(SPLIT) == "scoring")
    features = {key: ref for key, ref in columns.items() if key[0] == "feature"}
    check_features(model, [name for _, name in features], scoring.columns)
    first = scoring.select(F.to_date("snapshot_date").cast("string").alias("at")).limit(1).collect()
    score = {key: ref for key, ref in columns.items() if key[0] == "score"}
    counts = {
        **_summed(scoring.select(*[name for _, name in features]), features),
        **_summed(scores.select(*[name for _, name in score]), score),
    }
    return (first[0]["at"] if first else ""), counts
