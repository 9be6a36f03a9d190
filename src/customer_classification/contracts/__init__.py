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
from customer_classification.contracts.raw_tables import CUSTOMER_TABLES, RAW_TABLES, RAW_TABLES_REFERENCES_FIRST

__all__ = [
    "CUSTOMER_TABLES",
    "RAW_TABLES",
    "RAW_TABLES_REFERENCES_FIRST",
    "Column",
    "ContractError",
    "ForeignKey",
    "TableContract",
    "Violation",
    "raise_for_violations",
    "validate_table",
]
