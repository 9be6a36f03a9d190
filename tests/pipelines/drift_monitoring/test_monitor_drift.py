"""The ``monitor_drift`` node on hand-made scoring snapshots whose PSI is worked out by hand (see test_psi.py):
a shifted feature lands in 'act' and is named in a warning, a milder shift in 'watch', an unchanged one in 'stable'."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from customer_classification.pipelines.drift_monitoring.nodes import monitor_drift, profile_training_distribution
from customer_classification.pipelines.drift_monitoring.params import DriftMonitoringParams
from customer_classification.pipelines.drift_monitoring.psi import categorical_reference, numeric_reference

PARAMS = DriftMonitoringParams()
N = 100
TRAINED_ON = ["2025-11-01", "2026-01-01"]


def scoring_table(**columns) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": np.arange(N), "snapshot_date": pd.Timestamp("2026-11-01"), "split": "scoring", **columns}
    )


def reference(score_column: str, **features) -> dict:
    return {
        "trained_on": TRAINED_ON,
        "rows": N,
        "score_column": score_column,
        "score": numeric_reference(pd.Series(np.linspace(0, 1, N))),
        "features": features,
    }


@pytest.fixture
def drift(caplog):
    one_to_hundred = pd.Series(np.arange(1, N + 1, dtype=float))
    halves = pd.Series(["a", "b"] * (N // 2))
    # M1: balance moved from 1..100 to 51..150 (PSI 4.346303, act); segment unchanged (PSI 0)
    potential_table = scoring_table(balance=np.arange(51, 151, dtype=float), segment=["a", "b"] * (N // 2))
    potential_ref = reference(
        "probability", balance=numeric_reference(one_to_hundred), segment=categorical_reference(halves)
    )
    # M2: channel a/b from half and half to 0.3/0.7: 0.2 ln(1.4) + 0.2 ln(5/3) = 0.169460, watch
    loan_table = scoring_table(channel=["a"] * 30 + ["b"] * 70)
    loan_ref = reference("predicted_utilization", channel=categorical_reference(halves))
    unchanged = np.linspace(0, 1, N)
    with caplog.at_level(logging.WARNING):
        frame = monitor_drift(
            potential_table,
            potential_ref,
            pd.DataFrame({"probability": unchanged}),
            loan_table,
            loan_ref,
            pd.DataFrame({"predicted_utilization": unchanged}),
            PARAMS,
        )
    return frame, [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_each_feature_and_score_gets_its_hand_worked_psi_and_band(drift):
    drift, _ = drift
    rows = drift[["model", "kind", "name", "psi", "band"]].to_records(index=False).tolist()
    assert rows == [
        ("potential_model", "score", "probability", 0.0, "stable"),
        ("potential_model", "feature", "balance", pytest.approx(4.346303, abs=1e-6), "act"),
        ("potential_model", "feature", "segment", 0.0, "stable"),
        ("loan_demand_model", "score", "predicted_utilization", 0.0, "stable"),
        ("loan_demand_model", "feature", "channel", pytest.approx(0.169460, abs=1e-6), "watch"),
    ]
    assert (drift["scoring_snapshot"] == "2026-11-01").all()
    assert (drift["reference_snapshots"] == "2025-11-01;2026-01-01").all()
    assert (drift["scoring_rows"] == N).all()


def test_a_feature_in_act_is_named_in_a_warning_and_a_watch_one_is_not(drift):
    _, warnings = drift
    assert len(warnings) == 1
    assert "drift of potential_model: PSI above 0.25 (act)" in warnings[0]
    assert "balance (4.35)" in warnings[0] and "segment" not in warnings[0]


def test_the_bands_follow_the_configured_bounds():
    halves = pd.Series(["a", "b"] * (N // 2))
    loan_ref = reference("predicted_utilization", channel=categorical_reference(halves))
    table = scoring_table(channel=["a"] * 30 + ["b"] * 70)
    scores = pd.DataFrame({"predicted_utilization": np.linspace(0, 1, N)})
    potential_ref = reference("probability")
    strict = DriftMonitoringParams(watch_from=0.05, act_above=0.15)
    drift = monitor_drift(
        table,
        potential_ref,
        scores.rename(columns={"predicted_utilization": "probability"}),
        table,
        loan_ref,
        scores,
        strict,
    )
    assert drift.set_index(["model", "name"]).loc[("loan_demand_model", "channel"), "band"] == "act"


def test_scoring_rows_without_a_champion_feature_are_refused():
    potential_ref = reference("probability", balance=numeric_reference(pd.Series([1.0, 2.0])))
    scores = pd.DataFrame({"probability": [0.5]})
    table = pd.DataFrame({"snapshot_date": [pd.Timestamp("2026-11-01")], "split": ["scoring"]})
    with pytest.raises(
        ValueError, match=r"drift of potential_model: the scoring rows lack the champion's features \['balance'\]"
    ):
        monitor_drift(table, potential_ref, scores, table, reference("predicted_utilization"), scores, PARAMS)


def test_a_model_table_without_training_rows_cannot_be_profiled():
    class Model:
        class spec:  # noqa: N801
            target = "upgrade_within_window"

    table = pd.DataFrame({"split": ["test", "scoring"]})
    with pytest.raises(ValueError, match="model table of 'upgrade_within_window': no train or validation rows"):
        profile_training_distribution(table, Model(), PARAMS)


def test_act_below_watch_is_refused():
    with pytest.raises(ValueError, match=r"act_above \(0.1\) must not be below watch_from \(0.2\)"):
        DriftMonitoringParams(watch_from=0.2, act_above=0.1)
