"""Point-in-time customer features at snapshots, from the customer-month aggregates.

A snapshot ``T`` is the first day of a month. Its features use only months that
ended before ``T`` (``months_before`` = T's month index - the row's month index
>= 1), so nothing on or after ``T`` can leak in.

Several snapshots are computed in one plan: every table is repeated once per snapshot,
each copy carrying its snapshot's month index (``snapshot_ym``), and every group-by
and join is per customer and snapshot (:data:`KEY`). On Spark that is one job per
table for all snapshots instead of one per snapshot; Polars computes one snapshot at
a time (a list of one), which keeps its memory to one snapshot's features. A
snapshot's values are the same either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw

from customer_classification.pipelines.data_engineering.monthly import with_epoch_seconds
from customer_classification.spark_cache import broadcast, derived_from_cache, sorted_once
from customer_classification.taxonomy import (
    ASSET_CATEGORIES,
    DEBIT_CATEGORIES,
    LIABILITY_CATEGORIES,
    PRODUCT_CATEGORIES,
    TRANSACTION_CHANNELS,
)

CATEGORICAL_FEATURES = ("occupation", "education", "marital_status")
BALANCE_SERIES = ("aum", *[f"balance_{c}" for c in ASSET_CATEGORIES])
_SECONDS_PER_DAY = 86_400.0
HOLDING_MONTHS_CAP = 12
# the keys of every per-customer frame below: the customer and the snapshot's month index
KEY = ["customer_id", "snapshot_ym"]
# a snapshot's instant in seconds since 1970, carried by the repeated tables for the recencies
_SNAPSHOT_SECONDS = "_snapshot_seconds"


@dataclass(frozen=True)
class MonthlyTables:
    """The customer-month aggregates of :mod:`.monthly`, as narwhals frames."""

    balances: nw.DataFrame
    transactions: nw.DataFrame
    credit: nw.DataFrame
    digital: nw.DataFrame
    campaigns: nw.DataFrame


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def per_snapshot(frame: nw.DataFrame, snapshots: Sequence[dt.date], *, with_date: bool = False) -> nw.DataFrame:
    """The rows of ``frame`` once per snapshot, each copy with its snapshot's month index
    (``snapshot_ym``), its instant in seconds and, ``with_date``, its date (``snapshot_date``)."""
    copies = []
    for snapshot in snapshots:
        at = dt.datetime.combine(snapshot, dt.time())
        columns = {
            "snapshot_ym": nw.lit(month_index(snapshot), nw.Int64),
            _SNAPSHOT_SECONDS: nw.lit((at - dt.datetime(1970, 1, 1)).total_seconds(), nw.Float64),
        }
        if with_date:
            columns["snapshot_date"] = nw.lit(at)
        copies.append(frame.with_columns(**columns))
    return copies[0] if len(copies) == 1 else nw.concat(copies, how="vertical")


def _window(frame: nw.DataFrame, months: int) -> nw.DataFrame:
    """Rows of the ``months`` calendar months just before the snapshot."""
    before = nw.col("snapshot_ym") - nw.col("ym")
    return frame.filter((before >= 1) & (before <= months))


def _days_before(epoch_column: str) -> nw.Expr:
    """Days from an epoch-seconds column to the snapshot."""
    return (nw.col(_SNAPSHOT_SECONDS) - nw.col(epoch_column)) / _SECONDS_PER_DAY


def _ratio(numerator: nw.Expr, denominator: nw.Expr) -> nw.Expr:
    return nw.when(denominator > 0).then(numerator / denominator)


def identity_features(customers: nw.DataFrame) -> nw.DataFrame:
    """Customers known before their snapshot (``customers`` repeated by :func:`per_snapshot`,
    with the date), with age, tenure and declared attributes."""
    known = customers.filter(nw.col("open_date") < nw.col("snapshot_date"))
    known = with_epoch_seconds(with_epoch_seconds(known, "birth_date", "_born"), "open_date", "_opened")
    return known.select(
        *KEY,
        "snapshot_date",
        (_days_before("_born") / 365.25).alias("age_years"),
        (_days_before("_opened") / 30.4375).alias("tenure_months"),
        nw.col("city_tier").cast(nw.Float64),
        nw.col("annual_income").cast(nw.Float64),
        nw.col("annual_income").is_null().cast(nw.Float64).alias("income_missing"),
        (nw.col("gender") == "F").cast(nw.Float64).alias("is_female"),
        (~nw.col("rm_id").is_null()).cast(nw.Float64).alias("has_rm"),
        *[nw.col(c) for c in CATEGORICAL_FEATURES],
    )


def _money(column: str) -> nw.Expr:
    """A cents column back in currency units."""
    return nw.col(column).cast(nw.Float64) / 100.0


def _within(months: int) -> nw.Expr:
    """Whether a row of a snapshot's window lies in its last ``months`` months."""
    return nw.col("snapshot_ym") - nw.col("ym") <= months


def _sum_within(column: str, months: int, alias: str) -> nw.Expr:
    return nw.when(_within(months)).then(nw.col(column)).otherwise(0).alias(alias)


def _balance_window_values() -> dict[str, nw.Expr]:
    """Per balance row, by name: what it adds to each window's count and integer sums (cents;
    whole units and their squares for the spread), zero outside the window."""
    values = {}
    for months in (3, 6, 12):
        within = _within(months)
        values[f"_n_{months}m"] = within.cast(nw.Int64)
        for s in BALANCE_SERIES:
            values[f"_{s}_sum_{months}m"] = nw.when(within).then(nw.col(f"{s}_cents")).otherwise(0)
        if months > 3:
            for s in BALANCE_SERIES:
                units = nw.col(f"{s}_cents") // 100
                values[f"_{s}_usum_{months}m"] = nw.when(within).then(units).otherwise(0)
                values[f"_{s}_sq_{months}m"] = nw.when(within).then(units * units).otherwise(0)
    return values


def _balance_window_stats() -> list[nw.Expr]:
    """From the summed window values: each balance series' 3/6/12-month mean and its 6/12-month
    standard deviation (as ``_<series>_std_<months>m``)."""
    columns = []
    for months in (3, 6, 12):
        n = nw.col(f"_n_{months}m").cast(nw.Float64)
        # a window without a month-end has no mean (its sums are zeros, not missing)
        present = nw.col(f"_n_{months}m") > 0
        columns += [
            nw.when(present).then(_money(f"_{s}_sum_{months}m") / n).alias(f"{s}_mean_{months}m")
            for s in BALANCE_SERIES
        ]
        if months > 3:
            for s in BALANCE_SERIES:
                mean_units = nw.col(f"_{s}_usum_{months}m").cast(nw.Float64) / n
                variance = nw.col(f"_{s}_sq_{months}m").cast(nw.Float64) / n - mean_units * mean_units
                spread = nw.when(variance > 0).then(variance).otherwise(0.0) ** 0.5
                columns.append(nw.when(present).then(spread).alias(f"_{s}_std_{months}m"))
    return columns


def _trend_and_volatility() -> list[nw.Expr]:
    """Per balance series: 3- against 12-month trend, and 6/12-month volatility relative to the mean."""
    derived = []
    for s in BALANCE_SERIES:
        derived.append(
            ((nw.col(f"{s}_mean_3m") - nw.col(f"{s}_mean_12m")) / (nw.col(f"{s}_mean_12m") + 1.0)).alias(
                f"{s}_trend_3v12m"
            )
        )
        for months in (6, 12):
            derived.append(
                (nw.col(f"_{s}_std_{months}m") / (nw.col(f"{s}_mean_{months}m") + 1.0)).alias(
                    f"{s}_volatility_{months}m"
                )
            )
    return derived


def _holding_history() -> list[nw.Expr]:
    """Months since the first holding (capped) and categories newly held in the last 12 months."""
    # a category held since the first month of the warehouse's history may be older than
    # the history: it is not counted as new
    new_categories = nw.sum_horizontal(
        *[
            nw.when(
                (nw.col("snapshot_ym") - nw.col(f"_first_{c}") <= 12)
                & (nw.col(f"_first_{c}") > nw.col("_history_start"))
            )
            .then(1)
            .otherwise(0)
            for c in PRODUCT_CATEGORIES
        ]
    )
    return [
        # capped at 12: further back the warehouse's history may not reach, and an uncapped count
        # would grow with the calendar (and drift every month) for every long-standing customer
        nw.min_horizontal(nw.col("snapshot_ym") - nw.col("_first_ym"), nw.lit(HOLDING_MONTHS_CAP))
        .cast(nw.Float64)
        .alias("months_since_first_holding"),
        new_categories.cast(nw.Float64).alias("n_new_categories_12m"),
    ]


def _latest(column: str, alias: str) -> nw.Expr:
    """A column's value at the last month-end before the snapshot (missing on the other rows)."""
    return nw.when(_within(1)).then(nw.col(column)).alias(alias)


def asset_features(balances: nw.DataFrame) -> nw.DataFrame:
    """AUM and asset balances: latest, 3/6/12-month mean, trend, volatility; holdings.

    Means and standard deviations come from integer sums, so they do not depend on row order.
    One group-by over every month-end before the snapshot gives the latest values, the windows'
    sums and each customer's first month holding anything (``_first_ym``) and each category
    (``_first_<category>``); the customers described are those with a latest month-end.
    """
    latest = {
        **{f"{s}_latest": f"{s}_cents" for s in BALANCE_SERIES},
        **{f"balance_{c}_latest": f"balance_{c}_cents" for c in LIABILITY_CATEGORIES},
        **{f"holds_{c}": f"held_{c}" for c in PRODUCT_CATEGORIES},
        "n_categories_held": "n_categories_held",
    }
    windows = _balance_window_values()
    rows = balances.filter(nw.col("ym") < nw.col("snapshot_ym")).select(
        *KEY,
        "ym",
        _within(1).cast(nw.Int8).alias("_has_latest"),
        *[_latest(column, f"_at_{name}") for name, column in latest.items()],
        *[value.alias(name) for name, value in windows.items()],
        *[nw.when(nw.col(f"held_{c}") > 0).then(nw.col("ym")).alias(f"_first_{c}") for c in PRODUCT_CATEGORIES],
    )
    grouped = rows.group_by(KEY).agg(
        *[nw.col(c).max() for c in ["_has_latest", *[f"_at_{name}" for name in latest]]],
        *[nw.col(c).sum() for c in windows],
        nw.col("ym").min().alias("_first_ym"),
        *[nw.col(f"_first_{c}").min() for c in PRODUCT_CATEGORIES],
    )
    # the first month of the warehouse's history, as far as the snapshot sees it: a row per
    # snapshot, broadcast on Spark rather than the customers shuffled by their few snapshots
    history_start = broadcast(rows.group_by("snapshot_ym").agg(nw.col("ym").min().alias("_history_start")))
    frame = grouped.filter(nw.col("_has_latest") == 1).join(history_start, on="snapshot_ym", how="left")
    frame = frame.with_columns(
        *[
            _money(f"_at_{name}").alias(name) if column.endswith("_cents") else nw.col(f"_at_{name}").alias(name)
            for name, column in latest.items()
        ],
        *_balance_window_stats(),
    )
    frame = frame.with_columns(*_trend_and_volatility(), *_holding_history())
    return frame.select(*KEY, *[c for c in frame.columns if c not in KEY and not c.startswith("_")])


def transaction_features(transactions: nw.DataFrame) -> nw.DataFrame:
    """Frequency, monetary value, flows, recency, channel and merchant-category mix.

    One group-by over the 12 months: the 3- and 6-month sums are of the values their months
    contribute. A customer without a transaction in a shorter window gets sums of zero there,
    which the features of the window (counts, amounts, flows) are once the table's missing
    counts are filled."""
    values = [
        *[_sum_within(column, months, f"_{name}_{months}m") for months in (3, 6, 12)
          for column, name in (("n_tx", "tx_count"), ("debit_amount_cents", "debit"), ("credit_amount_cents", "credit"))],
        _sum_within("income_amount_cents", 3, "_income_3m"),
    ]  # fmt: skip
    summed = [
        "n_debit",
        *[f"n_channel_{c}" for c in TRANSACTION_CHANNELS],
        *[f"n_merchant_{m}" for m in DEBIT_CATEGORIES],
    ]
    window = _window(transactions, 12).select(*KEY, *values, *summed, "last_tx_epoch", _SNAPSHOT_SECONDS)
    frame = window.group_by(KEY).agg(
        *[nw.col(c).sum() for c in window.columns if c.startswith("_") and c != _SNAPSHOT_SECONDS],
        *[nw.col(c).sum().alias(f"_{c}") for c in summed],
        nw.col("last_tx_epoch").max().alias("_last_tx"),
        nw.col(_SNAPSHOT_SECONDS).max(),  # one value per snapshot
    )
    frame = frame.with_columns(*[nw.col(f"_tx_count_{m}m").alias(f"tx_count_{m}m") for m in (3, 6, 12)])
    frame = frame.with_columns(
        *[_money(f"_debit_{m}m").alias(f"debit_amount_{m}m") for m in (3, 6, 12)],
        *[_money(f"_credit_{m}m").alias(f"credit_amount_{m}m") for m in (3, 6, 12)],
        *[
            (
                (nw.col(f"_credit_{m}m").fill_null(0) - nw.col(f"_debit_{m}m").fill_null(0)).cast(nw.Float64) / 100.0
            ).alias(f"net_flow_{m}m")
            for m in (3, 6, 12)
        ],
        _ratio(_money("_debit_12m"), nw.col("_n_debit")).alias("avg_debit_amount_12m"),
        (_money("_income_3m").fill_null(0.0) / 3.0).alias("monthly_income_inflow_3m"),
        _days_before("_last_tx").alias("days_since_last_transaction"),
        *[
            _ratio(nw.col(f"_n_channel_{c}"), nw.col("tx_count_12m")).alias(f"channel_share_{c}_12m")
            for c in TRANSACTION_CHANNELS
        ],
        *[
            _ratio(nw.col(f"_n_merchant_{m}"), nw.col("_n_debit")).alias(f"merchant_share_{m}_12m")
            for m in DEBIT_CATEGORIES
        ],
    )
    return frame.select([c for c in frame.columns if not c.startswith("_")])


def credit_features(credit: nw.DataFrame) -> nw.DataFrame:
    """Limit, drawn amount and utilization (drawn / limit; missing for a zero limit), and the
    drawdown and repayment rates (a month's drawdowns, or repayments, over the limit), for the
    customers with a line at the last month-end before the snapshot.

    The 3- and 6-month utilizations and rates are pooled: amounts over limit summed across the
    months, so they come from integer sums (one group-by over the 6 months).
    """
    pooled = {"drawn_amount_cents": "_drawn", "credit_limit_cents": "_limit",
              "drawdown_amount_cents": "_drawdowns", "repayment_amount_cents": "_repayments"}  # fmt: skip
    rows = _window(credit, 6).select(
        *KEY,
        _within(1).cast(nw.Int8).alias("_has_latest"),
        _latest("credit_limit_cents", "_limit_latest"),
        _latest("drawn_amount_cents", "_drawn_latest"),
        *[_sum_within(column, months, f"{name}_{months}m") for months in (3, 6) for column, name in pooled.items()],
    )
    grouped = rows.group_by(KEY).agg(
        *[nw.col(c).max() for c in ("_has_latest", "_limit_latest", "_drawn_latest")],
        *[nw.col(f"{name}_{months}m").sum() for months in (3, 6) for name in pooled.values()],
    )
    drawn, limit = nw.col("_drawn_latest"), nw.col("_limit_latest")
    columns = [
        nw.lit(1.0).alias("has_credit_line"),
        _money("_limit_latest").alias("credit_limit_latest"),
        _money("_drawn_latest").alias("drawn_amount_latest"),
        _ratio(drawn.cast(nw.Float64), limit.cast(nw.Float64)).alias("utilization_latest"),
        (limit == 0).cast(nw.Float64).alias("zero_credit_limit"),
    ]
    for months in (3, 6):
        pooled_limit = nw.col(f"_limit_{months}m").cast(nw.Float64)
        columns += [
            _ratio(nw.col(f"_{name}_{months}m").cast(nw.Float64), pooled_limit).alias(feature)
            for name, feature in (("drawn", f"utilization_mean_{months}m"), ("drawdowns", f"drawdown_rate_{months}m"),
                                  ("repayments", f"repayment_rate_{months}m"))
        ]  # fmt: skip
    return grouped.filter(nw.col("_has_latest") == 1).select(*KEY, *columns)


def digital_features(digital: nw.DataFrame) -> nw.DataFrame:
    """Logins over 1/3/6 months, product views per category, searches, login recency.

    One group-by over every month before the snapshot (the recency looks that far back), the
    windows' counts summed over their months."""
    before = digital.filter(nw.col("ym") < nw.col("snapshot_ym"))
    window = before.select(
        *KEY,
        _sum_within("n_login", 6, "logins_6m"),
        _sum_within("n_search", 6, "searches_6m"),
        *[_sum_within(f"n_view_{c}", 6, f"views_{c}_6m") for c in PRODUCT_CATEGORIES],
        *[_sum_within("n_login", months, f"logins_{months}m") for months in (1, 3)],
        "last_login_epoch",
        _SNAPSHOT_SECONDS,
    )
    frame = window.group_by(KEY).agg(
        *[nw.col(c).sum() for c in window.columns if c not in (*KEY, "last_login_epoch", _SNAPSHOT_SECONDS)],
        nw.col("last_login_epoch").max(),
        nw.col(_SNAPSHOT_SECONDS).max(),  # one value per snapshot
    )
    return frame.with_columns(_days_before("last_login_epoch").alias("days_since_last_login")).drop(
        "last_login_epoch", _SNAPSHOT_SECONDS
    )


def campaign_features(campaigns: nw.DataFrame) -> nw.DataFrame:
    """Offers and responses over 12 months, in all and per offered product category,
    response rate, months since the last response (one group-by over every month before
    the snapshot)."""
    before = campaigns.filter(nw.col("ym") < nw.col("snapshot_ym"))
    window = before.select(
        *KEY,
        _sum_within("n_offer", 12, "offers_12m"),
        _sum_within("n_response", 12, "responses_12m"),
        *[_sum_within(f"n_offer_{c}", 12, f"offers_{c}_12m") for c in PRODUCT_CATEGORIES],
        *[_sum_within(f"n_response_{c}", 12, f"responses_{c}_12m") for c in PRODUCT_CATEGORIES],
        nw.when(nw.col("n_response") > 0).then(nw.col("ym")).alias("_last_response_ym"),
    )
    frame = window.group_by(KEY).agg(
        *[nw.col(c).sum() for c in window.columns if c not in (*KEY, "_last_response_ym")],
        nw.col("_last_response_ym").max(),
    )
    return frame.select(
        *KEY,
        *[c for c in window.columns if c not in (*KEY, "_last_response_ym")],
        (nw.col("snapshot_ym") - nw.col("_last_response_ym")).cast(nw.Float64).alias("months_since_last_response"),
        _ratio(nw.col("responses_12m"), nw.col("offers_12m")).alias("response_rate_12m"),
    )


# Features that are missing when the customer has nothing to measure, rather than zero.
MISSING_WHEN_ABSENT = (
    "age_years", "annual_income", "avg_debit_amount_12m", "days_since_last_transaction",
    "utilization_latest", "utilization_mean_3m", "utilization_mean_6m", "drawdown_rate_3m", "drawdown_rate_6m",
    "repayment_rate_3m", "repayment_rate_6m", "days_since_last_login",
    "months_since_last_response", "response_rate_12m", "months_since_first_holding",
)  # fmt: skip


def snapshot_features(customers: nw.DataFrame, monthly: MonthlyTables, snapshots: Sequence[dt.date]) -> nw.DataFrame:
    """One row per snapshot and customer known before it, sorted by snapshot and customer;
    every feature a float but the categoricals."""
    frame = identity_features(per_snapshot(customers, snapshots, with_date=True))
    for features, table in (
        (asset_features, monthly.balances),
        (transaction_features, monthly.transactions),
        (credit_features, monthly.credit),
        (digital_features, monthly.digital),
        (campaign_features, monthly.campaigns),
    ):
        frame = frame.join(features(per_snapshot(table, snapshots)), on=KEY, how="left")
    described = [c for c in frame.columns if c not in (*KEY, "snapshot_date")]
    numeric = [c for c in described if c not in CATEGORICAL_FEATURES]
    frame = frame.with_columns(
        *[
            nw.col(c).cast(nw.Float64) if c in MISSING_WHEN_ABSENT else nw.col(c).cast(nw.Float64).fill_null(0.0)
            for c in numeric
        ]
    )
    ordered = sorted_once(frame, "snapshot_ym", "customer_id")
    return derived_from_cache(ordered.select("customer_id", "snapshot_date", *described), ordered)
