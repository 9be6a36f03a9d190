"""``tag_system`` run in memory on the tiny bank: one tag set per customer and snapshot, described and weighed."""

from __future__ import annotations

import pandas as pd


def test_every_customer_and_snapshot_gets_its_tags(tiny_tagged, tiny_engineered):
    tags = tiny_tagged["customer_tags"]
    features = tiny_engineered["customer_features"].to_pandas()
    assert len(tags) == len(features)
    assert not tags.duplicated(["customer_id", "snapshot_date"]).any()
    assert set(tags["customer_id"]) == set(features["customer_id"])


def test_every_tag_value_is_a_level_of_the_dictionary(tiny_tagged):
    tags, dictionary = tiny_tagged["customer_tags"], tiny_tagged["tag_dictionary"]
    tag_columns = [c for c in tags.columns if c not in ("customer_id", "snapshot_date")]
    assert set(tag_columns) == set(dictionary["tag"])
    for tag in tag_columns:
        levels = set(dictionary.loc[dictionary["tag"] == tag, "label"])
        values = set(pd.Series(tags[tag]).dropna().astype(str))
        assert values <= levels, (tag, values - levels)


def test_weights_rank_every_tag_for_both_models(tiny_tagged):
    weights = tiny_tagged["tag_weights"]
    assert weights["tag"].is_unique
    assert set(weights["tag"]) == set(tiny_tagged["tag_dictionary"]["tag"])
    for model in ("m1", "m2"):
        assert weights[f"{model}_rank"].min() == 1 and weights[f"{model}_rank"].max() <= len(weights)
        assert weights[f"{model}_rank_normalised"].between(0, 1).all()
