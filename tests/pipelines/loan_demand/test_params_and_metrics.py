"""M2's parameters refuse what the pipeline cannot do, and its metrics match values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from customer_classification.modelling.metrics import regression_metrics, threshold_metrics
from customer_classification.modelling.params import ModelPipelineParams
from tests.pipelines.in_memory import raw_parameters


def _params(**overrides) -> ModelPipelineParams:
    return ModelPipelineParams.model_validate(raw_parameters("loan_demand", overrides))


def test_the_project_parameters_validate():
    params = _params()
    assert params.model.task == "regression"
    assert params.label.source == "cumulative_drawdown"
    assert params.model.target == "cumulative_drawdown_utilization"
    assert params.model.population == []
    assert (params.decision.rule, params.decision.threshold) == ("threshold", 1.5)
    assert (params.prediction_column, params.decision.flag_column) == (
        "predicted_utilization",
        "is_potential_loan_customer",
    )


def test_the_outstanding_utilization_label_is_the_named_alternative_with_its_own_threshold():
    params = _params(label={"source": "outstanding_utilization"})
    assert params.model.target == "utilization_at_window_end"
    assert params.decision.threshold == 0.7
    # a threshold written out wins over the label's
    assert _params(label={"source": "outstanding_utilization"}, decision={"threshold": 0.8}).decision.threshold == 0.8


def test_a_target_that_contradicts_the_label_is_refused_naming_both():
    with pytest.raises(
        ValidationError,
        match="model.target 'utilization_at_window_end' contradicts label.source 'cumulative_drawdown', "
        "whose column is 'cumulative_drawdown_utilization'",
    ):
        _params(model={"target": "utilization_at_window_end"})
    # the same column written out twice is no contradiction
    assert (
        _params(model={"target": "cumulative_drawdown_utilization"}).model.target == "cumulative_drawdown_utilization"
    )


def test_an_unknown_label_source_is_refused_naming_the_choices():
    with pytest.raises(ValidationError, match="'cumulative_drawdown' or 'outstanding_utilization'"):
        _params(label={"source": "peak_utilization"})


def test_without_a_label_the_target_and_threshold_must_be_written_out():
    raw = {**raw_parameters("loan_demand"), "label": None}
    with pytest.raises(ValidationError, match="model.target\n  Field required"):
        ModelPipelineParams.model_validate(raw)
    raw["model"] = {**raw["model"], "target": "utilization_at_window_end"}
    with pytest.raises(ValidationError, match="decision.threshold.threshold\n  Field required"):
        ModelPipelineParams.model_validate(raw)


def test_tiers_on_a_regression_are_refused_with_its_reason():
    with pytest.raises(
        ValidationError, match="decision rule 'tiers' needs model.task in \\['binary'\\], not 'regression'"
    ):
        ModelPipelineParams.model_validate({**raw_parameters("loan_demand"), "decision": {"rule": "tiers"}})


def test_families_without_lightgbm_are_refused_with_its_reason():
    with pytest.raises(ValidationError, match="study.families must include 'lightgbm'"):
        _params(study={"families": ["linear", "random_forest"]})


@pytest.mark.parametrize("threshold", [float("nan"), float("inf")])
def test_a_threshold_that_is_not_a_number_is_refused(threshold):
    with pytest.raises(ValidationError, match="finite number"):
        _params(decision={"threshold": threshold})


def test_a_threshold_on_a_probability_must_lie_between_0_and_1():
    with pytest.raises(ValidationError, match="a threshold on a probability must lie in \\(0, 1\\); got 1.2"):
        _params(model={"task": "binary"}, decision={"threshold": 1.2})
    assert _params(model={"task": "binary"}, decision={"threshold": 0.5}).decision.threshold == 0.5


def test_utilization_above_one_is_a_valid_threshold():
    # drawn amounts can exceed the limit, so a regression threshold is not capped at 1
    assert _params(decision={"threshold": 1.1}).decision.threshold == 1.1


# actual and predicted utilization of four customers; customer 2 sits exactly on the threshold 0.7
ACTUAL = np.array([0.2, 0.7, 0.9, 1.0])
PREDICTED = np.array([0.3, 0.7, 0.6, 1.0])


def test_regression_metrics_worked_by_hand():
    # errors -0.1, 0, 0.3, 0: MSE (0.01 + 0.09) / 4 = 0.025, MAE 0.4 / 4 = 0.1;
    # mean actual 0.7, total sum of squares 0.25 + 0 + 0.04 + 0.09 = 0.38, R² = 1 - 0.1 / 0.38
    metrics = regression_metrics(ACTUAL, PREDICTED)
    assert metrics == pytest.approx({"rmse": math.sqrt(0.025), "mae": 0.1, "r2": 1 - 0.1 / 0.38, "n": 4})


def test_threshold_metrics_worked_by_hand_count_only_values_above_the_threshold():
    # flagged (predicted > 0.7): customer 4 only; realised (actual > 0.7): customers 3 and 4
    metrics = threshold_metrics(ACTUAL, PREDICTED, 0.7)
    assert metrics == {"threshold": 0.7, "flagged": 1, "realised_high": 2, "precision": 1.0, "recall": 0.5, "n": 4}


def test_threshold_metrics_with_nobody_flagged_have_no_precision():
    metrics = threshold_metrics(ACTUAL, PREDICTED, 1.0)
    assert metrics["flagged"] == 0 and metrics["realised_high"] == 0
    assert math.isnan(metrics["precision"]) and math.isnan(metrics["recall"])
