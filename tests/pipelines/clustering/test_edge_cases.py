"""Segmentation at its edges: a feature with one value for everyone, a cluster of one customer,
and a fit snapshot without customers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from customer_classification.modelling.preprocessing import SegmentPreprocessor
from customer_classification.pipelines.clustering import profiles as prof
from customer_classification.pipelines.clustering.nodes import fit_segments
from customer_classification.pipelines.clustering.params import ClusteringParams
from customer_classification.pipelines.tag_system.params import TagSystemParams
from tests.pipelines.in_memory import raw_parameters


def test_a_feature_with_one_value_for_everyone_is_centred_not_divided_by_zero():
    frame = pd.DataFrame({"income": [10.0, 20.0, 30.0, 40.0], "flag": [1.0] * 4})
    model = SegmentPreprocessor(["income", "flag"]).fit(frame)
    assert model.scales_["flag"] == 1.0  # the spread is zero: the column is only centred
    matrix = model.transform(pd.concat([frame, pd.DataFrame({"income": [25.0], "flag": [3.0]})]))
    assert np.isfinite(matrix).all()
    np.testing.assert_array_equal(matrix[:4, 1], [0.0, 0.0, 0.0, 0.0])
    assert matrix[4, 1] == 0.0  # clipped to the fitted range [1, 1]
    # the constant feature does not distinguish any cluster
    profile = prof.feature_profiles(frame, pd.Series([0, 0, 1, 1]), ["income", "flag"])
    flag = profile[profile["feature"] == "flag"]
    assert flag["standardised_difference"].tolist() == [0.0, 0.0] and flag["lift"].tolist() == [1.0, 1.0]


def test_a_cluster_of_one_customer_is_profiled_by_that_customer_and_named_apart():
    frame = pd.DataFrame({"income": [10.0, 12.0, 11.0, 13.0, 100.0]})
    clusters = pd.Series([0, 0, 1, 1, 2])
    profile = prof.feature_profiles(frame, clusters, ["income"]).set_index("cluster")
    alone = profile.loc[2]
    assert alone["cluster_mean"] == alone["cluster_median"] == 100.0
    # population mean 29.2, standard deviation 35.4: (100 - 29.2) / 35.4 = 2.0
    assert alone["standardised_difference"] == pytest.approx(70.8 / np.std([10, 12, 11, 13, 100]))
    tags = pd.DataFrame({"wealth": ["mass", "mass", "mass", "mass", "affluent"]})
    levels = prof.tag_profiles(tags, clusters, {"wealth": "Wealth"})
    levels["readable"] = levels["level"]
    names = prof.cluster_names([0, 1, 2], prof.distinguishing_levels(levels, 5), parts=2)
    assert names[2] == "affluent"
    assert len(set(names.values())) == 3  # two clusters named by the same level are told apart
    assert (names[0], names[1]) == ("mass (segment 0)", "mass (segment 1)")


def test_a_fit_snapshot_without_customers_is_refused_with_the_group_and_date(tiny_engineered):
    settings = raw_parameters("clustering")
    params = ClusteringParams.model_validate({**settings, "fit_snapshot": dt.date(2020, 1, 1)})
    tag_system = TagSystemParams.model_validate(raw_parameters("tag_system"))
    with pytest.raises(ValueError, match="Segment group 'basic': no customers at the fit snapshot 2020-01-01"):
        fit_segments(tiny_engineered["customer_features"], tag_system, params, "basic")
