"""The raw-table contracts: they pass on the demo bank and name what is wrong in a broken copy."""

from __future__ import annotations

import dataclasses

import narwhals as nw
import pandas as pd
import polars as pl
import pytest
from pandas.testing import assert_frame_equal

from customer_classification.contracts import (
    CUSTOMER_TABLES,
    RAW_TABLES,
    RAW_TABLES_REFERENCES_FIRST,
    ContractError,
    raise_for_violations,
    validate_table,
)
from customer_classification.contracts.engine import FINITE
from customer_classification.contracts.repair import repair_table
from customer_classification.pipelines.data_engineering.monthly import monthly_transactions
from customer_classification.pipelines.data_engineering.quality import check_and_repair
from tests.conftest import build_bank


def check(tables, name, as_of):
    violations = validate_table(tables[name], RAW_TABLES[name], tables, as_of=as_of)
    raise_for_violations(violations)
    return violations


@pytest.mark.parametrize("name", sorted(RAW_TABLES))
def test_demo_bank_meets_every_contract(small_bank, small_params, name):
    violations = check(small_bank, name, small_params.month_ends[-1])
    assert all(not v.stops_run for v in violations)


def test_dirty_records_are_reported_but_tolerated(small_bank, small_params):
    as_of = small_params.month_ends[-1]
    found = {
        (v.table, v.column, v.rule.split(" ")[0])
        for name in RAW_TABLES
        for v in validate_table(small_bank[name], RAW_TABLES[name], small_bank, as_of=as_of)
    }
    assert ("transactions", "customer_id", "foreign") in found
    assert ("transactions", "transaction_id", "exact") in found
    assert ("transactions", "amount", ">=") in found
    assert ("holdings", "balance", ">=") in found
    assert ("holdings", "product_id", "foreign") in found
    assert ("customers", "birth_date", ">=") in found
    assert ("customers", "annual_income", ">=") in found
    assert ("digital_events", "timestamp", "<=") in found


def test_a_clean_bank_has_no_violation_at_all(small_params):
    clean_params = small_params.model_copy(update={"n_customers": 400, "chunk_size": 400, "dirty_record_rate": 0.0})
    tables = build_bank(clean_params)
    for name, contract in RAW_TABLES.items():
        assert validate_table(tables[name], contract, tables, as_of=clean_params.month_ends[-1]) == []


def test_orders_derived_from_the_contract_follow_its_foreign_keys():
    assert sorted(RAW_TABLES_REFERENCES_FIRST) == sorted(RAW_TABLES)
    for position, name in enumerate(RAW_TABLES_REFERENCES_FIRST):
        for fk in RAW_TABLES[name].foreign_keys:
            assert fk.table in RAW_TABLES_REFERENCES_FIRST[:position], (name, fk.table)
    assert CUSTOMER_TABLES[0] == "customers"
    assert set(RAW_TABLES) - set(CUSTOMER_TABLES) == {"relationship_managers", "products"}


def test_missing_column_stops_the_run_naming_it(small_bank, small_params):
    broken = dict(small_bank, holdings=small_bank["holdings"].drop(columns=["balance"]))
    with pytest.raises(ContractError) as error:
        check(broken, "holdings", small_params.month_ends[-1])
    message = str(error.value)
    assert "table 'holdings', column 'balance', rule 'required column is missing'" in message


def test_wrong_dtype_stops_the_run_with_examples(small_bank, small_params):
    transactions = small_bank["transactions"].copy()
    transactions["amount"] = transactions["amount"].astype(str)
    with pytest.raises(ContractError) as error:
        check(dict(small_bank, transactions=transactions), "transactions", small_params.month_ends[-1])
    message = str(error.value)
    assert "column 'amount', rule 'type is float'" in message
    assert repr(transactions["amount"].iloc[0]) in message


def test_key_collision_stops_the_run_naming_the_key(small_bank, small_params):
    customers = small_bank["customers"].copy()
    customers.loc[1, "customer_id"] = customers.loc[0, "customer_id"]
    with pytest.raises(ContractError) as error:
        check(dict(small_bank, customers=customers), "customers", small_params.month_ends[-1])
    message = str(error.value)
    assert "column 'customer_id', rule 'unique key (different rows share a key)'" in message
    assert str(customers.loc[0, "customer_id"]) in message


def test_orphans_above_tolerance_stop_the_run(small_bank, small_params):
    transactions = small_bank["transactions"].copy()
    orphans = transactions.sample(frac=0.05, random_state=1).index
    transactions.loc[orphans, "customer_id"] = 42
    with pytest.raises(ContractError) as error:
        check(dict(small_bank, transactions=transactions), "transactions", small_params.month_ends[-1])
    violation = next(v for v in error.value.violations if v.rule.startswith("foreign key"))
    assert violation.table == "transactions" and violation.column == "customer_id"
    assert violation.count >= len(orphans)
    assert 42 in violation.examples
    assert "foreign key -> customers.customer_id" in str(error.value)


def test_negative_balances_above_tolerance_stop_the_run_with_the_values(small_bank, small_params):
    holdings = small_bank["holdings"].copy()
    spoiled = holdings.sample(frac=0.01, random_state=2).index
    holdings.loc[spoiled, "balance"] = -99_999_999.99  # the smallest offending value is shown first
    with pytest.raises(ContractError) as error:
        check(dict(small_bank, holdings=holdings), "holdings", small_params.month_ends[-1])
    violation = next(v for v in error.value.violations if v.column == "balance")
    assert violation.rule == ">= 0" and violation.count >= len(spoiled)
    assert violation.examples[0] == -99_999_999.99
    assert "table 'holdings', column 'balance', rule '>= 0'" in str(error.value)


def test_contracts_check_polars_frames_the_same_way(small_bank, small_params):
    as_of = small_params.month_ends[-1]
    pandas_found = validate_table(small_bank["transactions"], RAW_TABLES["transactions"], small_bank, as_of=as_of)
    polars_tables = {name: pl.from_pandas(small_bank[name]) for name in ("transactions", "customers")}
    polars_found = validate_table(polars_tables["transactions"], RAW_TABLES["transactions"], polars_tables, as_of=as_of)
    assert [(v.rule, v.count) for v in pandas_found] == [(v.rule, v.count) for v in polars_found]


def test_repair_drops_or_blanks_exactly_the_offending_rows(small_bank, small_params):
    as_of = small_params.month_ends[-1]
    raw = small_bank["transactions"]
    repaired, repairs = repair_table(raw, RAW_TABLES["transactions"], small_bank, as_of=as_of)
    by_rule = {(r.column, r.rule): r for r in repairs}
    assert by_rule[("transaction_id", "exact duplicate row")].rows == raw.duplicated().sum()
    assert by_rule[("amount", ">= 0.01")].action == "dropped rows"
    assert by_rule[("customer_id", "foreign key -> customers.customer_id")].rows > 0
    assert len(repaired) == len(raw) - sum(r.rows for r in repairs)
    assert validate_table(repaired, RAW_TABLES["transactions"], small_bank, as_of=as_of) == []

    customers, repairs = repair_table(small_bank["customers"], RAW_TABLES["customers"], small_bank, as_of=as_of)
    income = next(r for r in repairs if r.column == "annual_income")
    assert income.action == "set to missing"
    assert len(customers) == len(small_bank["customers"]), "a nullable value is blanked, the customer kept"
    assert (customers["annual_income"].dropna() >= 0).all()


def test_key_checks_in_buckets_find_what_one_pass_finds(small_bank, small_params):
    """A lazy table larger than rows_per_pass is key-checked bucket by bucket; the
    duplicates, key collisions and repairs are the same as in one eager pass."""
    as_of = small_params.month_ends[-1]
    raw = small_bank["transactions"]
    clash = raw.iloc[[10, 20_000]].copy()
    clash["transaction_id"] = raw["transaction_id"].iloc[5]  # two other rows under an existing key
    clash["amount"] = [1.5, 2.5]
    raw = pd.concat([raw, clash], ignore_index=True)
    tables = {"transactions": raw, "customers": small_bank["customers"]}
    lazy = {name: pl.from_pandas(frame).lazy() for name, frame in tables.items()}
    assert len(raw) > 4 * 40_000

    def found(frames, **kwargs):
        violations = validate_table(frames["transactions"], RAW_TABLES["transactions"], frames, as_of=as_of, **kwargs)
        return [(v.rule, v.count, v.examples) for v in violations]

    one_pass = found(tables)
    assert ("unique key (different rows share a key)", 3, (raw["transaction_id"].iloc[5],)) in one_pass
    assert found(lazy, rows_per_pass=40_000) == one_pass

    clean = {name: pl.from_pandas(small_bank[name]).lazy() for name in tables}
    repaired, repairs = repair_table(
        clean["transactions"], RAW_TABLES["transactions"], clean, as_of=as_of, rows_per_pass=40_000
    )
    expected, expected_repairs = repair_table(
        small_bank["transactions"], RAW_TABLES["transactions"], small_bank, as_of=as_of
    )
    assert repairs == expected_repairs
    keys = ["transaction_id"]
    assert_frame_equal(
        repaired.collect().to_pandas().sort_values(keys, ignore_index=True),
        expected.sort_values(keys, ignore_index=True),
        check_dtype=False,
    )


def test_nan_and_infinite_money_is_counted_and_repaired_before_the_monthly_sums(small_bank, small_params):
    as_of = small_params.month_ends[-1]
    tables = {name: pl.from_pandas(small_bank[name]) for name in RAW_TABLES}
    spoiled = tables["transactions"].with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(float("nan"))
        .when(pl.int_range(pl.len()) == 1).then(float("-inf"))
        .otherwise(pl.col("amount")).alias("amount")
    )  # fmt: skip
    tables["transactions"] = spoiled
    violations = check(tables, "transactions", as_of)
    finite = next(v for v in violations if v.column == "amount" and v.rule == FINITE)
    assert finite.count == 2 and not finite.stops_run
    assert {str(e) for e in finite.examples} == {"nan", "-inf"}

    repaired, counts = check_and_repair(tables, as_of)
    repair = next(r for r in counts["tables"]["transactions"]["repairs"] if r["rule"] == FINITE)
    assert repair["action"] == "dropped rows" and repair["rows"] == 2
    assert repaired["transactions"]["amount"].is_finite().all()
    assert monthly_transactions(nw.from_native(repaired["transactions"])).shape[0] > 0


def test_examples_from_pii_columns_are_masked_in_errors_and_reports(small_bank, small_params):
    customers = small_bank["customers"]
    digits = customers["phone"].str.replace(r"\D", "", regex=True)
    wrong_type = customers.assign(phone=digits.astype("Int64"))
    with pytest.raises(ContractError) as error:
        check(dict(small_bank, customers=wrong_type), "customers", small_params.month_ends[-1])
    message = str(error.value)
    assert "table 'customers', column 'phone', rule 'type is string'" in message
    assert not [number for number in digits.dropna().head(10) if number in message]
    assert "'99999999" in message, "the shape of the value is shown"

    offending = customers.assign(name=customers["name"].where(customers.index >= 2, None))
    contract = RAW_TABLES["customers"]
    violation = next(v for v in validate_table(offending.assign(gender="F"), contract) if v.column == "name")
    assert violation.examples == (None,)
    named = next(
        v for v in validate_table(customers.head(3), replace_column(contract, "name", allowed=("nobody",)))
        if v.column == "name"
    )  # fmt: skip
    record = named.as_record()["examples"]
    assert record and not set(record) & set(customers["name"].head(3))
    assert all(set(e) <= set("xX -.'") for e in record)


def replace_column(contract, name: str, **changes):
    """The contract with one column's declaration changed."""
    columns = tuple(dataclasses.replace(c, **changes) if c.name == name else c for c in contract.columns)
    return dataclasses.replace(contract, columns=columns)


def test_event_dates_before_the_floor_are_counted_and_dropped(small_bank, small_params):
    as_of = small_params.month_ends[-1]
    transactions = small_bank["transactions"].copy()
    transactions.loc[transactions.index[:2], "timestamp"] = pd.Timestamp("1850-03-01")
    violations = check(dict(small_bank, transactions=transactions), "transactions", as_of)
    floor = next(v for v in violations if v.column == "timestamp" and v.rule.startswith(">="))
    assert floor.rule == ">= 1970-01-02 00:00:00" and floor.count == 2 and floor.severity == "soft"
    assert floor.examples == ("1850-03-01T00:00:00",)
    repaired, repairs = repair_table(transactions, RAW_TABLES["transactions"], small_bank, as_of=as_of)
    assert repaired["timestamp"].min() >= pd.Timestamp("1970-01-02")
    assert next(r for r in repairs if r.rule == floor.rule).rows == 2


@pytest.mark.parametrize(
    ("spoil", "rule"),
    [
        (lambda f: f.assign(event_type="cash_advance"), "column 'event_type', rule 'in ['drawdown', 'repayment']'"),
        (lambda f: f.assign(amount=-f["amount"]), "column 'amount', rule '>= 0.01'"),
        (lambda f: f.assign(credit_line_id=7), "column 'credit_line_id', rule 'foreign key -> credit_lines"),
        (lambda f: f.assign(event_date=pd.Timestamp("2031-01-01")), "column 'event_date', rule '<="),
    ],
)
def test_credit_line_events_break_their_rules_by_name(small_bank, small_params, spoil, rule):
    events = spoil(small_bank["credit_line_events"].head(500).copy())
    with pytest.raises(ContractError) as error:
        check(dict(small_bank, credit_line_events=events), "credit_line_events", small_params.month_ends[-1])
    assert f"table 'credit_line_events', {rule}" in str(error.value)
