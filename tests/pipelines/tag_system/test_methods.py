"""Each tag method on hand-made frames: the levels a customer gets, and missing stays missing."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from customer_classification.pipelines.tag_system.binning import TagBinner, TagFitError
from customer_classification.pipelines.tag_system.checks import TagConfigError
from tests.pipelines.tag_system.conftest import tag


def tagged(tag_spec, fit_frame: pd.DataFrame, frame: pd.DataFrame | None = None, targets=None) -> pd.Series:
    binner = TagBinner([tag_spec]).fit(fit_frame, targets)
    return binner.transform(fit_frame if frame is None else frame)[tag_spec.name]


def test_fixed_bins_include_the_lower_cut_point_and_leave_missing_values_untagged():
    age = tag("life_stage", source="age", method="fixed_bins", cut_points=[25, 35], labels=["young", "mid", "old"])
    frame = pd.DataFrame({"age": [np.nan, 18.0, 24.99, 25.0, 34.9, 35.0, 90.0]})
    result = tagged(age, frame)
    assert result.tolist()[1:] == ["young", "young", "mid", "mid", "old", "old"]
    assert pd.isna(result.iloc[0])
    assert result.dtype == pd.CategoricalDtype(["young", "mid", "old"], ordered=True)
    assert (result.iloc[1:] < "old").tolist() == [True, True, True, True, False, False]


def test_quantile_cut_points_come_from_the_fitted_rows():
    spend = tag("spend", source="spend", method="quantiles", labels=["q1", "q2", "q3", "q4"])
    training = pd.DataFrame({"spend": np.arange(1.0, 101.0)})
    binner = TagBinner([spend]).fit(training)
    assert binner.tags_["spend"].cut_points == pytest.approx((25.75, 50.5, 75.25))
    scoring = pd.DataFrame({"spend": [0.0, 25.75, 26.0, 75.0, 1e9, np.nan]})
    result = binner.transform(scoring)["spend"]
    assert result.tolist()[:5] == ["q1", "q2", "q2", "q3", "q4"]
    assert pd.isna(result.iloc[5])


def test_explicit_quantiles_give_a_top_decile():
    spend = tag("top", source="spend", method="quantiles", quantiles=[0.9], labels=["rest", "top_decile"])
    result = tagged(spend, pd.DataFrame({"spend": np.arange(1.0, 101.0)}))
    assert (result == "top_decile").sum() == 10


def test_quantiles_that_collapse_onto_one_value_name_the_tag():
    mostly_zero = pd.DataFrame({"balance": [0.0] * 90 + list(range(1, 11))})
    balance = tag("fund_balance", source="balance", method="quantiles", labels=["a", "b", "c", "d"])
    with pytest.raises(TagFitError, match=r"tag 'fund_balance': the 0.25 and 0.5 quantiles of 'balance' .* both 0"):
        TagBinner([balance]).fit(mostly_zero)


def test_category_map_groups_source_values_in_the_declared_order():
    job = tag(
        "job",
        source="occupation",
        method="category_map",
        mapping={"not_working": ["unemployed", "student"], "working": ["clerical", "manager"]},
    )
    frame = pd.DataFrame({"occupation": ["manager", "student", None, "clerical", "unemployed"]})
    result = tagged(job, frame)
    assert result.cat.categories.tolist() == ["not_working", "working"]
    assert result.tolist()[:2] == ["working", "not_working"]
    assert pd.isna(result.iloc[2])
    assert result.tolist()[3:] == ["working", "not_working"]


def test_category_map_matches_numbers_written_as_integers():
    tier = tag("tier", source="city_tier", method="category_map", mapping={"small": [3, 4], "big": [1, 2]})
    result = tagged(tier, pd.DataFrame({"city_tier": [1.0, 4.0, 2.0, np.nan]}))
    assert result.tolist()[:3] == ["big", "small", "big"]
    assert pd.isna(result.iloc[3])


def test_a_training_value_no_level_lists_stops_the_fit():
    job = tag("job", source="occupation", method="category_map", mapping={"working": ["clerical"]})
    with pytest.raises(TagConfigError, match=r"tag 'job': 2 training rows have values of 'occupation' .*\['pilot'\]"):
        TagBinner([job]).fit(pd.DataFrame({"occupation": ["clerical", "pilot", "pilot"]}))


def test_a_new_value_at_scoring_gets_no_tag_and_a_warning(caplog):
    job = tag("job", source="occupation", method="category_map", mapping={"working": ["clerical"]})
    binner = TagBinner([job]).fit(pd.DataFrame({"occupation": ["clerical"]}))
    with caplog.at_level(logging.WARNING):
        result = binner.transform(pd.DataFrame({"occupation": ["clerical", "astronaut"]}))["job"]
    assert result.iloc[0] == "working"
    assert pd.isna(result.iloc[1])
    assert "astronaut" in caplog.text


CREDIT_RULES = {
    "source": "has_line",
    "method": "rule",
    "labels": ["no_line", "light", "heavy"],
    "rules": [
        {"label": "no_line", "when": [{"feature": "has_line", "operator": "==", "value": 0}]},
        {"label": "heavy", "when": [{"feature": "utilization", "operator": ">=", "value": 0.7}]},
        {"label": "heavy", "when": [{"feature": "segment", "operator": "in", "value": ["vip", "private"]}]},
        {"label": "light", "when": [{"feature": "utilization", "operator": "<", "value": 0.7}]},
    ],
}


def test_rules_give_the_first_matching_level_and_several_rules_may_give_one_level():
    credit = tag("credit", **CREDIT_RULES)
    frame = pd.DataFrame(
        {
            "has_line": [0.0, 1.0, 1.0, 1.0, 1.0, np.nan],
            "utilization": [np.nan, 0.9, 0.2, 0.2, np.nan, 0.9],
            "segment": ["vip", "mass", "mass", "private", "mass", "mass"],
        }
    )
    result = tagged(credit, frame)
    # no line beats vip; 0.9 is heavy; 0.2 is light unless private; a missing utilization holds no
    # condition, so nothing matches; a missing source gives no tag even where a rule would hold
    assert result.tolist()[:4] == ["no_line", "heavy", "light", "heavy"]
    assert pd.isna(result.iloc[4])
    assert pd.isna(result.iloc[5])
    assert result.cat.categories.tolist() == ["no_line", "light", "heavy"]


def test_otherwise_catches_known_sources_no_rule_matches():
    spec = {**CREDIT_RULES, "labels": ["no_line", "light", "heavy", "unknown_use"], "otherwise": "unknown_use"}
    frame = pd.DataFrame({"has_line": [1.0, np.nan], "utilization": [np.nan, np.nan], "segment": ["mass", "mass"]})
    result = tagged(tag("credit", **spec), frame)
    assert result.iloc[0] == "unknown_use"
    assert pd.isna(result.iloc[1])


def test_not_equal_and_not_in_never_hold_on_missing_values():
    spec = {
        "source": "segment",
        "method": "rule",
        "labels": ["other", "unknown"],
        "rules": [
            {"label": "other", "when": [{"feature": "job", "operator": "!=", "value": "clerk"}]},
            {"label": "other", "when": [{"feature": "job", "operator": "not_in", "value": ["clerk", "cook"]}]},
        ],
        "otherwise": "unknown",
    }
    frame = pd.DataFrame({"segment": ["a", "a", "a"], "job": ["pilot", None, "clerk"]})
    assert tagged(tag("kind", **spec), frame).tolist() == ["other", "unknown", "unknown"]


def _bumpy_upgrades(n: int = 8000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Upgrade rate rising with income overall but dipping between 60 and 80."""
    rng = np.random.default_rng(seed)
    income = rng.uniform(0, 100, n)
    rate = np.select([income < 40, income < 60, income < 80], [0.05, 0.45, 0.15], 0.7)
    upgrade = (rng.random(n) < rate).astype(float)
    return pd.DataFrame({"income": income}), pd.DataFrame({"upgrade_within_window": upgrade})


def _rate_per_level(levels: pd.Series, target: pd.Series) -> list[float]:
    return target.groupby(levels.to_numpy(), observed=False).mean().reindex(levels.cat.categories).tolist()


def test_supervised_bins_follow_the_target_and_monotonic_forces_the_order():
    features, targets = _bumpy_upgrades()
    labels = ["low", "mid", "high", "top"]
    free = tag("saving", source="income", method="supervised", target="upgrade_within_window", labels=labels)
    rising = free.model_copy(update={"monotonic": "increasing"})

    free_rates = _rate_per_level(tagged(free, features, targets=targets), targets["upgrade_within_window"])
    assert free_rates != sorted(free_rates), "without the constraint the tree keeps the dip"

    binner = TagBinner([rising]).fit(features, targets)
    cuts = binner.tags_["saving"].cut_points
    assert len(cuts) == 3
    rates = _rate_per_level(binner.transform(features)["saving"], targets["upgrade_within_window"])
    assert rates == sorted(rates) and rates[0] < 0.1 and rates[-1] > 0.6


def test_supervised_regression_bins_can_fall_and_skip_rows_outside_the_population():
    rng = np.random.default_rng(1)
    spare = rng.uniform(0, 1, 4000)
    utilization = np.clip(1 - spare + rng.normal(0, 0.1, 4000), 0, 1)
    utilization[:1000] = np.nan  # customers without a line: outside the M2 population
    features = pd.DataFrame({"spare": spare})
    targets = pd.DataFrame({"utilization_at_window_end": utilization})
    falling = tag(
        "outlook",
        source="spare",
        method="supervised",
        target="utilization_at_window_end",
        monotonic="decreasing",
        labels=["a", "b", "c"],
    )
    levels = tagged(falling, features, targets=targets)
    means = _rate_per_level(levels[1000:], targets["utilization_at_window_end"][1000:])
    assert means == sorted(means, reverse=True)
    assert levels.notna().all(), "customers outside the population are still tagged with the learned cut points"


def test_a_monotonic_shape_the_data_cannot_take_names_the_tag():
    features, targets = _bumpy_upgrades()
    falling = tag(
        "saving",
        source="income",
        method="supervised",
        target="upgrade_within_window",
        monotonic="decreasing",
        labels=["a", "b", "c"],
    )
    with pytest.raises(TagFitError, match=r"tag 'saving': a tree on 'income' .* finds 1 level\(s\), not the 3"):
        TagBinner([falling]).fit(features, targets)


def test_a_supervised_tag_against_a_constant_target_names_the_tag_instead_of_inventing_cuts():
    features = pd.DataFrame({"income": np.linspace(0, 100, 400)})
    nobody = pd.DataFrame({"upgrade_within_window": np.zeros(400)})
    saving = tag("saving", source="income", method="supervised", target="upgrade_within_window", labels=["a", "b"])
    with pytest.raises(TagFitError, match=r"tag 'saving': a tree on 'income' against 'upgrade_within_window' finds 1"):
        TagBinner([saving]).fit(features, nobody)


def test_a_supervised_tag_without_its_target_or_rows_says_so():
    features = pd.DataFrame({"income": np.linspace(0, 100, 400)})
    saving = tag("saving", source="income", method="supervised", target="upgrade_within_window", labels=["a", "b"])
    with pytest.raises(TagConfigError, match=r"supervised tags need the targets \['upgrade_within_window'\]"):
        TagBinner([saving]).fit(features, None)
    targets = pd.DataFrame({"upgrade_within_window": [1.0, 0.0] + [np.nan] * 398})
    with pytest.raises(TagFitError, match="tag 'saving': only 2 training rows have both 'income' and"):
        TagBinner([saving]).fit(features, targets)
