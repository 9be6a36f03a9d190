"""Point-in-time features and labels: complete, leak-free, identical on every engine."""

from __future__ import annotations

import datetime as dt

import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from customer_classification.pipelines.data_engineering.features import MonthlyTables, snapshot_features
from customer_classification.pipelines.data_engineering.params import DataEngineeringParams
from customer_classification.taxonomy import PRODUCT_CATEGORIES
from tests.pipelines.data_engineering.conftest import run_data_engineering

SNAPSHOT = dt.date(2026, 3, 1)
AT = pd.Timestamp(SNAPSHOT)


def one_snapshot(params: DataEngineeringParams) -> DataEngineeringParams:
    return params.model_copy(update={"snapshots": [SNAPSHOT]})


def test_at_least_80_features_in_every_family(engineered):
    features = engineered["customer_features"]
    names = [c for c in features.columns if c not in ("customer_id", "snapshot_date")]
    assert len(names) >= 80
    families = {
        "identity": ["age_years", "tenure_months", "city_tier", "annual_income", "occupation", "education"],
        "assets": ["aum_latest", "aum_mean_12m", "aum_trend_3v12m", "aum_volatility_6m", "balance_mutual_fund_mean_3m"],
        "transactions": ["tx_count_3m", "debit_amount_12m", "net_flow_6m", "days_since_last_transaction",
                         "channel_share_mobile_12m", "merchant_share_travel_12m"],
        "credit": ["credit_limit_latest", "utilization_latest", "drawn_amount_latest", "utilization_mean_6m",
                   "drawdown_rate_3m", "repayment_rate_6m"],
        "digital": ["logins_3m", "views_wealth_management_6m", "searches_6m", "days_since_last_login"],
        "holdings": ["holds_credit_card", "n_categories_held", "months_since_first_holding"],
        "campaigns": ["offers_12m", "responses_12m", "response_rate_12m"],
    }  # fmt: skip
    for family, expected in families.items():
        missing = set(expected) - set(names)
        assert not missing, f"{family}: {missing}"


def test_one_row_per_customer_and_snapshot_for_customers_known_before_it(engineered, small_bank, de_params):
    features = engineered["customer_features"]
    assert features.select("customer_id", "snapshot_date").is_unique().all()
    assert features["snapshot_date"].unique().sort().to_list() == [
        dt.datetime.combine(s, dt.time()) for s in de_params.snapshots
    ]
    customers = small_bank["customers"]
    known = customers.loc[customers["open_date"] < AT, "customer_id"]
    at_snapshot = features.filter(pl.col("snapshot_date") == AT.to_pydatetime())
    assert sorted(at_snapshot["customer_id"].to_list()) == sorted(known.tolist())


def test_features_match_a_hand_computation(engineered, small_bank):
    features = engineered["customer_features"].filter(pl.col("snapshot_date") == AT.to_pydatetime()).to_pandas()
    row = features.set_index("customer_id").iloc[7]
    customer = row.name
    tx = small_bank["transactions"].drop_duplicates()
    tx = tx[(tx["customer_id"] == customer) & (tx["amount"] > 0)]
    window = tx[(tx["timestamp"] >= AT - pd.DateOffset(months=3)) & (tx["timestamp"] < AT)]
    assert row["tx_count_3m"] == len(window)
    assert row["debit_amount_3m"] == pytest.approx(window.loc[window["direction"] == "debit", "amount"].sum())
    last = tx.loc[tx["timestamp"] < AT, "timestamp"].max()
    assert row["days_since_last_transaction"] == pytest.approx((AT - last).total_seconds() / 86_400)


def _perturb_from(raw: dict, cutoff: pd.Timestamp, *, after: bool) -> dict:
    """Change every event on/after (``after``) or before the cutoff, keeping the contracts."""
    changed = {name: frame.copy() for name, frame in raw.items()}

    def pick(frame, column):
        return frame[column] >= cutoff if after else frame[column] < cutoff

    tx = changed["transactions"]
    tx.loc[pick(tx, "timestamp"), "amount"] *= 3
    holdings = changed["holdings"]
    holdings.loc[pick(holdings, "month_end"), "balance"] *= 5
    lines = changed["credit_lines"]
    lines.loc[pick(lines, "month_end"), "cumulative_drawn_amount"] *= 0.5
    events = changed["digital_events"]
    events.loc[pick(events, "timestamp") & (events["event_type"] == "product_view"), "product_category"] = "mortgage"
    offers = changed["campaign_responses"]
    offers.loc[pick(offers, "offer_date"), "channel"] = "call"
    flipped = pick(offers, "offer_date") & ~offers["responded"]
    offers.loc[flipped, "responded"] = True
    offers.loc[flipped, "response_date"] = offers.loc[flipped, "offer_date"] + pd.Timedelta(days=2)
    return changed


def test_changing_data_on_or_after_the_snapshot_leaves_its_features_unchanged(small_bank, de_params):
    params = one_snapshot(de_params)
    before = run_data_engineering(small_bank, params)["customer_features"]
    after = run_data_engineering(_perturb_from(small_bank, AT, after=True), params)["customer_features"]
    assert_frame_equal(before, after)


def test_changing_data_after_the_snapshot_changes_its_labels(small_bank, de_params):
    params = one_snapshot(de_params)
    before = run_data_engineering(small_bank, params)["model_labels"]
    after = run_data_engineering(_perturb_from(small_bank, AT, after=True), params)["model_labels"]
    assert not before.equals(after), "the perturbation reaches the outcome window, so the test can fail"


def test_changing_data_before_the_snapshot_leaves_its_labels_unchanged(small_bank, de_params):
    """Labels read the outcome window, plus the state they are defined against: the
    last month-end before the snapshot (long-tail status, categories held). Everything
    older than that month-end, and every event before the snapshot, is changed."""
    params = one_snapshot(de_params)
    state_month_end = AT - pd.Timedelta(days=1)
    changed = _perturb_from(small_bank, AT, after=False)
    holdings = changed["holdings"]
    restore = holdings["month_end"] == state_month_end
    holdings.loc[restore, "balance"] = small_bank["holdings"].loc[restore, "balance"]
    before = run_data_engineering(small_bank, params)
    after = run_data_engineering(changed, params)
    assert_frame_equal(before["model_labels"], after["model_labels"])
    assert not before["customer_features"].equals(after["customer_features"]), "the change reaches the features"


def test_labels_follow_their_definitions(engineered, small_bank, de_params):
    labels = engineered["model_labels"].to_pandas()
    complete = labels[labels["label_window_complete"]]
    scoring = labels[~labels["label_window_complete"]]
    assert set(pd.to_datetime(scoring["snapshot_date"]).dt.date) == {dt.date(2026, 11, 1)}
    assert scoring["upgrade_within_window"].isna().all() and scoring["next_product_category"].isna().all()

    # the upgrade flag is asked of long-tail customers only
    assert complete.loc[~complete["is_long_tail"], "upgrade_within_window"].isna().all()
    assert complete.loc[complete["is_long_tail"], "upgrade_within_window"].notna().all()
    rate = complete.loc[complete["is_long_tail"], "upgrade_within_window"].astype(float).mean()
    assert 0.01 < rate < 0.2

    # a zero limit is excluded from utilization, counted, and never divides
    lines = small_bank["credit_lines"]
    window_end = pd.Timestamp("2026-08-31")
    zero = set(lines.loc[(lines["month_end"] == window_end) & (lines["credit_limit"] == 0), "customer_id"])
    at_snapshot = complete[pd.to_datetime(complete["snapshot_date"]) == AT]
    flagged = set(at_snapshot.loc[at_snapshot["zero_limit_excluded"], "customer_id"])
    assert zero and flagged == zero & set(at_snapshot["customer_id"])
    assert at_snapshot.loc[at_snapshot["zero_limit_excluded"], "utilization_at_window_end"].isna().all()
    assert np.isfinite(complete["utilization_at_window_end"].dropna()).all()

    assert "current_account" not in set(complete["next_product_category"])
    assert (complete["next_product_category"] != "none").mean() > 0.05


def test_cumulative_drawdown_label_and_drawdown_rate_match_a_hand_computation(engineered, small_bank):
    """The default M2 label: the window's drawdowns (March to August for the March snapshot) over the
    limit at the window's end; the feature: the three months before the snapshot, per month of limit."""
    labels = engineered["model_labels"].to_pandas()
    labels = labels[pd.to_datetime(labels["snapshot_date"]) == AT].set_index("customer_id")
    features = engineered["customer_features"].filter(pl.col("snapshot_date") == AT.to_pydatetime()).to_pandas()
    features = features.set_index("customer_id")
    events, lines = small_bank["credit_line_events"], small_bank["credit_lines"]
    month = pd.to_datetime(events["event_date"]).dt.to_period("M")
    drawdowns = events[events["event_type"] == "drawdown"]
    in_window = drawdowns[month.loc[drawdowns.index].between(pd.Period("2026-03"), pd.Period("2026-08"))]
    before = drawdowns[month.loc[drawdowns.index].between(pd.Period("2025-12"), pd.Period("2026-02"))]
    end = lines[(lines["month_end"] == pd.Timestamp("2026-08-31")) & (lines["credit_limit"] > 0)]
    end = end[end["customer_id"].isin(labels.index)].set_index("customer_id")
    expected = in_window.groupby("customer_id")["amount"].sum().reindex(end.index, fill_value=0) / end["credit_limit"]
    labelled = labels["cumulative_drawdown_utilization"].dropna()
    assert sorted(labelled.index) == sorted(end.index)
    np.testing.assert_allclose(labelled.reindex(end.index), expected, rtol=1e-9)
    assert labelled.max() > 1 > labels["utilization_at_window_end"].median()

    months_before = lines[lines["month_end"].between(pd.Timestamp("2025-12-01"), pd.Timestamp("2026-02-28"))]
    limit_months = months_before.groupby("customer_id")["credit_limit"].sum()
    rate = before.groupby("customer_id")["amount"].sum().reindex(limit_months.index, fill_value=0) / limit_months
    rate = rate[limit_months > 0]
    rate = rate[rate.index.isin(features.index)]
    np.testing.assert_allclose(features.loc[rate.index, "drawdown_rate_3m"], rate, rtol=1e-9)


def test_pandas_and_polars_give_the_same_features_and_labels(engineered, small_bank, de_params):
    on_pandas = run_data_engineering(small_bank, de_params, engine="pandas")
    for name in ("customer_features", "model_labels"):
        polars_frame = engineered[name].to_pandas()
        pandas_frame = on_pandas[name].reset_index(drop=True)
        assert list(pandas_frame.columns) == list(polars_frame.columns)
        for column in polars_frame.columns:
            left, right = polars_frame[column], pandas_frame[column]
            if pd.api.types.is_float_dtype(left):
                np.testing.assert_allclose(
                    left.to_numpy(float), right.to_numpy(float), rtol=1e-9, equal_nan=True, err_msg=column
                )
            else:
                assert (
                    left.astype(object).where(left.notna(), None).tolist()
                    == right.astype(object).where(right.notna(), None).tolist()
                ), column


def test_every_snapshot_in_one_plan_gives_the_values_of_one_snapshot_at_a_time(engineered, de_params):
    # Spark computes all snapshots in one plan; Polars (which wrote ``engineered``) one at a time
    monthly = MonthlyTables(
        *(nw.from_native(engineered[f"customer_month_{name}"]) for name in ("balances", "transactions", "credit",
                                                                            "digital", "campaigns"))
    )  # fmt: skip
    customers = nw.from_native(engineered["int_customers"])
    together = snapshot_features(customers, monthly, de_params.snapshots).to_native()
    assert_frame_equal(together, engineered["customer_features"].sort("snapshot_date", "customer_id"))


def test_bad_snapshot_parameters_fail_with_the_reason(de_params):
    with pytest.raises(ValueError, match="first days of months"):
        de_params.model_validate({**de_params.model_dump(), "snapshots": ["2026-03-15"]})
    with pytest.raises(ValueError, match="after 2026-11-01"):
        de_params.model_validate({**de_params.model_dump(), "snapshots": ["2027-01-01"]})


def test_campaign_history_and_outcomes_per_offered_category_add_up(engineered, small_bank):
    features = engineered["customer_features"].to_pandas()
    labels = engineered["model_labels"].to_pandas()
    categories = [c.removeprefix("responded_") for c in labels.columns if c.startswith("responded_")]
    # one outcome per product category; every category the bank made offers of among them
    assert set(categories) == set(PRODUCT_CATEGORIES)
    assert set(small_bank["campaign_responses"]["product_category"]) <= set(categories)
    per_category = features[[f"responses_{c}_12m" for c in categories]].sum(axis=1)
    np.testing.assert_array_equal(per_category, features["responses_12m"])
    np.testing.assert_array_equal(features[[f"offers_{c}_12m" for c in categories]].sum(axis=1), features["offers_12m"])

    # answered an offer of some category in the window <=> answered an offer at all
    complete = labels[labels["label_window_complete"] & labels["campaign_response"].notna()]
    responded = complete[[f"responded_{c}" for c in categories]]
    np.testing.assert_array_equal(responded.eq(True).any(axis=1), complete["campaign_response"].astype(bool))
    # a category never offered in the window has no outcome, not a "no"
    at = complete[pd.to_datetime(complete["snapshot_date"]) == AT]
    offers = small_bank["campaign_responses"]
    in_window = offers[(offers["offer_date"] >= AT) & (offers["offer_date"] < AT + pd.DateOffset(months=6))]
    offered_funds = set(in_window.loc[in_window["product_category"] == "mutual_fund", "customer_id"])
    known = at["responded_mutual_fund"].notna()
    assert set(at.loc[known, "customer_id"]) == offered_funds & set(at["customer_id"])
