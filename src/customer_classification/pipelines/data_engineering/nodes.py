"""Nodes of ``data_engineering``. Every node takes and returns frames of one engine
(pandas, Polars or PySpark, as the catalog loads them) through narwhals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import narwhals as nw
import pandas as pd

from customer_classification.buckets import bucket_count, in_bucket
from customer_classification.datasets import TableChunk
from customer_classification.pipelines.data_engineering import monthly
from customer_classification.pipelines.data_engineering.features import (
    MonthlyTables,
    snapshot_features,
)
from customer_classification.pipelines.data_engineering.labels import snapshot_labels
from customer_classification.pipelines.data_engineering.params import DataEngineeringParams
from customer_classification.pipelines.data_engineering.privacy import protect
from customer_classification.pipelines.data_engineering.quality import REPAIR_ORDER, check_and_repair, quality_table
from customer_classification.spark_cache import is_spark, release

logger = logging.getLogger(__name__)


def validate_raw_tables(
    customers: Any,
    relationship_managers: Any,
    products: Any,
    holdings: Any,
    transactions: Any,
    credit_lines: Any,
    credit_line_events: Any,
    digital_events: Any,
    campaign_responses: Any,
    platform_profiles: Any,
    data_engineering: DataEngineeringParams,
) -> dict[str, Any]:
    """Check every raw table against its contract and repair the soft violations.

    Stops the run (nothing downstream is written) on a missing column, a wrong
    type, a key collision, a share of bad rows above a rule's tolerance or an
    empty table that ``allow_empty_tables`` does not name.
    Returns ``validated_<table>`` for each table, the data-quality report (dict)
    and the same report as a table.
    """
    tables = {
        "customers": customers,
        "relationship_managers": relationship_managers,
        "products": products,
        "holdings": holdings,
        "transactions": transactions,
        "credit_lines": credit_lines,
        "credit_line_events": credit_line_events,
        "digital_events": digital_events,
        "campaign_responses": campaign_responses,
        "platform_profiles": platform_profiles,
    }
    repaired, report = check_and_repair(
        tables, data_engineering.history_end, data_engineering.rows_per_pass, data_engineering.allow_empty_tables
    )
    logger.info(
        "Data quality: %s rows dropped and %s values set to missing across %s tables",
        f"{report['rows_dropped']:,}",
        f"{report['values_set_to_missing']:,}",
        len(tables),
    )
    undeclared = [
        f"{name}.{column}" for name, entry in report["tables"].items() for column in entry["undeclared_columns_dropped"]
    ]
    if undeclared:
        logger.warning(
            "Columns not in the data contract dropped at validation (only declared columns go further): %s",
            ", ".join(undeclared),
        )
    outputs = {f"validated_{name}": repaired[name] for name in REPAIR_ORDER}
    outputs["data_quality_report"] = report
    outputs["data_quality_table"] = quality_table(report)
    return outputs


def protect_customer_pii(validated_customers: Any, pseudonym_key: str) -> Any:
    """Customers without name and phone; the national ID replaced by a keyed pseudonym."""
    return protect(validated_customers, "customers", pseudonym_key)


def protect_rm_pii(validated_relationship_managers: Any) -> Any:
    """Relationship managers without their names."""
    return protect(validated_relationship_managers, "relationship_managers", "unused")


def _native(frame: nw.DataFrame | nw.LazyFrame) -> Any:
    return frame.to_native()


def _by_customer_bucket(
    aggregate: Callable[..., Any],
    table: str,
    validated_events: Any,
    data_quality_report: dict[str, Any],
    data_engineering: DataEngineeringParams,
    *others: Any,
) -> Iterator[TableChunk]:
    """``aggregate`` one bucket of customers at a time, each bucket a part of the output.

    The number of buckets follows the validated table's rows, as the quality report
    counted them, and ``rows_per_pass``: a large table is never grouped whole.
    """
    rows = data_quality_report["tables"][table]["rows_out"]
    events = nw.from_native(validated_events)
    for bucket, buckets, part in monthly.customer_buckets(events, rows, data_engineering.rows_per_pass):
        yield TableChunk(_native(aggregate(part, *(nw.from_native(o) for o in others))), bucket, buckets)


def aggregate_balances(
    validated_holdings: Any,
    validated_products: Any,
    data_quality_report: dict[str, Any],
    data_engineering: DataEngineeringParams,
) -> Iterator[TableChunk]:
    """Customer-month balances per category, AUM and categories held."""
    yield from _by_customer_bucket(
        monthly.monthly_balances, "holdings", validated_holdings, data_quality_report, data_engineering,
        validated_products,
    )  # fmt: skip


def aggregate_transactions(
    validated_transactions: Any, data_quality_report: dict[str, Any], data_engineering: DataEngineeringParams
) -> Iterator[TableChunk]:
    """Customer-month transaction counts and amounts by direction, channel and merchant."""
    yield from _by_customer_bucket(
        monthly.monthly_transactions, "transactions", validated_transactions, data_quality_report, data_engineering
    )


def aggregate_credit(
    validated_credit_lines: Any,
    validated_credit_line_events: Any,
    data_quality_report: dict[str, Any],
    data_engineering: DataEngineeringParams,
) -> Iterator[TableChunk]:
    """Customer-month credit limits, outstanding amounts, drawdowns and repayments.

    Both tables are split into the same buckets of customers, as many as the larger
    of the two (the events) needs.
    """
    lines, events = nw.from_native(validated_credit_lines), nw.from_native(validated_credit_line_events)
    rows = max(data_quality_report["tables"][t]["rows_out"] for t in ("credit_lines", "credit_line_events"))
    buckets = bucket_count(events, rows, data_engineering.rows_per_pass)
    for bucket in range(buckets):
        parts = [t if buckets == 1 else t.filter(in_bucket("customer_id", bucket, buckets)) for t in (lines, events)]
        yield TableChunk(_native(monthly.monthly_credit(*parts)), bucket, buckets)


def aggregate_digital(
    validated_digital_events: Any, data_quality_report: dict[str, Any], data_engineering: DataEngineeringParams
) -> Iterator[TableChunk]:
    """Customer-month logins, product views and searches."""
    yield from _by_customer_bucket(
        monthly.monthly_digital, "digital_events", validated_digital_events, data_quality_report, data_engineering
    )


def aggregate_campaigns(
    validated_campaign_responses: Any, data_quality_report: dict[str, Any], data_engineering: DataEngineeringParams
) -> Iterator[TableChunk]:
    """Customer-month offers and responses."""
    yield from _by_customer_bucket(
        monthly.monthly_campaigns, "campaign_responses", validated_campaign_responses, data_quality_report,
        data_engineering,
    )  # fmt: skip


def _monthly_tables(balances: Any, transactions: Any, credit: Any, digital: Any, campaigns: Any) -> MonthlyTables:
    return MonthlyTables(*(nw.from_native(t) for t in (balances, transactions, credit, digital, campaigns)))


def _alike(frame: nw.DataFrame | nw.LazyFrame, model: nw.DataFrame | nw.LazyFrame) -> nw.DataFrame | nw.LazyFrame:
    """``frame`` made lazy when ``model`` is, so the two can be joined."""
    if isinstance(model, nw.LazyFrame) and isinstance(frame, nw.DataFrame):
        return frame.lazy()
    return frame


def build_customer_features(
    int_customers: Any,
    customer_month_balances: Any,
    customer_month_transactions: Any,
    customer_month_credit: Any,
    customer_month_digital: Any,
    customer_month_campaigns: Any,
    data_engineering: DataEngineeringParams,
) -> Iterator[TableChunk]:
    """One row per customer and snapshot, with every point-in-time feature.

    Yields one chunk per snapshot, so that on a lazy engine only one snapshot's
    features are in memory at a time (the dataset writes each chunk as a part).
    Spark computes every snapshot in one plan, one chunk: it spills what does not fit
    in memory by itself, and each plan costs it a job per join and group-by, so five
    plans cost five times the jobs.
    """
    tables = _monthly_tables(
        customer_month_balances,
        customer_month_transactions,
        customer_month_credit,
        customer_month_digital,
        customer_month_campaigns,
    )
    customers = _alike(nw.from_native(int_customers), tables.balances)
    snapshots = data_engineering.snapshots
    chunks = [snapshots] if is_spark(tables.balances) else [[snapshot] for snapshot in snapshots]
    for index, chunk in enumerate(chunks):
        features = snapshot_features(customers, tables, chunk)
        if index == 0:
            logger.info("Building %s features for %s snapshots", len(features.collect_schema()) - 2, len(snapshots))
        yield TableChunk(features.to_native(), index, len(chunks))
        release(features)  # written: Spark's copy held for the sort is dropped


def build_model_labels(
    int_customers: Any,
    customer_month_balances: Any,
    customer_month_credit: Any,
    customer_month_campaigns: Any,
    data_engineering: DataEngineeringParams,
) -> Iterator[TableChunk]:
    """Outcome labels for the customers of every snapshot (missing where the window is incomplete).

    The customers of a snapshot are those its features describe: known before it. Yields one
    chunk per snapshot (one in all on Spark), as :func:`build_customer_features` does and for the
    same reasons.
    """
    balances, credit, campaigns = (
        nw.from_native(t) for t in (customer_month_balances, customer_month_credit, customer_month_campaigns)
    )
    customers = _alike(nw.from_native(int_customers), balances)
    snapshots = data_engineering.snapshots
    chunks = [snapshots] if is_spark(balances) else [[snapshot] for snapshot in snapshots]
    for index, chunk in enumerate(chunks):
        labels = snapshot_labels(
            customers,
            balances,
            credit,
            campaigns,
            chunk,
            window=data_engineering.outcome_window_months,
            line=data_engineering.high_value_aum_line,
            last_month=data_engineering.history_end,
        )
        yield TableChunk(labels.to_native(), index, len(chunks))
        release(labels)


def summarise_labels(model_labels: Any) -> dict[str, Any]:
    """Per snapshot: customers, long-tail share, upgrade rate, utilization labels and
    zero limits excluded, next-product distribution, campaign response rate."""
    labels = nw.from_native(model_labels)
    labels = labels.collect() if isinstance(labels, nw.LazyFrame) else labels
    frame = labels.to_pandas()
    summary = {}
    for snapshot, group in frame.groupby("snapshot_date", sort=True):
        long_tail = group[group["is_long_tail"]]
        summary[pd.Timestamp(snapshot).date().isoformat()] = {
            "customers": len(group),
            "label_window_complete": bool(group["label_window_complete"].iloc[0]),
            "long_tail_share": float(group["is_long_tail"].mean()),
            "upgrade_rate_of_long_tail": None if long_tail.empty else _mean(long_tail["upgrade_within_window"]),
            "utilization_labelled": int(group["utilization_at_window_end"].notna().sum()),
            "cumulative_drawdown_utilization_mean": _mean(group["cumulative_drawdown_utilization"]),
            "zero_limit_excluded": int(group["zero_limit_excluded"].sum()),
            "next_product_category": {k: int(v) for k, v in group["next_product_category"].value_counts().items()},
            "campaign_response_rate": _mean(group["campaign_response"]),
        }
    for snapshot, entry in summary.items():
        if entry["zero_limit_excluded"]:
            logger.info(
                "Snapshot %s: %s credit lines with a zero limit excluded from utilization labels",
                snapshot,
                entry["zero_limit_excluded"],
            )
    return summary


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return None if values.empty else float(values.astype(float).mean())
