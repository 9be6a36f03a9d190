"""Application scenarios: the first rule that holds places a customer; bad rules are refused."""

from __future__ import annotations

import pandas as pd
import pytest

from customer_classification.pipelines.product_recommendation.scenarios import NO_SCENARIO, Scenario, assign

TABLE = pd.DataFrame(
    {
        "potential_tier": ["A", "C", None, "D", "B"],
        "is_potential_loan_customer": [True, True, False, None, False],
        "digital_activity": pd.Categorical(
            ["heavy", "inactive", "inactive", "regular", "occasional"],
            categories=["inactive", "occasional", "regular", "heavy"],
            ordered=True,
        ),
        "predicted_utilization": [0.9, 0.8, 0.1, None, 0.3],
    }
)


def _scenario(name: str, *conditions: tuple) -> Scenario:
    return Scenario.model_validate(
        {"name": name, "title": name, "when": [{"column": c, "operator": o, "value": v} for c, o, v in conditions]}
    )


def test_each_customer_lands_in_the_first_scenario_whose_rule_holds():
    scenarios = [
        _scenario("wealth_upgrade", ("potential_tier", "in", ["A", "B"])),
        _scenario("credit_need", ("is_potential_loan_customer", "==", True), ("predicted_utilization", ">=", 0.5)),
        _scenario("digital_activation", ("digital_activity", "in", ["inactive", "occasional"])),
    ]
    placed = assign(TABLE, scenarios)
    # customer 0 meets wealth_upgrade and credit_need: the first listed wins;
    # customer 2 has no tier (missing never holds); customer 3 meets nothing
    assert placed.tolist() == ["wealth_upgrade", "credit_need", "digital_activation", NO_SCENARIO, "wealth_upgrade"]


def test_a_rule_on_an_unknown_column_or_a_repeated_name_is_refused():
    with pytest.raises(
        ValueError, match=r"scenario 'typo': columns \['potential_teir'\] are not in the scenario table"
    ):
        assign(TABLE, [_scenario("typo", ("potential_teir", "==", "A"))])
    with pytest.raises(ValueError, match=r"scenario names must be unique; repeated: \['twice'\]"):
        assign(
            TABLE,
            [_scenario("twice", ("potential_tier", "==", "A")), _scenario("twice", ("potential_tier", "==", "B"))],
        )
