"""Sources of the client-category table (see :mod:`.mix` for its contract).

A source turns the project's tables into one row per client and category. The
selection and the join run on the engine the catalog loads (pandas, Polars or
PySpark, through narwhals); only the result, one row per client, is collected
into pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import pandas as pd

from customer_classification.spark_apply import is_spark, map_partitions


def _require_columns(frame: nw.LazyFrame, table: str, columns: Sequence[str]) -> None:
    present = frame.collect_schema().names()
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValueError(f"{table}: required columns {missing} are missing; it has {present[:12]}...")


def _clients_at_snapshot(
    customers: Any, customer_features: Any, snapshot_date: dt.date, columns: Sequence[str]
) -> pd.DataFrame:
    """``customer_id``, ``rm_id`` and ``columns`` of every client of an RM in the features at ``snapshot_date``."""
    clients = nw.from_native(customers).lazy()
    features = nw.from_native(customer_features).lazy()
    _require_columns(clients, "int_customers", ["customer_id", "rm_id"])
    _require_columns(features, "customer_features", ["customer_id", "snapshot_date", *columns])

    snapshots = features.select(nw.col("snapshot_date").cast(nw.Date)).unique().collect()["snapshot_date"].to_list()
    if snapshot_date not in snapshots:
        raise ValueError(
            f"customer_features has no rows at snapshot_date {snapshot_date.isoformat()}; "
            f"its snapshots are {sorted(d.isoformat() for d in snapshots)}. "
            "Set rm_classification.snapshot_date to one of them."
        )
    at_snapshot = features.filter(nw.col("snapshot_date").cast(nw.Date) == snapshot_date)
    joined = (
        clients.filter(~nw.col("rm_id").is_null())
        .select("customer_id", "rm_id")
        .join(at_snapshot.select("customer_id", *columns), on="customer_id")
    )
    # on Spark the clients stay there: the caller applies its pandas step to each partition
    return joined.to_native() if is_spark(customers) else joined.collect().to_pandas()


def _sorted_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[["customer_id", "rm_id", "category"]].sort_values(
        ["customer_id", "category"], na_position="last", kind="mergesort", ignore_index=True
    )


def held_client_categories(
    customers: Any, customer_features: Any, snapshot_date: dt.date, categories: Sequence[str]
) -> pd.DataFrame:
    """Client-category rows from the products each client holds at ``snapshot_date``.

    Args:
        customers: ``int_customers``: ``customer_id`` and ``rm_id`` (null for a
            customer without an RM, who is left out).
        customer_features: ``customer_features``: ``customer_id``, ``snapshot_date``
            and a boolean ``holds_<category>`` per category.
        snapshot_date: the snapshot whose holdings are classified; must be one of
            the feature table's snapshots.
        categories: the categories that count.

    Returns:
        ``customer_id``, ``rm_id``, ``category``: one row per client of an RM and
        category held at the snapshot, or one row with a null category for a
        client holding none of ``categories``. Customers not in the features at
        the snapshot (not yet clients then) are left out.
    """
    holds = [f"holds_{c}" for c in categories]
    return map_partitions(_held_rows, _clients_at_snapshot(customers, customer_features, snapshot_date, holds), holds)


def _held_rows(held: pd.DataFrame, holds: list[str]) -> pd.DataFrame:
    held = held.copy()
    held[holds] = held[holds].astype("boolean").fillna(False).astype(bool)

    long = held.melt(id_vars=["customer_id", "rm_id"], value_vars=holds, var_name="category", value_name="held")
    long = long[long["held"]]
    long["category"] = long["category"].str.removeprefix("holds_")
    holds_none = held.loc[~held["customer_id"].isin(long["customer_id"]), ["customer_id", "rm_id"]]
    return _sorted_rows(pd.concat([long, holds_none.assign(category=None)], ignore_index=True))


def main_product_client_categories(
    customers: Any, customer_features: Any, snapshot_date: dt.date, categories: Sequence[str]
) -> pd.DataFrame:
    """One row per client: the held category of ``categories`` with the largest balance at ``snapshot_date``.

    The balance is ``balance_<category>_latest`` (the month-end before the snapshot,
    in the bank's currency; a missing balance counts as 0). Ties go to the category
    listed first in ``categories``. A client holding none of ``categories`` keeps one
    row with a null category, so they count among their RM's clients only.

    Args and the clients counted: as :func:`held_client_categories`.
    """
    holds = [f"holds_{c}" for c in categories]
    balances = [f"balance_{c}_latest" for c in categories]
    table = _clients_at_snapshot(customers, customer_features, snapshot_date, [*holds, *balances])
    return map_partitions(_main_product_rows, table, categories)


def _main_product_rows(table: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    holds = [f"holds_{c}" for c in categories]
    balances = [f"balance_{c}_latest" for c in categories]
    table = table.copy()
    held = table[holds].astype("boolean").fillna(False).to_numpy(dtype=bool)
    amounts = table[balances].astype(float).fillna(0.0).to_numpy()
    # a category not held can never be the main product, whatever its balance column says
    ranked = pd.DataFrame(amounts, columns=list(categories)).where(held, -float("inf"))
    main = ranked.idxmax(axis=1)  # the first of equal maxima: the order of ``categories``
    table["category"] = main.where(held.any(axis=1), None).to_numpy()
    return _sorted_rows(table)


def recommended_client_categories(
    customers: Any, product_recommendations: pd.DataFrame | None, snapshot_date: dt.date, categories: Sequence[str]
) -> pd.DataFrame:
    """Client-category rows from each client's top recommended category at ``snapshot_date``.

    Args:
        customers: ``int_customers``: ``customer_id`` and ``rm_id``.
        product_recommendations: the ``product_recommendation`` pipeline's output
            (``customer_id``, ``snapshot_date``, ``rank``, ``product_category``), or
            ``None`` when that pipeline has not run.
        snapshot_date: the snapshot the recommendations must describe.
        categories: the categories that count.

    Returns:
        ``customer_id``, ``rm_id``, ``category``: one row per client of an RM, the
        category ranked first for them, or a null category when their first
        recommendation is not one of ``categories`` or they have none.
    """
    if product_recommendations is None:
        raise ValueError(
            "client_category_source 'top_recommendation' reads product_recommendations, which has not been "
            "written: run `kedro run --pipelines product_recommendation` first (or use the source 'held')"
        )
    clients = nw.from_native(customers).lazy()
    _require_columns(clients, "int_customers", ["customer_id", "rm_id"])
    recommendations = product_recommendations
    missing = [c for c in ("customer_id", "snapshot_date", "rank", "product_category") if c not in recommendations]
    if missing:
        raise ValueError(f"product_recommendations: required columns {missing} are missing")
    at = pd.to_datetime(recommendations["snapshot_date"]).dt.date == snapshot_date
    if not at.any():
        found = sorted({d.isoformat() for d in pd.to_datetime(recommendations["snapshot_date"]).dt.date})
        raise ValueError(
            f"product_recommendations has no rows at snapshot_date {snapshot_date.isoformat()} (it has {found}); "
            "set rm_classification.snapshot_date to the recommendations' scoring snapshot"
        )
    first = recommendations.loc[at & (recommendations["rank"] == 1), ["customer_id", "product_category"]]
    first = first[first["product_category"].isin(categories)].rename(columns={"product_category": "category"})
    rm_of = clients.filter(~nw.col("rm_id").is_null()).select("customer_id", "rm_id").collect().to_pandas()
    rows = rm_of.merge(first, on="customer_id", how="left")
    rows["category"] = rows["category"].astype(object).where(rows["category"].notna(), None)
    return _sorted_rows(rows)
