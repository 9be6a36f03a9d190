"""Model pipelines at their edges: a test snapshot where every customer has the same outcome."""

from __future__ import annotations

import pytest

from customer_classification.modelling import nodes
from customer_classification.modelling.params import ModelPipelineParams
from tests.modelling.test_holdout import SPLIT, bank
from tests.pipelines.in_memory import raw_parameters


def params(task: str = "binary") -> ModelPipelineParams:
    raw = raw_parameters("potential_model" if task == "binary" else "loan_demand")
    raw["model"].update(target="target", population=["in_population"], numeric_features=None)
    raw["split"] = SPLIT.model_dump()
    return ModelPipelineParams(**raw)


def test_a_test_split_with_one_outcome_is_refused_before_the_study():
    """AUC, Gini and KS of one outcome are undefined: without the check the metrics came out NaN
    and the champion/challenger contest compared NaN with NaN."""
    features, labels = bank()
    labels.loc[labels["snapshot_date"] == "2026-04-01", "target"] = 0.0
    table = nodes.build_model_table(features, labels, params())
    assert set(table.loc[table["split"] == "train", "target"]) == {0.0, 1.0}
    with pytest.raises(
        ValueError,
        match=r"target 'target' has a single class in the test rows \(\{0: \d+\}\): a binary model needs both outcomes",
    ):
        nodes.tune_models(table, params())
