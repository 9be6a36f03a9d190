"""Test-snapshot evaluation shared by the model pipelines: the champion's metrics and the family comparison."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.fitted import FittedModel, labelled_xy
from customer_classification.modelling.metrics import binary_metrics, regression_metrics, validation_score
from customer_classification.modelling.study import StudyOutcome
from customer_classification.modelling.table import SPLIT


def test_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table[SPLIT] == "test"]


def family_comparison(table: pd.DataFrame, model: FittedModel, outcome: StudyOutcome) -> pd.DataFrame:
    """Every family's best trial (fitted on the training snapshots) on the validation and test snapshots.

    The champion is chosen on validation; test figures are reported, never used to choose.
    """
    X_test, y_test = labelled_xy(table, model.encoder, model.spec, ("test",), model.classes)
    trials = outcome.trial_table()
    rows = []
    for family, candidate in outcome.candidates.items():
        prediction = candidate.model.predict(X_test)
        if outcome.task == "binary":
            test = {
                k: v
                for k, v in binary_metrics(y_test, prediction).items()
                if k not in ("brier", "mean_probability", "positive_rate", "n")
            }
        elif outcome.task == "regression":
            test = {k: v for k, v in regression_metrics(y_test, prediction).items() if k != "n"}
        else:
            test = {"log_loss": validation_score("multiclass", y_test, prediction)}
        mine = trials[trials["family"] == family]
        rows.append(
            {
                "family": family,
                "champion": family == model.family,
                "best_trial": candidate.trial_number,
                f"validation_{outcome.metric}": candidate.validation_score,
                **{f"test_{k}": v for k, v in test.items()},
                "trials": len(mine),
                "pruned": int((mine["state"] == "pruned").sum()),
                "fit_seconds": round(candidate.fit_seconds, 2),
                "config": _config_text(candidate.config),
            }
        )
    order = outcome.direction == "minimize"
    return (
        pd.DataFrame(rows)
        .sort_values(f"validation_{outcome.metric}", ascending=order, kind="stable")
        .reset_index(drop=True)
    )


def _config_text(config: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in sorted(config.items()))


def _short(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def study_summary(outcome: StudyOutcome, n_trials: int) -> dict[str, Any]:
    states = outcome.trial_table()["state"].value_counts().to_dict()
    return {
        "name": outcome.study.study_name,
        "metric": f"validation {outcome.metric} ({outcome.direction})",
        "trials": len(outcome.study.trials),
        "trials_requested": n_trials,
        "completed": int(states.get("complete", 0)),
        "pruned": int(states.get("pruned", 0)),
        "seconds": round(outcome.seconds, 1),
        "stopped_by_time_cap": len(outcome.study.trials) < n_trials,
    }
