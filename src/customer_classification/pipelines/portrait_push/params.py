"""Typed parameters of ``portrait_push`` (``parameters_portrait_push.yml``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

_STRICT = ConfigDict(extra="forbid", frozen=True)


class PortraitParams(BaseModel):
    """S1: which K-means segments and tags make the portrait."""

    model_config = _STRICT

    credit_lift: float = Field(
        1.2,
        gt=1,
        description="A segment is strongly related to credit behaviour when its credit rate is this many "
        "times the population's (or at most its inverse).",
    )
    tags: list[str] | None = Field(None, description="Tags of the portrait; None: every tag of customer_tags.")


class WeightTreeParams(BaseModel):
    """S21: the boosted decision trees that weigh the portrait's nodes."""

    model_config = _STRICT

    n_trees: int = Field(60, ge=1, le=1000)
    depth: int = Field(2, ge=1, le=6)
    shrinkage: float = Field(0.1, gt=0, le=1, description="Learning rate: each tree's contribution is scaled by it.")
    min_leaf: int = Field(50, ge=1, description="Fewest customers in a leaf (a node's threshold must separate them).")


class ScenarioParams(BaseModel):
    """S22-S25: the application scenarios (named groups of product categories) and the screening."""

    model_config = _STRICT

    scenarios: dict[str, list[str]] = Field(min_length=2)
    ridge_alpha: float = Field(1.0, gt=0)
    target_share: float = Field(0.5, gt=0, le=1, description="Share of customers screened as targets (S25).")


class MatchingParams(BaseModel):
    """S3: how the platform's profile is matched with the warehouse's."""

    model_config = _STRICT

    income_tolerance: float = Field(0.2, gt=0, lt=1, description="Relative income difference still counted a match.")
    city_similarity: float = Field(0.8, gt=0, le=1, description="Least similarity of a typed city to a known one.")
    examples: int = Field(20, ge=0, description="Mismatches listed in the report.")


class PushModelParams(BaseModel):
    """S53-S57: the recurrent push model."""

    model_config = _STRICT

    months: int = Field(12, ge=2, le=24, description="Months of each customer's sequence before the snapshot.")
    units: int = Field(32, ge=2)
    epochs: int = Field(12, ge=1)
    batch_size: int = Field(512, ge=8)
    learning_rate: float = Field(0.005, gt=0)
    max_training_rows: int = Field(60_000, ge=100, description="Training rows sampled beyond this (a big bank).")
    prediction_batch: int = Field(50_000, ge=100, description="Customers predicted at once.")


class PortraitPushParams(BaseModel):
    """Every step of the group-portrait credit push model."""

    model_config = _STRICT

    categories: list[str] = Field(min_length=2)
    credit_categories: list[str] = Field(min_length=1)
    training_snapshots: list[dt.date] = Field(min_length=1)
    validation_snapshot: dt.date
    test_snapshot: dt.date
    scoring_snapshot: dt.date
    outcome_window_months: int = Field(6, ge=1)
    customer_holdout: list[float] = Field(default=[0.5, 0.25, 0.25], min_length=3, max_length=3)
    top_k: int = Field(3, ge=1)
    max_fitting_rows: int | None = Field(
        200_000,
        ge=1000,
        description="Fitting rows beyond this: a seeded sample, each snapshot and next product in its share "
        "(a big bank); None fits on every row.",
    )
    portrait: PortraitParams
    weights: WeightTreeParams = WeightTreeParams()
    scenarios: ScenarioParams
    matching: MatchingParams = MatchingParams()
    model: PushModelParams = PushModelParams()
    seed: int = 20261130

    @model_validator(mode="after")
    def _consistent(self) -> PortraitPushParams:
        if not max(self.training_snapshots) < self.validation_snapshot < self.test_snapshot:
            raise ValueError("training snapshots must precede the validation snapshot, which precedes the test one")
        unknown = sorted(set(self.credit_categories) - set(self.categories))
        if unknown:
            raise ValueError(f"credit_categories {unknown} are not among the categories {self.categories}")
        placed = [c for members in self.scenarios.scenarios.values() for c in members]
        strange = sorted(set(placed) - set(self.categories))
        if strange:
            raise ValueError(f"scenarios name categories {strange} that are not among the categories {self.categories}")
        return self

    @property
    def fitting_snapshots(self) -> list[dt.date]:
        return [*self.training_snapshots, self.validation_snapshot]
