"""``model_demo_check``: each model's test score next to the planted truth's, and whether it meets
its bar (M1: AUC at least 0.97 of the truth's; M2: R² at least 0.9 of the truth's)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from customer_classification.pipelines import model_demo_check
from customer_classification.pipelines.model_demo_check.nodes import AUC_BAR, R2_BAR
from tests.pipelines.in_memory import raw_parameters, run_in_memory

SNAPSHOTS = [
    "2025-11-01",
    "2026-01-01",
    "2026-03-01",
    "2026-05-01",
    "2026-11-01",
]  # train, train, validation, test, scoring

# six customers on the test snapshot. M1: upgraded 1, 1, 1, 0, 0, 0; the truth ranks 8 of the 9
# (upgraded, not upgraded) pairs right, AUC 8/9. M2: utilization with mean 0.5 and total sum of
# squares 0.4; the truth is 0.1 off everywhere, R² = 1 - 0.06 / 0.4 = 0.85.
CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5, 6],
        "upgrade_within_window": [True, True, True, False, False, False],
        "utilization_at_window_end": [0.1, 0.3, 0.5, 0.7, 0.9, 0.5],
        "upgrade_probability": [0.9, 0.8, 0.4, 0.5, 0.2, 0.1],
        "expected_utilization": [0.2, 0.2, 0.6, 0.6, 1.0, 0.4],
        # what the stand-in models predict: a perfect ranking / fit, and a poor one (AUC 3/9, R² 0)
        "good_m1": [0.9, 0.8, 0.7, 0.3, 0.2, 0.1],
        "poor_m1": [0.9, 0.1, 0.2, 0.8, 0.5, 0.3],
        "good_m2": [0.1, 0.3, 0.5, 0.7, 0.9, 0.5],
        "poor_m2": [0.5] * 6,
    }
)
TRUTH_AUC, TRUTH_R2 = 8 / 9, 0.85


class ColumnModel:
    """A stand-in for a fitted model: predicts one column of the rows it is given."""

    def __init__(self, column: str) -> None:
        self.column = column

    def predict(self, rows: pd.DataFrame):
        return rows[self.column].to_numpy()


def _bank(truth: pd.DataFrame = CUSTOMERS) -> dict:
    rows = pd.concat([CUSTOMERS.assign(snapshot_date=pd.Timestamp(s)) for s in SNAPSHOTS], ignore_index=True)
    rows["is_long_tail"] = True
    # M2's default label (the window's drawdowns over the limit) and its truth take the same values here
    rows["cumulative_drawdown_utilization"] = rows["utilization_at_window_end"]
    features = rows[["customer_id", "snapshot_date", "good_m1", "poor_m1", "good_m2", "poor_m2"]]
    labels = rows[
        ["customer_id", "snapshot_date", "upgrade_within_window", "cumulative_drawdown_utilization", "is_long_tail"]
    ]
    truth = truth.assign(expected_cumulative_drawdown=truth["expected_utilization"])
    return {
        "customer_features": features,
        "model_labels": labels,
        "demo_truth": truth[["customer_id", "upgrade_probability", "expected_cumulative_drawdown"]],
    }


def _evaluate(m1: str, m2: str, truth: pd.DataFrame = CUSTOMERS) -> dict:
    every_customer_in_every_split = {"split": {"customer_holdout": None}}
    outputs = run_in_memory(
        model_demo_check.create_pipeline(),
        {**_bank(truth), "potential_model": ColumnModel(m1), "loan_demand_model": ColumnModel(m2)},
        {name: raw_parameters(name, every_customer_in_every_split) for name in ("potential_model", "loan_demand")},
    )
    return outputs["model_demo_evaluation"]


def test_models_as_good_as_the_truth_meet_their_bars():
    evaluation = _evaluate("good_m1", "good_m2")
    m1, m2 = evaluation["potential_model"], evaluation["loan_demand"]
    assert (m1["customers"], m2["customers"]) == (6, 6)
    assert m1["test_snapshot"] == m2["test_snapshot"] == "2026-05-01"
    assert m1["model_auc"] == pytest.approx(1.0)
    assert m1["truth_auc"] == pytest.approx(TRUTH_AUC)
    assert m1["ratio"] == pytest.approx(1 / TRUTH_AUC)
    assert m2["model_r2"] == pytest.approx(1.0)
    assert m2["truth_r2"] == pytest.approx(TRUTH_R2)
    assert m2["ratio"] == pytest.approx(1 / TRUTH_R2)
    assert (m1["bar"], m2["bar"]) == (AUC_BAR, R2_BAR) == (0.97, 0.9)
    assert m1["meets_bar"] is True and m2["meets_bar"] is True


def test_models_far_below_the_truth_miss_their_bars():
    evaluation = _evaluate("poor_m1", "poor_m2")
    m1, m2 = evaluation["potential_model"], evaluation["loan_demand"]
    assert m1["model_auc"] == pytest.approx(3 / 9)
    assert m1["ratio"] == pytest.approx((3 / 9) / TRUTH_AUC)
    assert m2["model_r2"] == pytest.approx(0.0)
    assert m2["ratio"] == pytest.approx(0.0)
    assert m1["meets_bar"] is False and m2["meets_bar"] is False


def test_the_truth_itself_meets_the_bar_at_a_ratio_of_one():
    evaluation = _evaluate("upgrade_probability", "expected_cumulative_drawdown")
    assert evaluation["potential_model"]["ratio"] == pytest.approx(1.0)
    assert evaluation["loan_demand"]["ratio"] == pytest.approx(1.0)
    assert evaluation["potential_model"]["meets_bar"] and evaluation["loan_demand"]["meets_bar"]


def test_a_truth_that_explains_nothing_gives_no_ratio_and_no_bar_met():
    flat_truth = CUSTOMERS.assign(expected_utilization=0.5)  # R² of the truth 0
    m2 = _evaluate("good_m1", "good_m2", flat_truth)["loan_demand"]
    assert m2["truth_r2"] == pytest.approx(0.0)
    assert m2["ratio"] is None
    assert m2["meets_bar"] is False


def test_a_truth_from_another_bank_is_refused():
    other_bank = CUSTOMERS.assign(customer_id=CUSTOMERS["customer_id"] + 100)
    with pytest.raises(ValueError, match="demo_truth lacks customers of the test snapshot"):
        _evaluate("good_m1", "good_m2", other_bank)


def test_the_tiny_demo_banks_models_score_near_the_planted_truth(tiny_models, tiny_engineered, tiny_bank):
    """The real run: M1 and M2 of the tiny bank next to its planted truth."""
    inputs = {name: tiny_engineered[name] for name in ("customer_features", "model_labels")}
    inputs |= {name: tiny_models[name] for name in ("potential_model", "loan_demand_model")}
    outputs = run_in_memory(
        model_demo_check.create_pipeline(),
        {**inputs, "demo_truth": tiny_bank["demo_truth"]},
        {name: raw_parameters(name) for name in ("potential_model", "loan_demand")},
    )
    check = outputs["model_demo_evaluation"]
    test_rows = tiny_models["potential_model_table"]["split"] == "test"
    assert check["potential_model"]["customers"] == test_rows.sum()
    m1, m2 = check["potential_model"], check["loan_demand"]
    assert m1["truth_auc"] > 0.6
    # at this size (about 70 test customers, 4-trial studies) the ratios are noisy (M1 0.83, M2 0.88 on
    # this bank); the bars hold on the 20,000-customer demo bank (the next test). The flags follow the bars.
    assert m1["ratio"] > 0.75 and m2["ratio"] > 0.8
    assert m1["meets_bar"] is (m1["ratio"] >= AUC_BAR)
    assert m2["meets_bar"] is (m2["ratio"] >= R2_BAR)


def test_the_default_demo_bank_meets_both_bars_as_documented():
    """The default-size evidence (docs/models.md, from ``kedro run`` on 20,000 customers): both
    ratios at or above the bars the code holds the models to."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "models.md").read_text(encoding="utf-8")
    row = re.search(r"^\| ratio \(bar\) \| ([\d.]+) \(≥ ([\d.]+)\) \| ([\d.]+) \(≥ ([\d.]+)\) \|$", text, re.M)
    assert row, "docs/models.md has the demo check's ratio row"
    m1_ratio, m1_bar, m2_ratio, m2_bar = map(float, row.groups())
    assert (m1_bar, m2_bar) == (AUC_BAR, R2_BAR)
    assert m1_ratio >= AUC_BAR and m2_ratio >= R2_BAR
