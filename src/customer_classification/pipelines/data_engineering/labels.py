"""Outcome labels of one snapshot, from the customer-month aggregates.

The outcome window of snapshot ``T`` is the ``window`` calendar months starting
with ``T``'s month (``months_after`` = row month - T's month in ``0 .. window-1``).
Labels read only those months, except the state they are defined against, which
is the last month-end before ``T`` (long-tail status, categories already held).
A snapshot whose window runs past the end of the history has no labels
(``label_window_complete`` is false and every label is missing).
"""

from __future__ import annotations

import datetime as dt

import narwhals as nw

from customer_classification.modelling.labels import CUMULATIVE_DRAWDOWN, OUTSTANDING_UTILIZATION
from customer_classification.pipelines.data_engineering.features import month_index
from customer_classification.taxonomy import PRODUCT_CATEGORIES

NO_NEW_PRODUCT = "none"
_NEVER = 10**9  # a month index later than any real one
CROSS_SELL_CATEGORIES = tuple(c for c in PRODUCT_CATEGORIES if c != "current_account")


def _in_window(frame: nw.DataFrame, t_ym: int, window: int) -> nw.DataFrame:
    after = nw.col("ym") - t_ym
    return frame.filter((after >= 0) & (after < window))


def upgrade_labels(
    customer_ids: nw.DataFrame, balances: nw.DataFrame, t_ym: int, window: int, line: float
) -> nw.DataFrame:
    """M1: long-tail at T (AUM below the line; no assets counts as below), and whether
    AUM reaches the line at a month-end of the window (asked of long-tail customers only)."""
    state = balances.filter(nw.col("ym") == t_ym - 1).select("customer_id", nw.col("aum_cents").alias("_aum_before"))
    peak = _in_window(balances, t_ym, window).group_by("customer_id").agg(nw.col("aum_cents").max().alias("_peak_aum"))
    frame = (
        customer_ids.select("customer_id")
        .join(state, on="customer_id", how="left")
        .join(peak, on="customer_id", how="left")
    )
    line_cents = round(line * 100)
    long_tail = nw.col("_aum_before").fill_null(0) < line_cents
    return frame.select(
        "customer_id",
        long_tail.alias("is_long_tail"),
        nw.when(long_tail).then(nw.col("_peak_aum").fill_null(0) >= line_cents).alias("upgrade_within_window"),
    )


def utilization_labels(credit: nw.DataFrame, t_ym: int, window: int) -> nw.DataFrame:
    """M2, for the customers with a line at the last month-end of the window, over its limit then:

    * ``cumulative_drawdown_utilization``: every drawdown of the window added up (the
      cumulative drawn amount), over the limit; can exceed 1 when the line turns over;
    * ``utilization_at_window_end``: the amount outstanding at that month-end, over the limit.

    A zero limit is excluded (both missing) and flagged.
    """
    end = credit.filter(nw.col("ym") == t_ym + window - 1)
    drawdowns = (
        _in_window(credit, t_ym, window)
        .group_by("customer_id")
        .agg(nw.col("drawdown_amount_cents").sum().alias("_drawdowns"))
    )
    limit = nw.col("credit_limit_cents").cast(nw.Float64)
    positive = nw.col("credit_limit_cents") > 0
    return end.join(drawdowns, on="customer_id", how="left").select(
        "customer_id",
        nw.when(positive).then(nw.col("_drawdowns").fill_null(0).cast(nw.Float64) / limit).alias(CUMULATIVE_DRAWDOWN),
        nw.when(positive).then(nw.col("drawn_amount_cents").cast(nw.Float64) / limit).alias(OUTSTANDING_UTILIZATION),
        (~positive).alias("zero_limit_excluded"),
    )


def next_product_labels(balances: nw.DataFrame, t_ym: int, window: int) -> nw.DataFrame:
    """M4: the first category acquired in the window that was not held before T, or ``none``.

    Current accounts are not a cross-sell target (every customer has one) and are
    left out. Two categories first held in the same month: the one earlier in the product
    taxonomy's category order wins, so the label is deterministic.
    """
    held_before = balances.filter(nw.col("ym") == t_ym - 1).select(
        "customer_id", *[nw.col(f"held_{c}").alias(f"_before_{c}") for c in CROSS_SELL_CATEGORIES]
    )
    seen = _in_window(balances, t_ym, window).with_columns(
        *[nw.when(nw.col(f"held_{c}") > 0).then(nw.col("ym")).alias(f"_ym_{c}") for c in CROSS_SELL_CATEGORIES]
    )
    first = seen.group_by("customer_id").agg(
        *[nw.col(f"_ym_{c}").min().alias(f"_first_{c}") for c in CROSS_SELL_CATEGORIES]
    )
    frame = first.join(held_before, on="customer_id", how="left").with_columns(
        *[
            nw.when(nw.col(f"_before_{c}").fill_null(0) == 0).then(nw.col(f"_first_{c}")).alias(f"_new_{c}")
            for c in CROSS_SELL_CATEGORIES
        ],
        _best_ym=nw.lit(_NEVER),
        _best=nw.lit(NO_NEW_PRODUCT),
    )
    for c in CROSS_SELL_CATEGORIES:
        earlier = ~nw.col(f"_new_{c}").is_null() & (nw.col(f"_new_{c}") < nw.col("_best_ym"))
        frame = frame.with_columns(
            nw.when(earlier).then(nw.lit(c)).otherwise(nw.col("_best")).alias("_best"),
            nw.when(earlier).then(nw.col(f"_new_{c}")).otherwise(nw.col("_best_ym")).alias("_best_ym"),
        )
    return frame.select("customer_id", nw.col("_best").alias("next_product_category"))


def campaign_labels(campaigns: nw.DataFrame, t_ym: int, window: int) -> nw.DataFrame:
    """Whether the customer answered any offer made in the window (missing without an
    offer), and per product category whether they answered an offer of it
    (``responded_<category>``, missing without such an offer)."""
    offers = (
        _in_window(campaigns, t_ym, window)
        .group_by("customer_id")
        .agg(
            nw.col("n_offer").sum().alias("_offers"),
            nw.col("n_offer_responded").sum().alias("_answered"),
            *[nw.col(f"n_offer_{c}").sum().alias(f"_offers_{c}") for c in PRODUCT_CATEGORIES],
            *[nw.col(f"n_offer_responded_{c}").sum().alias(f"_answered_{c}") for c in PRODUCT_CATEGORIES],
        )
    )
    return offers.filter(nw.col("_offers") > 0).select(
        "customer_id",
        (nw.col("_answered") > 0).alias("campaign_response"),
        *[
            nw.when(nw.col(f"_offers_{c}") > 0).then(nw.col(f"_answered_{c}") > 0).alias(f"responded_{c}")
            for c in PRODUCT_CATEGORIES
        ],
    )


def snapshot_labels(
    customer_ids: nw.DataFrame,
    balances: nw.DataFrame,
    credit: nw.DataFrame,
    campaigns: nw.DataFrame,
    snapshot: dt.date,
    *,
    window: int,
    line: float,
    last_month: dt.date,
) -> nw.DataFrame:
    """Labels for the customers of one snapshot (``customer_ids``: its feature rows' ids),
    from the customer-month balances, credit and campaign aggregates."""
    t_ym = month_index(snapshot)
    complete = t_ym + window - 1 <= month_index(last_month)
    frame = customer_ids.select("customer_id")
    for part in (
        upgrade_labels(customer_ids, balances, t_ym, window, line),
        utilization_labels(credit, t_ym, window),
        next_product_labels(balances, t_ym, window),
        campaign_labels(campaigns, t_ym, window),
    ):
        frame = frame.join(part, on="customer_id", how="left")
    frame = frame.with_columns(
        nw.col("zero_limit_excluded").fill_null(False),
        nw.col("next_product_category").fill_null(NO_NEW_PRODUCT),
    )
    labels = [
        "upgrade_within_window",
        CUMULATIVE_DRAWDOWN,
        OUTSTANDING_UTILIZATION,
        "next_product_category",
        "campaign_response",
        *[f"responded_{c}" for c in PRODUCT_CATEGORIES],
    ]
    if not complete:
        frame = frame.with_columns(*[nw.when(nw.lit(value=False)).then(nw.col(c)).alias(c) for c in labels])
    return frame.select(
        "customer_id",
        nw.lit(dt.datetime.combine(snapshot, dt.time())).alias("snapshot_date"),
        nw.lit(complete).alias("label_window_complete"),
        "is_long_tail",
        *labels,
        "zero_limit_excluded",
    ).sort("customer_id")
