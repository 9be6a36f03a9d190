"""The front end's publications, built from the scored outputs.

A customer card names the customer by their pseudonym (``person_key``) and holds what an RM
needs at the scoring snapshot: tier and its reasons (M1), loan demand and its reasons (M2),
segment in every group, recommendations and scenario. Polars builds the cards: each holds
lists (reasons, segments, recommendations), which narwhals cannot aggregate.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import narwhals as nw
import pandas as pd
import polars as pl

from customer_classification.frontend.schemas import CategoryThresholds, CustomerCard, RmCategoryRow

logger = logging.getLogger(__name__)
REASONS = 3  # reason_1_* .. reason_3_* in the scores of potential_model and loan_demand
CARD_COLUMNS = tuple(CustomerCard.model_fields)  # what the server accepts, in its order


def _polars(frame: Any) -> pl.DataFrame:
    native = nw.from_native(frame, eager_only=False)
    return (native.collect() if isinstance(native, nw.LazyFrame) else native).to_polars()


def _reasons() -> pl.Expr:
    """The three reason columns of a scores table as one list of {feature, value, contribution}."""
    reasons = pl.concat_list(
        pl.struct(
            feature=pl.col(f"reason_{i}_feature"),
            value=pl.col(f"reason_{i}_value").cast(pl.String),
            contribution=pl.col(f"reason_{i}_contribution").cast(pl.Float64),
        )
        for i in range(1, REASONS + 1)
    )
    return reasons.list.eval(pl.element().filter(pl.element().struct.field("feature").is_not_null()))


def _whole_number(column: str) -> pl.Expr:
    """An identifier stored as a float (pandas' way to allow missing values) as an integer, NaN as missing."""
    return pl.col(column).cast(pl.Float64).fill_nan(None).cast(pl.Int64)


def segment_membership(cluster_assignments: pd.DataFrame, cluster_profiles: pd.DataFrame, group: str) -> pl.DataFrame:
    """Every customer's segment in ``group`` at every snapshot, with the segment's name."""
    names = _polars(cluster_profiles).select("cluster", name="cluster_name").unique("cluster")
    return (
        _polars(cluster_assignments)
        .select("customer_id", pl.col("snapshot_date").cast(pl.Date), pl.col("cluster").cast(pl.Int64))
        .join(names.with_columns(pl.col("cluster").cast(pl.Int64)), on="cluster", how="left")
        .with_columns(group=pl.lit(group))
    )


def _lists(frame: pl.DataFrame, snapshot, column: str, fields: dict[str, pl.Expr], order: str) -> pl.DataFrame:
    """One row per customer at ``snapshot`` with ``column``: the list of ``fields`` structs in ``order``."""
    return (
        frame.filter(pl.col("snapshot_date").cast(pl.Date) == snapshot)
        .sort("customer_id", order)
        .group_by("customer_id", maintain_order=True)
        .agg(pl.struct(**fields).alias(column))
    )


def _per_customer(
    snapshot,
    potential_scores: pd.DataFrame,
    product_recommendations: pd.DataFrame | None,
    customer_scenarios: pd.DataFrame,
    segment_memberships: tuple[pl.DataFrame, ...],
) -> list[pl.DataFrame]:
    """The parts of the cards with one row per customer at ``snapshot``, each keyed by ``customer_id``."""
    parts = [
        _polars(potential_scores).select(
            "customer_id",
            tier=pl.col("tier").cast(pl.String),
            upgrade_probability=pl.col("probability"),
            tier_reasons=_reasons(),
        ),
        _polars(customer_scenarios)
        .filter(pl.col("snapshot_date").cast(pl.Date) == snapshot)
        .select("customer_id", "scenario", scenario_rule="rule"),
    ]
    if segment_memberships:
        fields = {name: pl.col(name) for name in ("group", "cluster", "name")}
        parts.append(_lists(pl.concat(segment_memberships), snapshot, "segments", fields, "group"))
    if product_recommendations is not None:
        fields = {name: pl.col(name) for name in ("rank", "score", "reason")} | {"category": pl.col("product_category")}
        parts.append(_lists(_polars(product_recommendations), snapshot, "recommendations", fields, "rank"))
    return parts


def customer_cards(
    int_customers: Any,
    int_relationship_managers: Any,
    potential_scores: pd.DataFrame,
    loan_demand_scores: pd.DataFrame,
    product_recommendations: pd.DataFrame | None,
    customer_scenarios: pd.DataFrame,
    *segment_memberships: pl.DataFrame,
) -> pl.DataFrame:
    """One card per customer scored at the scoring snapshot, named by pseudonym, no other identifier.

    Every customer scored for loan demand (M2) has a card; the M1 tier is missing for those not
    in the long tail, and the lists are empty where a pipeline has nothing for the customer.
    """
    loans = _polars(loan_demand_scores).with_columns(pl.col("snapshot_date").cast(pl.Date))
    snapshots = loans["snapshot_date"].unique().to_list()
    if len(snapshots) != 1:
        raise ValueError(f"loan_demand_scores: one scoring snapshot expected in 'snapshot_date', found {snapshots}")
    cards = (
        loans.select(
            "customer_id",
            snapshot="snapshot_date",
            predicted_utilization="predicted_utilization",
            potential_loan_customer="is_potential_loan_customer",
            loan_reasons=_reasons(),
        )
        .join(
            _polars(int_customers).select("customer_id", "person_key", _whole_number("rm_id")),
            on="customer_id",
            how="left",
        )
        .join(_polars(int_relationship_managers).select(_whole_number("rm_id"), "branch_id"), on="rm_id", how="left")
    )
    parts = _per_customer(
        snapshots[0], potential_scores, product_recommendations, customer_scenarios, segment_memberships
    )
    for part in parts:
        cards = cards.join(part, on="customer_id", how="left")
    no_list = pl.lit([], dtype=pl.List(pl.Null))  # no clustering groups, or no recommendations at all
    empty = {column: no_list for column in ("segments", "recommendations") if column not in cards.columns}
    cards = cards.with_columns(**empty)
    cards = cards.with_columns(
        pl.col(c).fill_null(pl.lit([], dtype=cards.schema[c])) for c in ("tier_reasons", "segments", "recommendations")
    )
    unnamed = cards["person_key"].null_count()
    if unnamed:
        logger.warning("%d customers have no pseudonym (person_key) and are not published", unnamed)
    named = cards.filter(pl.col("person_key").is_not_null()).rename({"person_key": "customer"})
    return named.select(CARD_COLUMNS).sort("customer")


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows as JSON-ready dicts: numpy numbers as Python numbers, NaN as None."""
    return json.loads(frame[columns].to_json(orient="records"))


def rm_types_payload(
    rm_classification: pd.DataFrame, rm_thresholds: pd.DataFrame, rm_classification_summary: dict
) -> dict[str, Any]:
    """Every RM and category with its type flags, and each category's thresholds T1 and T2."""
    return {
        "snapshot": rm_classification_summary["snapshot_date"],
        "rows": _records(rm_classification, list(RmCategoryRow.model_fields)),
        "thresholds": _records(rm_thresholds, list(CategoryThresholds.model_fields)),
    }
