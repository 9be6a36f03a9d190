"""``demo_data`` run in memory at 400 customers (chunks of 150): every raw table and the planted truth."""

from __future__ import annotations

from tests.conftest import TINY


def test_the_bank_has_its_customers_rms_and_products(tiny_bank):
    n_customers, per_rm = TINY["demo_bank"]["n_customers"], TINY["demo_bank"]["customers_per_rm"]
    customers = tiny_bank["customers"]
    assert len(customers) == n_customers and customers["customer_id"].is_unique  # three chunks, concatenated
    assert len(tiny_bank["relationship_managers"]) == n_customers // per_rm == 10
    assert set(customers["rm_id"].dropna()) <= set(tiny_bank["relationship_managers"]["rm_id"])
    products = tiny_bank["products"]
    assert (len(products), products["category"].nunique()) == (16, 8)


def test_customer_tables_refer_to_known_customers_but_for_a_few_planted_dirty_rows(tiny_bank):
    known = set(tiny_bank["customers"]["customer_id"])
    for name in (
        "holdings",
        "transactions",
        "credit_lines",
        "credit_line_events",
        "digital_events",
        "campaign_responses",
    ):
        table = tiny_bank[name]
        assert len(table) > 0, name
        assert (~table["customer_id"].isin(known)).mean() < 0.002, name  # dirty_record_rate 0.0005 per rule
    assert (~tiny_bank["transactions"]["customer_id"].isin(known)).any(), "the orphan-transaction rule plants some"


def test_the_planted_truth_covers_every_customer_once(tiny_bank):
    truth = tiny_bank["demo_truth"]
    assert sorted(truth["customer_id"]) == sorted(tiny_bank["customers"]["customer_id"])
    assert truth["upgrade_probability"].between(0, 1).all()
    assert set(tiny_bank["demo_rm_truth"]["rm_id"]) <= set(tiny_bank["relationship_managers"]["rm_id"])
