"""The digital platform's monthly customer profile: a second source, kept apart from the warehouse.

The platform holds its own copy of a customer's city, occupation and declared income, which
disagrees with the warehouse the way a second system does: an income last updated years ago
(stale), a city the customer has left, an occupation recorded differently, typed city names
with a letter dropped or swapped. It also logs the customer's service: the platform's credit
rating, the minutes served, the delay before being served and the feedback rating given.
These are the service-evaluation inputs the group-portrait push model weighs; the credit
rating drifts up for customers drawn to credit products and the feedback rating follows
a customer's appetite for new products, so they carry signal as a real log would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification import taxonomy
from customer_classification.demo_bank import catalogue as cat
from customer_classification.demo_bank.customers import HiddenTraits
from customer_classification.demo_bank.params import DemoBankParams

# shares of customers whose platform record disagrees with the warehouse, per field
MOVED_SHARE = 0.06
CITY_TYPO_SHARE = 0.03
OCCUPATION_DIFFERENT_SHARE = 0.04
STALE_INCOME_SHARE = 0.15
# a month in which a customer is served at all
SERVED_SHARE = 0.35
_CREDIT = [taxonomy.PRODUCT_CATEGORIES.index(c) for c in taxonomy.LIABILITY_CATEGORIES]


def _typo(rng: np.random.Generator, word: str) -> str:
    """``word`` with one letter dropped or two neighbours swapped (never the first letter)."""
    at = int(rng.integers(1, len(word) - 1))
    if rng.random() < 0.5:
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _profile_fields(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    """The platform's city, occupation and income of each customer, with the planted disagreements."""
    n = len(customers)
    cities = np.array([c[0] for c in cat.CITIES], dtype=object)
    city = customers["city"].to_numpy(dtype=object).copy()
    moved = rng.random(n) < MOVED_SHARE
    city[moved] = cities[rng.integers(0, len(cities), int(moved.sum()))]
    typed = ~moved & (rng.random(n) < CITY_TYPO_SHARE)
    city[typed] = [_typo(rng, name) for name in city[typed]]
    occupation = customers["occupation"].to_numpy(dtype=object).copy()
    different = rng.random(n) < OCCUPATION_DIFFERENT_SHARE
    occupation[different] = np.array(cat.OCCUPATIONS, dtype=object)[
        rng.integers(0, len(cat.OCCUPATIONS), different.sum())
    ]
    income = customers["annual_income"].to_numpy(dtype=float).copy()
    stale = rng.random(n) < STALE_INCOME_SHARE
    # declared years ago: 3 to 8 years of 6% wage growth behind
    income[stale] = income[stale] / 1.06 ** rng.uniform(3, 8, int(stale.sum()))
    return pd.DataFrame({"city": city, "occupation": occupation, "annual_income": np.round(income, 2)})


def draw_platform_profiles(
    rng: np.random.Generator, customers: pd.DataFrame, traits: HiddenTraits, params: DemoBankParams
) -> pd.DataFrame:
    """One row per customer and month since the relationship began: the platform's profile and service log."""
    n, months = len(customers), len(params.month_ends)
    profile = _profile_fields(rng, customers)
    credit_pull = np.log(traits.category_hazard[:, _CREDIT].sum(axis=1) + 1e-4)
    credit_pull = (credit_pull - credit_pull.mean()) / (credit_pull.std() + 1e-9)
    appetite = np.log(traits.category_hazard.sum(axis=1) + 1e-4)
    appetite = (appetite - appetite.mean()) / (appetite.std() + 1e-9)
    start_rating = np.clip(5.5 + 1.2 * np.log(traits.income / np.median(traits.income)) + rng.normal(0, 1, n), 1, 10)
    steps = rng.normal(0.04 * credit_pull[:, None], 0.25, (n, months))
    rating = np.clip(np.rint(start_rating[:, None] + np.cumsum(steps, axis=1)), 1, 10)
    served = rng.random((n, months)) < SERVED_SHARE * np.clip(traits.activity, 0.3, 2.0)[:, None]
    minutes = np.where(served, rng.gamma(2.0, 9.0, (n, months)), 0.0)
    delay = np.where(served, rng.exponential(4.0 + 3.0 * (traits.digital == 0)[:, None], (n, months)), 0.0)
    feeling = 3.4 + 0.5 * appetite[:, None] - 0.05 * delay + rng.normal(0, 0.8, (n, months))
    feedback = np.where(served, np.clip(np.rint(feeling), 1, 5), np.nan)
    month_ends = pd.to_datetime(pd.Series(params.month_ends)).astype("datetime64[s]").to_numpy()
    customer, month = np.nonzero(np.arange(months)[None, :] >= traits.open_month[:, None])
    frame = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[customer],
            "month_end": month_ends[month],
            **{column: profile[column].to_numpy()[customer] for column in profile.columns},
            "credit_rating": rating[customer, month].astype("int64"),
            "service_minutes": np.round(minutes[customer, month], 1),
            "service_delay_minutes": np.round(delay[customer, month], 1),
            "feedback_rating": feedback[customer, month],
        }
    )
    return frame.reset_index(drop=True)
