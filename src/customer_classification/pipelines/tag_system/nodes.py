"""Nodes of ``tag_system``: fit the tag binner, tag every snapshot, describe and weigh the tags."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import narwhals as nw
import pandas as pd

from customer_classification.modelling.table import snapshot_rows
from customer_classification.pipelines.tag_system.binning import TagBinner
from customer_classification.pipelines.tag_system.checks import TagConfigError
from customer_classification.pipelines.tag_system.params import KEY_COLUMNS, TagSystemParams
from customer_classification.pipelines.tag_system.report import dictionary_rows, tree_weights
from customer_classification.pipelines.tag_system.targets import LABEL_COLUMNS, model_targets
from customer_classification.spark_apply import is_spark, map_partitions

logger = logging.getLogger(__name__)


def _schema_kinds(frame: Any) -> dict[str, str]:
    schema = nw.from_native(frame).collect_schema()
    return {name: _nw_kind(dtype) for name, dtype in schema.items()}


def _nw_kind(dtype: Any) -> str:
    if dtype == nw.Boolean or dtype.is_numeric():
        return "numeric"
    if dtype in (nw.String, nw.Categorical, nw.Enum):
        return "text"
    return str(dtype)


def _rows_at(frame: pd.DataFrame, snapshots: Iterable[dt.date]) -> pd.DataFrame:
    return frame[frame["snapshot_date"].isin(pd.to_datetime(list(snapshots)))].reset_index(drop=True)


def _check_snapshots(frame: pd.DataFrame, snapshots: Iterable[dt.date], table: str) -> None:
    present = set(frame["snapshot_date"].dt.date)
    absent = [s.isoformat() for s in snapshots if s not in present]
    if absent:
        raise TagConfigError(
            f"snapshots {absent} of tag_system are not in {table} (it has {sorted(d.isoformat() for d in present)}); "
            "align globals.yml with the data_engineering snapshots"
        )


def _snapshot_column(customer_features: Any) -> pd.DataFrame:
    return snapshot_rows(customer_features, "snapshot_date", None, ["snapshot_date"])


def _tagged_by_snapshot(customer_features: Any, tag_binner: TagBinner) -> pd.DataFrame:
    """Every row tagged, one snapshot read at a time (a bank's every snapshot of the features would
    be in memory at once otherwise), in the table's order of snapshots."""
    columns = [*KEY_COLUMNS, *tag_binner.feature_names_in_]
    when = _snapshot_column(customer_features)["snapshot_date"]
    days = [moment.date() for moment in when.drop_duplicates()]
    parts = [tag_binner.transform(snapshot_rows(customer_features, "snapshot_date", [day], columns)) for day in days]
    if not parts or sum(len(part) for part in parts) != len(when):  # no rows, or snapshots that are not whole days
        return tag_binner.transform(snapshot_rows(customer_features, "snapshot_date", None, columns))
    return pd.concat(parts, ignore_index=True)


def fit_tag_binner(customer_features: Any, model_labels: Any, tag_system: TagSystemParams) -> TagBinner:
    """Learn every tag's cut points on the training snapshots.

    The tags are checked against ``customer_features``' columns first, so a
    configuration naming a missing feature stops before anything is computed.

    Returns:
        The fitted :class:`~.binning.TagBinner` (persisted as ``tag_binner``).
    """
    binner = TagBinner(list(tag_system.tags.values()))
    binner.check_features(_schema_kinds(customer_features))
    _check_snapshots(_snapshot_column(customer_features), tag_system.training_snapshots, "customer_features")
    columns = [*KEY_COLUMNS, *dict.fromkeys(f for t in binner.tags for f in t.features)]
    training = snapshot_rows(customer_features, "snapshot_date", tag_system.training_snapshots, columns)
    targets = model_targets(training, snapshot_rows(model_labels, "snapshot_date", None, LABEL_COLUMNS))
    binner.fit(training, targets)
    logger.info(
        "Tag binner fitted on %s rows of snapshots %s: %d tags",
        f"{len(training):,}",
        ", ".join(s.isoformat() for s in tag_system.training_snapshots),
        len(binner.tags_),
    )
    return binner


def assign_tags(customer_features: Any, tag_binner: TagBinner) -> pd.DataFrame:
    """Tag every customer and snapshot with the fitted binner's cut points.

    Returns:
        ``customer_tags``: ``customer_id``, ``snapshot_date`` and one ordered
        categorical column per tag, one row per row of ``customer_features``. From a Spark
        table, a Spark table tagged partition by partition (the tags as their levels' names).
    """
    if is_spark(customer_features):
        return map_partitions(assign_tags, customer_features, tag_binner)
    tags = _tagged_by_snapshot(customer_features, tag_binner)
    tag_names = list(tag_binner.get_feature_names_out())
    coverage = tags[tag_names].notna().mean()
    logger.info(
        "Tagged %s customer-snapshots with %d tags; coverage min %.1f%% (%s), median %.1f%%",
        f"{len(tags):,}",
        len(tag_names),
        100 * coverage.min(),
        coverage.idxmin(),
        100 * coverage.median(),
    )
    return tags


def describe_tags(customer_tags: pd.DataFrame, tag_binner: TagBinner, tag_system: TagSystemParams) -> pd.DataFrame:
    """The tag dictionary: one row per tag and level, with its definition, coverage and shares.

    Shares are of all customers of the training snapshots and of the scoring
    snapshot, so a tag's level shares add up to its coverage.
    """
    tags = customer_tags.assign(snapshot_date=pd.to_datetime(customer_tags["snapshot_date"]))
    _check_snapshots(tags, [tag_system.scoring_snapshot], "customer_tags")
    training = _rows_at(tags, tag_system.training_snapshots)
    scoring = _rows_at(tags, [tag_system.scoring_snapshot])
    return dictionary_rows(tag_binner, tag_system, training, scoring)


def weigh_tags(customer_tags: pd.DataFrame, model_labels: Any, tag_system: TagSystemParams) -> pd.DataFrame:
    """Each tag's decision-tree importance for the M1 and M2 targets (M4), fitted on the training snapshots.

    Returns:
        ``tag_weights``: one row per tag with importance, rank and normalised rank per target.
    """
    tags = customer_tags.assign(snapshot_date=pd.to_datetime(customer_tags["snapshot_date"]))
    labels = snapshot_rows(model_labels, "snapshot_date", None, LABEL_COLUMNS)
    names = list(tag_system.tags)
    absent = [name for name in names if name not in tags.columns]
    if absent:
        raise TagConfigError(f"tags {absent} are declared but not columns of customer_tags; rerun assign_tags")
    fit_rows = _rows_at(tags, tag_system.training_snapshots)
    check_rows = _rows_at(tags, [tag_system.validation_snapshot])
    weights = tree_weights(
        fit_rows[names],
        model_targets(fit_rows, labels),
        check_rows[names],
        model_targets(check_rows, labels),
        tag_system.weights,
    )
    groups = {tag.name: (tag.group, tag.title) for tag in tag_system.tags.values()}
    weights.insert(1, "group", weights["tag"].map(lambda t: groups[t][0]))
    weights.insert(2, "title", weights["tag"].map(lambda t: groups[t][1]))
    return weights
