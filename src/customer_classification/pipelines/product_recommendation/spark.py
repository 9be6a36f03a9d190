"""``recommend_products`` on a Spark table: the blend applied partition by partition.

The recommendations of a customer depend on that customer's features alone, except for one
choice: with ``reason_attribution: auto`` the drivers of the propensity-led picks are exact
TreeSHAP up to ``treeshap_max_rows`` such picks in all and path credits above. Those picks are
counted on Spark first (one count per partition reaches the driver), so every partition makes
the choice the local run makes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from customer_classification.modelling.attribution import chosen_attribution
from customer_classification.spark_apply import map_partitions

WHAT = "recommendations' strongest signals"


def _count_picks(rows: pd.DataFrame, count: Callable[..., int], *args: Any) -> pd.DataFrame:
    return pd.DataFrame({"picks": [count(rows, *args)]})


def recommend_on_spark(
    customer_features: Any,
    recommender: Any,
    blend: dict[str, Any],
    params: Any,
    recommend: Callable[..., pd.DataFrame],
    count_propensity_led: Callable[..., int],
) -> Any:
    """``recommend`` (the node) applied to each partition of the scoring snapshot's rows;
    ``count_propensity_led`` counts the picks that need a driver in one partition."""
    from pyspark.sql import functions as F  # noqa: PLC0415 - Spark is optional

    rows = customer_features.filter(F.to_date("snapshot_date") == F.lit(params.scoring_snapshot))
    if params.reason_attribution == "auto":
        picks = sum(
            r["picks"]
            for r in map_partitions(_count_picks, rows, count_propensity_led, recommender, blend, params).collect()
        )
        attribution = chosen_attribution("auto", picks, params.treeshap_max_rows, WHAT)
        params = params.model_copy(update={"reason_attribution": attribution})
    return map_partitions(recommend, rows, recommender, blend, params)


def scenarios_on_spark(
    customer_tags: Any,
    potential_scores: Any,
    loan_demand_scores: Any,
    product_recommendations: Any,
    params: Any,
    place: Callable[..., pd.DataFrame],
) -> tuple[Any, pd.Series]:
    """The scenario table joined on Spark as the local one is in pandas (the scoring snapshot's
    tags, left-joined to the scores and the first recommendation), ``place`` (the rules) applied
    to each partition; and the customers per scenario, counted on Spark."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    tags = customer_tags.filter(F.to_date("snapshot_date") == F.lit(params.scoring_snapshot))
    potential = potential_scores.select(
        "customer_id", F.col("probability").alias("potential_probability"), F.col("tier").alias("potential_tier")
    )
    loans = loan_demand_scores.select("customer_id", "predicted_utilization", "is_potential_loan_customer")
    first = product_recommendations.filter(F.col("rank") == 1).select(
        "customer_id", F.col("product_category").alias("top_recommendation")
    )
    table = (
        tags.join(potential, "customer_id", "left")
        .join(loans, "customer_id", "left")
        .join(first, "customer_id", "left")
    )
    customers = map_partitions(place, table, params)
    counts = {row["scenario"]: row["count"] for row in customers.groupBy("scenario").count().collect()}
    return customers, pd.Series(counts, dtype="int64")
