"""The demo bank as a whole: reference tables, chunks and the dirty records.

Every chunk has its own random stream derived from ``(seed, table family, chunk)``,
so chunk ``i`` is identical whatever the number of chunks, and a run is
reproducible bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from customer_classification import taxonomy
from customer_classification.contracts import CUSTOMER_TABLES
from customer_classification.demo_bank import catalogue as cat
from customer_classification.demo_bank.accounts import simulate_accounts
from customer_classification.demo_bank.activity import draw_digital_events, draw_transactions
from customer_classification.demo_bank.credit_events import (
    draw_credit_line_events,
    expected_cumulative_drawdown,
    repayment_shares,
)
from customer_classification.demo_bank.customers import draw_customers, truth_table
from customer_classification.demo_bank.params import DemoBankParams
from customer_classification.demo_bank.platform import draw_platform_profiles

RM_ID_OFFSET = 5001
# the tables one chunk contributes, in the order the chunk generator yields them: the
# contract's customer-level tables, then the chunk's hidden truth
CHUNKED_TABLES = (*CUSTOMER_TABLES, "demo_truth")
_ORPHAN_CUSTOMER_ID = 999_000_000_001


def _rng(params: DemoBankParams, family: int, chunk_index: int = 0) -> np.random.Generator:
    return np.random.default_rng([params.seed, family, chunk_index])


def make_products() -> pd.DataFrame:
    products = pd.DataFrame(
        cat.PRODUCTS, columns=["product_id", "product_name", "category", "risk_level", "launch_date"]
    )
    products["risk_level"] = products["risk_level"].astype("int64")
    products["launch_date"] = pd.to_datetime(products["launch_date"]).astype("datetime64[s]")
    products["is_credit"] = products["category"].isin(taxonomy.LIABILITY_CATEGORIES)
    return products


def make_relationship_managers(params: DemoBankParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The RM table of the warehouse, and each RM's planted specialism (truth)."""
    rng = _rng(params, 1)
    n = params.n_relationship_managers
    rm_id = RM_ID_OFFSET + np.arange(n, dtype=np.int64)
    cities = np.array([c[0] for c in cat.CITIES])
    tier_weight = np.array([4.0 / c[1] for c in cat.CITIES])
    city = rng.choice(cities, size=n, p=tier_weight / tier_weight.sum())
    categories = list(cat.RM_SPECIALISM_SHARE)
    shares = np.array(list(cat.RM_SPECIALISM_SHARE.values()))
    pick = rng.choice(len(categories) + 1, size=n, p=np.append(shares, 1 - shares.sum()))
    specialism = np.array(categories + [None], dtype=object)[pick]
    hire_years = rng.uniform(0.5, 25, n)
    last = pd.Timestamp(params.month_ends[-1])
    rms = pd.DataFrame(
        {
            "rm_id": rm_id,
            "rm_name": [
                f"{cat.SURNAMES[i % len(cat.SURNAMES)]} {cat.GIVEN_NAMES[(i * 7) % len(cat.GIVEN_NAMES)]}"
                for i in rng.integers(0, 10_000, n)
            ],
            "branch_id": [f"BR-{c[:3].upper()}-{b:02d}" for c, b in zip(city, rng.integers(1, 6, n), strict=True)],
            "city": city,
            "grade": np.array(cat.RM_GRADES)[np.minimum((hire_years / 8).astype(int), 2)],
            "hire_date": (last - pd.to_timedelta(np.round(hire_years * 365.25), unit="D"))
            .normalize()
            .astype("datetime64[s]"),
        }
    )
    truth = pd.DataFrame({"rm_id": rm_id, "city": city, "specialism": specialism})
    return rms, truth


def simulate_chunk(chunk_index: int, params: DemoBankParams, rm_truth: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """All customer-level tables of one chunk of customers."""
    first = chunk_index * params.chunk_size
    n = min(params.chunk_size, params.n_customers - first)
    customers, traits = draw_customers(_rng(params, 2, chunk_index), chunk_index, n, params, rm_truth)
    customer_id = customers["customer_id"].to_numpy()
    accounts = simulate_accounts(_rng(params, 3, chunk_index), customer_id, traits, params)
    events_rng = _rng(params, 7, chunk_index)
    share = repayment_shares(events_rng, traits)
    line_customer = np.searchsorted(customer_id, accounts.credit_lines["customer_id"].to_numpy())
    truth = truth_table(customers, traits, params)
    truth["repayment_share"] = share
    truth["expected_cumulative_drawdown"] = expected_cumulative_drawdown(
        share, traits.expected_utilization, params.outcome_window_months
    )
    tables = {
        "customers": customers,
        "holdings": accounts.holdings,
        "transactions": draw_transactions(
            _rng(params, 4, chunk_index),
            chunk_index=chunk_index,
            customer_id=customer_id,
            traits=traits,
            inflows=accounts.inflows,
            params=params,
        ),
        "credit_lines": accounts.credit_lines,
        "credit_line_events": draw_credit_line_events(
            events_rng,
            chunk_index=chunk_index,
            credit_lines=accounts.credit_lines,
            share=share[line_customer],
            first_month=params.month_ends[0],
        ),
        "digital_events": draw_digital_events(
            _rng(params, 5, chunk_index), chunk_index=chunk_index, customer_id=customer_id, traits=traits, params=params
        ),
        "campaign_responses": accounts.campaign_responses,
        "platform_profiles": draw_platform_profiles(_rng(params, 8, chunk_index), customers, traits, params),
        "demo_truth": truth,
    }
    if params.dirty_record_rate > 0:
        tables = add_dirty_records(_rng(params, 6, chunk_index), tables, params)
    return tables


def iter_chunks(params: DemoBankParams, rm_truth: pd.DataFrame) -> Iterator[dict[str, pd.DataFrame]]:
    for chunk_index in range(params.n_chunks):
        yield simulate_chunk(chunk_index, params, rm_truth)


def _pick(rng: np.random.Generator, frame: pd.DataFrame, rate: float) -> np.ndarray:
    """Row positions to spoil: ``rate`` of the rows, rounded down.

    Rounding down keeps every rule's share at or below ``rate``, so a bank of any
    size stays within the contract's tolerances when ``rate`` does.
    """
    return rng.choice(len(frame), size=int(rate * len(frame)), replace=False)


def add_dirty_records(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], params: DemoBankParams
) -> dict[str, pd.DataFrame]:
    """The faults a real warehouse has, at ``dirty_record_rate`` of each table's rows per fault.

    * transactions: batches loaded twice (exact duplicate rows), rows whose customer
      is unknown (orphans), zero or negative amounts;
    * customers: impossible birth dates, negative declared incomes;
    * holdings: negative asset balances, an unknown product code;
    * digital events: timestamps after the end of the history.
    """
    rate = params.dirty_record_rate
    tables = {name: frame.copy() for name, frame in tables.items()}

    tx = tables["transactions"]
    tx.loc[tx.index[_pick(rng, tx, rate)], "customer_id"] = _ORPHAN_CUSTOMER_ID
    refunds_gone_wrong = tx.index[_pick(rng, tx, rate)]
    tx.loc[refunds_gone_wrong, "amount"] = -tx.loc[refunds_gone_wrong, "amount"] * (
        rng.random(len(refunds_gone_wrong)) < 0.7
    )
    duplicated = tx.iloc[np.sort(_pick(rng, tx, rate))]
    tables["transactions"] = pd.concat([tx, duplicated], ignore_index=True)

    customers = tables["customers"]
    customers.loc[customers.index[_pick(rng, customers, rate)], "birth_date"] = pd.Timestamp("1900-01-01")
    bad_income = customers.index[_pick(rng, customers, rate)]
    customers.loc[bad_income, "annual_income"] = -customers.loc[bad_income, "annual_income"].abs().fillna(1.0)

    holdings = tables["holdings"]
    assets = holdings.index[holdings["product_id"].isin(["P01", "P02", "P03", "P04"])]
    negative = rng.choice(assets, size=min(len(assets), int(rate * len(holdings))), replace=False)
    holdings.loc[negative, "balance"] = -holdings.loc[negative, "balance"].abs() - 1.0
    # at most one unknown product per customer and month, so no key collides
    unknown = holdings.iloc[_pick(rng, holdings, rate)].drop_duplicates(["customer_id", "month_end"]).index
    holdings.loc[unknown, "product_id"] = "P99"

    events = tables["digital_events"]
    future = pd.Timestamp(params.month_ends[-1]) + pd.Timedelta(days=400)
    events.loc[events.index[_pick(rng, events, rate)], "timestamp"] = future
    return tables
