"""The bank's vocabularies: product categories, transaction channels and purposes, digital events.

The raw warehouse contract restricts columns to these values, and data
engineering turns each value into feature and label columns (``held_<category>``,
``channel_share_<channel>_12m`` …), so the names here are part of the model's
interface. A bank mapping its own warehouse maps its codes onto these; the demo
bank generates them.
"""

from __future__ import annotations

PRODUCT_CATEGORIES: tuple[str, ...] = (
    "current_account",
    "time_deposit",
    "wealth_management",
    "mutual_fund",
    "insurance",
    "credit_card",
    "personal_loan",
    "mortgage",
)
# assets add up to a customer's assets under management; liabilities are outstanding amounts
ASSET_CATEGORIES = ("current_account", "time_deposit", "wealth_management", "mutual_fund", "insurance")
LIABILITY_CATEGORIES = ("credit_card", "personal_loan", "mortgage")

TRANSACTION_DIRECTIONS = ("credit", "debit")
TRANSACTION_CHANNELS = ("branch", "atm", "mobile", "online", "pos")
CREDIT_LINE_EVENT_TYPES = ("drawdown", "repayment")
# merchant (or purpose) categories of debits
DEBIT_CATEGORIES = (
    "groceries",
    "dining",
    "shopping",
    "travel",
    "utilities",
    "healthcare",
    "education",
    "entertainment",
    "cash_withdrawal",
    "transfer_out",
    "investment_purchase",
    "business_supplies",
)
# the credits that are a customer's regular income, as opposed to money moved in
INCOME_CATEGORIES = ("salary", "pension", "business_income")
CREDIT_CATEGORIES = (*INCOME_CATEGORIES, "transfer_in", "investment_redemption")

DIGITAL_EVENT_TYPES = ("login", "product_view", "search")
DIGITAL_CHANNELS = ("app", "web")
CAMPAIGN_CHANNELS = ("sms", "app_push", "email", "branch", "call")
