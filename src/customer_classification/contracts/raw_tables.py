"""The raw warehouse contract: every raw table, its columns and their rules, declared once.

The demo generator's tests and data engineering both check tables against these
declarations; ``docs/data_contract.md`` describes them for a bank mapping its own
warehouse. ``RAW_TABLES`` is the one list of raw table names: the orders other
code needs (reference tables first, the tables of one customer) derive from it.
"""

from __future__ import annotations

import datetime as dt

from customer_classification.contracts.engine import Column, ForeignKey, TableContract
from customer_classification.taxonomy import (
    CAMPAIGN_CHANNELS,
    CREDIT_LINE_EVENT_TYPES,
    DIGITAL_CHANNELS,
    DIGITAL_EVENT_TYPES,
    PRODUCT_CATEGORIES,
    TRANSACTION_CHANNELS,
    TRANSACTION_DIRECTIONS,
)

_EARLIEST = dt.datetime(1900, 1, 2)
# the floor of event dates (balances, transactions, app events, offers): no bank keeps
# electronic records of such events from before 1970, and 1970-01-01 itself is the zero
# of Unix time, which a broken export writes for a missing date
_EARLIEST_EVENT = dt.datetime(1970, 1, 2)
_CUSTOMER_FK = ForeignKey("customer_id", "customers", "customer_id")
_PRODUCT_FK = ForeignKey("product_id", "products", "product_id")

CUSTOMERS = TableContract(
    "customers",
    "One row per customer: demographics, declared income, PII and the assigned RM.",
    (
        Column("customer_id", "int", "Bank's internal customer key."),
        Column("name", "string", "Full name.", pii=True),
        Column("id_number", "string", "National identity number.", pii=True),
        Column("phone", "string", "Mobile phone number.", nullable=True, pii=True),
        Column("birth_date", "date", "Date of birth.", nullable=True, minimum=_EARLIEST, not_after_as_of=True),
        Column("gender", "string", "F or M.", allowed=("F", "M")),
        Column("city", "string", "City of residence."),
        Column("city_tier", "int", "City tier, 1 (largest) to 4.", minimum=1, maximum=4),
        Column("occupation", "string", "Occupation class."),
        Column("education", "string", "Highest education level.", nullable=True),
        Column("marital_status", "string", "Marital status.", nullable=True),
        Column("annual_income", "float", "Declared annual income.", nullable=True, minimum=0),
        Column("open_date", "date", "Date the relationship began.", minimum=_EARLIEST, not_after_as_of=True),
        Column("rm_id", "int", "Assigned relationship manager, if any.", nullable=True),
    ),
    key=("customer_id",),
    foreign_keys=(ForeignKey("rm_id", "relationship_managers", "rm_id"),),
)

RELATIONSHIP_MANAGERS = TableContract(
    "relationship_managers",
    "One row per relationship manager.",
    (
        Column("rm_id", "int", "Bank's internal RM key."),
        Column("rm_name", "string", "RM's name.", pii=True),
        Column("branch_id", "string", "Branch the RM works from."),
        Column("city", "string", "City of the branch."),
        Column("grade", "string", "Seniority grade."),
        Column("hire_date", "date", "Date the RM was hired.", minimum=_EARLIEST, not_after_as_of=True),
    ),
    key=("rm_id",),
)

PRODUCTS = TableContract(
    "products",
    "The product catalogue; every product belongs to one category.",
    (
        Column("product_id", "string", "Product code."),
        Column("product_name", "string", "Product name."),
        Column("category", "string", "Product category.", allowed=PRODUCT_CATEGORIES),
        Column("risk_level", "int", "Risk level, 1 (lowest) to 5.", minimum=1, maximum=5),
        Column("launch_date", "date", "Launch date."),
        Column("is_credit", "bool", "Whether the product is a credit (liability) product."),
    ),
    key=("product_id",),
)

HOLDINGS = TableContract(
    "holdings",
    "Month-end balance of every product a customer holds; liabilities as outstanding amounts.",
    (
        Column("customer_id", "int", "Customer."),
        Column("product_id", "string", "Product held."),
        Column("month_end", "date", "Month-end date of the balance.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("balance", "float", "Balance at month end (never negative).", minimum=0),
    ),
    key=("customer_id", "product_id", "month_end"),
    foreign_keys=(_CUSTOMER_FK, _PRODUCT_FK),
)

TRANSACTIONS = TableContract(
    "transactions",
    "Every account transaction, timestamped.",
    (
        Column("transaction_id", "int", "Transaction key."),
        Column("customer_id", "int", "Customer."),
        Column("timestamp", "datetime", "When it was booked.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("amount", "float", "Amount, always positive; the direction gives the sign.", minimum=0.01),
        Column("direction", "string", "credit (money in) or debit (money out).", allowed=TRANSACTION_DIRECTIONS),
        Column("channel", "string", "Channel used.", allowed=TRANSACTION_CHANNELS),
        Column("merchant_category", "string", "Merchant or purpose category."),
    ),
    key=("transaction_id",),
    foreign_keys=(_CUSTOMER_FK,),
)

CREDIT_LINES = TableContract(
    "credit_lines",
    "Month-end state of each revolving credit line.",
    (
        Column("credit_line_id", "int", "Credit line key."),
        Column("customer_id", "int", "Customer."),
        Column("product_id", "string", "Credit product of the line."),
        Column("month_end", "date", "Month-end date.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("credit_limit", "float", "Credit limit; zero for a frozen line.", minimum=0),
        Column("cumulative_drawn_amount", "float", "Amount drawn and outstanding at month end.", minimum=0),
    ),
    key=("credit_line_id", "month_end"),
    foreign_keys=(_CUSTOMER_FK, _PRODUCT_FK),
)

CREDIT_LINE_EVENTS = TableContract(
    "credit_line_events",
    "Every drawdown from and repayment to a revolving credit line; a line's month-end balance is the "
    "previous one plus the month's drawdowns minus its repayments.",
    (
        Column("event_id", "int", "Event key."),
        Column("credit_line_id", "int", "Credit line drawn or repaid."),
        Column("customer_id", "int", "Customer holding the line."),
        Column("event_date", "date", "Date booked.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("event_type", "string", "drawdown or repayment.", allowed=CREDIT_LINE_EVENT_TYPES),
        Column("amount", "float", "Amount, always positive; the event type gives the sign.", minimum=0.01),
    ),
    key=("event_id",),
    foreign_keys=(_CUSTOMER_FK, ForeignKey("credit_line_id", "credit_lines", "credit_line_id")),
)

DIGITAL_EVENTS = TableContract(
    "digital_events",
    "Logins, product views and searches in the app and on the web.",
    (
        Column("event_id", "int", "Event key."),
        Column("customer_id", "int", "Customer."),
        Column("timestamp", "datetime", "When it happened.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("event_type", "string", "login, product_view or search.", allowed=DIGITAL_EVENT_TYPES),
        Column(
            "product_category",
            "string",
            "Category viewed or searched; empty for a login.",
            nullable=True,
            allowed=PRODUCT_CATEGORIES,
        ),
        Column("channel", "string", "app or web.", allowed=DIGITAL_CHANNELS),
    ),
    key=("event_id",),
    foreign_keys=(_CUSTOMER_FK,),
)

CAMPAIGN_RESPONSES = TableContract(
    "campaign_responses",
    "Every campaign offer made to a customer and whether the customer responded.",
    (
        Column("campaign_id", "string", "Campaign key."),
        Column("customer_id", "int", "Customer offered."),
        Column("product_category", "string", "Category offered.", allowed=PRODUCT_CATEGORIES),
        Column("channel", "string", "Channel of the offer.", allowed=CAMPAIGN_CHANNELS),
        Column("offer_date", "date", "Date of the offer.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("responded", "bool", "Whether the customer responded positively."),
        Column(
            "response_date",
            "date",
            "Date of the response; empty without one.",
            nullable=True,
            minimum=_EARLIEST_EVENT,
        ),
    ),
    key=("campaign_id", "customer_id"),
    foreign_keys=(_CUSTOMER_FK,),
)

PLATFORM_PROFILES = TableContract(
    "platform_profiles",
    "A second source: the digital platform's own profile of each customer and its service log, per month.",
    (
        Column("customer_id", "int", "Customer."),
        Column("month_end", "date", "Month-end date of the record.", minimum=_EARLIEST_EVENT, not_after_as_of=True),
        Column("city", "string", "City of residence as the platform has it (typed by the customer)."),
        Column("occupation", "string", "Occupation as the platform has it."),
        Column(
            "annual_income", "float", "Income declared to the platform (maybe years ago).", nullable=True, minimum=0
        ),
        Column("credit_rating", "int", "The platform's credit rating, 1 (worst) to 10.", minimum=1, maximum=10),
        Column("service_minutes", "float", "Minutes the customer was served in the month.", minimum=0),
        Column("service_delay_minutes", "float", "Minutes the customer waited to be served in the month.", minimum=0),
        Column(
            "feedback_rating",
            "float",
            "Rating the customer gave the service, 1 to 5; empty when not served.",
            nullable=True,
            minimum=1,
            maximum=5,
        ),
    ),
    key=("customer_id", "month_end"),
    foreign_keys=(_CUSTOMER_FK,),
)

RAW_TABLES: dict[str, TableContract] = {
    t.name: t
    for t in (
        CUSTOMERS,
        RELATIONSHIP_MANAGERS,
        PRODUCTS,
        HOLDINGS,
        TRANSACTIONS,
        CREDIT_LINES,
        CREDIT_LINE_EVENTS,
        DIGITAL_EVENTS,
        CAMPAIGN_RESPONSES,
        PLATFORM_PROFILES,
    )
}


def _references_first(tables: dict[str, TableContract]) -> tuple[str, ...]:
    """Table names, each after the tables its foreign keys point to; ties keep the contract's order."""
    depth: dict[str, int] = {}

    def depth_of(name: str, seen: tuple[str, ...] = ()) -> int:
        if name in seen:
            raise ValueError(f"foreign keys form a cycle: {' -> '.join((*seen, name))}")
        if name not in depth:
            parents = [fk.table for fk in tables[name].foreign_keys if fk.table != name]
            depth[name] = 1 + max((depth_of(p, (*seen, name)) for p in parents), default=-1)
        return depth[name]

    order = list(tables)
    return tuple(sorted(order, key=lambda name: (depth_of(name), order.index(name))))


# repairing in this order checks every foreign key against already repaired keys
RAW_TABLES_REFERENCES_FIRST = _references_first(RAW_TABLES)
# the tables whose rows belong to one customer, so they can be generated or read customer by customer
CUSTOMER_TABLES = tuple(
    name
    for name, contract in RAW_TABLES.items()
    if name == CUSTOMERS.name or any(fk.table == CUSTOMERS.name for fk in contract.foreign_keys)
)
