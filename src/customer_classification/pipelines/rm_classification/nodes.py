"""Nodes of ``rm_classification`` (method M5): client categories, the RMs' client mix, T1-T4, types."""

from __future__ import annotations

import logging
from typing import Any

import narwhals as nw
import pandas as pd

from customer_classification.pipelines.rm_classification.mix import category_mix
from customer_classification.pipelines.rm_classification.params import RMClassificationParams, ThresholdSettings
from customer_classification.pipelines.rm_classification.sources import (
    held_client_categories,
    main_product_client_categories,
    recommended_client_categories,
)
from customer_classification.pipelines.rm_classification.spark import category_mix_on_spark
from customer_classification.pipelines.rm_classification.thresholds import (
    NO_FALLBACK,
    THRESHOLD_COLUMNS,
    RMTypeClassifier,
    apply_type_rule,
)
from customer_classification.spark_apply import is_spark

logger = logging.getLogger(__name__)

RM_ATTRIBUTES = ("rm_id", "branch_id", "city", "grade")


def _rm_table(int_relationship_managers: Any) -> pd.DataFrame:
    rms = nw.from_native(int_relationship_managers).lazy()
    present = rms.collect_schema().names()
    missing = [c for c in RM_ATTRIBUTES if c not in present]
    if missing:
        raise ValueError(f"int_relationship_managers: required columns {missing} are missing; it has {present}")
    table = rms.select(*RM_ATTRIBUTES).collect().to_pandas()
    repeated = table["rm_id"][table["rm_id"].duplicated()]
    if len(repeated) or table["rm_id"].isna().any():
        raise ValueError(
            "int_relationship_managers: column 'rm_id' must be unique and not null; "
            f"repeated: {sorted(repeated.unique().tolist())[:5]}, nulls: {int(table['rm_id'].isna().sum())}"
        )
    return table.sort_values("rm_id", ignore_index=True)


def build_client_categories(
    int_customers: Any, customer_features: Any, product_recommendations: Any, params: RMClassificationParams
) -> pd.DataFrame:
    """The client-category table of the configured source (one row per client and category):
    the categories each client holds, each client's main product, or their top recommended category."""
    if params.client_category_source == "held":
        table = held_client_categories(int_customers, customer_features, params.snapshot_date, params.categories)
        origin = "products held"
    elif params.client_category_source == "main_product":
        table = main_product_client_categories(
            int_customers, customer_features, params.snapshot_date, params.categories
        )
        origin = "main products (largest balance held)"
    else:
        if is_spark(int_customers):
            raise ValueError(
                "client_category_source 'top_recommendation' is not computed on Spark; "
                "run rm_classification on the local engine or use the source 'held' or 'main_product'"
            )
        table = recommended_client_categories(
            int_customers, product_recommendations, params.snapshot_date, params.categories
        )
        origin = "top recommendations"
    clients, rows = _sizes(table)
    logger.info(
        "Client categories at %s from %s: %s clients of an RM, %s client-category rows",
        params.snapshot_date.isoformat(),
        origin,
        f"{clients:,}",
        f"{rows:,}",
    )
    return table


def _sizes(table: Any) -> tuple[int, int]:
    """Clients and rows of the client-category table (two counts on Spark)."""
    if not is_spark(table):
        return table["customer_id"].nunique(), len(table)
    from pyspark.sql import functions as F  # noqa: PLC0415 - Spark is optional

    sizes = table.agg(F.countDistinct("customer_id").alias("clients"), F.count("*").alias("rows")).first()
    return sizes["clients"], sizes["rows"]


def compute_category_mix(
    rm_client_categories: pd.DataFrame, int_relationship_managers: Any, params: RMClassificationParams
) -> pd.DataFrame:
    """Count and share of every RM's clients in every category, RMs without clients included."""
    rms = _rm_table(int_relationship_managers)
    mix_of = category_mix_on_spark if is_spark(rm_client_categories) else category_mix
    mix = mix_of(rm_client_categories, rms["rm_id"], params.categories)
    without_clients = mix.loc[mix["n_clients"] == 0, "rm_id"].unique()
    if len(without_clients):
        logger.info("%d RMs have no clients: count 0 and no share in every category", len(without_clients))
    return mix


def derive_rm_thresholds(rm_category_mix: pd.DataFrame, params: RMClassificationParams) -> pd.DataFrame:
    """T1 (count) and T2 (share) per category with their target sets (one row per category)."""
    return RMTypeClassifier(**params.classifier_options()).fit(rm_category_mix).thresholds_


def derive_alternative_thresholds(rm_category_mix: pd.DataFrame, params: RMClassificationParams) -> pd.DataFrame:
    """T1-T4 per category under the named alternative settings; no rows when there is none."""
    if params.alternative is None:
        return pd.DataFrame(columns=list(THRESHOLD_COLUMNS))
    return RMTypeClassifier(**params.alternative.classifier_options()).fit(rm_category_mix).thresholds_


def classify_relationship_managers(
    rm_category_mix: pd.DataFrame,
    rm_thresholds: pd.DataFrame,
    rm_alternative_thresholds: pd.DataFrame,
    int_relationship_managers: Any,
) -> pd.DataFrame:
    """One row per RM and category: the RM's branch, city and grade, count, share and type flags.

    ``is_type_alternative`` is the type under the alternative settings, so both can be
    read side by side; it is False everywhere when no alternative is configured.
    """
    typed = apply_type_rule(rm_category_mix, rm_thresholds)
    if len(rm_alternative_thresholds):
        typed["is_type_alternative"] = apply_type_rule(rm_category_mix, rm_alternative_thresholds)["is_type"]
    else:
        typed["is_type_alternative"] = False
    rms = _rm_table(int_relationship_managers)
    classified = typed.merge(rms, on="rm_id", how="left", validate="many_to_one")
    columns = [*RM_ATTRIBUTES, "category", "n_clients", "count", "share", "type_by_count", "type_by_share", "is_type"]
    return classified[[*columns, "is_type_alternative"]]


def _threshold_settings(settings: ThresholdSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in ThresholdSettings.model_fields}


def _optional_float(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _alternative_summary(
    rm_classification: pd.DataFrame, rm_alternative_thresholds: pd.DataFrame, params: RMClassificationParams
) -> dict[str, Any] | None:
    """The alternative settings, their thresholds and how many RMs they type, per category."""
    if params.alternative is None:
        return None
    typed = rm_classification.groupby("category", sort=False)["is_type_alternative"].sum()
    return {
        "name": params.alternative.name,
        "settings": _threshold_settings(params.alternative),
        "categories": {
            t.category: {
                "t1_count_threshold": _optional_float(t.t1_count_threshold),
                "t2_share_threshold": _optional_float(t.t2_share_threshold),
                "rms_typed": int(typed.get(t.category, 0)),
            }
            for t in rm_alternative_thresholds.itertuples()
        },
    }


def summarise_rm_classification(
    rm_classification: pd.DataFrame,
    rm_thresholds: pd.DataFrame,
    rm_alternative_thresholds: pd.DataFrame,
    params: RMClassificationParams,
) -> dict[str, Any]:
    """A small JSON-ready summary: per category the thresholds and how many RMs are typed,
    under the default settings and, under ``alternative``, the alternative ones."""
    per_rm = rm_classification.groupby("rm_id").agg(n_clients=("n_clients", "first"), n_types=("is_type", "sum"))
    limits = rm_thresholds.set_index("category")
    categories = {}
    for category, rows in rm_classification.groupby("category", sort=False):
        row = limits.loc[category]
        categories[category] = {
            "count_floor_t3": _optional_float(row["count_floor_t3"]),
            "share_floor_t4": _optional_float(row["share_floor_t4"]),
            "t1_count_threshold": _optional_float(row["t1_count_threshold"]),
            "t2_share_threshold": _optional_float(row["t2_share_threshold"]),
            "t1_fallback": row["t1_fallback"],
            "t2_fallback": row["t2_fallback"],
            "rms_typed": int(rows["is_type"].sum()),
            "rms_typed_by_count": int(rows["type_by_count"].sum()),
            "rms_typed_by_share": int(rows["type_by_share"].sum()),
        }
    fallbacks = [
        f"{category} {name}"
        for category, entry in categories.items()
        for name in ("t1", "t2")
        if entry[f"{name}_fallback"] != NO_FALLBACK
    ]
    return {
        "snapshot_date": params.snapshot_date.isoformat(),
        "client_category_source": params.client_category_source,
        "settings": _threshold_settings(params),
        "rms": int(len(per_rm)),
        "rms_without_clients": int((per_rm["n_clients"] == 0).sum()),
        "rms_by_number_of_types": {str(k): int(v) for k, v in per_rm["n_types"].value_counts().sort_index().items()},
        "thresholds_with_fallback": fallbacks,
        "categories": categories,
        "alternative": _alternative_summary(rm_classification, rm_alternative_thresholds, params),
    }
