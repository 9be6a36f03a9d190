"""One Optuna study over model families, tuned on the validation snapshot.

The family is itself a categorical hyperparameter, so TPE spends the trials where the
validation score is best; each family's hyperparameters are conditional on it. Pruning
compares a trial only with earlier trials of the same family at the same step (boosting
round or number of trees), so a slow-starting family is not pruned against a fast one.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial, TrialState

from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext
from customer_classification.modelling.metrics import STUDY_METRIC, validation_score
from customer_classification.modelling.spec import StudySpec, Task

logger = logging.getLogger(__name__)


class FamilyMedianPruner(BasePruner):
    """Prunes a trial whose intermediate score is worse than the median of earlier trials of its family."""

    def __init__(self, warmup_trials: int):
        self.warmup_trials = warmup_trials

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None:
            return False
        family = trial.params.get("family")
        peers = [
            t.intermediate_values[step]
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
            if t.params.get("family") == family and step in t.intermediate_values
        ]
        if len(peers) < max(self.warmup_trials, 1):
            return False
        value, median = trial.intermediate_values[step], float(np.median(peers))
        return value < median if study.direction == optuna.study.StudyDirection.MAXIMIZE else value > median


@dataclass
class Candidate:
    """The best trial of one family: its configuration and its model fitted on the training rows."""

    family: str
    trial_number: int
    validation_score: float
    config: dict[str, Any]
    model: Any
    fit_seconds: float


@dataclass
class StudyOutcome:
    """Everything later steps need from the study; ``study`` is persisted for optuna-dashboard."""

    study: optuna.Study
    task: Task
    metric: str
    direction: str
    candidates: dict[str, Candidate] = field(default_factory=dict)
    seconds: float = 0.0
    classes: list[Any] | None = None
    encoder: Any = None  # the FeatureEncoder the trials' features came from

    @property
    def champion(self) -> Candidate:
        better = max if self.direction == "maximize" else min
        return better(self.candidates.values(), key=lambda c: (c.validation_score, -c.trial_number))

    def trial_table(self) -> pd.DataFrame:
        rows = [
            {
                "trial": t.number,
                "family": t.params.get("family"),
                "state": t.state.name.lower(),
                f"validation_{self.metric}": t.value,
                "seconds": t.duration.total_seconds() if t.duration else None,
            }
            for t in self.study.trials
        ]
        return pd.DataFrame(rows)


def _objective(outcome: StudyOutcome, spec: StudySpec, ctx: FitContext, train, valid):
    """One trial: a family and its configuration fitted on the training rows, scored on validation;
    each family's best trial so far is kept in ``outcome.candidates``."""
    (X, y), (X_valid, y_valid) = train, valid

    def objective(trial: optuna.Trial) -> float:
        family = FAMILY_REGISTRY[trial.suggest_categorical("family", spec.families)]
        config = family.suggest(trial, ctx.task)

        def report(step: int, value: float) -> None:
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned(f"{family.name} pruned at step {step}")

        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*warm_start.*")  # balanced weights while growing a forest
            model = family.fit(config, X, y, ctx, X_valid, y_valid, report)
        seconds = time.perf_counter() - started
        score = validation_score(ctx.task, y_valid, model.predict(X_valid))
        if family.name == "lightgbm":
            config["n_rounds"] = int(model.best_iteration)
            trial.set_user_attr("best_iteration", int(model.best_iteration))
        best = outcome.candidates.get(family.name)
        improves = best is None or (
            score > best.validation_score if outcome.direction == "maximize" else score < best.validation_score
        )
        if improves:
            outcome.candidates[family.name] = Candidate(family.name, trial.number, score, config, model, seconds)
        return score

    return objective


def _check_outcome(outcome: StudyOutcome, spec: StudySpec) -> None:
    """Log a study stopped by its time cap or missing a family; fail when no trial completed."""
    finished = len(outcome.study.trials)
    if finished < spec.n_trials:
        logger.warning(
            "study '%s' stopped by its %.0f s safety cap after %d of %d trials: the result depends on machine speed",
            spec.study_name,
            spec.timeout_s,
            finished,
            spec.n_trials,
        )
    missing = [f for f in spec.families if f not in outcome.candidates]
    if missing:
        logger.warning("study '%s': no completed trial for families %s", spec.study_name, missing)
    if not outcome.candidates:
        raise RuntimeError(f"study '{spec.study_name}': every trial was pruned or failed; raise n_trials")
    logger.info(
        "study '%s': %d trials in %.1f s; best per family: %s",
        spec.study_name,
        finished,
        outcome.seconds,
        {k: round(c.validation_score, 4) for k, c in outcome.candidates.items()},
    )


def run_study(
    train: tuple[pd.DataFrame, np.ndarray],
    valid: tuple[pd.DataFrame, np.ndarray],
    task: Task,
    spec: StudySpec,
    n_classes: int = 2,
) -> StudyOutcome:
    """Search the families of ``spec`` on (features, target) of the training rows, scored on validation.

    Stops after ``spec.n_trials`` trials, or at ``spec.timeout_s`` (a safety cap, logged when hit).
    """
    direction, metric = STUDY_METRIC[task]
    ctx = FitContext(
        task=task,
        n_classes=n_classes,
        seed=spec.seed,
        n_threads=spec.n_threads,
        early_stopping_rounds=spec.early_stopping_rounds,
        max_boosting_rounds=spec.max_boosting_rounds,
        report_every=spec.report_every,
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=spec.study_name,
        direction=direction,
        sampler=optuna.samplers.TPESampler(seed=spec.seed),
        pruner=FamilyMedianPruner(spec.pruning_warmup_trials),
        storage=optuna.storages.InMemoryStorage(),
    )
    study.set_user_attr("metric", f"validation {metric}")
    outcome = StudyOutcome(study=study, task=task, metric=metric, direction=direction)
    started = time.perf_counter()
    study.optimize(
        _objective(outcome, spec, ctx, train, valid),
        n_trials=spec.n_trials,
        timeout=spec.timeout_s,
        gc_after_trial=False,
    )
    outcome.seconds = time.perf_counter() - started
    _check_outcome(outcome, spec)
    return outcome
