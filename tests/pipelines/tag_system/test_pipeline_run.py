"""``kedro run --pipelines tag_system`` on a tiny demo bank, configured only through parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.validation import ParameterValidationError

from customer_classification.pipelines.tag_system.checks import TagConfigError
from tests.conftest import TINY, copy_run, run

NEW_GROUP = {"wealth_signals": {"title": "Wealth signals", "description": "Signs of wealth to come."}}
NEW_TAGS = {
    "big_spender": {
        "group": "wealth_signals",
        "title": "Big spender",
        "description": "Spending over 12 months against two fixed lines.",
        "source": "debit_amount_12m",
        "method": "fixed_bins",
        "cut_points": [5000, 50000],
        "labels": ["modest", "comfortable", "lavish"],
    },
    "fund_watcher": {
        "group": "non_financial",
        "title": "Fund watcher",
        "description": "Looked at mutual funds online without holding one.",
        "source": "holds_mutual_fund",
        "method": "rule",
        "labels": ["not_watching", "watching"],
        "rules": [
            {
                "label": "watching",
                "when": [
                    {"feature": "holds_mutual_fund", "operator": "==", "value": 0},
                    {"feature": "views_mutual_fund_6m", "operator": ">=", "value": 1},
                ],
            }
        ],
        "otherwise": "not_watching",
    },
}
ADDED = {"tag_system": {"groups": NEW_GROUP, "tags": NEW_TAGS}}
OUTPUTS = ("data/06_models/tag_binner.pkl", "data/04_feature/customer_tags", "data/08_reporting/tag_dictionary.csv")


@pytest.fixture(scope="module")
def bank(tmp_path_factory, engineered_project):
    """A tiny demo bank with its features (the session's, copied for the module); tag_system runs on it."""
    root = copy_run(engineered_project, tmp_path_factory.mktemp("tag_system_project"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        bootstrap_project(root)
        yield root


def _load(root, *names, extra_params=None):
    params = {**TINY, **(extra_params or {})}
    with KedroSession.create(project_path=root, runtime_params=params) as session:
        catalog = session.load_context().catalog
        return [catalog.load(name) for name in names]


def test_a_tag_and_a_group_added_only_in_parameters_are_built_and_read_back(bank):
    run(bank, pipeline="tag_system", extra_params=ADDED)
    tags, features, dictionary, weights, binner = _load(
        bank, "customer_tags", "customer_features", "tag_dictionary", "tag_weights", "tag_binner", extra_params=ADDED
    )
    features = features.collect().to_pandas()  # the catalog hands over a lazy scan
    assert len(tags) == len(features)
    assert tags.columns[:2].tolist() == ["customer_id", "snapshot_date"]
    assert {"big_spender", "fund_watcher", "life_stage", "saving_capacity"} <= set(tags.columns)

    # read back through the catalog, each tag keeps its ordered levels, unused ones included
    assert tags["big_spender"].dtype == pd.CategoricalDtype(["modest", "comfortable", "lavish"], ordered=True)
    for name, fitted in binner.tags_.items():
        assert tags[name].dtype == pd.CategoricalDtype(fitted.labels, ordered=True), name

    expected = np.select(
        [features["debit_amount_12m"] < 5000, features["debit_amount_12m"] < 50000], ["modest", "comfortable"], "lavish"
    )
    assert tags["big_spender"].astype(str).tolist() == expected.tolist()
    watching = (features["holds_mutual_fund"] == 0) & (features["views_mutual_fund_6m"] >= 1)
    assert (tags["fund_watcher"] == "watching").tolist() == watching.tolist()

    added = dictionary[dictionary["tag"] == "big_spender"]
    assert added["label"].tolist() == ["modest", "comfortable", "lavish"]
    assert added["group"].unique().tolist() == ["wealth_signals"]
    assert added["definition"].tolist()[1] == "5,000 <= debit_amount_12m < 50,000"
    assert added["coverage_training"].iloc[0] == 1.0
    assert set(weights["tag"]) == set(binner.get_feature_names_out())
    assert weights.loc[weights["tag"] == "big_spender", "group"].item() == "wealth_signals"

    # the persisted binner tags the features exactly as the run did
    pd.testing.assert_frame_equal(binner.transform(features), tags, check_dtype=True)


def _state(root):
    return {path: (root / path).stat().st_mtime_ns if (root / path).exists() else None for path in OUTPUTS}


def test_an_unknown_source_feature_stops_the_run_before_any_output_is_written(bank):
    before = _state(bank)
    typo = {"tag_system": {"tags": {"big_spender": {**NEW_TAGS["big_spender"], "group": "financial"}}}}
    typo["tag_system"]["tags"]["big_spender"]["source"] = "debit_amount_12"
    with pytest.raises(TagConfigError, match=r"tag 'big_spender': feature 'debit_amount_12' is not a column of "):
        run(bank, pipeline="tag_system", extra_params=typo)
    assert _state(bank) == before


def test_unsorted_cut_points_stop_the_run_before_any_node(bank):
    before = _state(bank)
    unsorted = {"tag_system": {"tags": {"life_stage": {"cut_points": [25, 35, 30, 65]}}}}
    with pytest.raises(ParameterValidationError, match=r"tag 'life_stage': cut_points: must be strictly increasing"):
        run(bank, pipeline="tag_system", extra_params=unsorted)
    assert _state(bank) == before


def test_a_rerun_gives_identical_tags_dictionary_and_weights(bank):
    names = ("customer_tags", "tag_dictionary", "tag_weights")
    run(bank, pipeline="tag_system")
    first = _load(bank, *names)
    run(bank, pipeline="tag_system")
    for before, after in zip(first, _load(bank, *names), strict=True):
        pd.testing.assert_frame_equal(before, after, check_exact=True)
