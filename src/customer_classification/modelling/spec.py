"""Typed declarations shared by the model pipelines: the table, the split, the study.

These pydantic models are embedded in each model pipeline's parameters, so a bank can
point a pipeline at its own flat customer table with configuration alone (docs/models.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Task = Literal["binary", "regression", "multiclass"]
FAMILIES = ("lightgbm", "logistic", "linear", "random_forest")
# The linear family's name per task: a regularised logistic regression classifies, ridge regresses.
LINEAR_FAMILY = {"binary": "logistic", "multiclass": "logistic", "regression": "linear"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSpec(_Frozen):
    """Which columns of the feature table and the label table the model uses.

    The feature table has one row per ``id_column`` and ``snapshot_column``; the label
    table has the same keys plus ``target`` and the ``population`` flags. Both may be the
    same flat table (a bank's own): label columns are never used as features.
    """

    id_column: str = "customer_id"
    snapshot_column: str | None = Field(
        default="snapshot_date",
        description="Column of the snapshot date; null for a cross-sectional table (split.method: random).",
    )
    target: str
    task: Task
    population: list[str] = Field(
        default_factory=list,
        description="Boolean label columns that must all be true for a customer to be modelled and scored.",
    )
    numeric_features: list[str] | None = Field(
        default=None, description="Numeric feature columns; null infers every numeric column not named elsewhere."
    )
    categorical_features: list[str] | None = Field(
        default=None, description="Categorical feature columns; null infers every text/categorical column."
    )
    exclude_features: list[str] = Field(default_factory=list, description="Columns never used as features.")

    @model_validator(mode="after")
    def _no_overlap(self) -> ModelSpec:
        keys = {*self.key_columns, self.target, *self.population}
        declared = set(self.numeric_features or []) | set(self.categorical_features or [])
        clash = sorted(keys & declared)
        if clash:
            raise ValueError(f"key, target or population columns cannot be features: {clash}")
        both = sorted(set(self.numeric_features or []) & set(self.categorical_features or []))
        if both:
            raise ValueError(f"a feature is either numeric or categorical, not both: {both}")
        return self

    @property
    def key_columns(self) -> list[str]:
        """The id and, when the table has one, the snapshot column: what identifies a row."""
        return [self.id_column, *([self.snapshot_column] if self.snapshot_column else [])]

    @property
    def label_columns(self) -> list[str]:
        return [self.target, *[c for c in self.population if c != self.target]]


class SplitSpec(_Frozen):
    """Which rows train, validate, test and are scored.

    ``method: time`` (the default): fit on earlier snapshots, tune on the next, report on the latest
    labelled one, score ``scoring_snapshot`` (optional). ``method: random``, for a cross-sectional
    table (no snapshot column, or one snapshot): the labelled rows are split at random, stratified by
    the target, in ``random_shares``, with ``seed``; the rows without a target are scored. The snapshot
    dates are then ignored (a base block's dates may stay).
    """

    method: Literal["time", "random"] = "time"
    training_snapshots: list[dt.date] | None = None
    validation_snapshot: dt.date | None = None
    test_snapshot: dt.date | None = None
    scoring_snapshot: dt.date | None = Field(
        default=None, description="Snapshot whose rows are scored; null scores nobody (metrics and model only)."
    )
    customer_holdout: list[float] | None = Field(
        default=[0.5, 0.25, 0.25],
        description=(
            "method time: shares of customers whose rows train, validate and test (disjoint groups by a hash of "
            "the id); null uses every customer in every split. Needed when outcome windows of the split's "
            "snapshots overlap: a customer's training label then already holds part of its test outcome."
        ),
    )
    random_shares: list[float] = Field(
        default=[0.6, 0.2, 0.2], description="method random: shares of labelled rows in train, validation, test."
    )
    seed: int = Field(default=0, description="method random: seed of the stratified random split.")
    max_training_rows: int | None = Field(
        default=None,
        ge=1,
        description=(
            "At most this many rows in each of the train and validation splits: a larger split is sampled, "
            "stratified by the target (its deciles for a regression), by a keyed hash of the id and snapshot "
            "(the same rows in every run). The test and scoring rows are never sampled. null: every row."
        ),
    )

    @field_validator("customer_holdout", "random_shares")
    @classmethod
    def _three_shares(cls, value: list[float] | None, info) -> list[float] | None:
        if value is not None and (len(value) != 3 or any(v <= 0 for v in value) or abs(sum(value) - 1) > 1e-9):
            raise ValueError(
                f"{info.field_name} must be three positive shares (train, validation, test) adding up to 1; got {value}"
            )
        return value

    @model_validator(mode="after")
    def _in_time_order(self) -> SplitSpec:
        if self.method == "random":
            return self
        named = {
            "training_snapshots": self.training_snapshots,
            "validation_snapshot": self.validation_snapshot,
            "test_snapshot": self.test_snapshot,
        }
        absent = [name for name, value in named.items() if not value]
        if absent:
            raise ValueError(f"split.method 'time' needs {absent}; or set split.method: random")
        last_training = max(self.training_snapshots)
        order = [last_training, self.validation_snapshot, self.test_snapshot]
        order += [self.scoring_snapshot] if self.scoring_snapshot else []
        if not all(a < b for a, b in zip(order, order[1:], strict=False)):
            raise ValueError(
                "snapshots must be in time order: training < validation < test < scoring; got "
                f"last training {last_training}, validation {self.validation_snapshot}, "
                f"test {self.test_snapshot}, scoring {self.scoring_snapshot}"
            )
        return self


class StudySpec(_Frozen):
    """One Optuna study over model families.

    The trials are counted, never timed: each family's default configuration is tried first, then
    the rest of ``n_trials`` is shared out among the families (:func:`~.study.trial_plan`), so the
    study cannot end below the defaults and ends the same on a busy machine as on an idle one.
    ``timeout_s`` is only a safety net against a runaway study: hitting it is logged and recorded,
    because a study stopped by the clock runs a machine-dependent number of trials.
    """

    families: list[str] = Field(min_length=1, description=f"Model families to search, among {FAMILIES}.")
    n_trials: int = Field(ge=1, description="Trials in all, the families' default configurations included.")
    timeout_s: float | None = Field(default=None, gt=0, description="Safety cap on the study's wall clock.")
    scoring_family: str | None = Field(
        default=None,
        description=(
            "The family whose best configuration scores; the others are benchmarks in the comparison. "
            "null: the best family on validation scores."
        ),
    )
    min_confidence_over_default: float = Field(
        default=0.7,
        ge=0,
        lt=1,
        description=(
            "Share of paired bootstrap resamples of the validation rows on which a family's best trial must "
            "beat its default configuration to replace it; 0 takes the best trial whatever the margin."
        ),
    )
    cross_validate_below_rows: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Below this many training + validation rows, each trial is scored by stratified cv_folds-fold "
            "cross-validation over both rows instead of on the validation rows alone (a small validation split "
            "rewards the luckiest trial); the refit's boosting rounds come from the folds' early stopping. "
            "null: always the validation split."
        ),
    )
    cv_folds: int = Field(default=5, ge=2, description="Folds of a cross-validated study (seeded by seed).")
    seed: int = 0
    n_threads: int = Field(default=2, ge=1)
    early_stopping_rounds: int = Field(default=30, ge=1)
    max_boosting_rounds: int = Field(default=600, ge=10)
    pruning_warmup_trials: int = Field(default=4, ge=0, description="Trials of a family before its trials are pruned.")
    report_every: int = Field(default=25, ge=1, description="Boosting rounds or trees between pruning checks.")
    max_tuning_rows: int | None = Field(
        default=None,
        ge=100,
        description=(
            "The trials fit on a stratified sample of at most this many training rows (and as many validation "
            "rows); the chosen configuration is refitted on every row, LightGBM's rounds chosen again by early "
            "stopping on every validation row. null: the trials see every row."
        ),
    )
    study_name: str

    @field_validator("families")
    @classmethod
    def _known_families(cls, value: list[str]) -> list[str]:
        unknown = [f for f in value if f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown model families {unknown}; choose among {list(FAMILIES)}")
        if len(set(value)) != len(value):
            raise ValueError(f"families must be listed once each; got {value}")
        return value

    @model_validator(mode="after")
    def _every_family_gets_a_trial(self) -> StudySpec:
        if self.n_trials < len(self.families):
            raise ValueError(
                f"n_trials ({self.n_trials}) must be at least the number of families ({len(self.families)}): "
                "every family's default configuration is a trial"
            )
        if self.scoring_family is not None and self.scoring_family not in self.families:
            raise ValueError(f"scoring_family '{self.scoring_family}' is not among the families {self.families}")
        return self
