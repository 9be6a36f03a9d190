"""rm_classification on a generated demo bank, with the project's default parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from customer_classification.demo_bank.params import DemoBankParams
from customer_classification.pipelines import rm_classification, rm_classification_demo_check
from customer_classification.pipelines.rm_classification.params import RMClassificationParams
from tests.conftest import PROJECT, build_bank
from tests.pipelines.data_engineering.conftest import KeptDataset, engineering_params, run_data_engineering

INPUTS = ("int_customers", "customer_features", "int_relationship_managers")


def default_params() -> RMClassificationParams:
    loader = OmegaConfigLoader(conf_source=str(PROJECT / "conf"), base_env="base", default_run_env="local")
    return RMClassificationParams(**loader["parameters"]["rm_classification"])


@pytest.fixture(scope="module")
def demo_run() -> dict:
    """A 6,000-customer bank (40 RMs of about 80 clients, as at the default scale), classified."""
    bank_params = DemoBankParams(n_customers=6000, chunk_size=6000)
    bank = build_bank(bank_params)
    params = default_params()
    engineering = engineering_params(bank_params).model_copy(update={"snapshots": [params.snapshot_date]})
    engineered = run_data_engineering(bank, engineering)

    pipeline = rm_classification.create_pipeline() + rm_classification_demo_check.create_pipeline()
    catalog = DataCatalog(
        {
            **{name: MemoryDataset(engineered[name], copy_mode="assign") for name in INPUTS},
            "demo_rm_truth": MemoryDataset(bank["demo_rm_truth"], copy_mode="assign"),
            "product_recommendations": MemoryDataset(None),  # the default source, 'held', needs none
            "params:rm_classification": MemoryDataset(params, copy_mode="assign"),
        }
    )
    for name in pipeline.all_outputs():
        catalog[name] = KeptDataset(copy_mode="assign")
    SequentialRunner().run(pipeline, catalog)
    return {"truth": bank["demo_rm_truth"], **{name: catalog.load(name) for name in pipeline.all_outputs()}}


def test_default_snapshot_is_the_scoring_snapshot():
    assert default_params().snapshot_date == dt.date(2026, 11, 1)


def test_the_default_target_is_the_methods_20_percent_and_85_percent_is_the_named_alternative():
    params = default_params()
    assert params.cumulative_target == 0.2 and params.floor_rule == "population_quantile"
    assert params.alternative.name == "top_15_percent" and params.alternative.cumulative_target == 0.85


def test_planted_specialists_are_typed_as_such(demo_run):
    """40 RMs, about 6 in 10 planted specialists over six categories (240 pairs, so about 1 in 10 is planted).

    Typing at random as many pairs as the rule does would give precision and recall near 0.1.
    """
    evaluation = demo_run["rm_demo_evaluation"]
    overall = evaluation["is_type"]["overall"]
    # every planted specialist of the truth is scored once, in its category
    planted = demo_run["truth"]["specialism"].dropna().value_counts()
    assert overall["planted"] == planted.sum() > 0
    per_category = evaluation["is_type"]["per_category"]
    assert {c: s["planted"] for c, s in per_category.items() if s["planted"]} == planted.to_dict()
    # this bank gives 0.61 and 0.79 at the default 20% target
    assert overall["precision"] >= 0.45 and overall["recall"] >= 0.55, overall
    # the share criterion carries the planted signal; the count criterion follows book size
    assert evaluation["type_by_share"]["overall"]["precision"] >= overall["precision"]
    assert evaluation["rms_classified"] == len(demo_run["truth"])
    # the alternative (target 85%, fixed floors) is scored on the same RMs: 0.57 and 0.67 on this bank
    alternative = evaluation["is_type_alternative"]["overall"]
    assert (
        alternative["planted"] == overall["planted"]
        and alternative["precision"] >= 0.45
        and alternative["recall"] >= 0.55
    )


def test_every_rm_and_category_is_classified(demo_run):
    result = demo_run["rm_classification"]
    params = default_params()
    assert len(result) == len(demo_run["truth"]) * len(params.categories)
    assert set(result["category"]) == set(params.categories)
    assert not result[["rm_id", "category"]].duplicated().any()
    thresholds = demo_run["rm_thresholds"]
    assert thresholds["category"].tolist() == params.categories
    summary = demo_run["rm_classification_summary"]
    assert summary["rms"] == len(demo_run["truth"])
    assert sum(c["rms_typed"] for c in summary["categories"].values()) == int(result["is_type"].sum())
