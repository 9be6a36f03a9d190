"""The model pipelines' scoring nodes on a Spark table (``kedro run --env spark --pipelines score``).

The champion is applied partition by partition (:mod:`customer_classification.spark_apply`). Two
things of the local scores look at every scoring row at once, and are worked out on Spark from
small aggregates:

* tiers by share rank every customer: the customers at the tiers' boundaries are found in a
  distributed sort (one count per partition reaches the driver, then the few boundary rows'
  keys), and each partition compares its customers with them;
* ``reason_attribution: auto`` chooses exact TreeSHAP or path credits by the number of customers
  to explain, counted on Spark before the reasons are computed.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.attribution import chosen_attribution
from customer_classification.modelling.decisions import TierDecision
from customer_classification.modelling.fitted import FittedModel
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.table import SPLIT
from customer_classification.spark_apply import map_partitions

logger = logging.getLogger(__name__)
# the columns of the first pass: the prediction and the uncalibrated score that breaks its ties
PREDICTED, TIE = "_predicted", "_tie_breaker"


def scoring_rows(features: Any, labels: Any, params: ModelPipelineParams) -> Any:
    """The model table's scoring rows on Spark: the features of the population at the scoring
    snapshot (``split.method: time``) or its unlabelled rows (``random``), joined to the labels."""
    from pyspark.sql import functions as F  # noqa: PLC0415 - Spark is optional

    spec, split = params.model, params.split
    keys = list(spec.key_columns)
    missing = [c for c in [*keys, *spec.label_columns] if c not in labels.columns]
    if missing:
        raise ValueError(f"label table: columns {missing} are missing (the model spec's keys, target and population)")
    features = features.drop(*[c for c in spec.label_columns if c in features.columns])
    labels = labels.select(*keys, *spec.label_columns)
    if split.method == "time":
        if split.scoring_snapshot is None:
            raise ValueError(f"{spec.target}: split.scoring_snapshot is unset; the score has nothing to score")
        at = F.to_date(F.col(spec.snapshot_column)) == F.lit(split.scoring_snapshot)
        features, labels = features.filter(at), labels.filter(at)
    repeated = features.groupBy(*keys).count().filter(F.col("count") > 1).limit(3).collect()
    if repeated:
        examples = [{k: row[k] for k in keys} for row in repeated]
        raise ValueError(f"feature table: rows repeat a customer and snapshot, e.g. {examples}")
    table = features.join(labels, on=keys, how="inner")
    for flag in spec.population:
        table = table.filter(F.coalesce(F.col(flag).cast("boolean"), F.lit(False)))
    if split.method != "time":
        table = table.filter(F.col(spec.target).isNull())
    table = table.drop(*[c for c in spec.population if c != spec.target])
    return table.withColumn(SPLIT, F.lit("scoring"))


def _predictions(rows: pd.DataFrame, model: FittedModel, keys: list[str]) -> pd.DataFrame:
    if rows.empty:  # LightGBM predicts nothing on no rows
        return pd.DataFrame({**{k: rows[k] for k in keys}, PREDICTED: [], TIE: []}).astype(
            {PREDICTED: float, TIE: float}
        )
    return pd.DataFrame(
        {**{k: rows[k].to_numpy() for k in keys}, PREDICTED: model.predict(rows), TIE: model.raw_score(rows)}
    )


def _rank_order(params: ModelPipelineParams) -> list[str]:
    """The keys that order customers of equal scores: the model table's row order."""
    spec = params.model
    return [*spec.key_columns[1:], spec.id_column]


def _at_ranks(rows: pd.DataFrame, offsets: dict[int, int], ranks: list[int]) -> pd.DataFrame:
    """The rows of one partition of the sorted table whose overall rank is in ``ranks``."""
    if rows.empty:
        return rows.assign(_rank=pd.Series(dtype="int64"))
    rank = offsets[int(rows["_part"].iloc[0])] + np.arange(len(rows))
    kept = np.isin(rank, ranks)
    return rows[kept].assign(_rank=rank[kept])


def tier_boundaries(rows: Any, model: FittedModel, params: ModelPipelineParams) -> tuple[np.ndarray, dict[int, tuple]]:
    """Where the tiers by share end, as :func:`~.tiers.assign_tiers` ranks the scoring rows
    (probability, then the uncalibrated score, then the model table's row order): the ranks that
    end each tier, and the rank key of the last customer before each boundary inside the table."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    keys = _rank_order(params)
    order = [F.col(PREDICTED).desc(), F.col(TIE).desc(), *[F.col(k).asc() for k in keys]]
    ranked = map_partitions(_predictions, rows, model, keys).orderBy(*order)
    ranked = ranked.withColumn("_part", F.spark_partition_id()).persist()
    try:
        sizes = dict(ranked.groupBy("_part").count().collect())  # one row per partition
        total = sum(sizes.values())
        bounds = np.round(np.cumsum(params.decision.shares) * total).astype(int)
        offsets, start = {}, 0
        for part in sorted(sizes):
            offsets[part], start = start, start + sizes[part]
        inside = sorted({int(b) - 1 for b in bounds if 0 < b < total})
        found = map_partitions(_at_ranks, ranked, offsets, inside).collect() if inside else []  # a row per tier
    finally:
        ranked.unpersist()
    last_before = {int(r["_rank"]) + 1: (r[PREDICTED], r[TIE], *[r[k] for k in keys]) for r in found}
    return bounds, last_before


def _after(rows: pd.DataFrame, predicted: np.ndarray, tie: np.ndarray, keys: list[str], boundary: tuple) -> np.ndarray:
    """Whether each row ranks after ``boundary`` (probability and tie breaker descending, keys ascending)."""
    columns = [
        (pd.Series(predicted), True),
        (pd.Series(tie), True),
        *[(rows[k].reset_index(drop=True), False) for k in keys],
    ]
    after = np.zeros(len(rows), dtype=bool)
    equal = np.ones(len(rows), dtype=bool)
    for (values, descending), bound in zip(columns, boundary, strict=True):
        beyond = (values < bound) if descending else (values > bound)
        after |= equal & beyond.to_numpy(dtype=bool)
        equal &= (values == bound).to_numpy(dtype=bool)
    return after


def _tiers_beyond(bounds: np.ndarray, last_before: dict[int, tuple], params: ModelPipelineParams, model: FittedModel):
    """The tier decision of one partition's rows against the tiers' boundaries found on the whole table."""
    keys, names = _rank_order(params), params.decision.names
    total = int(bounds[-1])

    def decide(rows: pd.DataFrame, predicted: np.ndarray) -> dict[str, Any]:
        tie = model.raw_score(rows)
        index = np.zeros(len(rows), dtype=int)
        for b in bounds:
            if b <= 0:
                index += 1
            elif b < total:
                index += _after(rows, predicted, tie, keys, last_before[int(b)])
        return {"tier": pd.Categorical.from_codes(np.minimum(index, len(names) - 1), categories=names, ordered=True)}

    return decide


def _acted_on(rows: pd.DataFrame, model: FittedModel, params: ModelPipelineParams) -> pd.DataFrame:
    """How many of one partition's rows the decision acts on."""
    if rows.empty:
        return pd.DataFrame({"rows": pd.Series([], dtype="int64")})
    decided = params.decision.columns(model, rows, model.predict(rows))
    return pd.DataFrame({"rows": [int(params.decision.acted_on_rows(decided).sum())]})


def _to_explain(rows: Any, model: FittedModel, params: ModelPipelineParams, bounds: np.ndarray | None) -> int:
    """How many scoring rows get reasons: every row, or those the decision acts on."""
    if params.reasons_for != "acted_on":
        return rows.count()
    decision = params.decision
    if bounds is not None:  # tiers by share: the tiers' sizes are known from the boundaries
        sizes = np.diff(np.concatenate([[0], bounds]))
        acted = decision.acted_on if decision.acted_on is not None else decision.names[:2]
        return int(sum(size for name, size in zip(decision.names, sizes, strict=True) if name in acted))
    return sum(r["rows"] for r in map_partitions(_acted_on, rows, model, params).collect())  # a row per partition


def score_on_spark(table: Any, model: FittedModel, params: ModelPipelineParams, score_rows) -> Any:
    """The scores of the table's scoring rows, computed on Spark, value for value the local ones."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    rows = table.filter(F.col(SPLIT) == "scoring")
    decision = params.decision
    by_share = isinstance(decision, TierDecision) and decision.method == "share"
    bounds, decide = None, None
    if by_share:
        bounds, last_before = tier_boundaries(rows, model, params)
        decide = _tiers_beyond(bounds, last_before, params, model)
    if params.reason_attribution == "auto":
        explained = _to_explain(rows, model, params, bounds)
        attribution = chosen_attribution("auto", explained, params.treeshap_max_rows, params.model.target)
        params = params.model_copy(update={"reason_attribution": attribution})
    return map_partitions(score_rows, rows, model, params, decide)
