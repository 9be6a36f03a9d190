"""Outcome labels at snapshots, from the customer-month aggregates.

The outcome window of snapshot ``T`` is the ``window`` calendar months starting
with ``T``'s month (``months_after`` = row month - T's month in ``0 .. window-1``).
Labels read only those months, except the state they are defined against, which
is the last month-end before ``T`` (long-tail status, categories already held).
A snapshot whose window runs past the end of the history has no labels
(``label_window_complete`` is false and every label is missing).

As for the features, several snapshots are computed in one plan: every table is repeated
once per snapshot (:func:`.features.per_snapshot`) and each table is grouped once per
customer and snapshot, the state month and the window told apart by conditions inside
the group-by rather than by a group-by each. Spark runs every snapshot so, Polars one at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import narwhals as nw

from customer_classification.modelling.labels import CUMULATIVE_DRAWDOWN, OUTSTANDING_UTILIZATION
from customer_classification.pipelines.data_engineering.features import KEY, month_index, per_snapshot
from customer_classification.spark_cache import derived_from_cache, sorted_once
from customer_classification.taxonomy import PRODUCT_CATEGORIES

NO_NEW_PRODUCT = "none"
_NEVER = 10**9  # a month index later than any real one
CROSS_SELL_CATEGORIES = tuple(c for c in PRODUCT_CATEGORIES if c != "current_account")
_AFTER = nw.col("ym") - nw.col("snapshot_ym")
_STATE_MONTH = _AFTER == -1


def _in_window(window: int) -> nw.Expr:
    return (_AFTER >= 0) & (_AFTER < window)


def balance_outcomes(balances: nw.DataFrame, window: int) -> nw.DataFrame:
    """Per customer and snapshot, from the state month and the window's month-ends: AUM before
    ``T`` and its peak in the window (M1), and per cross-sell category whether it was held
    before ``T`` and the first month of the window holding it (M4)."""
    rows = balances.filter((_AFTER >= -1) & (_AFTER < window)).with_columns(
        nw.when(_STATE_MONTH).then(nw.col("aum_cents")).alias("_aum_before"),
        nw.when(_in_window(window)).then(nw.col("aum_cents")).alias("_peak_aum"),
        *[nw.when(_STATE_MONTH).then(nw.col(f"held_{c}")).alias(f"_before_{c}") for c in CROSS_SELL_CATEGORIES],
        *[
            nw.when(_in_window(window) & (nw.col(f"held_{c}") > 0)).then(nw.col("ym")).alias(f"_first_{c}")
            for c in CROSS_SELL_CATEGORIES
        ],
    )
    return rows.group_by(KEY).agg(
        nw.col("_aum_before").max(),
        nw.col("_peak_aum").max(),
        *[nw.col(f"_before_{c}").max() for c in CROSS_SELL_CATEGORIES],
        *[nw.col(f"_first_{c}").min() for c in CROSS_SELL_CATEGORIES],
    )


def upgrade_labels(line: float) -> list[nw.Expr]:
    """M1: long-tail at T (AUM below the line; no assets counts as below), and whether
    AUM reaches the line at a month-end of the window (asked of long-tail customers only)."""
    line_cents = round(line * 100)
    long_tail = nw.col("_aum_before").fill_null(0) < line_cents
    return [
        long_tail.alias("is_long_tail"),
        nw.when(long_tail).then(nw.col("_peak_aum").fill_null(0) >= line_cents).alias("upgrade_within_window"),
    ]


def utilization_labels(credit: nw.DataFrame, window: int) -> nw.DataFrame:
    """M2, for the customers with a line at the last month-end of the window, over its limit then:

    * ``cumulative_drawdown_utilization``: every drawdown of the window added up (the
      cumulative drawn amount), over the limit; can exceed 1 when the line turns over;
    * ``utilization_at_window_end``: the amount outstanding at that month-end, over the limit.

    A zero limit is excluded (both missing) and flagged.
    """
    at_end = _AFTER == window - 1
    sums = (
        credit.filter(_in_window(window))
        .with_columns(
            at_end.cast(nw.Int8).alias("_has_end"),
            nw.when(at_end).then(nw.col("credit_limit_cents")).alias("_limit"),
            nw.when(at_end).then(nw.col("drawn_amount_cents")).alias("_drawn"),
        )
        .group_by(KEY)
        .agg(
            nw.col("_has_end").max(),
            nw.col("_limit").max(),
            nw.col("_drawn").max(),
            nw.col("drawdown_amount_cents").sum().alias("_drawdowns"),
        )
    )
    limit = nw.col("_limit").cast(nw.Float64)
    positive = nw.col("_limit") > 0
    return sums.filter(nw.col("_has_end") == 1).select(
        *KEY,
        nw.when(positive).then(nw.col("_drawdowns").fill_null(0).cast(nw.Float64) / limit).alias(CUMULATIVE_DRAWDOWN),
        nw.when(positive).then(nw.col("_drawn").cast(nw.Float64) / limit).alias(OUTSTANDING_UTILIZATION),
        (~positive).alias("zero_limit_excluded"),
    )


def next_product_label(frame: nw.DataFrame) -> nw.DataFrame:
    """M4 (``frame`` with :func:`balance_outcomes`): the first category acquired in the window
    that was not held before T, or ``none``.

    Current accounts are not a cross-sell target (every customer has one) and are
    left out. Two categories first held in the same month: the one earlier in the product
    taxonomy's category order wins, so the label is deterministic.
    """
    frame = frame.with_columns(
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
    return frame.with_columns(nw.col("_best").alias("next_product_category"))


def campaign_labels(campaigns: nw.DataFrame, window: int) -> nw.DataFrame:
    """Whether the customer answered any offer made in the window (missing without an
    offer), and per product category whether they answered an offer of it
    (``responded_<category>``, missing without such an offer)."""
    offers = (
        campaigns.filter(_in_window(window))
        .group_by(KEY)
        .agg(
            nw.col("n_offer").sum().alias("_offers"),
            nw.col("n_offer_responded").sum().alias("_answered"),
            *[nw.col(f"n_offer_{c}").sum().alias(f"_offers_{c}") for c in PRODUCT_CATEGORIES],
            *[nw.col(f"n_offer_responded_{c}").sum().alias(f"_answered_{c}") for c in PRODUCT_CATEGORIES],
        )
    )
    return offers.filter(nw.col("_offers") > 0).select(
        *KEY,
        (nw.col("_answered") > 0).alias("campaign_response"),
        *[
            nw.when(nw.col(f"_offers_{c}") > 0).then(nw.col(f"_answered_{c}") > 0).alias(f"responded_{c}")
            for c in PRODUCT_CATEGORIES
        ],
    )


LABELS = (
    "upgrade_within_window",
    CUMULATIVE_DRAWDOWN,
    OUTSTANDING_UTILIZATION,
    "next_product_category",
    "campaign_response",
    *[f"responded_{c}" for c in PRODUCT_CATEGORIES],
)


def snapshot_labels(
    customers: nw.DataFrame,
    balances: nw.DataFrame,
    credit: nw.DataFrame,
    campaigns: nw.DataFrame,
    snapshots: Sequence[dt.date],
    *,
    window: int,
    line: float,
    last_month: dt.date,
) -> nw.DataFrame:
    """Labels for the customers known before each snapshot (the customers its features
    describe), from the customer-month balances, credit and campaign aggregates; sorted by
    snapshot and customer."""
    known = per_snapshot(customers, snapshots, with_date=True).filter(nw.col("open_date") < nw.col("snapshot_date"))
    frame = known.select(*KEY, "snapshot_date")
    for part in (
        balance_outcomes(per_snapshot(balances, snapshots), window),
        utilization_labels(per_snapshot(credit, snapshots), window),
        campaign_labels(per_snapshot(campaigns, snapshots), window),
    ):
        frame = frame.join(part, on=KEY, how="left")
    complete = nw.col("snapshot_ym") + (window - 1) <= month_index(last_month)
    frame = next_product_label(frame.with_columns(*upgrade_labels(line))).with_columns(
        nw.col("zero_limit_excluded").fill_null(False),
        nw.col("next_product_category").fill_null(NO_NEW_PRODUCT),
        complete.alias("label_window_complete"),
    )
    # a snapshot whose window runs past the history has no labels
    frame = frame.with_columns(*[nw.when(nw.col("label_window_complete")).then(nw.col(c)).alias(c) for c in LABELS])
    ordered = sorted_once(frame, "snapshot_ym", "customer_id")
    return derived_from_cache(
        ordered.select(
            "customer_id",
            "snapshot_date",
            "label_window_complete",
            "is_long_tail",
            *LABELS,
            "zero_limit_excluded",
        ),
        ordered,
    )
