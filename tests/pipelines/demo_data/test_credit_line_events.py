"""Drawdowns and repayments on the demo's credit lines: they explain every balance and carry the M2 signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score

from customer_classification.demo_bank.credit_events import draw_credit_line_events


def _monthly_net_flow_cents(events: pd.DataFrame) -> pd.Series:
    cents = np.round(events["amount"] * 100).astype("int64")
    signed = cents.where(events["event_type"] == "drawdown", -cents)
    month = pd.to_datetime(events["event_date"]).dt.to_period("M")
    return signed.groupby([events["credit_line_id"], month]).sum()


def _balances_cents(lines: pd.DataFrame) -> pd.DataFrame:
    frame = lines.assign(
        month=pd.to_datetime(lines["month_end"]).dt.to_period("M"),
        balance=np.round(lines["cumulative_drawn_amount"] * 100).astype("int64"),
    ).sort_values(["credit_line_id", "month"])
    frame["previous"] = frame.groupby("credit_line_id")["balance"].shift()
    return frame


def test_every_month_end_balance_is_the_previous_plus_drawdowns_minus_repayments(small_bank):
    lines = _balances_cents(small_bank["credit_lines"])
    flow = _monthly_net_flow_cents(small_bank["credit_line_events"])
    net = flow.reindex(pd.MultiIndex.from_frame(lines[["credit_line_id", "month"]]), fill_value=0).to_numpy()
    later = lines["previous"].notna().to_numpy()
    np.testing.assert_array_equal(lines["balance"].to_numpy()[later] - lines["previous"].to_numpy()[later], net[later])
    # a line opened during the history starts from zero: its first balance is all drawdowns
    opened_later = ~later & (lines["month"] > lines["month"].min()).to_numpy()
    assert opened_later.any()
    np.testing.assert_array_equal(lines["balance"].to_numpy()[opened_later], net[opened_later])


def test_events_are_positive_dated_in_their_month_and_on_known_lines(small_bank):
    events, lines = small_bank["credit_line_events"], small_bank["credit_lines"]
    assert set(events["event_type"]) == {"drawdown", "repayment"}
    assert (events["amount"] >= 0.01).all()
    assert events["event_id"].is_unique
    months = pd.to_datetime(events["event_date"]).dt.to_period("M")
    assert months.min() == pd.to_datetime(lines["month_end"]).dt.to_period("M").min()
    assert months.max() == pd.to_datetime(lines["month_end"]).dt.to_period("M").max()
    pairs = set(zip(lines["credit_line_id"], lines["customer_id"], strict=True))
    assert set(zip(events["credit_line_id"], events["customer_id"], strict=True)) <= pairs
    # several card drawdowns a month, one repayment
    per_month = events.groupby(["credit_line_id", months, "event_type"]).size().unstack()
    assert per_month["drawdown"].mean() > 1.5 and per_month["repayment"].max() == 1


def test_planted_drawdown_propensity_explains_realised_cumulative_drawdowns(small_bank, small_params):
    lines, events = small_bank["credit_lines"], small_bank["credit_line_events"]
    window = small_params.outcome_window_months
    months = sorted(pd.to_datetime(lines["month_end"]).dt.to_period("M").unique())
    in_window = pd.to_datetime(events["event_date"]).dt.to_period("M").isin(months[-window:])
    drawdowns = events[in_window & (events["event_type"] == "drawdown")].groupby("customer_id")["amount"].sum()
    last = lines[(lines["month_end"] == lines["month_end"].max()) & (lines["credit_limit"] > 0)]
    realised = drawdowns.reindex(last["customer_id"], fill_value=0).to_numpy() / last["credit_limit"].to_numpy()
    truth = small_bank["demo_truth"].set_index("customer_id")
    expected = truth["expected_cumulative_drawdown"].reindex(last["customer_id"])
    assert r2_score(realised, expected) > 0.5
    # the propensity is not the utilization again: the repayment share varies by persona
    shares = truth.groupby("persona")["repayment_share"].mean()
    assert shares.max() - shares.min() > 0.3
    assert realised.max() > 1, "a line that turns over draws more than its limit in a window"


def test_a_line_open_before_the_history_carries_its_first_balance_in():
    lines = pd.DataFrame(
        {
            "credit_line_id": [11, 11, 21],
            "customer_id": [1, 1, 2],
            "month_end": pd.to_datetime(["2026-01-31", "2026-02-28", "2026-02-28"]),
            "cumulative_drawn_amount": [100.0, 40.0, 30.0],
        }
    )
    events = draw_credit_line_events(
        np.random.default_rng(0),
        chunk_index=0,
        credit_lines=lines,
        share=np.array([0.5, 0.5, 0.5]),
        first_month=pd.Timestamp("2026-01-31"),
    )
    totals = events.groupby(["credit_line_id", pd.to_datetime(events["event_date"]).dt.month, "event_type"])["amount"]
    totals = totals.sum().round(2).to_dict()
    assert totals == {
        (11, 1, "drawdown"): 50.0,  # the carried-in 100: half repaid, redrawn
        (11, 1, "repayment"): 50.0,
        (11, 2, "repayment"): 60.0,  # the balance fell by more than half: the customer repaid more
        (21, 2, "drawdown"): 30.0,  # a new line starts from zero
    }
