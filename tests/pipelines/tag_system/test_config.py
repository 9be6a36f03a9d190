"""The tag configuration: the default portrait, and every bad configuration named by tag and problem."""

from __future__ import annotations

import shutil
from copy import deepcopy

import pytest

from customer_classification.pipelines.tag_system.params import DEFAULT_GROUPS, METHODS, TagSystemParams
from tests.pipelines.tag_system.conftest import PROJECT, project_parameters

PORTRAIT = {
    "basic": {"life_stage", "income_level", "city_tier", "occupation_class"},
    "financial": {"aum_level", "aum_trend", "product_breadth", "credit_appetite", "wealth_product_affinity"}
    | {"deposit_stability"},
    "non_financial": {"digital_activity", "channel_preference", "transaction_frequency", "campaign_responsiveness"}
    | {"product_browsing_interest"},
}


def test_the_default_portrait_has_ten_tags_or_more_per_group_and_every_method(default_params):
    for group in DEFAULT_GROUPS:
        names = {t.name for t in default_params.tags_in_group(group)}
        assert len(names) >= 10, group
        assert PORTRAIT[group] <= names, PORTRAIT[group] - names
    assert {t.method for t in default_params.tags.values()} == set(METHODS)
    assert default_params.tags["aum_level"].cut_points[2] == 200_000, "the high-value line comes from globals"
    assert [d.isoformat() for d in default_params.training_snapshots] == ["2025-11-01", "2026-01-01"]


def test_a_group_lists_its_tags_and_their_features_for_clustering(default_params):
    financial = default_params.tags_in_group("financial")
    assert all(t.group == "financial" for t in financial)
    features = default_params.features_in_group("financial")
    assert "aum_latest" in features and "utilization_latest" in features  # a rule's features count too
    assert len(features) == len(set(features))
    with pytest.raises(ValueError, match="unknown tag group 'lifestyle'; declared groups: basic, financial"):
        default_params.tags_in_group("lifestyle")


def _with_tag(config: dict, name: str, **changes) -> dict:
    changed = deepcopy(config)
    changed["tags"][name] = {**changed["tags"].get(name, {}), **changes}
    return changed


def test_a_custom_group_declared_in_parameters_works(default_tag_config):
    config = deepcopy(default_tag_config)
    config["groups"]["lifestyle"] = {"title": "Lifestyle", "description": "How the customer lives."}
    config["tags"]["spending_lifestyle"]["group"] = "lifestyle"
    params = TagSystemParams.model_validate(config)
    assert [t.name for t in params.tags_in_group("lifestyle")] == ["spending_lifestyle"]


@pytest.mark.parametrize(
    ("tag_name", "changes", "problem"),
    [
        (
            "life_stage",
            {"cut_points": [25, 50, 35, 65]},
            "cut_points: must be strictly increasing; got [25.0, 50.0, 35.0",
        ),
        ("life_stage", {"labels": ["young", "old"]}, "4 cut points make 5 bins, but 2 labels are given"),
        ("deposit_stability", {"quantiles": [0.5, 0.9]}, "2 quantiles make 3 bins, but 4 labels are given"),
        ("life_stage", {"group": "lifestyle"}, "unknown group 'lifestyle'"),
        ("life_stage", {"method": "kmeans"}, "unknown method 'kmeans'; choose one of fixed_bins, quantiles"),
        ("life_stage", {"cut_point": [1]}, "cut_point: Extra inputs are not permitted"),
        (
            "city_tier",
            {"mapping": {"big": [1, 2], "small": [2]}},
            "source value 2.0 is mapped to both 'big' and 'small'",
        ),
        ("credit_appetite", {"otherwise": "maxed_out"}, "rules give labels ['maxed_out'] that are not in labels"),
        ("saving_capacity", {"target": "aum_latest"}, "target: Input should be 'upgrade_within_window'"),
        ("Life Stage", {"method": "fixed_bins"}, "name: String should match pattern"),
    ],
)
def test_a_bad_tag_is_refused_with_its_name_and_the_problem(default_tag_config, tag_name, changes, problem):
    config = _with_tag(default_tag_config, tag_name, **changes)
    if tag_name == "Life Stage":
        config["tags"][tag_name] = {**config["tags"]["life_stage"], **changes}
    with pytest.raises(ValueError) as caught:
        TagSystemParams.model_validate(config)
    message = str(caught.value)
    assert f"tag '{tag_name}'" in message
    assert problem in message


def test_every_bad_tag_is_reported_at_once(default_tag_config):
    config = _with_tag(default_tag_config, "life_stage", cut_points=[30, 20, 40, 50])
    config = _with_tag(config, "aum_trend", labels=["down", "up"])
    with pytest.raises(ValueError) as caught:
        TagSystemParams.model_validate(config)
    assert "tag 'life_stage'" in str(caught.value) and "tag 'aum_trend'" in str(caught.value)


def test_the_three_default_groups_must_be_declared(default_tag_config):
    config = deepcopy(default_tag_config)
    del config["groups"]["non_financial"]
    with pytest.raises(ValueError, match=r"groups must declare .* missing \['non_financial'\]"):
        TagSystemParams.model_validate(config)


def test_a_tag_name_declared_twice_is_refused_when_the_configuration_is_read(tmp_path):
    shutil.copytree(PROJECT / "conf" / "base", tmp_path / "base")
    path = tmp_path / "base" / "parameters_tag_system.yml"
    text = path.read_text()
    life_stage = text[text.index("    life_stage:") : text.index("    household_stage:")]
    path.write_text(text.replace("    household_stage:", life_stage + "    household_stage:", 1))
    with pytest.raises(Exception, match=r"found duplicate key life_stage"):
        project_parameters(tmp_path)


def test_the_docs_list_every_default_tag_with_its_method(default_params):
    doc = (PROJECT / "docs" / "tag_system.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line.split("|")[3] for line in doc.splitlines() if line.startswith("| `")}
    for tag in default_params.tags.values():
        assert tag.name in rows, f"docs/tag_system.md does not list the tag {tag.name}"
        assert tag.method in rows[tag.name], f"docs/tag_system.md gives {tag.name} another method"
    counts = ", ".join(f"{len(default_params.tags_in_group(g))} {g.replace('_', '-')}" for g in DEFAULT_GROUPS)
    assert f"{len(default_params.tags)} tags: {counts}" in doc.replace("\n", " ")
