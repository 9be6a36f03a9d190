"""Data contracts: the declared shape of every raw table and the checker."""

from customer_classification.contracts.engine import (
    Column,
    ContractError,
    ForeignKey,
    TableContract,
    Violation,
    raise_for_violations,
    validate_table,
)
from customer_classification.contracts.raw_tables import RAW_TABLES

__all__ = [
    "RAW_TABLES",
    "Column",
    "ContractError",
    "ForeignKey",
    "TableContract",
    "Violation",
    "raise_for_violations",
    "validate_table",
]
