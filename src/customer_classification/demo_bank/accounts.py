"""Month-by-month simulation of holdings, credit lines and campaign responses.

One loop over months, vectorised over the customers of a chunk. The planted
signals live here:

* M1: each month a long-tail customer receives a large asset inflow with the
  customer's ``upgrade_hazard``; the inflow lifts assets over the high-value line.
* M2: a credit line's month-end utilization wanders around the customer's
  ``expected_utilization``.
* M4: a category not yet held is acquired with the customer's category hazard;
  a positive campaign response converts with a fixed probability (the feedback loop).
* M5: clients of a specialist relationship manager acquire the specialism more often
  (already in the category hazards).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_classification import taxonomy
from customer_classification.demo_bank import catalogue as cat
from customer_classification.demo_bank.customers import HiddenTraits, choose_rows
from customer_classification.demo_bank.params import DemoBankParams

_CATEGORY = {name: k for k, name in enumerate(taxonomy.PRODUCT_CATEGORIES)}
_ASSET = np.array([name in taxonomy.ASSET_CATEGORIES for name in taxonomy.PRODUCT_CATEGORIES])
_PRODUCT_IDS = [[p[0] for p in cat.PRODUCTS if p[2] == c] for c in taxonomy.PRODUCT_CATEGORIES]
_RESPONSE_CONVERSION = 0.55
_LOAN_TERM_MONTHS = {"personal_loan": 36, "mortgage": 300}


@dataclass
class AccountHistory:
    """Tables produced by the monthly simulation, plus the inflows it planted."""

    holdings: pd.DataFrame
    credit_lines: pd.DataFrame
    campaign_responses: pd.DataFrame
    inflows: pd.DataFrame  # customer index, month index, amount of each upgrade inflow


def _initial_holdings(rng: np.random.Generator, traits: HiddenTraits) -> np.ndarray:
    n = len(traits.persona)
    affinity = cat.PERSONA_CATEGORY_AFFINITY[traits.persona]
    probability = np.minimum(cat.CATEGORY_BASE_HOLDING * np.exp(0.8 * affinity), 0.95)
    specialist = traits.rm_specialism >= 0
    rows = np.flatnonzero(specialist)
    probability[rows, traits.rm_specialism[specialist]] = np.minimum(
        probability[rows, traits.rm_specialism[specialist]] * 1.8, 0.95
    )
    held = rng.random((n, len(taxonomy.PRODUCT_CATEGORIES))) < probability
    held[:, _CATEGORY["current_account"]] = True
    return held


@dataclass
class _AccountState:
    """What the monthly simulation carries from one month to the next, per customer (and category)."""

    held: np.ndarray  # (n, categories) bool
    asset_weight: np.ndarray  # (n, categories) share of wealth in each asset category held
    log_wealth: np.ndarray
    drift: np.ndarray  # monthly log-growth of wealth
    loan_principal: np.ndarray  # (n, categories), outstanding, loan categories only
    loan_installment: np.ndarray  # (n, categories)
    credit_limit: np.ndarray
    card_opened: np.ndarray  # month index the card was opened (negative: before the history)
    utilization_noise: np.ndarray


def _starting_state(rng: np.random.Generator, traits: HiddenTraits) -> _AccountState:
    n = len(traits.persona)
    n_cat = len(taxonomy.PRODUCT_CATEGORIES)
    held = _initial_holdings(rng, traits)
    asset_weight = np.exp(0.6 * cat.PERSONA_CATEGORY_AFFINITY[traits.persona] + rng.normal(0, 0.4, (n, n_cat)))
    asset_weight[:, _CATEGORY["current_account"]] *= 1.5
    log_wealth = np.log(traits.wealth)
    drift = rng.normal(0.002, 0.004, n)
    loan_principal = np.zeros((n, n_cat))
    loan_installment = np.zeros((n, n_cat))
    for name, term in _LOAN_TERM_MONTHS.items():
        k = _CATEGORY[name]
        size = _loan_size(rng, traits.income, name)
        # loans held at the start are part-way through their term
        loan_principal[:, k] = np.where(held[:, k], size * rng.uniform(0.2, 1.0, n), 0.0)
        loan_installment[:, k] = size / term
    credit_limit = np.round(traits.income * rng.uniform(0.1, 0.45, n), -3)
    credit_limit[rng.random(n) < 0.02] = 0.0  # frozen lines keep a zero limit
    card_opened = np.where(held[:, _CATEGORY["credit_card"]], -rng.integers(3, 60, n), -1)
    return _AccountState(
        held=held,
        asset_weight=asset_weight,
        log_wealth=log_wealth,
        drift=drift,
        loan_principal=loan_principal,
        loan_installment=loan_installment,
        credit_limit=credit_limit,
        card_opened=card_opened,
        utilization_noise=rng.normal(0, 0.08, n),
    )


@dataclass
class _Offers:
    """One month's campaign offers: the rows offered, the category offered, whether they responded."""

    rows: np.ndarray
    category: np.ndarray
    responded: np.ndarray
    table: pd.DataFrame  # the month's ``campaign_responses`` rows


def _make_offers(
    rng: np.random.Generator,
    state: _AccountState,
    traits: HiddenTraits,
    *,
    customer_id: np.ndarray,
    active: np.ndarray,
    month_end: pd.Timestamp,
    offer_probability: float,
) -> _Offers:
    """Campaign offers for a category the customer lacks, answered this month."""
    n = len(customer_id)
    month_start = month_end.replace(day=1)
    offered = active & (rng.random(n) < offer_probability)
    targets = np.where(state.held, 0.0, np.sqrt(traits.category_hazard))
    targets[:, _CATEGORY["current_account"]] = 0.0
    offered &= targets.sum(axis=1) > 0
    rows = np.flatnonzero(offered)
    offer_category = choose_rows(rng, targets[rows] + 1e-12)
    lift = np.log(traits.category_hazard[rows, offer_category] / cat.CATEGORY_BASE_HAZARD[offer_category])
    respond_p = 1 / (1 + np.exp(-(cat.PERSONA_RESPONSE_LOGIT[traits.persona[rows]] + 0.9 * lift)))
    responded = rng.random(len(rows)) < respond_p
    offer_day = rng.integers(0, 20, len(rows))
    response_lag = rng.integers(1, 8, len(rows))
    channels = taxonomy.CAMPAIGN_CHANNELS
    table = pd.DataFrame(
        {
            "campaign_id": [f"CMP-{month_end:%Y%m}-{taxonomy.PRODUCT_CATEGORIES[c]}" for c in offer_category],
            "customer_id": customer_id[rows],
            "product_category": np.array(taxonomy.PRODUCT_CATEGORIES)[offer_category],
            "channel": np.array(channels)[rng.integers(0, len(channels), len(rows))],
            "offer_date": month_start + pd.to_timedelta(offer_day, unit="D"),
            "responded": responded,
            "response_date": (month_start + pd.to_timedelta(offer_day + response_lag, unit="D")).where(
                responded, pd.NaT
            ),
        }
    )
    return _Offers(rows=rows, category=offer_category, responded=responded, table=table)


def _acquire_and_repay(
    rng: np.random.Generator, state: _AccountState, traits: HiddenTraits, offers: _Offers, active: np.ndarray, m: int
) -> None:
    """Acquisitions (organic hazard, or a converted campaign response), new customers' first
    holdings, loan drawdowns and repayments, card openings: updates ``state`` in place."""
    n, n_cat = state.held.shape
    held = state.held
    acquire = active[:, None] & ~held & (rng.random((n, n_cat)) < traits.category_hazard)
    converted = offers.responded & (rng.random(len(offers.rows)) < _RESPONSE_CONVERSION)
    acquire[offers.rows[converted], offers.category[converted]] = True
    acquire[:, _CATEGORY["current_account"]] = False
    newly_active = (traits.open_month == m) & (m > 0)
    if newly_active.any():
        held[newly_active] = _initial_holdings(rng, _subset(traits, newly_active))
    held |= acquire
    for name, term in _LOAN_TERM_MONTHS.items():
        k = _CATEGORY[name]
        fresh = acquire[:, k] | (newly_active & held[:, k])
        size = _loan_size(rng, traits.income[fresh], name)
        state.loan_principal[fresh, k] = size
        state.loan_installment[fresh, k] = size / term
        repaying = held[:, k] & ~fresh
        state.loan_principal[repaying, k] -= state.loan_installment[repaying, k]
        repaid = held[:, k] & (state.loan_principal[:, k] <= 1.0)
        held[repaid, k] = False
        state.loan_principal[repaid, k] = 0.0
    card_k = _CATEGORY["credit_card"]
    state.card_opened = np.where((acquire[:, card_k] | (newly_active & held[:, card_k])), m, state.card_opened)


def _plant_upgrade_inflows(
    rng: np.random.Generator, state: _AccountState, traits: HiddenTraits, active: np.ndarray, m: int, line: float
) -> pd.DataFrame:
    """The M1 planted signal: a large inflow lifts assets over the line; then wealth drifts for the month."""
    n = len(active)
    log_wealth = state.log_wealth
    inflow = active & (np.exp(log_wealth) < line) & (rng.random(n) < traits.upgrade_hazard)
    before = np.exp(log_wealth[inflow])
    log_wealth[inflow] = np.maximum(
        log_wealth[inflow] + np.log(rng.uniform(1.5, 3.0, inflow.sum())),
        np.log(line * rng.uniform(1.05, 2.0, inflow.sum())),
    )
    inflows = pd.DataFrame({"row": np.flatnonzero(inflow), "month": m, "amount": np.exp(log_wealth[inflow]) - before})
    state.log_wealth = np.where(active, log_wealth + state.drift + rng.normal(0, 0.035, n), log_wealth)
    return inflows


def _month_end_balances(
    rng: np.random.Generator, state: _AccountState, traits: HiddenTraits, month_end: pd.Timestamp, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Month-end balance of every customer and category (n, categories), and each card's drawn amount."""
    n, n_cat = state.held.shape
    salaried_bonus = np.isin(traits.persona, [0, 1, 2, 4])
    season = np.where(salaried_bonus & (month_end.month in (12, 1)), 1.03, 1.0)
    wealth = np.exp(state.log_wealth) * season
    weights = np.where(state.held & _ASSET, state.asset_weight, 0.0)
    balances = wealth[:, None] * weights / weights.sum(axis=1, keepdims=True)
    balances *= np.exp(rng.normal(0, 0.03, (n, n_cat)))

    state.utilization_noise = 0.6 * state.utilization_noise + rng.normal(0, 0.07, n)
    ramp = np.clip((m - state.card_opened + 1) / 3.0, 0.0, 1.0)
    utilization = np.clip(traits.expected_utilization + state.utilization_noise, 0.0, 1.05) * ramp
    drawn = np.round(state.credit_limit * utilization, 2)
    balances[:, _CATEGORY["credit_card"]] = drawn
    for name in _LOAN_TERM_MONTHS:
        balances[:, _CATEGORY[name]] = state.loan_principal[:, _CATEGORY[name]]
    return balances, drawn


def _holding_rows(
    state: _AccountState,
    traits: HiddenTraits,
    customer_id: np.ndarray,
    active: np.ndarray,
    month_end: pd.Timestamp,
    balances: np.ndarray,
) -> pd.DataFrame:
    row, k = np.nonzero(state.held & active[:, None])
    return pd.DataFrame(
        {
            "customer_id": customer_id[row],
            "product_id": _product_ids(k, traits.product_choice[row, k]),
            "month_end": month_end,
            "balance": np.round(balances[row, k], 2),
        }
    )


def _credit_line_rows(
    state: _AccountState,
    traits: HiddenTraits,
    customer_id: np.ndarray,
    active: np.ndarray,
    month_end: pd.Timestamp,
    drawn: np.ndarray,
) -> pd.DataFrame:
    card_k = _CATEGORY["credit_card"]
    with_line = np.flatnonzero(state.held[:, card_k] & active)
    return pd.DataFrame(
        {
            "credit_line_id": customer_id[with_line] * 10 + 1,
            "customer_id": customer_id[with_line],
            "product_id": _product_ids(np.full(len(with_line), card_k), traits.product_choice[with_line, card_k]),
            "month_end": month_end,
            "credit_limit": state.credit_limit[with_line],
            "cumulative_drawn_amount": drawn[with_line],
        }
    )


def simulate_accounts(
    rng: np.random.Generator,
    customer_id: np.ndarray,
    traits: HiddenTraits,
    params: DemoBankParams,
) -> AccountHistory:
    """Holdings, credit lines and campaign responses of one chunk, month by month.

    Each month draws in a fixed order (offers, acquisitions, inflows, balances),
    so the same seed gives the same tables bit for bit.
    """
    state = _starting_state(rng, traits)
    holding_parts: list[pd.DataFrame] = []
    credit_parts: list[pd.DataFrame] = []
    campaign_parts: list[pd.DataFrame] = []
    inflow_parts: list[pd.DataFrame] = []
    for m, month_end in enumerate(pd.to_datetime(params.month_ends)):
        active = traits.open_month <= m
        offers = _make_offers(
            rng,
            state,
            traits,
            customer_id=customer_id,
            active=active,
            month_end=month_end,
            offer_probability=params.monthly_offer_probability,
        )
        campaign_parts.append(offers.table)
        _acquire_and_repay(rng, state, traits, offers, active, m)
        inflow_parts.append(_plant_upgrade_inflows(rng, state, traits, active, m, params.high_value_aum_line))
        balances, drawn = _month_end_balances(rng, state, traits, month_end, m)
        holding_parts.append(_holding_rows(state, traits, customer_id, active, month_end, balances))
        credit_parts.append(_credit_line_rows(state, traits, customer_id, active, month_end, drawn))

    return AccountHistory(
        holdings=pd.concat(holding_parts, ignore_index=True),
        credit_lines=pd.concat(credit_parts, ignore_index=True),
        campaign_responses=pd.concat(campaign_parts, ignore_index=True),
        inflows=pd.concat(inflow_parts, ignore_index=True),
    )


def _loan_size(rng: np.random.Generator, income: np.ndarray, category: str) -> np.ndarray:
    low, high = (2.5, 6.0) if category == "mortgage" else (0.2, 1.0)
    return np.round(income * rng.uniform(low, high, len(income)), -2)


def _product_ids(category: np.ndarray, choice: np.ndarray) -> np.ndarray:
    table = np.array([ids + [ids[-1]] * (3 - len(ids)) for ids in _PRODUCT_IDS], dtype=object)
    return table[category, np.minimum(choice, 2)]


def _subset(traits: HiddenTraits, mask: np.ndarray) -> HiddenTraits:
    return HiddenTraits(**{name: value[mask] for name, value in vars(traits).items()})
