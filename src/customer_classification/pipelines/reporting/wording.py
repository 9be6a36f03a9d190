"""Numbers and feature names in words, for a business reader."""

from __future__ import annotations

import math
import re

CATEGORY_WORDS = {
    "current_account": "current account",
    "time_deposit": "time deposit",
    "wealth_management": "wealth management",
    "mutual_fund": "mutual fund",
    "insurance": "insurance",
    "credit_card": "credit card",
    "personal_loan": "personal loan",
    "mortgage": "mortgage",
}

# Features whose name does not follow one of the patterns below.
FEATURE_TITLES = {
    "age_years": "Age (years)",
    "annual_income": "Annual income",
    "tenure_months": "Time as a customer (months)",
    "city_tier": "City tier (1 = largest cities)",
    "income_missing": "Income not reported (share of customers)",
    "is_female": "Women (share of customers)",
    "has_rm": "Has a relationship manager (share)",
    "has_credit_line": "Has a credit line (share)",
    "zero_credit_limit": "Credit line with a zero limit (share)",
    "credit_limit_latest": "Credit limit, latest month",
    "drawn_amount_latest": "Amount drawn on credit, latest month",
    "avg_debit_amount_12m": "Average payment size, last 12 months",
    "monthly_income_inflow_3m": "Monthly income paid in, last 3 months",
    "months_since_first_holding": "Months since the first product",
    "months_since_last_response": "Months since the last campaign response",
    "n_categories_held": "Product categories held",
    "n_new_categories_12m": "New product categories, last 12 months",
    "days_since_last_login": "Days since the last login",
    "days_since_last_transaction": "Days since the last transaction",
    "offers_12m": "Campaign offers received, last 12 months",
    "responses_12m": "Campaign responses, last 12 months",
    "response_rate_12m": "Campaign response rate, last 12 months",
    "searches_6m": "Searches in the app, last 6 months",
}

_WINDOW = r"(\d+)m"
_PATTERNS: tuple[tuple[str, str], ...] = (
    (rf"^aum_mean_{_WINDOW}$", "Assets under management (AUM), average of the last {0} months"),
    (r"^aum_latest$", "Assets under management (AUM), latest month"),
    (r"^aum_trend_3v12m$", "AUM trend, last 3 against last 12 months (ratio)"),
    (rf"^aum_volatility_{_WINDOW}$", "AUM volatility, last {0} months"),
    (r"^balance_(\w+?)_latest$", "{0} balance, latest month"),
    (rf"^balance_(\w+?)_mean_{_WINDOW}$", "{0} balance, average of the last {1} months"),
    (r"^balance_(\w+?)_trend_3v12m$", "{0} balance trend, last 3 against last 12 months (ratio)"),
    (rf"^balance_(\w+?)_volatility_{_WINDOW}$", "{0} balance volatility, last {1} months"),
    (rf"^channel_share_(\w+?)_{_WINDOW}$", "Share of transactions through {0}, last {1} months"),
    (rf"^merchant_share_(\w+?)_{_WINDOW}$", "Share of spending on {0}, last {1} months"),
    (rf"^views_(\w+?)_{_WINDOW}$", "{0} product-page views, last {1} months"),
    (r"^holds_(\w+)$", "Holds a {0} (share of customers)"),
    (rf"^tx_count_{_WINDOW}$", "Transactions, last {0} months"),
    (rf"^credit_amount_{_WINDOW}$", "Money paid in, last {0} months"),
    (rf"^debit_amount_{_WINDOW}$", "Money paid out, last {0} months"),
    (rf"^net_flow_{_WINDOW}$", "Net money flow (in minus out), last {0} months"),
    (rf"^logins_{_WINDOW}$", "Logins, last {0} months"),
    (r"^utilization_latest$", "Credit-line utilization (drawn / limit), latest month"),
    (rf"^utilization_mean_{_WINDOW}$", "Credit-line utilization, average of the last {0} months"),
    (rf"^drawdown_rate_{_WINDOW}$", "Credit-line drawdowns per month over the limit, last {0} months"),
    (rf"^repayment_rate_{_WINDOW}$", "Credit-line repayments per month over the limit, last {0} months"),
)
_SPECIAL_WORDS = {"atm": "ATM", "pos": "point-of-sale terminals", "aum": "AUM", "rm": "RM"}


def _words(token: str) -> str:
    if token in CATEGORY_WORDS:
        return CATEGORY_WORDS[token]
    return " ".join(_SPECIAL_WORDS.get(part, part) for part in token.split("_"))


def feature_title(feature: str) -> str:
    """A feature of ``customer_features`` in words, e.g. ``channel_share_atm_12m`` ->
    "Share of transactions through ATM, last 12 months". Unknown names are spelled out."""
    if feature in FEATURE_TITLES:
        return FEATURE_TITLES[feature]
    for pattern, template in _PATTERNS:
        match = re.match(pattern, feature)
        if match:
            title = template.format(*(_words(g) for g in match.groups()))
            return title[0].upper() + title[1:]
    spelled = _words(feature)
    return spelled[0].upper() + spelled[1:]


def category_title(category: str) -> str:
    """A product category in words, capitalised: ``wealth_management`` -> "Wealth management"."""
    words = _words(category)
    return words[0].upper() + words[1:]


def count(value: float) -> str:
    """A whole number with thousands separators: 20000 -> "20,000"."""
    return f"{round(value):,}"


def percent(share: float, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: 0.0594 -> "5.9%"; missing -> "n/a"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    return f"{100 * share:.{digits}f}%"


def money(value: float, currency: str) -> str:
    """An amount with its unit: 1234567 -> "1.23 million CNY"."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} million {currency}"
    return f"{value:,.0f} {currency}"
