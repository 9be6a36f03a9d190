"""Typed parameters of ``potential_model`` (``parameters_potential_model.yml``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from customer_classification.modelling.spec import ModelSpec, SplitSpec, StudySpec
from customer_classification.modelling.tiers import TierSpec


class PotentialModelParams(BaseModel):
    """The table, split and study of the M1 model, the calibration, the tiers and the reason codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: ModelSpec
    split: SplitSpec
    study: StudySpec
    calibration_folds: int = Field(default=5, ge=2, description="Folds that compare isotonic and sigmoid calibration.")
    tiers: TierSpec = TierSpec()
    n_reasons: int = Field(default=3, ge=1)
    min_rows: int = Field(default=20, ge=1, description="Fewest labelled rows a training or validation split may have.")

    @model_validator(mode="after")
    def _binary_with_lightgbm(self) -> PotentialModelParams:
        if self.model.task != "binary":
            raise ValueError(
                f"potential_model predicts a probability: model.task must be 'binary', not '{self.model.task}'"
            )
        if "lightgbm" not in self.study.families:
            raise ValueError(
                "study.families must include 'lightgbm': the reason codes come from LightGBM's contributions"
            )
        return self
