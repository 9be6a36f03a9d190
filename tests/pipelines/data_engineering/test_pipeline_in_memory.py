"""``data_engineering`` run in memory on the 400-customer bank with the project's parameters."""

from __future__ import annotations

import datetime as dt

import pandas as pd

SNAPSHOTS = {dt.date(2025, 11, 1), dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 5, 1), dt.date(2026, 11, 1)}


def _keys(frame) -> pd.DataFrame:
    keys = frame.to_pandas()[["customer_id", "snapshot_date"]]
    return keys.assign(snapshot_date=pd.to_datetime(keys["snapshot_date"]).dt.date)


def test_features_have_one_row_per_customer_and_configured_snapshot(tiny_engineered, tiny_bank):
    keys = _keys(tiny_engineered["customer_features"])
    assert not keys.duplicated().any()
    assert set(keys["snapshot_date"]) == SNAPSHOTS
    assert set(keys["customer_id"]) <= set(tiny_bank["customers"]["customer_id"])
    latest = keys[keys["snapshot_date"] == dt.date(2026, 11, 1)]
    assert len(latest) > 0.9 * len(tiny_bank["customers"])  # the customers already joined at the last snapshot


def test_labels_match_the_features_rows_and_the_scoring_snapshot_has_no_outcome(tiny_engineered):
    labels = tiny_engineered["model_labels"].to_pandas()
    assert (
        _keys(tiny_engineered["model_labels"])
        .sort_values(["customer_id", "snapshot_date"])
        .reset_index(drop=True)
        .equals(
            _keys(tiny_engineered["customer_features"])
            .sort_values(["customer_id", "snapshot_date"])
            .reset_index(drop=True)
        )
    )
    scoring = pd.to_datetime(labels["snapshot_date"]) == pd.Timestamp("2026-11-01")
    assert labels.loc[scoring, "upgrade_within_window"].isna().all()
    assert labels.loc[~scoring, "utilization_at_window_end"].dropna().between(0, 1.5).all()


def test_customers_lose_their_direct_identifiers_and_gain_a_person_key(tiny_engineered, tiny_bank):
    protected = tiny_engineered["int_customers"].to_pandas()
    assert len(protected) == len(tiny_bank["customers"])
    assert not {"name", "id_number", "phone"} & set(protected.columns)
    assert protected["person_key"].is_unique
    assert not set(protected["person_key"]) & set(tiny_bank["customers"]["id_number"].astype(str))


def test_the_dirty_rows_are_dropped_and_reported(tiny_engineered, tiny_bank):
    known = set(tiny_bank["customers"]["customer_id"])
    validated = tiny_engineered["validated_transactions"].to_pandas()
    assert validated["customer_id"].isin(known).all()
    assert (validated["amount"] >= 0.01).all()
    table = tiny_engineered["data_quality_table"]
    dropped = table.loc[table["action"] == "dropped rows", "rows_changed"].sum()
    assert tiny_engineered["data_quality_report"]["rows_dropped"] == dropped > 0
    orphans = table[(table["table"] == "transactions") & (table["column"] == "customer_id")]
    raw_orphans = (~tiny_bank["transactions"]["customer_id"].isin(known)).sum()
    assert orphans["offending_rows"].item() == raw_orphans


def test_customers_without_campaign_offers_have_no_response_rate_and_no_infinite_feature(tiny_engineered):
    features = tiny_engineered["customer_features"].to_pandas()
    never_offered = features[features["offers_12m"] == 0]
    offered = features[features["offers_12m"] > 0]
    assert len(never_offered) and len(offered)
    # no offer, nothing to divide: the rate is missing rather than 0/0 or a zero that reads as "never answers"
    assert never_offered["response_rate_12m"].isna().all()
    assert (never_offered["responses_12m"] == 0).all()
    expected = offered["responses_12m"] / offered["offers_12m"]
    pd.testing.assert_series_equal(offered["response_rate_12m"], expected, check_names=False)
    numeric = features.select_dtypes("number")
    assert not numeric.isin([float("inf"), float("-inf")]).any().any()
