"""Validation stops what cannot be repaired, counts what it repairs, and PII does not pass."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import logging

import pytest

from customer_classification.contracts import RAW_TABLES, ContractError
from customer_classification.pipelines.data_engineering.nodes import validate_raw_tables
from customer_classification.pipelines.data_engineering.pipeline import RAW_INPUTS
from customer_classification.pipelines.data_engineering.privacy import PSEUDONYM_LENGTH, protect
from tests.pipelines.data_engineering.conftest import TEST_KEY, run_data_engineering


def test_quality_report_counts_every_repair(engineered, small_bank):
    report = engineered["data_quality_report"]
    transactions = report["tables"]["transactions"]
    raw = small_bank["transactions"]
    repairs = {r["rule"]: r for r in transactions["repairs"]}
    assert repairs["exact duplicate row"]["rows"] == raw.duplicated().sum() > 0
    assert transactions["rows_in"] == len(raw)
    assert transactions["rows_out"] == len(raw) - sum(r["rows"] for r in transactions["repairs"])
    assert len(engineered["validated_transactions"]) == transactions["rows_out"]

    matching = report["source_matching"]["transactions.customer_id -> customers.customer_id"]
    orphans = (~raw["customer_id"].isin(small_bank["customers"]["customer_id"])).sum()
    assert matching["unmatched_rows"] == orphans > 0
    assert matching["matched_share"] == pytest.approx(1 - orphans / len(raw))
    assert report["tables"]["digital_events"]["date_range"][1] <= "2026-10-31T23:59:59"

    table = engineered["data_quality_table"]
    income = table[(table["table"] == "customers") & (table["column"] == "annual_income")].iloc[0]
    assert income["action"] == "set to missing" and income["rows_changed"] >= 1
    assert report["rows_dropped"] == table.loc[table["action"] == "dropped rows", "rows_changed"].sum()


@pytest.mark.parametrize(
    ("table", "corrupt", "expected"),
    [
        ("holdings", lambda f: f.drop(columns=["balance"]), "table 'holdings', column 'balance', rule 'required column is missing'"),
        ("transactions", lambda f: f.assign(amount=f["amount"].astype(str)), "table 'transactions', column 'amount', rule 'type is float'"),
        ("products", lambda f: f.assign(product_id="P01"), "table 'products', column 'product_id', rule 'unique key (different rows share a key)'"),
        ("credit_lines", lambda f: f.assign(credit_limit=-f["credit_limit"] - 1), "table 'credit_lines', column 'credit_limit', rule '>= 0'"),
    ],
)  # fmt: skip
def test_hard_violations_stop_the_pipeline_with_table_column_and_rule(small_bank, de_params, table, corrupt, expected):
    broken = dict(small_bank, **{table: corrupt(small_bank[table])})
    with pytest.raises(ContractError) as error:
        run_data_engineering(broken, de_params)
    assert expected in str(error.value)
    assert "examples:" in str(error.value)


def test_pii_is_replaced_by_keyed_pseudonyms(engineered, small_bank):
    customers = engineered["int_customers"]
    assert {"name", "id_number", "phone"}.isdisjoint(customers.columns)
    assert "rm_name" not in engineered["int_relationship_managers"].columns
    raw = small_bank["customers"].set_index("customer_id")
    first = customers.row(0, named=True)
    expected = hmac.new(TEST_KEY.encode(), raw.loc[first["customer_id"], "id_number"].encode(), hashlib.sha256)
    assert first["person_key"] == expected.hexdigest()[:PSEUDONYM_LENGTH]
    assert customers["customer_id"].to_list() == raw.index.tolist(), "the bank's own keys stay"


def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(small_bank):
    sample = small_bank["customers"].head(50)
    once = protect(sample, "customers", "key-a")["person_key"]
    again = protect(sample, "customers", "key-a")["person_key"]
    other = protect(sample, "customers", "key-b")["person_key"]
    assert once.tolist() == again.tolist()
    assert not set(once) & set(other)
    with pytest.raises(ValueError, match="pseudonymisation key is empty"):
        protect(sample, "customers", "")


def test_raw_tables_reach_the_validation_node_under_their_own_names():
    """The node's inputs follow the contract's table order; its arguments must too."""
    arguments = list(inspect.signature(validate_raw_tables).parameters)
    assert arguments[: len(RAW_INPUTS)] == RAW_INPUTS


def _validate(raw: dict, params) -> dict:
    return validate_raw_tables(**{name: raw[name] for name in RAW_INPUTS}, data_engineering=params)


def test_only_declared_columns_leave_validation_and_the_dropped_ones_are_named(small_bank, de_params, caplog):
    customers = small_bank["customers"].assign(mobile_copy=small_bank["customers"]["phone"])
    with caplog.at_level(logging.WARNING):
        outputs = _validate(dict(small_bank, customers=customers), de_params)
    assert list(outputs["validated_customers"].columns) == RAW_TABLES["customers"].column_names
    assert outputs["data_quality_report"]["tables"]["customers"]["undeclared_columns_dropped"] == ["mobile_copy"]
    table = outputs["data_quality_table"]
    dropped = table[table["rule"] == "undeclared column"]
    assert dropped[["table", "column", "action"]].values.tolist() == [["customers", "mobile_copy", "dropped column"]]
    assert "customers.mobile_copy" in caplog.text
    assert customers["mobile_copy"].notna().any(), "the raw table is not modified"


def test_an_empty_table_stops_the_run_naming_it_unless_allowed(small_bank, de_params):
    emptied = dict(small_bank, digital_events=small_bank["digital_events"].head(0))
    with pytest.raises(ContractError, match=r"table 'digital_events', column '\(whole table\)', rule 'has rows"):
        _validate(emptied, de_params)

    allowed = de_params.model_copy(update={"allow_empty_tables": ["digital_events"]})
    outputs = _validate(emptied, allowed)
    assert outputs["data_quality_report"]["tables"]["digital_events"]["rows_out"] == 0
