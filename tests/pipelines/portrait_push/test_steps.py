"""Each step of the portrait push on small hand-made data: the values a reader checks against the claim."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import sparse

from customer_classification.pipelines.portrait_push import nodes
from customer_classification.pipelines.portrait_push.evaluation_data import (
    SERVICE_TERMS,
    ServiceEvaluation,
    match_profiles,
    matching_report,
)
from customer_classification.pipelines.portrait_push.frames import product_labels
from customer_classification.pipelines.portrait_push.params import MatchingParams, PortraitPushParams, ScenarioParams
from customer_classification.pipelines.portrait_push.push_model import PushModel
from customer_classification.pipelines.portrait_push.scenarios import ScenarioDivider
from tests.pipelines.in_memory import raw_parameters


def _holdings(rows: list[tuple[int, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "month_end", "balance"])
    frame["month_end"] = pd.to_datetime(frame["month_end"])
    return frame


def test_the_next_product_is_the_first_new_one_in_the_window_ties_in_catalogue_order():
    holdings = _holdings(
        [
            (1, "P01", "2026-04-30", 10.0),  # held before the snapshot: not new
            (1, "P01", "2026-05-31", 10.0),
            (1, "P13", "2026-07-31", 5.0),
            (1, "P12", "2026-07-31", 5.0),  # same month as P13: P12 comes first in the catalogue
            (2, "P16", "2026-06-30", -1.0),  # a negative balance is no holding
            (2, "P99", "2026-06-30", 9.0),  # an unknown product is no holding
            (3, "P01", "2026-04-30", 9.0),
            (3, "P03", "2026-11-30", 9.0),  # after the 6-month window (May to October)
        ]
    )
    products = ["P01", "P03", "P12", "P13", "P16"]
    labels = product_labels(holdings, pd.DataFrame({"product_id": products}), [dt.date(2026, 5, 1)], 6, products)
    by_customer = labels.set_index("customer_id")
    assert by_customer.loc[1, "next_product"] == "P12" and by_customer.loc[1, "holds_P01"]
    # customer 2 holds nothing valid (the pipeline's rows read that as no product); 3 acquires too late
    assert 2 not in by_customer.index
    assert by_customer.loc[3, "next_product"] == "none"


def test_a_typo_a_move_a_stale_income_and_an_unknown_customer_are_told_apart():
    warehouse = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "city": ["Shanghai", "Shanghai", "Beijing", "Wuhan"],
            "occupation": ["clerical"] * 4,
            "annual_income": [100_000.0, 100_000.0, 100_000.0, 100_000.0],
        }
    )
    platform = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "city": ["Shanghai", "Shanhgai", "Kunming"],
            "occupation": ["clerical", "clerical", "manual"],
            "annual_income": [110_000.0, 60_000.0, 100_000.0],
        }
    )
    matched = match_profiles(warehouse, platform, MatchingParams()).set_index("customer_id")
    assert list(matched["city_agreement"]) == ["same", "typo", "different", "missing"]
    assert list(matched["income_agrees"]) == [True, False, True, False]
    assert list(matched["income_stale"]) == [False, True, False, False]
    report = matching_report(matched.reset_index(), MatchingParams())
    assert report["found_on_platform"] == 0.75 and report["all_fields_agree"] == pytest.approx(1 / 3, abs=1e-4)


def test_the_service_evaluation_falls_with_the_latest_delay():
    terms = pd.DataFrame(
        np.random.default_rng(0).normal(size=(50, 8)),
        columns=SERVICE_TERMS,
    ).assign(latest_delay=0.0, total_delay=10.0)
    terms.loc[:, "feedback_rating"] += 5  # every customer above the mean of the others' terms
    service = ServiceEvaluation.fit(terms)
    best = terms.iloc[[terms["feedback_rating"].idxmax()]]
    prompt, delayed = service.score(best), service.score(best.assign(latest_delay=10.0))
    assert prompt[0] > 0 and delayed[0] == pytest.approx(prompt[0] * np.exp(-10 / 11))


def test_customers_like_the_takers_of_a_scenario_are_placed_in_it():
    # two kinds of portraits; the first kind took up credit cards, the second time deposits
    portraits = sparse.csr_matrix(np.array([[1, 0, 1, 0]] * 20 + [[0, 1, 0, 1]] * 20, dtype=np.float32))
    takers = np.zeros((40, 2), dtype=bool)
    takers[:10, 0] = takers[20:30, 1] = True
    params = ScenarioParams(
        scenarios={"consumer_credit": ["credit_card"], "saving": ["time_deposit"]}, target_share=0.5
    )
    divider = ScenarioDivider.fit(portraits, takers, params, ["credit_card"])
    placed = divider.place(portraits)
    assert list(placed["scenario"][:20].unique()) == ["consumer_credit"]
    assert list(placed["scenario"][20:].unique()) == ["saving"]
    assert placed["is_target"][:20].all() and not placed["is_target"][20:].any()
    assert (placed["neighbouring_scenario"][:20] == "saving").all()


def _params(**changes) -> dict:
    return {**raw_parameters("portrait_push"), **changes}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"credit_categories": ["credit_card", "car_loan"]}, "car_loan"),
        ({"scenarios": {"scenarios": {"a": ["credit_card"], "b": ["yacht"]}}}, "yacht"),
        ({"validation_snapshot": dt.date(2025, 1, 1)}, "precede"),
        ({"weights": {"shrinkage": 0}}, "shrinkage"),
        ({"model": {"months": 1}}, "months"),
    ],
)
def test_a_bad_parameter_stops_with_its_name(changes, named):
    with pytest.raises(ValidationError, match=named):
        PortraitPushParams.model_validate(_params(**changes))


def test_an_unknown_portrait_tag_is_named():
    params = PortraitPushParams.model_validate(_params(portrait={"tags": ["aum_level", "star_sign"]}))
    tags = pd.DataFrame(columns=["customer_id", "snapshot_date", "aum_level"])
    with pytest.raises(ValueError, match=r"star_sign"):
        nodes._tags(tags, params)


def _fitted(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    static, sequence = rng.normal(size=(64, 5)), rng.normal(size=(64, 3, 4))
    target = rng.integers(0, 3, 64)
    settings = PortraitPushParams.model_validate(_params()).model.model_copy(update={"units": 4, "epochs": 1})
    model = PushModel(5, 3, 4, ["P01", "P02", "P03"], settings.model_dump())
    return model.fit(static, sequence, target, np.ones(64), seed).weights


def test_the_push_model_is_reproducible_bit_for_bit_and_follows_its_seed():
    first, again, other = _fitted(7), _fitted(7), _fitted(8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
