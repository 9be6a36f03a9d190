"""The RMs' client mix from a Spark client-category table: checked and counted on Spark.

The client-category table (one row per client and category, :mod:`.mix`) stays on Spark; its
contract is checked there (only a few offending values reach the driver, for the error), and
only the counts per RM and per RM and category come back, to which the local
:func:`~.mix.mix_of_counts` gives the same mix as the local run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from customer_classification.pipelines.rm_classification.mix import CLIENT_CATEGORY_COLUMNS, mix_of_counts

NAME = "client-category table"


def _examples(frame: Any, column: str, limit: int = 5) -> list:
    return sorted((row[column] for row in frame.select(column).distinct().limit(limit).collect()), key=str)


def check_client_categories_on_spark(table: Any, categories: Sequence[str], rm_ids: pd.Series) -> None:
    """The rules of :func:`~.mix.check_client_categories`, each an aggregate or a filter on Spark."""
    from pyspark.sql import functions as F  # noqa: PLC0415 - Spark is optional

    missing = [c for c in CLIENT_CATEGORY_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{NAME}: required columns {missing} are missing; it has {list(table.columns)}")
    for column in ("customer_id", "rm_id"):
        nulls = table.filter(F.col(column).isNull()).count()
        if nulls:
            raise ValueError(f"{NAME}: column '{column}' must not be null; {nulls} rows are")
    unknown = table.filter(F.col("category").isNotNull() & ~F.col("category").isin(list(categories)))
    if unknown.limit(1).count():
        raise ValueError(
            f"{NAME}: column 'category' holds values outside the configured categories {list(categories)}, "
            f"e.g. {_examples(unknown, 'category')}"
        )
    per_client = table.groupBy("customer_id").agg(
        F.countDistinct("rm_id").alias("rms"),
        F.count("*").alias("rows"),
        F.countDistinct("category").alias("categories"),
        F.max(F.col("category").isNull().cast("int")).alias("has_null"),
    )
    rules = (
        (F.col("rms") > 1, "a client must have one RM; customers with several"),
        # distinct categories (nulls not counted) fewer than rows: a category or the null repeated
        (
            F.col("rows") > F.col("categories") + F.col("has_null"),
            "one row per client and category; repeated for customers",
        ),
        (
            (F.col("has_null") == 1) & (F.col("rows") > 1),
            "a null category is only for a client in no category; customers with both",
        ),
    )
    for rule, message in rules:
        broken = per_client.filter(rule)
        if broken.limit(1).count():
            raise ValueError(f"{NAME}: {message}: {_examples(broken, 'customer_id')}")
    unknown_rms = table.filter(~F.col("rm_id").isin(rm_ids.tolist()))
    if unknown_rms.limit(1).count():
        raise ValueError(
            f"{NAME}: column 'rm_id' refers to RMs missing from int_relationship_managers, "
            f"e.g. {_examples(unknown_rms, 'rm_id')}"
        )


def category_mix_on_spark(table: Any, rm_ids: pd.Series, categories: Sequence[str]) -> pd.DataFrame:
    """:func:`~.mix.category_mix` of a Spark client-category table (one row per RM and category back)."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    check_client_categories_on_spark(table, categories, rm_ids)
    clients = table.groupBy("rm_id").agg(F.countDistinct("customer_id").alias("n")).collect()
    in_category = table.filter(F.col("category").isNotNull()).groupBy("rm_id", "category").count().collect()
    n_clients = pd.Series({row["rm_id"]: row["n"] for row in clients}, dtype="int64")
    index = pd.MultiIndex.from_tuples([(r["rm_id"], r["category"]) for r in in_category], names=["rm_id", "category"])
    counts = pd.Series([r["count"] for r in in_category], index=index, dtype="int64")
    return mix_of_counts(n_clients, counts, rm_ids, categories)
