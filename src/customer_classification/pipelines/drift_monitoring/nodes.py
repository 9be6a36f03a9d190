"""Nodes of ``drift_monitoring``: each model's training distribution, and the PSI of the scoring snapshot against it."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.fitted import FittedModel
from customer_classification.modelling.table import SPLIT
from customer_classification.pipelines.drift_monitoring.params import DriftMonitoringParams
from customer_classification.pipelines.drift_monitoring.psi import band, counts_against, psi, reference_of, shares_of
from customer_classification.pipelines.drift_monitoring.spark import check_features, scoring_counts_on_spark
from customer_classification.spark_apply import is_spark

logger = logging.getLogger(__name__)
SCORE_COLUMNS = {"binary": "probability", "regression": "predicted_utilization"}
DRIFT_COLUMNS = [
    "model",
    "kind",
    "name",
    "psi",
    "band",
    "reference_snapshots",
    "scoring_snapshot",
    "reference_rows",
    "scoring_rows",
]


def profile_training_distribution(
    table: pd.DataFrame, model: FittedModel, params: DriftMonitoringParams
) -> dict[str, Any]:
    """The reference a later scoring snapshot is compared with: on the rows ``model`` learned from
    (train and validation splits of its model table), the bins and shares of each feature the
    model uses and of its score (calibrated probability or prediction). JSON-able."""
    rows = table[table[SPLIT].isin(("train", "validation"))]
    if rows.empty:
        raise ValueError(f"model table of '{model.spec.target}': no train or validation rows to profile")
    numeric = set(model.encoder.numeric)
    features = {c: reference_of(rows[c], c in numeric, params.numeric_bins) for c in model.encoder.columns}
    score_column = SCORE_COLUMNS[model.spec.task]
    return {
        "target": model.spec.target,
        "trained_on": list(model.trained_on),
        "rows": len(rows),
        "score_column": score_column,
        "score": reference_of(pd.Series(model.predict(rows)), True, params.numeric_bins),
        "features": features,
    }


def _drift_rows(
    model: str, reference: dict[str, Any], table: Any, scores: Any, params: DriftMonitoringParams
) -> list[dict[str, Any]]:
    columns = {("score", reference["score_column"]): reference["score"]}
    columns.update({("feature", c): expected for c, expected in reference["features"].items()})
    if is_spark(table):
        snapshot, counts = scoring_counts_on_spark(model, table, scores, columns)
    else:
        snapshot, counts = _scoring_counts(model, table, scores, columns)
    common = {
        "model": model,
        "reference_snapshots": ";".join(reference["trained_on"]),
        "scoring_snapshot": snapshot,
        "reference_rows": reference["rows"],
    }
    rows = []
    for (kind, name), expected in columns.items():
        value = psi(np.asarray(expected["shares"], dtype=float), shares_of(counts[kind, name]))
        rows.append(
            {
                **common,
                "kind": kind,
                "name": name,
                "psi": round(value, 6),
                "band": band(value, params.watch_from, params.act_above),
                "scoring_rows": int(counts[kind, name].sum()),
            }
        )
    return rows


def _scoring_counts(
    model: str, table: pd.DataFrame, scores: pd.DataFrame, columns: dict[tuple[str, str], dict[str, Any]]
) -> tuple[str, dict[tuple[str, str], np.ndarray]]:
    """The scoring snapshot, and the counts of the scoring rows in each reference's bins."""
    scoring = table[table[SPLIT] == "scoring"]
    check_features(model, [name for kind, name in columns if kind == "feature"], scoring.columns)
    snapshot = str(scoring["snapshot_date"].dt.date.iloc[0]) if len(scoring) else ""
    values = {key: scores[name] if key[0] == "score" else scoring[name] for key in columns for name in [key[1]]}
    return snapshot, {key: counts_against(columns[key], values[key]) for key in columns}


def monitor_drift(
    potential_table: pd.DataFrame,
    potential_reference: dict[str, Any],
    potential_scores: pd.DataFrame,
    loan_table: pd.DataFrame,
    loan_reference: dict[str, Any],
    loan_scores: pd.DataFrame,
    params: DriftMonitoringParams,
) -> pd.DataFrame:
    """PSI of every champion feature and of each champion's score, scoring snapshot against the
    champion's training rows; one row each, the score first, then features by decreasing PSI.
    Features in the 'act' band are named in a warning."""
    rows = _drift_rows("potential_model", potential_reference, potential_table, potential_scores, params)
    rows += _drift_rows("loan_demand_model", loan_reference, loan_table, loan_scores, params)
    drift = pd.DataFrame(rows, columns=DRIFT_COLUMNS)
    drift = drift.sort_values(
        ["model", "kind", "psi", "name"], ascending=[False, False, False, True], kind="stable"
    ).reset_index(drop=True)
    for model, group in drift.groupby("model", sort=True):
        acting = group[group["band"] == "act"]
        if not acting.empty:
            named = ", ".join(f"{n} ({p:.2f})" for n, p in zip(acting["name"], acting["psi"], strict=True))
            logger.warning(
                "drift of %s: PSI above %s (act) between its training rows (%s) and the scoring snapshot: %s",
                model,
                params.act_above,
                group["reference_snapshots"].iloc[0],
                named,
            )
    return drift
