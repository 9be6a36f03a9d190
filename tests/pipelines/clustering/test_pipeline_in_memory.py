"""``clustering`` run in memory on the tiny bank: each configured group segments every customer row."""

from __future__ import annotations

import pytest

from customer_classification.pipelines import clustering
from tests.pipelines.in_memory import raw_parameters, run_in_memory

GROUPS = ("basic", "financial", "non_financial", "lifestyle")


@pytest.fixture(scope="module")
def segmented(tiny_engineered, tiny_tagged) -> dict:
    inputs = {"customer_features": tiny_engineered["customer_features"]}
    inputs |= {name: tiny_tagged[name] for name in ("customer_tags", "tag_dictionary")}
    parameters = {name: raw_parameters(name) for name in ("clustering", "tag_system")}
    return run_in_memory(clustering.create_pipeline(), inputs, parameters)


@pytest.mark.parametrize("group", GROUPS)
def test_every_customer_row_is_assigned_to_one_of_the_chosen_k_clusters(segmented, tiny_engineered, group):
    assigned = segmented[f"{group}.cluster_assignments"]
    features = tiny_engineered["customer_features"].to_pandas()
    assert len(assigned) == len(features)
    assert not assigned.duplicated(["customer_id", "snapshot_date"]).any()
    assert (assigned["group"] == group).all()
    selection = segmented[f"{group}.k_selection"]
    assert selection["chosen"].sum() == 1
    k = selection.loc[selection["chosen"], "k"].item()
    assert assigned["cluster"].nunique() == k
    assert (assigned["distance_to_centre"] >= 0).all()


@pytest.mark.parametrize("group", GROUPS)
def test_profiles_and_payload_describe_the_assigned_clusters(segmented, group):
    assigned = segmented[f"{group}.cluster_assignments"]
    profiles = segmented[f"{group}.cluster_profiles"]
    assert set(profiles["cluster"]) == set(assigned["cluster"])
    payload = segmented[f"{group}.segment_payload"]
    assert payload["group"] == group
    assert len(payload["clusters"]) == assigned["cluster"].nunique()


def test_lifestyle_has_its_preset_k_and_the_tag_groups_the_k_chosen_from_the_evidence(segmented):
    lifestyle = segmented["lifestyle.k_selection"].query("chosen")
    assert lifestyle["k"].item() == 6 and lifestyle["reason"].item() == "preset in parameters (k: 6)"
    basic = segmented["basic.k_selection"].query("chosen")
    assert not basic["reason"].item().startswith("preset")
