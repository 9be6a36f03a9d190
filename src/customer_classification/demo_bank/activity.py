"""Transactions and digital events of one chunk, drawn per customer and month.

Counts are Poisson per customer-month, then every event is drawn at once, so the
cost is linear in the number of rows and nothing loops over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_classification import taxonomy
from customer_classification.demo_bank import catalogue as cat
from customer_classification.demo_bank.customers import HiddenTraits, choose_rows
from customer_classification.demo_bank.params import DemoBankParams

_SECONDS_PER_DAY = 86_400
# the regular monthly credit of each persona
_INCOME_CATEGORY = np.array(["salary", "salary", "salary", "pension", "business_income", "transfer_in"])


def _month_grid(traits: HiddenTraits, params: DemoBankParams) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Active (customer, month) pairs as two index arrays, and the month starts."""
    month_ends = pd.to_datetime(params.month_ends)
    n_months = len(month_ends)
    active = traits.open_month[:, None] <= np.arange(n_months)[None, :]
    rows, months = np.nonzero(active)
    starts = pd.DatetimeIndex([e.replace(day=1) for e in month_ends])
    return rows, months, starts


def _timestamps(
    rng: np.random.Generator, month: np.ndarray, starts: pd.DatetimeIndex, days_in_month: np.ndarray
) -> np.ndarray:
    seconds = (rng.random(len(month)) * days_in_month[month] * _SECONDS_PER_DAY).astype("int64")
    base = starts.to_numpy().astype("datetime64[s]")[month]
    return base + seconds.astype("timedelta64[s]")


@dataclass(frozen=True)
class _MonthGrid:
    """The chunk's active (customer, month) pairs and the calendar they index into."""

    rows: np.ndarray  # customer index of each pair
    months: np.ndarray  # month index of each pair
    starts: pd.DatetimeIndex  # first day of each month of the history
    days: np.ndarray  # days in each month of the history

    @property
    def month_of_year(self) -> np.ndarray:
        """Zero-based calendar month (0 = January) of each month of the history."""
        return np.array([s.month for s in self.starts]) - 1


def _debits(rng: np.random.Generator, grid: _MonthGrid, traits: HiddenTraits, params: DemoBankParams) -> pd.DataFrame:
    """Spending: Poisson counts per customer-month, seasonal, in the persona's merchant and channel mix."""
    rows, months = grid.rows, grid.months
    persona = traits.persona[rows]
    spend = np.exp(0.35 * traits.spend_propensity[rows])
    debit_rate = (
        cat.PERSONA_TRANSACTION_RATE[persona]
        * traits.activity[rows]
        * cat.SPENDING_SEASONALITY[grid.month_of_year[months]]
        * spend
        * params.transaction_rate_multiplier
    )
    n_debits = rng.poisson(debit_rate)
    d_rows = np.repeat(rows, n_debits)
    d_months = np.repeat(months, n_debits)
    d_persona = traits.persona[d_rows]
    category = choose_rows(rng, cat.PERSONA_DEBIT_MIX[d_persona])
    monthly_income = traits.income[d_rows] / 12.0
    amount = (
        monthly_income
        * 0.03
        * cat.DEBIT_AMOUNT_SCALE[category]
        * np.exp(rng.normal(0, 0.7, len(d_rows)) + 0.3 * traits.spend_propensity[d_rows])
    )
    channels = taxonomy.TRANSACTION_CHANNELS
    channel = choose_rows(rng, cat.PERSONA_CHANNEL_MIX[d_persona])
    channel = np.where(
        np.array(taxonomy.DEBIT_CATEGORIES)[category] == "cash_withdrawal", channels.index("atm"), channel
    )
    return pd.DataFrame(
        {
            "row": d_rows,
            "timestamp": _timestamps(rng, d_months, grid.starts, grid.days),
            "amount": amount,
            "direction": "debit",
            "channel": np.array(channels)[channel],
            "merchant_category": np.array(taxonomy.DEBIT_CATEGORIES)[category],
        }
    )


def _regular_income(rng: np.random.Generator, grid: _MonthGrid, traits: HiddenTraits) -> pd.DataFrame:
    """The regular monthly income credit, with a December bonus for the salaried."""
    rows, months = grid.rows, grid.months
    income_persona = traits.persona[rows]
    bonus = np.where((grid.month_of_year[months] == 11) & (_INCOME_CATEGORY[income_persona] == "salary"), 1.6, 1.0)
    volatility = np.where(_INCOME_CATEGORY[income_persona] == "business_income", 0.45, 0.05)
    return pd.DataFrame(
        {
            "row": rows,
            "timestamp": grid.starts.to_numpy().astype("datetime64[s]")[months]
            + np.timedelta64(24 * 86_400 + 9 * 3_600, "s"),
            "amount": traits.income[rows] / 12.0 * bonus * np.exp(rng.normal(0, volatility)),
            "direction": "credit",
            "channel": "online",
            "merchant_category": _INCOME_CATEGORY[income_persona],
        }
    )


def _transfers_in(rng: np.random.Generator, grid: _MonthGrid, traits: HiddenTraits) -> pd.DataFrame:
    n_transfers = rng.poisson(0.35 * traits.activity[grid.rows])
    t_rows = np.repeat(grid.rows, n_transfers)
    t_months = np.repeat(grid.months, n_transfers)
    channels = np.array(taxonomy.TRANSACTION_CHANNELS)
    return pd.DataFrame(
        {
            "row": t_rows,
            "timestamp": _timestamps(rng, t_months, grid.starts, grid.days),
            "amount": traits.income[t_rows] / 12.0 * 0.3 * np.exp(rng.normal(0, 0.9, len(t_rows))),
            "direction": "credit",
            "channel": channels[choose_rows(rng, cat.PERSONA_CHANNEL_MIX[traits.persona[t_rows]])],
            "merchant_category": "transfer_in",
        }
    )


def _upgrade_inflow_credits(rng: np.random.Generator, grid: _MonthGrid, inflows: pd.DataFrame) -> pd.DataFrame:
    """The inflows that lift a customer over the high-value line, arriving as transfers or redemptions."""
    month_starts = grid.starts.to_numpy().astype("datetime64[s]")
    return pd.DataFrame(
        {
            "row": inflows["row"].to_numpy(),
            "timestamp": month_starts[inflows["month"].to_numpy()]
            + (rng.random(len(inflows)) * 27 * _SECONDS_PER_DAY).astype("int64").astype("timedelta64[s]"),
            "amount": inflows["amount"].to_numpy(),
            "direction": "credit",
            "channel": np.where(rng.random(len(inflows)) < 0.5, "branch", "online"),
            "merchant_category": np.where(rng.random(len(inflows)) < 0.6, "transfer_in", "investment_redemption"),
        }
    )


def draw_transactions(
    rng: np.random.Generator,
    *,
    chunk_index: int,
    customer_id: np.ndarray,
    traits: HiddenTraits,
    inflows: pd.DataFrame,
    params: DemoBankParams,
) -> pd.DataFrame:
    """The chunk's ``transactions``: debits, regular income, transfers in and the planted inflows."""
    rows, months, starts = _month_grid(traits, params)
    grid = _MonthGrid(rows, months, starts, np.array([e.day for e in pd.to_datetime(params.month_ends)]))
    debits = _debits(rng, grid, traits, params)
    regular = _regular_income(rng, grid, traits)
    transfers = _transfers_in(rng, grid, traits)
    big = _upgrade_inflow_credits(rng, grid, inflows)
    frame = pd.concat([debits, regular, transfers, big], ignore_index=True)
    frame = frame.sort_values(["row", "timestamp"], kind="stable", ignore_index=True)
    frame.insert(0, "transaction_id", chunk_index * 1_000_000_000 + np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(1, "customer_id", customer_id[frame.pop("row").to_numpy()])
    frame["amount"] = np.round(np.maximum(frame["amount"].to_numpy(), 0.01), 2)
    frame["timestamp"] = frame["timestamp"].astype("datetime64[us]")
    return frame


def draw_digital_events(
    rng: np.random.Generator,
    *,
    chunk_index: int,
    customer_id: np.ndarray,
    traits: HiddenTraits,
    params: DemoBankParams,
) -> pd.DataFrame:
    rows, months, starts = _month_grid(traits, params)
    days = np.array([e.day for e in pd.to_datetime(params.month_ends)])
    rate = cat.PERSONA_LOGIN_RATE[traits.persona[rows]] * traits.digital[rows] * params.digital_rate_multiplier
    logins = rng.poisson(rate)

    # browsing follows the customer's hidden category hazards: the M4 signal
    interest = traits.category_hazard / cat.CATEGORY_BASE_HAZARD.clip(min=1e-3)
    interest[:, 0] = 0.2
    interest = interest / interest.sum(axis=1, keepdims=True)
    views = rng.poisson(rate * 0.9)
    searches = rng.poisson(rate * 0.25)

    parts = []
    for event_type, counts in (("login", logins), ("product_view", views), ("search", searches)):
        e_rows = np.repeat(rows, counts)
        e_months = np.repeat(months, counts)
        if event_type == "login":
            category = np.full(len(e_rows), None, dtype=object)
        else:
            category = np.array(taxonomy.PRODUCT_CATEGORIES, dtype=object)[choose_rows(rng, interest[e_rows])]
        parts.append(
            pd.DataFrame(
                {
                    "row": e_rows,
                    "timestamp": _timestamps(rng, e_months, starts, days),
                    "event_type": event_type,
                    "product_category": category,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sort_values(["row", "timestamp"], kind="stable", ignore_index=True)
    app_share = np.where(np.isin(traits.persona, [0, 5]), 0.85, 0.55)[frame["row"].to_numpy()]
    frame["channel"] = np.where(rng.random(len(frame)) < app_share, "app", "web")
    frame.insert(0, "event_id", chunk_index * 1_000_000_000 + np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(1, "customer_id", customer_id[frame.pop("row").to_numpy()])
    frame["timestamp"] = frame["timestamp"].astype("datetime64[us]")
    frame["product_category"] = frame["product_category"].astype("str").where(frame["product_category"].notna(), None)
    return frame
