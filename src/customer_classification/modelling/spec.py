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
    snapshot_column: str = "snapshot_date"
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
        keys = {self.id_column, self.snapshot_column, self.target, *self.population}
        declared = set(self.numeric_features or []) | set(self.categorical_features or [])
        clash = sorted(keys & declared)
        if clash:
            raise ValueError(f"key, target or population columns cannot be features: {clash}")
        both = sorted(set(self.numeric_features or []) & set(self.categorical_features or []))
        if both:
            raise ValueError(f"a feature is either numeric or categorical, not both: {both}")
        return self

    @property
    def label_columns(self) -> list[str]:
        return [self.target, *[c for c in self.population if c != self.target]]


class SplitSpec(_Frozen):
    """The out-of-time split: fit on earlier snapshots, tune on the next, report on the latest labelled one."""

    training_snapshots: list[dt.date] = Field(min_length=1)
    validation_snapshot: dt.date
    test_snapshot: dt.date
    scoring_snapshot: dt.date
    customer_holdout: list[float] | None = Field(
        default=[0.5, 0.25, 0.25],
        description=(
            "Shares of customers whose rows train, validate and test (disjoint groups by a hash of the id); "
            "null uses every customer in every split. Needed when outcome windows of the split's snapshots "
            "overlap: a customer's training label then already holds part of its test outcome."
        ),
    )

    @field_validator("customer_holdout")
    @classmethod
    def _three_shares(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 3 or any(v <= 0 for v in value) or abs(sum(value) - 1) > 1e-9):
            raise ValueError(
                f"customer_holdout must be three positive shares (train, validation, test) adding up to 1; got {value}"
            )
        return value

    @model_validator(mode="after")
    def _in_time_order(self) -> SplitSpec:
        last_training = max(self.training_snapshots)
        order = [last_training, self.validation_snapshot, self.test_snapshot, self.scoring_snapshot]
        if not all(a < b for a, b in zip(order, order[1:], strict=False)):
            raise ValueError(
                "snapshots must be in time order: training < validation < test < scoring; got "
                f"last training {last_training}, validation {self.validation_snapshot}, "
                f"test {self.test_snapshot}, scoring {self.scoring_snapshot}"
            )
        return self


class StudySpec(_Frozen):
    """One Optuna study over model families.

    The study stops after ``n_trials``; ``timeout_s`` is only a safety cap, because a study
    stopped by the clock runs a machine-dependent number of trials and is not reproducible.
    """

    families: list[str] = Field(min_length=1, description=f"Model families to search, among {FAMILIES}.")
    n_trials: int = Field(ge=1)
    timeout_s: float | None = Field(default=None, gt=0)
    seed: int = 0
    n_threads: int = Field(default=2, ge=1)
    early_stopping_rounds: int = Field(default=30, ge=1)
    max_boosting_rounds: int = Field(default=600, ge=10)
    pruning_warmup_trials: int = Field(default=4, ge=0, description="Trials of a family before its trials are pruned.")
    report_every: int = Field(default=25, ge=1, description="Boosting rounds or trees between pruning checks.")
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
