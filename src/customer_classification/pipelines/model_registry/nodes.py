"""Nodes of ``model_registry``: champion/challenger decisions and the registry update of a retrain."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.evaluation import test_rows
from customer_classification.modelling.fitted import FittedModel
from customer_classification.modelling.metrics import binary_metrics, regression_metrics
from customer_classification.pipelines.model_registry.params import ContestSpec, ModelRegistryParams
from customer_classification.registry import ModelRegistry, RegistryUpdate, record_retrain, reference_name

logger = logging.getLogger(__name__)
CONTESTED = ("potential_model", "loan_demand_model")


def test_metric(model: FittedModel, test: pd.DataFrame, metric: str) -> float:
    """``metric`` of ``model`` on the labelled test rows of its model table."""
    target = model.spec.target
    if model.spec.task == "binary":
        return binary_metrics(test[target].astype(bool).astype(int).to_numpy(), model.predict(test))[metric]
    return regression_metrics(test[target].astype(float).to_numpy(), model.predict(test))[metric]


def _decide(
    name: str,
    table: pd.DataFrame,
    challenger: FittedModel,
    champion_entry: dict[str, Any] | None,
    registry: ModelRegistry,
    contest: ContestSpec,
    version: str,
) -> tuple[dict[str, Any], Any]:
    """One contest: the decision record and the model that is champion afterwards."""
    test = test_rows(table)
    snapshot = str(test[challenger.spec.snapshot_column].dt.date.iloc[0]) if len(test) else ""
    record: dict[str, Any] = {
        "model": name,
        "version": version,
        "champion_before": None if champion_entry is None else champion_entry["version"],
        "test_snapshot": snapshot,
        "test_rows": len(test),
        "metric": contest.metric,
        "greater_is_better": contest.greater_is_better,
        "margin": contest.margin,
        "challenger_value": test_metric(challenger, test, contest.metric),
        "champion_value": None,
        "improvement": None,
    }
    if champion_entry is None:
        return {**record, "decision": "promoted", "reason": "no champion yet: the first registered version"}, challenger
    champion = registry.load(name, champion_entry["version"])
    try:
        champion_value = test_metric(champion, test, contest.metric)
    except ValueError as error:  # e.g. a feature the champion needs is no longer in the table
        reason = f"the champion {champion_entry['version']} cannot score the current test rows ({error})"
        return {**record, "decision": "promoted", "reason": reason}, challenger
    sign = 1.0 if contest.greater_is_better else -1.0
    improvement = sign * (record["challenger_value"] - champion_value)
    promoted = bool(improvement >= contest.margin)
    direction = "higher" if contest.greater_is_better else "lower"
    verdict = "at least" if promoted else "less than"
    reason = (
        f"on the {len(test)} test rows of {snapshot}, {contest.metric} ({direction} is better) is "
        f"{record['challenger_value']:.4f} for the challenger and {champion_value:.4f} for the champion "
        f"{champion_entry['version']}: an improvement of {improvement:+.4f}, {verdict} the margin {contest.margin}"
    )
    decided = challenger if promoted else champion
    record.update(
        champion_value=champion_value,
        improvement=improvement,
        decision="promoted" if promoted else "kept",
        reason=reason,
    )
    return record, decided


def decide_champions(
    potential_table: pd.DataFrame,
    potential_challenger: FittedModel,
    potential_reference: dict[str, Any],
    loan_table: pd.DataFrame,
    loan_challenger: FittedModel,
    loan_reference: dict[str, Any],
    registry: ModelRegistry,
    params: ModelRegistryParams,
) -> tuple[list[dict[str, Any]], FittedModel, dict[str, Any], FittedModel, dict[str, Any]]:
    """Compare each challenger with the champion on the challenger's test rows (the same rows for
    both, customers neither learned from); promote it when it is better by the contest's margin.

    Returns the decision records (one per model, with the reason in words) and, per model, the
    model and drift reference that are champion after the decision.
    """
    before = registry.champions_before(params.version)
    decided: list[Any] = []
    records = []
    contests = (
        ("potential_model", potential_table, potential_challenger, potential_reference, params.potential_model),
        ("loan_demand_model", loan_table, loan_challenger, loan_reference, params.loan_demand_model),
    )
    for name, table, challenger, reference, contest in contests:
        record, model = _decide(name, table, challenger, before.get(name), registry, contest, params.version)
        records.append(
            {**record, "champion_after": params.version if model is challenger else record["champion_before"]}
        )
        logger.info("%s: challenger %s %s; %s", name, params.version, record["decision"], record["reason"])
        if model is challenger:
            decided += [model, reference]
        else:
            decided += [model, registry.load(reference_name(name), record["champion_before"])]
    return (records, *decided)


def _champion_entry(record: dict[str, Any], challenger: FittedModel, before: dict[str, Any] | None) -> dict[str, Any]:
    promoted = record["decision"] == "promoted"
    value = record["challenger_value"] if promoted else record["champion_value"]
    return {
        "version": record["champion_after"],
        "metric": record["metric"],
        "value": None if value is None or np.isnan(value) else round(float(value), 6),
        "test_snapshot": record["test_snapshot"],
        "trained_on": challenger.trained_on if promoted else (before or {}).get("trained_on", []),
    }


def registrar(companions: list[str]) -> Callable[..., RegistryUpdate]:
    """The registry-update node for a set of companion artefacts (tag binner, segment models, ...),
    which have no test of their own and follow the latest completed retrain."""

    def register_models(
        decisions: list[dict[str, Any]],
        registry: ModelRegistry,
        params: ModelRegistryParams,
        potential_challenger: FittedModel,
        potential_reference: dict[str, Any],
        loan_challenger: FittedModel,
        loan_reference: dict[str, Any],
        *companion_values: Any,
    ) -> RegistryUpdate:
        """Every artefact of this retrain stored under its version (rejected challengers too, for the
        audit trail) and the registry document naming the champions after the decisions."""
        version = params.version
        before = registry.champions_before(version)
        challengers = {"potential_model": potential_challenger, "loan_demand_model": loan_challenger}
        references = {"potential_model": potential_reference, "loan_demand_model": loan_reference}
        artefacts: dict[tuple[str, str], Any] = {}
        after: dict[str, dict[str, Any]] = {}
        by_model = {d["model"]: d for d in decisions}
        for name in CONTESTED:
            record = by_model[name]
            artefacts[(name, version)] = challengers[name]
            artefacts[(reference_name(name), version)] = references[name]
            after[name] = _champion_entry(record, challengers[name], before.get(name))
            after[reference_name(name)] = {"version": record["champion_after"]}
        for name, value in zip(companions, companion_values, strict=True):
            artefacts[(name, version)] = value
            after[name] = {"version": version}
        state = record_retrain(registry, version, decisions, before, after)
        return RegistryUpdate(state, artefacts)

    return register_models
