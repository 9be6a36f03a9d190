"""Typed parameters of ``loan_demand`` (``parameters_loan_demand.yml``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from customer_classification.modelling.spec import ModelSpec, SplitSpec, StudySpec


class LoanDemandParams(BaseModel):
    """The table, split and study of the M2 regressor and the potential-loan-customer threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: ModelSpec
    split: SplitSpec
    study: StudySpec
    potential_threshold: float = Field(
        gt=0, lt=1.05, description="Predicted utilization above which a customer is a potential loan customer."
    )
    n_reasons: int = Field(default=3, ge=1)
    min_rows: int = Field(default=20, ge=1, description="Fewest labelled rows a training or validation split may have.")

    @model_validator(mode="after")
    def _regression_with_lightgbm(self) -> LoanDemandParams:
        if self.model.task != "regression":
            raise ValueError(
                f"loan_demand predicts utilization: model.task must be 'regression', not '{self.model.task}'"
            )
        if "lightgbm" not in self.study.families:
            raise ValueError(
                "study.families must include 'lightgbm': the reason codes come from LightGBM's contributions"
            )
        return self
