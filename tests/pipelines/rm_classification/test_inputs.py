"""The client-category source, the parameters and the input checks of rm_classification."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest
from pydantic import ValidationError

from customer_classification.pipelines.rm_classification.evaluation import evaluate_planted_specialists
from customer_classification.pipelines.rm_classification.mix import category_mix
from customer_classification.pipelines.rm_classification.nodes import (
    build_client_categories,
    classify_relationship_managers,
    compute_category_mix,
    derive_alternative_thresholds,
    derive_rm_thresholds,
    summarise_rm_classification,
)
from customer_classification.pipelines.rm_classification.params import RMClassificationParams
from customer_classification.pipelines.rm_classification.thresholds import RMTypeClassifier

SNAPSHOT = dt.date(2026, 11, 1)
PARAMS = {
    "client_category_source": "held",
    "snapshot_date": SNAPSHOT,
    "categories": ["wealth_management", "mortgage"],
    "count_floor_t3": 0,
    "share_floor_t4": 0.0,
    "cumulative_target": 0.2,
    "cumulative_band": 0.05,
}


def params(**changes) -> RMClassificationParams:
    return RMClassificationParams(**{**PARAMS, **changes})


CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5],
        "rm_id": pd.array([10, 10, 11, None, 11], dtype="Int64"),
    }
)
FEATURES = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 1],
        "snapshot_date": pd.to_datetime(["2026-11-01"] * 4 + ["2026-05-01"]),
        "holds_wealth_management": [True, False, True, True, False],
        "holds_mortgage": [True, False, False, True, False],
        "holds_current_account": [True, True, True, True, True],
    }
)
RMS = pd.DataFrame({"rm_id": [10, 11, 12], "branch_id": ["B1", "B1", "B2"], "city": ["X", "X", "Y"], "grade": "senior"})


@pytest.mark.parametrize("engine", ["pandas", "polars"])
def test_held_source_lists_every_category_a_client_holds_at_the_snapshot(engine):
    to_engine = pl.from_pandas if engine == "polars" else pd.DataFrame.copy
    table = build_client_categories(to_engine(CUSTOMERS), to_engine(FEATURES), None, params())
    rows = [tuple(r) for r in table.astype(object).where(table.notna(), None).itertuples(index=False)]
    # 1 holds both; 2 holds neither (one row, no category); 3 one; 4 has no RM; 5 is not in the snapshot
    assert rows == [(1, 10, "mortgage"), (1, 10, "wealth_management"), (2, 10, None), (3, 11, "wealth_management")]


@pytest.mark.parametrize("engine", ["pandas", "polars"])
def test_main_product_source_counts_every_client_in_one_category_at_most(engine):
    to_engine = pl.from_pandas if engine == "polars" else pd.DataFrame.copy
    features = FEATURES.assign(
        # client 1 holds both, with more in the mortgage; client 3's wealth balance is missing;
        # client 2 has a wealth balance but does not hold the product (a closed account)
        balance_wealth_management_latest=[50_000.0, 900.0, None, 10.0, 0.0],
        balance_mortgage_latest=[300_000.0, 0.0, 0.0, 0.0, 0.0],
    )
    settings = params(client_category_source="main_product")
    table = build_client_categories(to_engine(CUSTOMERS), to_engine(features), None, settings)
    rows = [tuple(r) for r in table.astype(object).where(table.notna(), None).itertuples(index=False)]
    assert rows == [(1, 10, "mortgage"), (2, 10, None), (3, 11, "wealth_management")]
    mix = compute_category_mix(table, RMS, settings).set_index(["rm_id", "category"])
    assert mix.loc[(10, "mortgage"), ["n_clients", "count"]].tolist() == [2, 1]
    assert mix.loc[(10, "wealth_management"), "count"] == 0


def test_rms_without_clients_and_clients_without_categories_keep_their_place():
    clients = build_client_categories(CUSTOMERS, FEATURES, None, params())
    mix = compute_category_mix(clients, RMS, params()).set_index(["rm_id", "category"])
    assert mix.loc[(10, "wealth_management"), ["n_clients", "count", "share"]].tolist() == [2, 1, 0.5]
    assert mix.loc[(10, "mortgage"), ["n_clients", "count", "share"]].tolist() == [2, 1, 0.5]
    assert mix.loc[(11, "wealth_management"), ["n_clients", "count", "share"]].tolist() == [1, 1, 1.0]
    rm_12 = mix.loc[12]
    assert rm_12["n_clients"].eq(0).all() and rm_12["count"].eq(0).all() and rm_12["share"].isna().all()

    thresholds = derive_rm_thresholds(mix.reset_index(), params())
    no_alternative = derive_alternative_thresholds(mix.reset_index(), params())
    result = classify_relationship_managers(mix.reset_index(), thresholds, no_alternative, RMS)
    assert list(result.columns[:4]) == ["rm_id", "branch_id", "city", "grade"]
    assert len(result) == 3 * 2 and not result.loc[result["rm_id"] == 12, "is_type"].any()
    assert not result["is_type_alternative"].any()
    summary = summarise_rm_classification(result, thresholds, no_alternative, params())
    assert summary["rms"] == 3 and summary["rms_without_clients"] == 1
    assert sum(summary["rms_by_number_of_types"].values()) == 3
    assert summary["alternative"] is None


def test_the_alternative_settings_type_the_rms_alongside_the_default():
    # no floors and a 20% target put T2 of wealth management at RM 10's share 0.5, so RM 11
    # (share 1.0) is typed; the alternative's T4 = 0.6 leaves RM 11 alone in its ranking,
    # T2 = 1.0, and nobody is above it
    strict = {"name": "strict", "floor_rule": "fixed", "count_floor_t3": 1, "share_floor_t4": 0.6}
    settings = params(alternative={**strict, "cumulative_target": 0.85, "cumulative_band": 0.05})
    mix = compute_category_mix(build_client_categories(CUSTOMERS, FEATURES, None, settings), RMS, settings)
    thresholds = derive_rm_thresholds(mix, settings)
    alternative = derive_alternative_thresholds(mix, settings)
    assert alternative["count_floor_t3"].eq(1).all() and alternative["cumulative_target"].eq(0.85).all()
    result = classify_relationship_managers(mix, thresholds, alternative, RMS)
    typed = result.set_index(["rm_id", "category"])
    assert typed.loc[(11, "wealth_management"), "is_type"]
    assert result["is_type"].sum() == 1 and not result["is_type_alternative"].any()
    summary = summarise_rm_classification(result, thresholds, alternative, settings)
    assert summary["alternative"]["name"] == "strict"
    assert sum(c["rms_typed"] for c in summary["alternative"]["categories"].values()) == int(
        result["is_type_alternative"].sum()
    )


def test_a_snapshot_missing_from_the_features_is_named_with_the_ones_there():
    with pytest.raises(
        ValueError, match=r"no rows at snapshot_date 2026-10-01; its snapshots are \['2026-05-01', '2026-11-01'\]"
    ):
        build_client_categories(CUSTOMERS, FEATURES, None, params(snapshot_date=dt.date(2026, 10, 1)))


def test_a_missing_holdings_column_is_named():
    with pytest.raises(ValueError, match=r"customer_features: required columns \['holds_mortgage'\] are missing"):
        build_client_categories(CUSTOMERS, FEATURES.drop(columns="holds_mortgage"), None, params())


def test_the_recommendation_source_takes_each_clients_first_recommendation():
    clients = CUSTOMERS.loc[CUSTOMERS["rm_id"].notna(), "customer_id"].tolist()
    at = pd.Timestamp("2026-11-01")
    recommendations = pd.DataFrame(
        {
            "customer_id": [clients[0], clients[0], clients[1]],
            "snapshot_date": [at, at, at],
            "rank": [1, 2, 1],
            "product_category": ["mortgage", "insurance", "current_account"],  # the last is not an RM type
        }
    )
    table = build_client_categories(
        CUSTOMERS, FEATURES, recommendations, params(client_category_source="top_recommendation")
    )
    assert table["customer_id"].is_unique and set(table["customer_id"]) == set(clients)
    by_client = table.set_index("customer_id")["category"]
    assert by_client[clients[0]] == "mortgage"
    assert by_client[clients[1:]].isna().all()  # outside the categories, or no recommendation


def test_the_recommendation_source_says_what_to_run_when_there_are_none():
    with pytest.raises(ValueError, match="run `kedro run --pipelines product_recommendation` first"):
        build_client_categories(CUSTOMERS, FEATURES, None, params(client_category_source="top_recommendation"))
    with pytest.raises(ValidationError, match="client_category_source"):
        params(client_category_source="branch")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": ["wealth_management", "pension"]}, r"categories \['pension'\] are not product categories"),
        ({"categories": ["mortgage", "mortgage"]}, r"listed once each; repeated: \['mortgage'\]"),
        ({"categories": []}, "categories"),
        ({"share_floor_t4": 1.0}, "share_floor_t4"),
        ({"cumulative_target": 0}, "cumulative_target"),
        ({"count_floor_t3": -1}, "count_floor_t3"),
        ({"band": 0.05}, "band"),
        ({"floor_rule": "population_quantile"}, r"needs \['count_floor_quantile', 'share_floor_quantile'\]"),
        ({"count_floor_quantile": 0.9, "share_floor_quantile": 0.9}, r"'fixed' does not use \['count_floor_quantile'"),
    ],
)
def test_impossible_parameters_are_refused_with_the_field_named(changes, message):
    with pytest.raises(ValidationError, match=message):
        params(**changes)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [(1, 10, "mortgage"), (1, 11, "wealth_management")],
            r"a client must have one RM; customers with several: \[1\]",
        ),
        ([(1, 10, "mortgage"), (1, 10, "mortgage")], r"one row per client and category; repeated for customers \[1\]"),
        (
            [(1, 10, "mortgage"), (1, 10, None)],
            r"a null category is only for a client in no category; customers with both: \[1\]",
        ),
        ([(1, 10, "pension")], r"outside the configured categories .* e\.g\. \['pension'\]"),
        ([(1, 99, "mortgage")], r"'rm_id' refers to RMs missing from int_relationship_managers, e\.g\. \[99\]"),
        ([(1, None, "mortgage")], r"column 'rm_id' must not be null; 1 rows are"),
    ],
)
def test_a_broken_client_category_table_is_refused_with_the_rule_and_examples(rows, message):
    table = pd.DataFrame(rows, columns=["customer_id", "rm_id", "category"])
    with pytest.raises(ValueError, match=message):
        category_mix(table, pd.Series([10, 11]), ["mortgage", "wealth_management"])


def test_duplicate_rms_are_refused():
    clients = build_client_categories(CUSTOMERS, FEATURES, None, params())
    with pytest.raises(
        ValueError, match=r"int_relationship_managers: column 'rm_id' must be unique .* repeated: \[11\]"
    ):
        compute_category_mix(clients, pd.concat([RMS, RMS.iloc[[1]]]), params())


def test_an_rm_with_clients_but_none_in_a_category_has_share_zero_and_is_not_typed_there():
    clients = build_client_categories(CUSTOMERS, FEATURES, None, params())
    mix = compute_category_mix(clients, RMS, params())
    # RM 11's one client (3) holds wealth management, not a mortgage: 0 of 1, a share of 0 (RM 12, without
    # clients, has no share at all)
    row = mix.set_index(["rm_id", "category"]).loc[(11, "mortgage")]
    assert (row["n_clients"], row["count"], row["share"]) == (1, 0, 0.0)
    thresholds, alternative = derive_rm_thresholds(mix, params()), derive_alternative_thresholds(mix, params())
    result = classify_relationship_managers(mix, thresholds, alternative, RMS).set_index(["rm_id", "category"])
    assert not result.loc[(11, "mortgage"), "is_type"] and not result.loc[(11, "mortgage"), "is_type_alternative"]


def test_a_relationship_manager_table_without_its_columns_is_refused():
    clients = build_client_categories(CUSTOMERS, FEATURES, None, params())
    with pytest.raises(ValueError, match=r"int_relationship_managers: required columns \['grade'\] are missing"):
        compute_category_mix(clients, RMS.drop(columns="grade"), params())


def test_thresholds_must_cover_the_mix_and_be_fitted_first():
    clients = build_client_categories(CUSTOMERS, FEATURES, None, params())
    mix = compute_category_mix(clients, RMS, params())
    thresholds = derive_rm_thresholds(mix, params())
    partial = thresholds[thresholds["category"] != "mortgage"]
    with pytest.raises(
        ValueError, match=r"rm_thresholds has no row for the categories \['mortgage'\] of the category mix"
    ):
        classify_relationship_managers(mix, partial, derive_alternative_thresholds(mix, params()), RMS)
    with pytest.raises(RuntimeError, match=r"RMTypeClassifier is not fitted yet: call fit\(mix\) first"):
        RMTypeClassifier(count_floor_t3=0, share_floor_t4=0.0, cumulative_target=0.2, cumulative_band=0.05).predict(mix)


def test_a_demo_truth_without_the_specialism_is_refused():
    with pytest.raises(ValueError, match=r"demo_rm_truth: required columns \['specialism'\] are missing"):
        evaluate_planted_specialists(pd.DataFrame({"rm_id": [10], "category": ["mortgage"]}), RMS[["rm_id"]])
