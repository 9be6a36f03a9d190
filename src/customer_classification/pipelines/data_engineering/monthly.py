"""Customer-month aggregates of the cleaned raw tables, written once with narwhals.

Money is kept in whole cents (int64 columns ending in ``_cents``) and every
aggregate is sorted by customer and month: engines return groups, and feed rows
to them, in any order, and a float sum's last bits depend on the order of its
terms; integer sums do not. So aggregates and the features built on them are
identical on every engine and every run.

Every event table is reduced to one row per customer and calendar month (``ym`` =
year * 12 + month - 1). Snapshot features and labels are then windows over these
small tables, so the large tables are read once whatever the number of snapshots.
A large table is reduced in buckets of customers (:func:`customer_buckets`), each
bucket's result sorted: a customer's months are always together and in order.
"""

from __future__ import annotations

from collections.abc import Iterator

import narwhals as nw

from customer_classification.buckets import bucket_count, in_bucket
from customer_classification.taxonomy import (
    ASSET_CATEGORIES,
    DEBIT_CATEGORIES,
    INCOME_CATEGORIES,
    LIABILITY_CATEGORIES,
    PRODUCT_CATEGORIES,
    TRANSACTION_CHANNELS,
)

KEYS = ["customer_id", "ym"]
Frame = nw.DataFrame | nw.LazyFrame


def customer_buckets(events: Frame, rows: int, rows_per_pass: int | None) -> Iterator[tuple[int, int, Frame]]:
    """``(bucket, buckets, events of that bucket's customers)``, enough buckets for each
    to hold at most ``rows_per_pass`` of the table's ``rows`` (one bucket on Spark).

    Aggregating bucket by bucket gives the same customer-month rows as one pass,
    in at most ``rows_per_pass`` rows' worth of memory (see ``customer_classification.buckets``).
    """
    buckets = bucket_count(events, rows, rows_per_pass)
    for bucket in range(buckets):
        yield bucket, buckets, events if buckets == 1 else events.filter(in_bucket("customer_id", bucket, buckets))


def year_month(column: str) -> nw.Expr:
    """Calendar month of a date or timestamp column as one integer."""
    return nw.col(column).dt.year().cast(nw.Int64) * 12 + nw.col(column).dt.month().cast(nw.Int64) - 1


def with_epoch_seconds(frame: Frame, column: str, alias: str) -> Frame:
    """Add ``alias``: seconds since 1970-01-01 of a date or timestamp column, on every engine.

    narwhals has no duration arithmetic on Spark, so the day number comes from the
    calendar (H. Hinnant's days-from-civil, years 0 and later), in small steps: one
    nested expression would repeat its sub-expressions and grow with every use.
    Floats throughout: Polars returns int8 months and hours, pandas cannot keep a
    missing timestamp's parts in int64, and every value stays exact.
    """
    value = nw.col(column)
    step = frame.with_columns(
        **{
            "_month": value.dt.month().cast(nw.Float64),
            "_year": value.dt.year().cast(nw.Float64),
            "_day": value.dt.day().cast(nw.Float64),
            "_seconds": value.dt.hour().cast(nw.Float64) * 3600.0
            + value.dt.minute().cast(nw.Float64) * 60.0
            + value.dt.second().cast(nw.Float64)
            + value.dt.microsecond().cast(nw.Float64) / 1e6,
        }
    )
    step = step.with_columns(_year=nw.col("_year") - (nw.col("_month") <= 2).cast(nw.Float64))
    step = step.with_columns(
        _era=nw.col("_year") // 400,
        _day_of_year=(
            153 * nw.when(nw.col("_month") > 2).then(nw.col("_month") - 3).otherwise(nw.col("_month") + 9) + 2
        )
        // 5
        + nw.col("_day")
        - 1,
    )
    step = step.with_columns(_year_of_era=nw.col("_year") - nw.col("_era") * 400)
    days = (
        nw.col("_era") * 146_097
        + nw.col("_year_of_era") * 365
        + nw.col("_year_of_era") // 4
        - nw.col("_year_of_era") // 100
        + nw.col("_day_of_year")
        - 719_468
    )
    step = step.with_columns((days * 86_400.0 + nw.col("_seconds")).alias(alias))
    return step.drop("_month", "_year", "_day", "_seconds", "_era", "_day_of_year", "_year_of_era")


def cents(column: str) -> nw.Expr:
    """A money column as whole cents (int64). Sums of integers do not depend on the
    order of their terms, so a sum is the same on every engine and every run."""
    return (nw.col(column) * 100).round(0).cast(nw.Int64)


def _share_columns(
    condition_column: str, values: tuple[str, ...], prefix: str, amount: str | None = None, suffix: str = ""
) -> list[nw.Expr]:
    """Per value of a column: its amount in cents (or 1) where the row has it, else 0."""
    value = cents(amount) if amount else nw.lit(1)
    return [
        nw.when(nw.col(condition_column) == v).then(value).otherwise(0).alias(f"{prefix}{v}{suffix}") for v in values
    ]


def monthly_balances(holdings: nw.DataFrame, products: nw.DataFrame) -> nw.DataFrame:
    """Month-end balance per product category, AUM, and which categories are held."""
    frame = holdings.join(products.select("product_id", "category"), on="product_id", how="inner").with_columns(
        ym=year_month("month_end")
    )
    frame = frame.with_columns(
        *_share_columns("category", PRODUCT_CATEGORIES, "balance_", amount="balance", suffix="_cents"),
        *_share_columns("category", PRODUCT_CATEGORIES, "held_"),
    )
    balance_cols = [f"balance_{c}_cents" for c in PRODUCT_CATEGORIES]
    held_cols = [f"held_{c}" for c in PRODUCT_CATEGORIES]
    monthly = frame.group_by(KEYS).agg(*[nw.col(c).sum() for c in balance_cols], *[nw.col(c).max() for c in held_cols])
    return monthly.sort(KEYS).with_columns(
        aum_cents=nw.sum_horizontal(*[nw.col(f"balance_{c}_cents") for c in ASSET_CATEGORIES]),
        liabilities_cents=nw.sum_horizontal(*[nw.col(f"balance_{c}_cents") for c in LIABILITY_CATEGORIES]),
        n_categories_held=nw.sum_horizontal(*[nw.col(c) for c in held_cols]),
    )


def monthly_transactions(transactions: nw.DataFrame) -> nw.DataFrame:
    """Counts and amounts per direction, channel and merchant category."""
    debit = nw.col("direction") == "debit"
    frame = transactions.with_columns(
        ym=year_month("timestamp"),
        n_tx=nw.lit(1),
        debit_amount_cents=nw.when(debit).then(cents("amount")).otherwise(0),
        credit_amount_cents=nw.when(~debit).then(cents("amount")).otherwise(0),
        n_debit=nw.when(debit).then(1).otherwise(0),
        income_amount_cents=nw.when(nw.col("merchant_category").is_in(list(INCOME_CATEGORIES)))
        .then(cents("amount"))
        .otherwise(0),
        *_share_columns("channel", TRANSACTION_CHANNELS, "n_channel_"),
        *[
            nw.when(debit & (nw.col("merchant_category") == m)).then(1).otherwise(0).alias(f"n_merchant_{m}")
            for m in DEBIT_CATEGORIES
        ],
    )
    counted = [
        "n_tx", "debit_amount_cents", "credit_amount_cents", "n_debit", "income_amount_cents",
        *[f"n_channel_{c}" for c in TRANSACTION_CHANNELS],
        *[f"n_merchant_{m}" for m in DEBIT_CATEGORIES],
    ]  # fmt: skip
    monthly = frame.group_by(KEYS).agg(*[nw.col(c).sum() for c in counted], nw.col("timestamp").max().alias("last_tx"))
    return with_epoch_seconds(monthly, "last_tx", "last_tx_epoch").drop("last_tx").sort(KEYS)


def monthly_credit(credit_lines: Frame, credit_line_events: Frame) -> Frame:
    """Limit and outstanding (drawn) amount over the customer's lines at each month end, with the
    month's drawdowns and repayments on them (zero in a month without events)."""
    frame = credit_lines.with_columns(
        ym=year_month("month_end"),
        credit_limit_cents=cents("credit_limit"),
        drawn_amount_cents=cents("cumulative_drawn_amount"),
    )
    states = frame.group_by(KEYS).agg(nw.col("credit_limit_cents").sum(), nw.col("drawn_amount_cents").sum())
    event_type = nw.col("event_type")
    flows = (
        credit_line_events.with_columns(ym=year_month("event_date"), _cents=cents("amount"))
        .with_columns(
            drawdown_amount_cents=nw.when(event_type == "drawdown").then(nw.col("_cents")).otherwise(0),
            repayment_amount_cents=nw.when(event_type == "repayment").then(nw.col("_cents")).otherwise(0),
            n_drawdown=(event_type == "drawdown").cast(nw.Int64),
        )
        .group_by(KEYS)
        .agg(nw.col("drawdown_amount_cents").sum(), nw.col("repayment_amount_cents").sum(), nw.col("n_drawdown").sum())
    )
    flow_columns = ["drawdown_amount_cents", "repayment_amount_cents", "n_drawdown"]
    # a month with events but no month-end line state (a line closed mid-month) keeps its flows
    joined = states.join(flows, on=KEYS, how="full").with_columns(
        nw.coalesce("customer_id", "customer_id_right").alias("customer_id"),
        nw.coalesce("ym", "ym_right").alias("ym"),
    )
    return (
        joined.drop("customer_id_right", "ym_right")
        .with_columns(
            nw.col("credit_limit_cents").fill_null(0),
            nw.col("drawn_amount_cents").fill_null(0),
            *[nw.col(c).fill_null(0).cast(nw.Int64) for c in flow_columns],
        )
        .select(*KEYS, "credit_limit_cents", "drawn_amount_cents", *flow_columns)
        .sort(KEYS)
    )


def monthly_digital(events: nw.DataFrame) -> nw.DataFrame:
    """Logins, product views per category, searches and the last login."""
    login = nw.col("event_type") == "login"
    frame = events.with_columns(
        ym=year_month("timestamp"),
        n_login=nw.when(login).then(1).otherwise(0),
        n_search=nw.when(nw.col("event_type") == "search").then(1).otherwise(0),
        last_login=nw.when(login).then(nw.col("timestamp")),
        *[
            nw.when((nw.col("event_type") == "product_view") & (nw.col("product_category") == c))
            .then(1)
            .otherwise(0)
            .alias(f"n_view_{c}")
            for c in PRODUCT_CATEGORIES
        ],
    )
    counted = ["n_login", "n_search", *[f"n_view_{c}" for c in PRODUCT_CATEGORIES]]
    monthly = frame.group_by(KEYS).agg(*[nw.col(c).sum() for c in counted], nw.col("last_login").max())
    return with_epoch_seconds(monthly, "last_login", "last_login_epoch").drop("last_login").sort(KEYS)


def monthly_campaigns(responses: nw.DataFrame) -> nw.DataFrame:
    """Offers by the month they were made, positive responses by the month they came in.

    A response can arrive in the month after its offer; counting it under the
    offer's month would let a snapshot see a response given after it. Labels, which
    ask whether the offers of a window were answered, use ``n_offer_responded``
    (by the offer's month). Each count also comes per offered product category
    (``n_offer_<category>``, ...), for the per-category response history and labels.
    """

    def per_category(prefix: str, condition: nw.Expr | None) -> list[nw.Expr]:
        hit = [nw.col("product_category") == c for c in PRODUCT_CATEGORIES]
        return [
            (h if condition is None else h & condition).cast(nw.Int64).alias(f"{prefix}_{c}")
            for h, c in zip(hit, PRODUCT_CATEGORIES, strict=True)
        ]

    responded = nw.col("responded")
    offers = responses.select(
        "customer_id",
        year_month("offer_date").alias("ym"),
        nw.lit(1).alias("n_offer"),
        nw.lit(0).alias("n_response"),
        responded.cast(nw.Int64).alias("n_offer_responded"),
        *per_category("n_offer", None),
        *[nw.lit(0).cast(nw.Int64).alias(f"n_response_{c}") for c in PRODUCT_CATEGORIES],
        *per_category("n_offer_responded", responded),
    )
    answered = responses.filter(responded & ~nw.col("response_date").is_null()).select(
        "customer_id",
        year_month("response_date").alias("ym"),
        nw.lit(0).alias("n_offer"),
        nw.lit(1).alias("n_response"),
        nw.lit(0).cast(nw.Int64).alias("n_offer_responded"),
        *[nw.lit(0).cast(nw.Int64).alias(f"n_offer_{c}") for c in PRODUCT_CATEGORIES],
        *per_category("n_response", None),
        *[nw.lit(0).cast(nw.Int64).alias(f"n_offer_responded_{c}") for c in PRODUCT_CATEGORIES],
    )
    both = nw.concat([offers, answered], how="vertical")
    counts = [c for c in offers.collect_schema().names() if c not in KEYS]
    return both.group_by(KEYS).agg(*[nw.col(c).sum() for c in counts]).sort(KEYS)
