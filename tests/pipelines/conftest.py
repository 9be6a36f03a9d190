"""One tiny demo bank (400 customers) carried through the pipelines in memory, once per session.

Each fixture is the outputs of one ``create_pipeline()`` run by Kedro's ``SequentialRunner``
(see :mod:`tests.pipelines.in_memory`), so the in-memory tests of a pipeline start from its
real upstream outputs without copying the project or writing a file.
"""

from __future__ import annotations

import polars as pl
import pytest

from customer_classification.pipelines import (
    data_engineering,
    demo_data,
    loan_demand,
    portrait_push,
    potential_model,
    product_recommendation,
    tag_system,
)
from customer_classification.pipelines.clustering.pipeline import group_pipeline
from tests.conftest import TINY
from tests.pipelines.in_memory import raw_parameters, run_in_memory

TEST_KEY = "test-pseudonym-key"
# a small study: enough trials for every family's first try, seconds in all
SMALL_STUDY = {"study": {"n_trials": 4, "timeout_s": 60}}


@pytest.fixture(scope="session")
def tiny_bank() -> dict:
    """The raw tables and truth of ``demo_data`` at the 400 customers of ``TINY``."""
    return run_in_memory(demo_data.create_pipeline(), {}, {"demo_bank": raw_parameters("demo_bank", TINY["demo_bank"])})


@pytest.fixture(scope="session")
def tiny_engineered(tiny_bank) -> dict:
    """``data_engineering``'s outputs on ``tiny_bank`` (raw tables as polars frames, as the catalog loads them)."""
    raw = {name: pl.from_pandas(frame) for name, frame in tiny_bank.items()}
    return run_in_memory(
        data_engineering.create_pipeline(),
        {**raw, "pseudonym_key": TEST_KEY},
        {"data_engineering": raw_parameters("data_engineering")},
    )


@pytest.fixture(scope="session")
def tiny_tagged(tiny_engineered) -> dict:
    """``tag_system``'s outputs on ``tiny_engineered``."""
    inputs = {name: tiny_engineered[name] for name in ("customer_features", "model_labels")}
    return run_in_memory(tag_system.create_pipeline(), inputs, {"tag_system": raw_parameters("tag_system")})


@pytest.fixture(scope="session")
def tiny_models(tiny_engineered) -> dict:
    """``potential_model`` and ``loan_demand`` (M1, M2) on ``tiny_engineered``, with a 4-trial study each."""
    inputs = {name: tiny_engineered[name] for name in ("customer_features", "model_labels")}
    return run_in_memory(
        potential_model.create_pipeline() + loan_demand.create_pipeline(),
        inputs,
        {name: raw_parameters(name, SMALL_STUDY) for name in ("potential_model", "loan_demand")},
    )


@pytest.fixture(scope="session")
def tiny_recommended(tiny_engineered, tiny_tagged, tiny_models) -> dict:
    """``product_recommendation``'s outputs on the tiny bank, its tags and its M1 and M2 scores."""
    inputs = {name: tiny_engineered[name] for name in ("customer_features", "model_labels")}
    inputs |= {name: tiny_tagged[name] for name in ("customer_tags", "tag_weights")}
    inputs |= {name: tiny_models[name] for name in ("potential_scores", "loan_demand_scores")}
    return run_in_memory(
        product_recommendation.create_pipeline(),
        inputs,
        {"product_recommendation": raw_parameters("product_recommendation")},
    )


@pytest.fixture(scope="session")
def tiny_portrait(tiny_bank, tiny_engineered, tiny_tagged, tiny_recommended) -> dict:
    """``portrait_push``'s outputs on the tiny bank, its K-means ``lifestyle`` segments and its recommenders,
    with the inputs it read (under their catalog names)."""
    segments = run_in_memory(
        group_pipeline("lifestyle"),
        {
            name: tiny_tagged.get(name, tiny_engineered.get(name))
            for name in ("customer_features", "customer_tags", "tag_dictionary")
        },
        {name: raw_parameters(name) for name in ("clustering", "tag_system")},
    )
    inputs = {name: tiny_bank[name] for name in ("holdings", "products")}
    inputs |= {
        name: tiny_engineered[name]
        for name in (
            "customer_features",
            "model_labels",
            "int_customers",
            "validated_platform_profiles",
            *(f"customer_month_{a}" for a in ("balances", "digital", "campaigns", "credit")),
        )
    }
    inputs |= {
        "customer_tags": tiny_tagged["customer_tags"],
        "lifestyle.cluster_assignments": segments["lifestyle.cluster_assignments"],
    }
    inputs |= {name: tiny_recommended[name] for name in ("recommender", "recommendation_blend")}
    outputs = run_in_memory(portrait_push.create_pipeline(), inputs, {"portrait_push": raw_parameters("portrait_push")})
    return {**inputs, **outputs}
