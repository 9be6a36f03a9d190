"""Shared fixtures: one small demo bank per test session."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from customer_classification.demo_bank import bank
from customer_classification.demo_bank.params import DemoBankParams

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")


def build_bank(params: DemoBankParams) -> dict[str, pd.DataFrame]:
    """Every raw table and the truth of a generated bank, concatenated over chunks."""
    rms, rm_truth = bank.make_relationship_managers(params)
    chunks = list(bank.iter_chunks(params, rm_truth))
    tables = {name: pd.concat([c[name] for c in chunks], ignore_index=True) for name in bank.CHUNKED_TABLES}
    tables["relationship_managers"] = rms
    tables["demo_rm_truth"] = rm_truth
    tables["products"] = bank.make_products()
    return tables


@pytest.fixture(scope="session")
def small_params() -> DemoBankParams:
    # one chunk of 3,000: enough rows that every dirty-record rule spoils at least one
    return DemoBankParams(n_customers=3000, chunk_size=3000, customers_per_rm=100)


@pytest.fixture(scope="session")
def small_bank(small_params) -> dict[str, pd.DataFrame]:
    return build_bank(small_params)
