"""Typed parameters of ``product_recommendation`` (``parameters_product_recommendation.yml``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from customer_classification.modelling.spec import ModelSpec, SplitSpec, StudySpec
from customer_classification.pipelines.product_recommendation.scenarios import Scenario


class PropensityParams(BaseModel):
    """The multiclass next-product model, tuned with the potential models' Optuna machinery."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: ModelSpec
    study: StudySpec
    min_rows: int = Field(default=20, ge=1)

    @model_validator(mode="after")
    def _keeps_its_validation_split(self) -> PropensityParams:
        if self.study.cross_validate_below_rows is not None:
            raise ValueError(
                "propensity.study.cross_validate_below_rows must be null: the blend weights are chosen on the "
                "validation snapshot with the propensity model fitted on the training rows only"
            )
        return self


class ProductRecommendationParams(BaseModel):
    """Which categories are recommended, on which snapshots the scorers learn, and how many."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[str] = Field(min_length=2, description="Product categories that can be recommended.")
    training_snapshots: list[dt.date] = Field(min_length=1)
    validation_snapshot: dt.date
    test_snapshot: dt.date
    scoring_snapshot: dt.date
    top_k: int = Field(default=3, ge=1)
    blend_step: float = Field(default=0.1, gt=0, le=0.5, description="Grid step of the blend weights (they sum to 1).")
    min_response_weight: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Least blend weight of the campaign-response models: the feedback loop always moves the ranking.",
    )
    response_min_positives: int = Field(
        default=20, ge=1, description="Fewer answered (or unanswered) offers of a category: its observed rate is used."
    )
    customer_holdout: list[float] | None = Field(
        default=[0.5, 0.25, 0.25],
        description="Shares of customers whose rows fit, choose the blend and test (as in the model pipelines).",
    )
    max_training_rows: int | None = Field(
        default=None, ge=1, description="At most this many fitting rows per split (as in the model pipelines)."
    )
    reason_attribution: Literal["auto", "treeshap", "path"] = Field(
        default="auto",
        description="How a propensity-led pick's strongest signal is found (as the model pipelines' reasons).",
    )
    treeshap_max_rows: int = Field(default=10_000, ge=0, description="reason_attribution auto: the switch point.")
    propensity: PropensityParams
    scenarios: list[Scenario] = Field(
        min_length=1, description="Tried in order; a customer is placed in the first whose rule holds."
    )
    seed: int = 20261126

    @property
    def split(self) -> SplitSpec:
        return SplitSpec(
            training_snapshots=self.training_snapshots,
            validation_snapshot=self.validation_snapshot,
            test_snapshot=self.test_snapshot,
            scoring_snapshot=self.scoring_snapshot,
            customer_holdout=self.customer_holdout,
            max_training_rows=self.max_training_rows,
        )

    @model_validator(mode="after")
    def _ordered(self) -> ProductRecommendationParams:
        if not max(self.training_snapshots) < self.validation_snapshot < self.test_snapshot:
            raise ValueError("training snapshots must precede the validation snapshot, which precedes the test one")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"categories are listed twice: {self.categories}")
        return self
