"""Typed parameters of a model pipeline (``parameters_potential_model.yml``, ``parameters_loan_demand.yml``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from customer_classification.modelling.decisions import Decision
from customer_classification.modelling.labels import NamedLabel
from customer_classification.modelling.spec import ModelSpec, SplitSpec, StudySpec


class ModelPipelineParams(BaseModel):
    """The table, split and study of one model, what its prediction decides, and the reason codes.

    Every model pipeline built by :func:`~.pipeline.model_pipeline` reads one of these; the task
    (``model.task``) and the decision (``decision.rule``) are what tell M1 and M2 apart.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: NamedLabel | None = Field(
        default=None,
        description=(
            "A named label (modelling.labels): sets model.target, and a threshold decision's threshold "
            "when that is left out."
        ),
    )
    model: ModelSpec
    split: SplitSpec
    study: StudySpec
    decision: Decision
    prediction_column: str = Field(
        default="prediction", description="Name of the predicted value's column in the scores."
    )
    calibration_folds: int = Field(
        default=5, ge=2, description="Folds that compare isotonic and sigmoid calibration (binary tasks)."
    )
    n_reasons: int = Field(default=3, ge=1)
    reason_attribution: Literal["auto", "treeshap", "path"] = Field(
        default="auto",
        description=(
            "How a reason's contribution is computed: exact TreeSHAP, path credits (modelling.attribution: about "
            "thirty times faster), or auto: TreeSHAP up to treeshap_max_rows customers to explain, path credits above."
        ),
    )
    treeshap_max_rows: int = Field(default=10_000, ge=0, description="reason_attribution auto: the switch point.")
    reasons_for: Literal["acted_on", "everyone"] = Field(
        default="acted_on",
        description=(
            "Whose scores carry reason codes: the customers the decision acts on (tiers in decision.acted_on, "
            "or the flagged ones), or everyone. TreeSHAP is the costly part of scoring a bank."
        ),
    )
    min_rows: int = Field(default=20, ge=1, description="Fewest labelled rows a training or validation split may have.")

    @model_validator(mode="before")
    @classmethod
    def _target_from_label(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("label") is None:
            return data
        label = NamedLabel.model_validate(data["label"])
        model = data.get("model")
        model = dict(model) if isinstance(model, dict) else model.model_dump() if model is not None else {}
        target = model.get("target")
        if target is not None and target != label.column:
            raise ValueError(
                f"model.target '{target}' contradicts label.source '{label.source}', whose column is "
                f"'{label.column}': set only one of them"
            )
        data = {**data, "model": {**model, "target": label.column}}
        decision = data.get("decision")
        if isinstance(decision, dict) and decision.get("rule") == "threshold" and "threshold" not in decision:
            data["decision"] = {**decision, "threshold": label.default_threshold}
        return data

    @model_validator(mode="after")
    def _decision_fits_task(self) -> ModelPipelineParams:
        if self.model.task not in self.decision.tasks:
            raise ValueError(
                f"decision rule '{self.decision.rule}' needs model.task in {list(self.decision.tasks)}, "
                f"not '{self.model.task}'"
            )
        if self.decision.rule == "threshold" and self.model.task == "binary" and not 0 < self.decision.threshold < 1:
            raise ValueError(f"a threshold on a probability must lie in (0, 1); got {self.decision.threshold}")
        if "lightgbm" not in self.study.families:
            raise ValueError(
                "study.families must include 'lightgbm': the reason codes come from LightGBM's contributions"
            )
        return self
