"""One Optuna study over model families, tuned on the validation rows (or, on a small table,
cross-validated over the training and validation rows: :mod:`.cross_validation`).

The trials are planned before the study starts (:func:`trial_plan`): each family's default
configuration first (LightGBM's first of all), then the rest of the budget shared among the
families by their ``search_weight``. Each trial's family is fixed by the plan and TPE chooses the
family's hyperparameters, whose ranges hold the defaults: a family's best trial is never worse on
validation than its defaults, and the study runs the same trials on a loaded machine as on an idle
one. Pruning compares a trial only with earlier trials of the same family at the same step
(boosting round or number of trees; cross-validated, the number of folds done); a default trial
is never pruned.
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

from customer_classification.modelling.cross_validation import cross_validate, cross_validation_folds
from customer_classification.modelling.families import FAMILY_REGISTRY, FitContext, refit_config
from customer_classification.modelling.metrics import STUDY_METRIC, validation_score
from customer_classification.modelling.spec import StudySpec, Task

logger = logging.getLogger(__name__)
# user attribute that marks the trial of a family's default configuration
DEFAULT_ATTR = "default_configuration"
# resamples of the validation rows that weigh a tuned trial's gain over its default
BOOTSTRAP_RESAMPLES = 200


class FamilyMedianPruner(BasePruner):
    """Prunes a trial whose intermediate score is worse than the median of earlier trials of its family."""

    def __init__(self, warmup_trials: int):
        self.warmup_trials = warmup_trials

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or trial.user_attrs.get(DEFAULT_ATTR):
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
    """The best trial of one family: its configuration, its model fitted on the training rows (cross-
    validated: on train + validation, after the study) and its predictions of the scored rows (the
    validation rows; cross-validated, every row out of fold, with their margins when binary)."""

    family: str
    trial_number: int
    validation_score: float
    config: dict[str, Any]
    model: Any
    fit_seconds: float
    predicted: np.ndarray | None = None
    margins: np.ndarray | None = None


@dataclass
class StudyOutcome:
    """Everything later steps need from the study; ``study`` is persisted for optuna-dashboard."""

    study: optuna.Study
    task: Task
    metric: str
    direction: str
    candidates: dict[str, Candidate] = field(default_factory=dict)
    defaults: dict[str, Candidate] = field(default_factory=dict)
    scoring_family: str | None = None
    confidence_over_default: dict[str, float] = field(default_factory=dict)
    best_trials: dict[str, Candidate] = field(default_factory=dict)  # each family's best, kept or not
    seconds: float = 0.0
    stopped_by_time_cap: bool = False
    classes: list[Any] | None = None
    encoder: Any = None  # the FeatureEncoder the trials' features came from
    cross_validated: bool = False
    fit_rows: float = 0.0  # rows each trial's model was fitted on (a fold's, cross-validated)
    scored_target: np.ndarray | None = None  # target of the rows the candidates' ``predicted`` scores
    # split -> (rows the trials saw, rows of the split), when study.max_tuning_rows sampled them
    tuning_sample: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def champion(self) -> Candidate:
        """The candidate that scores: the scoring family's best, or the best of all on validation."""
        if self.scoring_family is not None:
            return self.candidates[self.scoring_family]
        better = max if self.direction == "maximize" else min
        return better(self.candidates.values(), key=lambda c: (c.validation_score, -c.trial_number))

    def trials_per_family(self) -> dict[str, dict[str, int]]:
        """Trials run, completed and pruned per family, in the order of the plan."""
        table = self.trial_table()
        counts = {}
        for family, rows in table.groupby("family", sort=False):
            states = rows["state"].value_counts()
            counts[family] = {
                "trials": len(rows),
                "completed": int(states.get("complete", 0)),
                "pruned": int(states.get("pruned", 0)),
            }
        return counts

    def trial_table(self) -> pd.DataFrame:
        rows = [
            {
                "trial": t.number,
                "family": t.params.get("family"),
                "default": bool(t.user_attrs.get(DEFAULT_ATTR)),
                "state": t.state.name.lower(),
                f"validation_{self.metric}": t.value,
                "seconds": t.duration.total_seconds() if t.duration else None,
            }
            for t in finished_trials(self.study)
        ]
        return pd.DataFrame(
            rows, columns=["trial", "family", "default", "state", f"validation_{self.metric}", "seconds"]
        )


def _keep(outcome: StudyOutcome, candidate: Candidate, is_default: bool) -> None:
    """Record a finished trial: its family's default, and its family's best so far."""
    if is_default:
        outcome.defaults[candidate.family] = candidate
    best = outcome.candidates.get(candidate.family)
    improves = best is None or (
        candidate.validation_score > best.validation_score
        if outcome.direction == "maximize"
        else candidate.validation_score < best.validation_score
    )
    if improves:
        outcome.candidates[candidate.family] = candidate


def _pruning_report(trial: optuna.Trial, family: str):
    def report(step: int, value: float) -> None:
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"{family} pruned at step {step}")

    return report


def _objective(outcome: StudyOutcome, spec: StudySpec, ctx: FitContext, train, valid, folds=None):
    """One trial: a family and its configuration fitted on the training rows, scored on validation
    (with ``folds``: cross-validated over train + validation, given as ``train``); each family's best
    trial so far is kept in ``outcome.candidates``."""
    (X, y), (X_valid, y_valid) = train, valid

    def objective(trial: optuna.Trial) -> float:
        family = FAMILY_REGISTRY[trial.suggest_categorical("family", spec.families)]
        config = family.suggest(trial, ctx.task)
        report = _pruning_report(trial, family.name)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*warm_start.*")  # balanced weights while growing a forest
            if folds is None:
                model = family.fit(config, X, y, ctx, X_valid, y_valid, report)
                predicted, margins, rounds = model.predict(X_valid), None, getattr(model, "best_iteration", None)
                score = validation_score(ctx.task, y_valid, predicted)
            else:
                folded = cross_validate(family, config, (X, y), folds, ctx, report)
                model, predicted, margins, rounds, score = (
                    None,
                    folded.predicted,
                    folded.margins,
                    folded.mean_rounds,
                    folded.score,
                )
        seconds = time.perf_counter() - started
        if family.name == "lightgbm":
            config["n_rounds"] = int(rounds)
            trial.set_user_attr("best_iteration", int(rounds))
        candidate = Candidate(family.name, trial.number, score, config, model, seconds, predicted, margins)
        _keep(outcome, candidate, bool(trial.user_attrs.get(DEFAULT_ATTR)))
        return score

    return objective


def finished_trials(study: optuna.Study) -> list[FrozenTrial]:
    """The trials that ran; a study stopped by its time cap leaves the rest of its plan waiting."""
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))


def trial_plan(families: list[str], n_trials: int) -> list[str]:
    """The family of each trial: every family's default configuration first (LightGBM's first of all,
    then in the listed order), then the remaining trials shared out by the families' ``search_weight``
    (largest remainders first) and interleaved, so that every family is searched from the start."""
    if n_trials < len(families):
        raise ValueError(f"{n_trials} trials cannot try the defaults of {len(families)} families")
    order = sorted(families, key=lambda f: f != "lightgbm")
    remaining = n_trials - len(order)
    weights = np.array([FAMILY_REGISTRY[f].search_weight for f in order], dtype=float)
    exact = remaining * weights / weights.sum()
    quota = np.floor(exact).astype(int)
    by_remainder = sorted(range(len(order)), key=lambda i: (-(exact[i] - quota[i]), i))
    for i in by_remainder[: remaining - int(quota.sum())]:
        quota[i] += 1
    plan, used = list(order), np.zeros(len(order), dtype=int)
    for _ in range(remaining):
        # the family furthest behind its share so far goes next (ties: listed order)
        behind = [(used[i] / quota[i], i) for i in range(len(order)) if used[i] < quota[i]]
        _, pick = min(behind)
        used[pick] += 1
        plan.append(order[pick])
    return plan


def _enqueue_plan(study: optuna.Study, plan: list[str], task: Task) -> None:
    seen: set[str] = set()
    for family in plan:
        if family in seen:
            study.enqueue_trial({"family": family})
        else:
            seen.add(family)
            study.enqueue_trial({"family": family, **FAMILY_REGISTRY[family].defaults(task)}, {DEFAULT_ATTR: True})


def keep_defaults_unless_surely_beaten(outcome: StudyOutcome, spec: StudySpec) -> None:
    """Put back a family's default when its best trial beats it on fewer than
    ``spec.min_confidence_over_default`` of paired bootstrap resamples of the scored rows (the
    validation rows; cross-validated, every fitted row with its out-of-fold predictions).

    The best of many trials on a small validation set is partly the luckiest: on a few hundred rows
    a tuned configuration can lead the default on validation and trail it on new rows.
    """
    y_valid = outcome.scored_target
    rng = np.random.default_rng(spec.seed)
    resamples = [rng.integers(0, len(y_valid), len(y_valid)) for _ in range(BOOTSTRAP_RESAMPLES)]
    better = np.greater if outcome.direction == "maximize" else np.less
    outcome.best_trials = dict(outcome.candidates)
    for family, best in list(outcome.candidates.items()):
        default = outcome.defaults.get(family)
        if default is None or default is best:
            continue
        tuned, plain = best.predicted, default.predicted
        wins = [
            better(
                validation_score(outcome.task, y_valid[r], tuned[r]),
                validation_score(outcome.task, y_valid[r], plain[r]),
            )
            for r in resamples
            if outcome.task == "regression" or len(np.unique(y_valid[r])) > 1
        ]
        confidence = float(np.mean(wins)) if wins else 0.0
        outcome.confidence_over_default[family] = confidence
        if confidence < spec.min_confidence_over_default:
            logger.info(
                "study '%s': %s's best trial %d beats its default on %.0f%% of resamples of the scored rows, under %.0f%%: "
                "the default is kept",
                spec.study_name,
                family,
                best.trial_number,
                100 * confidence,
                100 * spec.min_confidence_over_default,
            )
            outcome.candidates[family] = default


def _check_outcome(outcome: StudyOutcome, spec: StudySpec) -> None:
    """Log the trials per family and a study stopped by its time cap; fail when a family has no
    completed trial (its defaults were not even tried: the comparison would be meaningless)."""
    finished = len(finished_trials(outcome.study))
    per_family = outcome.trials_per_family()
    outcome.stopped_by_time_cap = finished < spec.n_trials
    if outcome.stopped_by_time_cap:
        logger.warning(
            "study '%s' hit its %.0f s safety cap after %d of %d trials (per family %s): the result now depends "
            "on the machine's speed and load; raise study.timeout_s or lower study.n_trials",
            spec.study_name,
            spec.timeout_s,
            finished,
            spec.n_trials,
            {f: c["trials"] for f, c in per_family.items()},
        )
    missing = [f for f in spec.families if f not in outcome.candidates]
    if missing:
        raise RuntimeError(
            f"study '{spec.study_name}': no completed trial for families {missing} after {finished} trials; "
            "raise study.timeout_s (a safety cap) or study.n_trials"
        )
    logger.info(
        "study '%s': %d trials in %.1f s; trials per family %s; default -> best per family: %s",
        spec.study_name,
        finished,
        outcome.seconds,
        per_family,
        {
            f: f"{d.validation_score:.4f} -> {c.validation_score:.4f}"
            if (d := outcome.defaults.get(f))
            else c.trial_number
            for f, c in outcome.candidates.items()
        },
    )


def _fit_candidates_on_all_rows(outcome: StudyOutcome, ctx: FitContext, rows) -> None:
    """Cross-validated, the trials kept no model: each family's default, best and kept configuration
    is fitted on train + validation as the champion's refit is (the comparison's test figures)."""
    X, y = rows
    kept = {id(c): c for group in (outcome.defaults, outcome.best_trials, outcome.candidates) for c in group.values()}
    for candidate in kept.values():
        config = refit_config(candidate.config, len(y), outcome.fit_rows)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*warm_start.*")  # as in the trials
            candidate.model = FAMILY_REGISTRY[candidate.family].fit(config, X, y, ctx)


def cross_validates(spec: StudySpec, n_rows: int) -> bool:
    """Whether a study of ``n_rows`` training + validation rows is cross-validated."""
    return spec.cross_validate_below_rows is not None and n_rows < spec.cross_validate_below_rows


def run_study(
    train: tuple[pd.DataFrame, np.ndarray],
    valid: tuple[pd.DataFrame, np.ndarray],
    task: Task,
    spec: StudySpec,
    n_classes: int = 2,
) -> StudyOutcome:
    """Search the families of ``spec`` on (features, target) of the training rows, scored on validation;
    below ``spec.cross_validate_below_rows`` training + validation rows, scored by stratified
    ``spec.cv_folds``-fold cross-validation over both (:mod:`.cross_validation`).

    Runs the ``spec.n_trials`` trials of :func:`trial_plan`, or fewer when ``spec.timeout_s`` (a
    safety cap) is hit first: logged, recorded in ``stopped_by_time_cap``, an error when a family
    got no completed trial.
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
    outcome = StudyOutcome(
        study=study, task=task, metric=metric, direction=direction, scoring_family=spec.scoring_family
    )
    folds = None
    if cross_validates(spec, len(train[1]) + len(valid[1])):
        train = (pd.concat([train[0], valid[0]]), np.concatenate([train[1], valid[1]]))
        folds = cross_validation_folds(train[1], task, spec.cv_folds, spec.seed)
        outcome.cross_validated, outcome.scored_target = True, train[1]
        outcome.fit_rows = float(np.mean([len(fitting) for fitting, _ in folds]))
        logger.info(
            "study '%s': %d training + validation rows, under study.cross_validate_below_rows (%d): each trial "
            "is scored by %d-fold cross-validation over all of them",
            spec.study_name,
            len(train[1]),
            spec.cross_validate_below_rows,
            spec.cv_folds,
        )
    else:
        outcome.scored_target, outcome.fit_rows = valid[1], float(len(train[1]))
    study.set_user_attr("metric", f"{'cross-validated' if folds else 'validation'} {metric}")
    _enqueue_plan(study, trial_plan(spec.families, spec.n_trials), task)
    started = time.perf_counter()
    study.optimize(
        _objective(outcome, spec, ctx, train, valid, folds),
        n_trials=spec.n_trials,
        timeout=spec.timeout_s,
        gc_after_trial=False,
    )
    outcome.seconds = time.perf_counter() - started
    _check_outcome(outcome, spec)
    keep_defaults_unless_surely_beaten(outcome, spec)
    if folds is not None:
        _fit_candidates_on_all_rows(outcome, ctx, train)
    return outcome
