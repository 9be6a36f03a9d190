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
    """Each family's default configuration and its best trial (both fitted on the training rows; after
    a cross-validated study, on train + validation, and "validation" is the cross-validated score) on
    the validation and test rows: two rows per family, ``configuration`` ``default`` then ``best``.
    When the best trial did not beat the default surely enough (see
    :func:`~.study.keep_defaults_unless_surely_beaten`), the default row is the one marked champion.

    The champion is chosen on validation; test figures are reported, never used to choose.
    """
    X_test, y_test = labelled_xy(table, model.encoder, model.spec, ("test",), model.classes)
    per_family = outcome.trials_per_family()
    rows = []
    for family, kept in outcome.candidates.items():
        default = outcome.defaults.get(family)
        best = outcome.best_trials.get(family, kept)
        for kind, candidate in (("default", default), ("best", best)):
            if candidate is None:
                continue
            rows.append(
                {
                    "family": family,
                    "configuration": kind,
                    # the family's kept configuration (its best, or its default when the best did not
                    # beat it surely enough) is the champion when the family scores
                    "champion": family == model.family and candidate is kept and (kind == "best" or kept is not best),
                    "trial": candidate.trial_number,
                    f"validation_{outcome.metric}": candidate.validation_score,
                    **{f"test_{k}": v for k, v in _test_metrics(outcome.task, y_test, candidate.model.predict(X_test))},
                    # share of validation resamples on which the best trial beat the default
                    "confidence_over_default": outcome.confidence_over_default.get(family),
                    "trials": per_family[family]["trials"],
                    "pruned": per_family[family]["pruned"],
                    "fit_seconds": round(candidate.fit_seconds, 2),
                    "config": _config_text(candidate.config),
                }
            )
    frame = pd.DataFrame(rows)
    # families by their best validation score, each family's default row before its best row
    best_score = frame[frame["configuration"] == "best"].set_index("family")[f"validation_{outcome.metric}"]
    sign = -1 if outcome.direction == "maximize" else 1
    frame["_order"] = frame["family"].map(best_score) * sign
    frame["_kind"] = (frame["configuration"] == "best").astype(int)
    return (
        frame.sort_values(["_order", "_kind"], kind="stable").drop(columns=["_order", "_kind"]).reset_index(drop=True)
    )


def _test_metrics(task: str, y_test: np.ndarray, prediction: np.ndarray) -> list[tuple[str, float]]:
    if task == "binary":
        dropped = ("brier", "mean_probability", "positive_rate", "n")
        return [(k, v) for k, v in binary_metrics(y_test, prediction).items() if k not in dropped]
    if task == "regression":
        return [(k, v) for k, v in regression_metrics(y_test, prediction).items() if k != "n"]
    return [("log_loss", validation_score("multiclass", y_test, prediction))]


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
        "metric": f"{'cross-validated' if outcome.cross_validated else 'validation'} {outcome.metric} "
        f"({outcome.direction})",
        "cross_validated": outcome.cross_validated,
        "trials": len(outcome.trial_table()),
        "trials_requested": n_trials,
        "completed": int(states.get("complete", 0)),
        "pruned": int(states.get("pruned", 0)),
        "trials_per_family": outcome.trials_per_family(),
        "scoring_family": outcome.scoring_family,
        "seconds": round(outcome.seconds, 1),
        "stopped_by_time_cap": outcome.stopped_by_time_cap,
        # the rows the trials saw when study.max_tuning_rows sampled them (the champion refits on every row)
        "tuning_sample": {split: {"rows": kept, "of": rows} for split, (kept, rows) in outcome.tuning_sample.items()},
    }
