"""Each RM's client mix: how many of the RM's clients fall in each product category.

The mix is computed from a generic *client-category table* whatever its source:

=============  ==========================================================
customer_id    the client
rm_id          the client's relationship manager (never null)
category       a product category the client counts in; null only on the
               single row of a client who counts in no category
=============  ==========================================================

One row per client and category. A client counts once in each category of
their rows (several with the "held" source, one with a top recommendation); a
client with no category keeps one row with a null category so that they still
count among their RM's clients (the denominator of the share).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

CLIENT_CATEGORY_COLUMNS = ("customer_id", "rm_id", "category")
MIX_COLUMNS = ("rm_id", "category", "n_clients", "count", "share")


def _examples(values: pd.Series | pd.Index, limit: int = 5) -> list:
    return sorted(pd.unique(values).tolist(), key=str)[:limit]


def check_client_categories(table: pd.DataFrame, categories: Sequence[str], rm_ids: pd.Series) -> None:
    """Raise ``ValueError`` naming the rule and a few offending values if ``table`` breaks the contract."""
    name = "client-category table"
    missing = [c for c in CLIENT_CATEGORY_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{name}: required columns {missing} are missing; it has {list(table.columns)}")
    for column in ("customer_id", "rm_id"):
        if table[column].isna().any():
            raise ValueError(f"{name}: column '{column}' must not be null; {int(table[column].isna().sum())} rows are")
    unknown_categories = table["category"].dropna()
    unknown_categories = unknown_categories[~unknown_categories.isin(categories)]
    if len(unknown_categories):
        raise ValueError(
            f"{name}: column 'category' holds values outside the configured categories {list(categories)}, "
            f"e.g. {_examples(unknown_categories)}"
        )
    rms_per_client = table.groupby("customer_id")["rm_id"].nunique()
    if (rms_per_client > 1).any():
        raise ValueError(
            f"{name}: a client must have one RM; customers with several: {_examples(rms_per_client.index[rms_per_client > 1])}"
        )
    repeated = table.duplicated(["customer_id", "category"], keep=False)
    if repeated.any():
        raise ValueError(
            f"{name}: one row per client and category; repeated for customers {_examples(table.loc[repeated, 'customer_id'])}"
        )
    null_category = table["category"].isna()
    with_null_and_more = table.loc[null_category, "customer_id"].isin(table.loc[~null_category, "customer_id"])
    if with_null_and_more.any():
        raise ValueError(
            f"{name}: a null category is only for a client in no category; customers with both: "
            f"{_examples(table.loc[null_category, 'customer_id'][with_null_and_more])}"
        )
    unknown_rms = table.loc[~table["rm_id"].isin(rm_ids), "rm_id"]
    if len(unknown_rms):
        raise ValueError(
            f"{name}: column 'rm_id' refers to RMs missing from int_relationship_managers, e.g. {_examples(unknown_rms)}"
        )


def category_mix(client_categories: pd.DataFrame, rm_ids: pd.Series, categories: Sequence[str]) -> pd.DataFrame:
    """Count and share of each RM's clients in each category.

    Args:
        client_categories: the client-category table (see the module docstring).
        rm_ids: every RM to classify, including RMs without clients.
        categories: the categories to classify, in report order.

    Returns:
        One row per RM and category (``len(rm_ids) * len(categories)`` rows, sorted
        by ``rm_id`` then ``categories`` order): ``n_clients`` (the RM's clients),
        ``count`` (those counting in the category), ``share`` (``count / n_clients``,
        a fraction; NaN for an RM without clients, whose share is undefined).
    """
    check_client_categories(client_categories, categories, rm_ids)
    n_clients = client_categories.groupby("rm_id")["customer_id"].nunique()
    counts = client_categories.dropna(subset=["category"]).groupby(["rm_id", "category"]).size()
    return mix_of_counts(n_clients, counts, rm_ids, categories)


def mix_of_counts(
    n_clients: pd.Series, counts: pd.Series, rm_ids: pd.Series, categories: Sequence[str]
) -> pd.DataFrame:
    """The mix of :func:`category_mix` from its counts: each RM's clients (by ``rm_id``) and
    those counting in each category (by ``rm_id`` and ``category``), RMs without any left out."""
    rms = np.sort(pd.unique(rm_ids.to_numpy()))
    n_clients = n_clients.reindex(rms, fill_value=0)
    grid = pd.MultiIndex.from_product([rms, list(categories)], names=["rm_id", "category"])
    mix = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    mix["n_clients"] = mix["rm_id"].map(n_clients).astype("int64")
    mix["count"] = mix["count"].astype("int64")
    mix["share"] = (mix["count"] / mix["n_clients"].where(mix["n_clients"] > 0)).astype(float)
    mix["category"] = mix["category"].astype(str)
    return mix[list(MIX_COLUMNS)]
