"""A segment group clusters the features of its target under the tag system, nothing else."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from customer_classification.pipelines.clustering.params import SegmentGroupParams
from customer_classification.pipelines.clustering.targets import target_features
from customer_classification.pipelines.tag_system.params import TagSystemParams
from tests.pipelines.tag_system.conftest import project_parameters


@pytest.fixture(scope="module")
def tag_system() -> TagSystemParams:
    return TagSystemParams.model_validate(project_parameters()["tag_system"])


def _features(columns: list[str]) -> pd.DataFrame:
    text = {"occupation", "education", "marital_status"}
    return pd.DataFrame({c: ["office"] if c in text else [1.0] for c in ["customer_id", *columns]})


def test_a_tag_group_target_clusters_every_source_feature_of_the_groups_tags(tag_system):
    group = SegmentGroupParams(title="who", target_tag_group="basic")
    declared = tag_system.features_in_group("basic")
    numeric, categorical = target_features("who", group, tag_system, _features(declared))
    assert sorted(numeric + categorical) == sorted(declared)
    assert categorical == ["occupation", "marital_status", "education"]
    assert group.describing_tag_groups == ["basic"]


def test_a_tag_added_to_the_group_is_clustered_with_it(tag_system):
    settings = project_parameters()["tag_system"]
    extra = {
        "group": "basic",
        "title": "Credit limit",
        "description": "Credit limit band.",
        "source": "credit_limit_latest",
        "method": "fixed_bins",
        "cut_points": [1000],
        "labels": ["small", "large"],
    }
    extended = TagSystemParams.model_validate({**settings, "tags": {**settings["tags"], "limit_band": extra}})
    group = SegmentGroupParams(title="who", target_tag_group="basic")
    columns = [*tag_system.features_in_group("basic"), "credit_limit_latest"]
    numeric, _ = target_features("who", group, extended, _features(columns))
    assert "credit_limit_latest" in numeric
    assert "credit_limit_latest" not in target_features("who", group, tag_system, _features(columns))[0]


def test_single_tags_as_the_target(tag_system):
    group = SegmentGroupParams(title="wealth", target_tags=["aum_level"], tag_groups=["financial"])
    assert target_features("wealth", group, tag_system, _features(["aum_latest"])) == (["aum_latest"], [])
    with pytest.raises(ValueError, match=r"Segment group 'wealth': the target's tags read \['aum_latest'\]"):
        target_features("wealth", group, tag_system, _features(["age_years"]))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "give exactly one target"),
        ({"target_tag_group": "basic", "target_tags": ["aum_level"]}, "give exactly one target"),
        ({"target_tags": ["aum_level"]}, "needs tag_groups"),
        ({"target_tag_group": "basic", "k": 1}, "k must be 'auto' or a number of clusters >= 2"),
        ({"target_tag_group": "basic", "k": "six"}, "k"),
    ],
)
def test_impossible_group_settings_are_refused(settings, message):
    with pytest.raises(ValidationError, match=message):
        SegmentGroupParams(title="g", **settings)


def test_a_preset_k_is_kept_and_auto_leaves_it_to_the_evidence():
    assert SegmentGroupParams(title="g", target_tag_group="basic", k=5).preset_k == 5
    assert SegmentGroupParams(title="g", target_tag_group="basic").preset_k is None
