"""Every error a user meets from a bad parameter, with its message: the project's own
``conf/base`` block with one value broken, validated by the pipeline's parameter model."""

from __future__ import annotations

import copy
import functools
import re

import pytest
from pydantic import BaseModel, ValidationError

from customer_classification.datasets.chunked import ChunkedParquetDataset
from customer_classification.modelling.params import ModelPipelineParams
from customer_classification.modelling.tiers import TierSpec
from customer_classification.pipelines.clustering.params import ClusteringParams
from customer_classification.pipelines.data_engineering.params import DataEngineeringParams
from customer_classification.pipelines.model_registry.params import ModelRegistryParams
from customer_classification.pipelines.product_recommendation.params import ProductRecommendationParams
from customer_classification.pipelines.rm_classification.params import RMClassificationParams
from customer_classification.pipelines.tag_system.params import TagSystemParams
from tests.pipelines.in_memory import raw_parameters

MODELS: dict[str, type[BaseModel]] = {
    "potential_model": ModelPipelineParams,
    "loan_demand": ModelPipelineParams,
    "clustering": ClusteringParams,
    "data_engineering": DataEngineeringParams,
    "model_registry": ModelRegistryParams,
    "product_recommendation": ProductRecommendationParams,
    "rm_classification": RMClassificationParams,
    "tag_system": TagSystemParams,
}


@functools.cache
def _conf_base(block: str) -> dict:
    return raw_parameters(block)


def conf_base(block: str) -> dict:
    """A copy of the ``block`` of conf/base (read once per session)."""
    return copy.deepcopy(_conf_base(block))


def broken(block: str, path: str, value) -> dict:
    """The ``block`` of conf/base with the value at the dotted ``path`` replaced (``None`` deletes the key)."""
    raw = conf_base(block)
    *parents, last = path.split(".")
    target = raw
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return raw


CASES = [
    # the model pipelines (M1, M2)
    (
        "potential_model",
        "decision",
        {"rule": "threshold", "threshold": 1.5},
        "a threshold on a probability must lie in (0, 1); got 1.5",
    ),
    (
        "potential_model",
        "model.numeric_features",
        ["age_years", "is_long_tail"],
        "key, target or population columns cannot be features: ['is_long_tail']",
    ),
    ("potential_model", "study.families", ["lightgbm", "xgboost"], "unknown model families ['xgboost']; choose among"),
    (
        "potential_model",
        "study.families",
        ["lightgbm", "lightgbm"],
        "families must be listed once each; got ['lightgbm', 'lightgbm']",
    ),
    (
        "potential_model",
        "split.customer_holdout",
        [0.5, 0.5],
        "customer_holdout must be three positive shares (train, validation, test) adding up to 1; got [0.5, 0.5]",
    ),
    ("potential_model", "decision.names", ["A", "A", "B", "C"], "tier names must differ; got ['A', 'A', 'B', 'C']"),
    (
        "potential_model",
        "decision.shares",
        [0.5, 0.5],
        "method 'share' needs one share per tier ['A', 'B', 'C', 'D']; got [0.5, 0.5]",
    ),
    (
        "loan_demand",
        "decision",
        {"rule": "tiers"},
        "decision rule 'tiers' needs model.task in ['binary'], not 'regression'",
    ),
    # clustering
    ("clustering", "groups.basic.k_range", [1, 5], "k_range must be two integers 2 <= low <= high; got [1, 5]"),
    (
        "clustering",
        "groups.basic.target_tags",
        ["aum_level"],
        "give exactly one target: target_tag_group (a tag group) or target_tags (a list of tags)",
    ),
    ("clustering", "groups.basic.k", 1, "k must be 'auto' or a number of clusters >= 2; got 1"),
    (
        "clustering",
        "preprocessing.winsor_quantiles",
        [0.9, 0.1],
        "winsor_quantiles must satisfy 0 <= low < high <= 1; got [0.9, 0.1]",
    ),
    # data engineering
    ("data_engineering", "snapshots", ["2026-03-01", "2026-01-01"], "snapshots must be listed once each, oldest first"),
    (
        "data_engineering",
        "last_history_month",
        "October 2026",
        "last_history_month must look like 2026-10, got 'October 2026'",
    ),
    # registry
    ("model_registry", "version", "2026/10", "model_registry.version must look like 2026-10, got '2026/10'"),
    # product recommendation
    (
        "product_recommendation",
        "validation_snapshot",
        "2025-01-01",
        "training snapshots must precede the validation snapshot, which precedes the test one",
    ),
    (
        "product_recommendation",
        "categories",
        ["mortgage", "insurance", "mortgage"],
        "categories are listed twice: ['mortgage', 'insurance', 'mortgage']",
    ),
    # tag system
    ("tag_system", "tags", ["life_stage"], "tags must be a mapping from tag name to its definition"),
    (
        "tag_system",
        "tags.life_stage",
        "fixed_bins",
        "tag 'life_stage': the definition must be a mapping of keys; got 'fixed_bins'",
    ),
    (
        "tag_system",
        "tags.life_stage.name",
        "age_band",
        "tag 'life_stage': name 'age_band' differs from its key; drop the name key",
    ),
    (
        "tag_system",
        "tags.life_stage.group",
        "lifestyle",
        "tag 'life_stage': unknown group 'lifestyle' (declared groups: basic, financial, non_financial",
    ),
    (
        "tag_system",
        "tags.life_stage.cut_points",
        [25, 35],
        "tag 'life_stage': 2 cut points make 3 bins, but 5 labels are given",
    ),
    (
        "tag_system",
        "tags.life_stage.labels",
        ["a", "a", "b", "c", "d"],
        "tag 'life_stage': labels: must differ from each other; repeated: ['a']",
    ),
    (
        "tag_system",
        "tags.deposit_stability.quantiles",
        [0.25, 1.5, 0.75],
        "tag 'deposit_stability': quantiles: must lie strictly between 0 and 1; got [1.5]",
    ),
    (
        "tag_system",
        "tags.saving_capacity.min_bin_share",
        0.3,
        "tag 'saving_capacity': 4 levels of at least 30% of the rows cannot exist; lower min_bin_share",
    ),
    (
        "tag_system",
        "tags.city_tier.mapping",
        {"tier_1": [1], "tier_2": []},
        "tag 'city_tier': mapping: levels ['tier_2'] list no source values",
    ),
    (
        "tag_system",
        "tags.household_stage.otherwise",
        None,
        "tag 'household_stage': no rule gives the labels ['mid_life']; add a rule or remove them",
    ),
    (
        "tag_system",
        "groups.extra",
        {"title": "Extra", "description": "Nothing yet."},
        "groups ['extra'] have no tags; add tags or remove the groups",
    ),
    (
        "tag_system",
        "training_snapshots",
        ["2026-01-01", "2025-11-01"],
        "training_snapshots must be listed once each, oldest first",
    ),
    (
        "product_recommendation",
        "propensity.study.cross_validate_below_rows",
        10000,
        "propensity.study.cross_validate_below_rows must be null",
    ),
]


@pytest.mark.parametrize(("block", "path", "value", "message"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_a_bad_parameter_is_refused_with_its_message(block, path, value, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        MODELS[block](**broken(block, path, value))


def test_the_unbroken_blocks_validate():
    for block, model in MODELS.items():
        model(**conf_base(block))


def test_a_feature_declared_numeric_and_categorical_is_refused():
    raw = broken("potential_model", "model.numeric_features", ["age_years", "occupation"])
    raw["model"]["categorical_features"] = ["occupation"]
    with pytest.raises(
        ValidationError, match=re.escape("a feature is either numeric or categorical, not both: ['occupation']")
    ):
        ModelPipelineParams(**raw)


def test_a_tag_named_like_a_key_column_is_refused():
    raw = conf_base("tag_system")
    raw["tags"]["customer_id"] = raw["tags"].pop("life_stage")
    with pytest.raises(
        ValidationError, match="tag 'customer_id': the name is a key column of customer_tags; choose another"
    ):
        TagSystemParams(**raw)


def test_rm_categories_listed_twice_are_refused():
    raw = conf_base("rm_classification")
    raw["categories"] = [*raw["categories"], raw["categories"][0]]
    with pytest.raises(
        ValidationError, match=re.escape(f"categories must be listed once each; repeated: ['{raw['categories'][0]}']")
    ):
        RMClassificationParams(**raw)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"method": "probability", "cutoffs": [0.5]},
            "method 'probability' needs 3 cutoffs for tiers ['A', 'B', 'C', 'D']",
        ),
        (
            {"method": "probability", "cutoffs": [0.2, 0.5, 0.1]},
            "tier cutoffs must be strictly decreasing probabilities in (0, 1); got [0.2, 0.5, 0.1]",
        ),
        (
            {"method": "probability", "cutoffs": [1.2, 0.5, 0.1]},
            "tier cutoffs must be strictly decreasing probabilities in (0, 1)",
        ),
    ],
)
def test_tier_cutoffs_that_cannot_rank_probabilities_are_refused(spec, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        TierSpec(**spec)


def test_a_chunked_table_with_an_unknown_backend_is_refused(tmp_path):
    with pytest.raises(Exception, match=r"backend must be one of .*; got 'duckdb'"):
        ChunkedParquetDataset(path=str(tmp_path / "table"), backend="duckdb")
