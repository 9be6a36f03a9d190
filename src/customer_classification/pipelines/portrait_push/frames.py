"""The rows the push model learns from and scores: one per customer and snapshot, with the
realised next product, the products held, and each customer's monthly sequence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from customer_classification.modelling.table import customer_group, snapshot_rows
from customer_classification.taxonomy import PRODUCT_CATEGORIES

KEYS = ["customer_id", "snapshot_date"]
NO_PRODUCT = "none"
# the monthly aggregates a sequence reads, and the columns it takes from each
SEQUENCE_SOURCES = {
    "balances": [*(f"held_{c}" for c in PRODUCT_CATEGORIES), *(f"balance_{c}_cents" for c in PRODUCT_CATEGORIES)],
    "digital": ["n_login", "n_search", *(f"n_view_{c}" for c in PRODUCT_CATEGORIES)],
    "campaigns": [
        *(f"n_offer_{c}" for c in PRODUCT_CATEGORIES),
        *(f"n_offer_responded_{c}" for c in PRODUCT_CATEGORIES),
    ],
    "credit": ["credit_limit_cents", "drawn_amount_cents"],
    "platform": ["credit_rating", "service_minutes", "service_delay_minutes", "feedback_rating"],
}


def month_index(day: dt.date | pd.Timestamp) -> int:
    return day.year * 12 + day.month - 1


def rows_of(frame: Any, snapshots: list[dt.date], columns: list[str] | None = None) -> pd.DataFrame:
    return snapshot_rows(frame, "snapshot_date", snapshots, columns).sort_values(KEYS, ignore_index=True)


def in_group(frame: pd.DataFrame, shares: list[float], groups: tuple[int, ...]) -> pd.DataFrame:
    """The rows of the customers of the holdout ``groups`` (0 fits, 1 validates, 2 tests)."""
    return frame[np.isin(customer_group(frame["customer_id"], shares), groups)].reset_index(drop=True)


def _monthly(
    table: Any, columns: list[str], low: int, high: int, date_column: str | None = None, customers: Any = None
) -> pd.DataFrame:
    """``customer_id``, ``ym`` and ``columns`` of the months ``low`` to ``high`` (inclusive), of
    ``customers`` only when given (filtered before collecting: a batch never loads the whole bank)."""
    frame = nw.from_native(table)
    if customers is not None:
        frame = frame.filter(nw.col("customer_id").is_in(list(customers)))
    if date_column is not None:
        day = nw.col(date_column).cast(nw.Datetime("us"))
        frame = frame.with_columns((day.dt.year() * 12 + day.dt.month() - 1).cast(nw.Int64).alias("ym"))
    frame = frame.filter((nw.col("ym") >= low) & (nw.col("ym") <= high)).select("customer_id", "ym", *columns)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def product_labels(
    holdings: Any, products: Any, snapshots: list[dt.date], window: int, product_ids: list[str]
) -> pd.DataFrame:
    """Per customer and snapshot: the products held the month before (``holds_<product>``) and the
    first product newly held in the outcome window (``next_product``; ties: catalogue order).

    Rows of unknown products or without a positive balance are not holdings (the contract's repairs)."""
    months = [month_index(s) for s in snapshots]
    positive = nw.from_native(holdings).filter(nw.col("balance") > 0, nw.col("product_id").is_in(product_ids))
    held = _monthly(positive, ["product_id"], min(months) - 1, max(months) + window - 1, "month_end")
    product = pd.Categorical(held["product_id"], categories=product_ids).codes.astype(np.int64)
    ym = held["ym"].to_numpy()
    customers = pd.Index(np.unique(held["customer_id"].to_numpy()))
    customer = customers.get_indexer(held["customer_id"])
    names = np.array([*product_ids, NO_PRODUCT], dtype=object)
    frames = []
    for snapshot, t in zip(snapshots, months, strict=True):
        flags = np.zeros((len(customers), len(product_ids)), dtype=bool)
        before = ym == t - 1
        flags[customer[before], product[before]] = True
        new = (ym >= t) & (ym < t + window) & ~flags[customer, product]
        order = np.lexsort((product[new], ym[new], customer[new]))
        first_customer, first_at = np.unique(customer[new][order], return_index=True)
        next_product = np.full(len(customers), len(product_ids))
        next_product[first_customer] = product[new][order][first_at]
        labels = pd.DataFrame(flags, columns=[f"holds_{p}" for p in product_ids])
        labels.insert(0, "customer_id", customers.to_numpy())
        labels.insert(1, "snapshot_date", pd.Timestamp(snapshot))
        labels["next_product"] = names[next_product]
        frames.append(labels)
    return pd.concat(frames, ignore_index=True)


def _month_features(monthly: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per customer and month: the sequence's inputs, scaled to comparable ranges."""
    merged = None
    for frame in monthly.values():
        merged = frame if merged is None else merged.merge(frame, on=["customer_id", "ym"], how="outer")
    out = merged[["customer_id", "ym"]].copy()
    values = merged.drop(columns=["customer_id", "ym"]).astype(float)
    for column in values.columns:
        if column.startswith("held_"):
            out[column] = values[column].fillna(0).clip(0, 1)
        elif column.endswith("_cents"):
            out[column] = np.log1p(values[column].fillna(0).clip(lower=0) / 100) / 10
        elif column == "credit_rating":
            out[column] = values[column].fillna(0) / 10
        elif column == "feedback_rating":
            out["served"] = values[column].notna().astype(float)
            out[column] = values[column].fillna(0) / 5
        else:
            out[column] = np.log1p(values[column].fillna(0).clip(lower=0))
    limit = values["credit_limit_cents"].fillna(0).to_numpy()
    drawn = values["drawn_amount_cents"].fillna(0).to_numpy()
    out["utilization"] = np.divide(drawn, limit, out=np.zeros_like(limit), where=limit > 0).clip(0, 2)
    return out


def monthly_sequences(rows: pd.DataFrame, sources: dict[str, Any], months: int) -> np.ndarray:
    """Rows x months x features: each row's ``months`` months before its snapshot, oldest first;
    zeros for a month without a record (before the relationship began)."""
    t = rows["snapshot_date"].map(month_index).to_numpy()
    low, high = int(t.min()) - months, int(t.max()) - 1
    wanted = rows["customer_id"].unique()
    monthly = {}
    for name, columns in SEQUENCE_SOURCES.items():
        monthly[name] = _monthly(sources[name], columns, low, high, "month_end" if name == "platform" else None, wanted)
    table = _month_features(monthly)
    features = [c for c in table.columns if c not in ("customer_id", "ym")]
    customer = pd.Index(np.sort(wanted))
    cube = np.zeros((len(customer), high - low + 1, len(features)), dtype=np.float32)
    cube[customer.get_indexer(table["customer_id"]), table["ym"].to_numpy() - low] = table[features].to_numpy()
    at = customer.get_indexer(rows["customer_id"])
    offsets = (t - months - low)[:, None] + np.arange(months)[None, :]
    return cube[at[:, None], offsets]
