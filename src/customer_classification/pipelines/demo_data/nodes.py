"""Nodes of ``demo_data``: thin wrappers over :mod:`customer_classification.demo_bank`."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from customer_classification.datasets import TableChunk
from customer_classification.demo_bank import bank
from customer_classification.demo_bank.params import DemoBankParams


def make_products() -> pd.DataFrame:
    """The product catalogue (16 products in 8 categories)."""
    return bank.make_products()


def make_relationship_managers(demo_bank: DemoBankParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The RM table, and the RMs' planted specialisms (``demo_rm_truth``)."""
    return bank.make_relationship_managers(demo_bank)


def generate_customer_tables(
    demo_bank: DemoBankParams, demo_rm_truth: pd.DataFrame
) -> Iterator[tuple[TableChunk, ...]]:
    """Customer-level tables, one chunk of customers at a time.

    Yields, per chunk, one :class:`TableChunk` per table of
    ``bank.CHUNKED_TABLES`` (customers, holdings, transactions, credit_lines,
    digital_events, campaign_responses, demo_truth), so memory stays bounded by
    the chunk size whatever the number of customers.
    """
    total = demo_bank.n_chunks
    for index, tables in enumerate(bank.iter_chunks(demo_bank, demo_rm_truth)):
        yield tuple(TableChunk(tables[name], index, total) for name in bank.CHUNKED_TABLES)
