"""Typed parameters of ``product_recommendation`` (``parameters_product_recommendation.yml``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    response_min_positives: int = Field(
        default=20, ge=1, description="Fewer answered (or unanswered) offers of a category: its observed rate is used."
    )
    seed: int = 20261126

    @model_validator(mode="after")
    def _ordered(self) -> ProductRecommendationParams:
        if not max(self.training_snapshots) < self.validation_snapshot < self.test_snapshot:
            raise ValueError("training snapshots must precede the validation snapshot, which precedes the test one")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"categories are listed twice: {self.categories}")
        return self
