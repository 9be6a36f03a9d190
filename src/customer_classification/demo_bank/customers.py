"""Draw the customers of one chunk: demographics, PII and the hidden traits.

The hidden traits (persona, upgrade hazard, expected utilization, category
hazards) drive every other table and are written only to ``demo_truth``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_classification import taxonomy
from customer_classification.demo_bank import catalogue as cat
from customer_classification.demo_bank.params import DemoBankParams

CUSTOMER_ID_OFFSET = 100_000_001
_REFERENCE_LOG_INCOME = np.log(90_000)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def choose_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random((probabilities.shape[0], 1))
    return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)


@dataclass
class HiddenTraits:
    """Per-customer latent state of one chunk (arrays of the chunk's length)."""

    persona: np.ndarray
    income: np.ndarray
    wealth: np.ndarray
    open_month: np.ndarray  # index into the history; 0 = before or at its start
    activity: np.ndarray
    digital: np.ndarray
    spend_propensity: np.ndarray
    upgrade_hazard: np.ndarray
    expected_utilization: np.ndarray
    category_hazard: np.ndarray  # (n, categories), monthly
    product_choice: np.ndarray  # (n, categories), index of the product within its category
    rm_specialism: np.ndarray  # category index of the customer's RM specialism, -1 if none


def _national_id(rng: np.random.Generator, region: np.ndarray, birth: pd.DatetimeIndex) -> np.ndarray:
    """18-character national ID numbers with the ISO 7064 MOD 11-2 check digit."""
    body = (
        pd.Series(region)
        + birth.strftime("%Y%m%d").to_numpy()
        + pd.Series(rng.integers(0, 1000, len(region))).astype(str).str.zfill(3)
    )
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(len(body), 17) - ord("0")
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits @ weights) % 11]
    return (body + check).to_numpy()


def _draw_cities(rng: np.random.Generator, persona: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's city (index into ``cat.CITIES``) and its tier: the tier from the persona, the city within it."""
    tier_choice = choose_rows(rng, cat.PERSONA_CITY_TIER_MIX[persona])
    city_tiers = np.array([c[1] for c in cat.CITIES])
    city = np.empty(len(persona), dtype=np.int64)
    for tier in range(1, 5):
        members = np.flatnonzero(tier_choice == tier - 1)
        candidates = np.flatnonzero(city_tiers == tier)
        city[members] = rng.choice(candidates, size=len(members))
    return city, city_tiers[city]


def _draw_open_dates(
    rng: np.random.Generator, persona: np.ndarray, birth: pd.Timestamp, params: DemoBankParams
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Month of the history each customer becomes active in (0: already at its start) and the open date."""
    n = len(persona)
    months = params.month_ends
    tenure = np.exp(rng.normal(*cat.PERSONA_LOG_TENURE[persona].T))
    new_in_window = rng.random(n) < 0.12
    open_month = np.where(new_in_window, rng.integers(1, max(2, params.n_months - 3), n), 0)
    open_date = np.where(
        new_in_window,
        pd.to_datetime(np.array(months, dtype="datetime64[D]")[open_month])
        - pd.to_timedelta(rng.integers(0, 27, n), unit="D"),
        pd.Timestamp(months[0]) - pd.to_timedelta(np.round(tenure * 30.4), unit="D"),
    )
    open_date = pd.to_datetime(open_date)
    # nobody opens an account before turning 18
    adult = birth + pd.DateOffset(years=18)
    return open_month, open_date.where(open_date > adult, adult)


def _upgrade_hazard(
    rng: np.random.Generator,
    persona: np.ndarray,
    *,
    z_income: np.ndarray,
    digital: np.ndarray,
    wealth_interest: np.ndarray,
    prime_age: np.ndarray,
) -> np.ndarray:
    """Monthly hazard of the large asset inflow (M1), with noise that no feature sees."""
    upgrade_logit = (
        cat.PERSONA_UPGRADE_LOGIT[persona]
        + 0.8 * z_income
        + 0.5 * np.log1p(digital)
        + 0.7 * wealth_interest
        + 0.4 * prime_age
        + rng.normal(0, 0.4, len(persona))
    )
    return _sigmoid(upgrade_logit)


def _expected_utilization(
    rng: np.random.Generator,
    persona: np.ndarray,
    *,
    spend_propensity: np.ndarray,
    wealth_multiple: np.ndarray,
    age_years: np.ndarray,
) -> np.ndarray:
    """The credit-line utilization a customer's month-end utilization wanders around (M2)."""
    wealth_ratio = np.log(wealth_multiple)
    utilization_logit = (
        cat.PERSONA_UTILIZATION_LOGIT[persona]
        + 0.75 * spend_propensity
        - 0.35 * (wealth_ratio - wealth_ratio.mean())
        - 0.02 * (age_years - 40)
        + rng.normal(0, 0.3, len(persona))
    )
    return _sigmoid(utilization_logit)


def _assign_rms(
    rng: np.random.Generator, persona: np.ndarray, city: np.ndarray, rm_table: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who has an RM, each customer's RM (row of ``rm_table``, from the customer's city when it has
    one) and the category index of that RM's specialism (-1 without an RM or a specialism)."""
    n = len(persona)
    has_rm = rng.random(n) < cat.PERSONA_RM_SHARE[persona]
    rm_city = rm_table["city"].to_numpy()
    city_names = np.array([c[0] for c in cat.CITIES])
    rm_index = rng.integers(0, len(rm_table), n)
    for c, name in enumerate(city_names):
        local = np.flatnonzero(rm_city == name)
        members = np.flatnonzero(city == c)
        if len(local) and len(members):
            rm_index[members] = rng.choice(local, size=len(members))
    specialism_of_rm = np.array(
        [taxonomy.PRODUCT_CATEGORIES.index(s) if isinstance(s, str) else -1 for s in rm_table["specialism"]]
    )
    return has_rm, rm_index, np.where(has_rm, specialism_of_rm[rm_index], -1)


def _category_hazards(
    rng: np.random.Generator,
    persona: np.ndarray,
    *,
    wealth_interest: np.ndarray,
    spend_propensity: np.ndarray,
    z_income: np.ndarray,
    prime_age: np.ndarray,
    rm_specialism: np.ndarray,
) -> np.ndarray:
    """Monthly hazard of acquiring each product category (n, categories): the M4 and M5 signals."""
    category = taxonomy.PRODUCT_CATEGORIES.index
    category_logit = cat.PERSONA_CATEGORY_AFFINITY[persona] + rng.normal(
        0, 0.45, (len(persona), len(taxonomy.PRODUCT_CATEGORIES))
    )
    category_logit[:, category("wealth_management")] += 0.6 * wealth_interest
    category_logit[:, category("mutual_fund")] += 0.5 * wealth_interest
    category_logit[:, category("credit_card")] += 0.5 * spend_propensity
    category_logit[:, category("personal_loan")] += 0.4 * spend_propensity
    category_logit[:, category("mortgage")] += 0.6 * z_income * prime_age
    specialist = rm_specialism >= 0
    category_logit[np.flatnonzero(specialist), rm_specialism[specialist]] += 1.0
    return np.minimum(cat.CATEGORY_BASE_HAZARD * np.exp(category_logit), 0.5)


def _product_choice(rng: np.random.Generator, persona: np.ndarray, z_income: np.ndarray) -> np.ndarray:
    """Which product of each category a customer takes (n, categories): the premium one for high earners."""
    products_per_category = np.array([sum(p[2] == c for p in cat.PRODUCTS) for c in taxonomy.PRODUCT_CATEGORIES])
    premium = (z_income > 0.8)[:, None]
    product_choice = np.where(
        premium,
        products_per_category - 1,
        rng.integers(0, 1 << 30, (len(persona), len(taxonomy.PRODUCT_CATEGORIES))) % products_per_category,
    )
    # small-business owners borrow through the business loan
    sbo = persona == cat.PERSONAS.index("small_business_owner")
    product_choice[sbo, taxonomy.PRODUCT_CATEGORIES.index("personal_loan")] = 1
    return product_choice


def _draw_names_and_phones(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series]:
    given = np.array(cat.GIVEN_NAMES)
    names = (
        pd.Series(np.array(cat.SURNAMES)[rng.integers(0, len(cat.SURNAMES), n)])
        + " "
        + pd.Series(given[rng.integers(0, len(given), n)])
        + pd.Series(np.where(rng.random(n) < 0.5, "", np.char.lower(given[rng.integers(0, len(given), n)])))
    )
    phone = pd.Series(
        np.char.add(
            np.array(["13", "15", "18", "17"])[rng.integers(0, 4, n)],
            np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9),
        )
    )
    return names, phone


def _customer_table(
    rng: np.random.Generator,
    *,
    customer_id: np.ndarray,
    persona: np.ndarray,
    birth: pd.Timestamp,
    city: np.ndarray,
    tier: np.ndarray,
    income: np.ndarray,
    open_date: pd.DatetimeIndex,
    rm_id: pd.Series,
) -> pd.DataFrame:
    """The raw ``customers`` rows: PII, the declared demographics and income, with their gaps."""
    n = len(persona)
    names, phone = _draw_names_and_phones(rng, n)
    region = np.array([c[2] for c in cat.CITIES])[city]

    def with_missing(values: pd.Series, share: float) -> pd.Series:
        return values.mask(rng.random(n) < share)

    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "name": names,
            "id_number": _national_id(rng, region, pd.DatetimeIndex(birth)),
            "phone": with_missing(phone, 0.02),
            "birth_date": pd.DatetimeIndex(birth).normalize().date,
            "gender": np.where(rng.random(n) < 0.5, "F", "M"),
            "city": np.array([c[0] for c in cat.CITIES])[city],
            "city_tier": tier.astype(np.int64),
            "occupation": np.array(cat.OCCUPATIONS)[choose_rows(rng, cat.PERSONA_OCCUPATION_MIX[persona])],
            "education": with_missing(
                pd.Series(np.array(cat.EDUCATION_LEVELS)[choose_rows(rng, cat.PERSONA_EDUCATION_MIX[persona])]), 0.07
            ),
            "marital_status": with_missing(
                pd.Series(np.array(cat.MARITAL_STATUSES)[choose_rows(rng, cat.PERSONA_MARITAL_MIX[persona])]), 0.03
            ),
            # income is declared by the customer, rounded, and sometimes missing
            "annual_income": with_missing(pd.Series(np.round(income * np.exp(rng.normal(0, 0.15, n)), -2)), 0.06),
            "open_date": open_date.normalize().date,
            "rm_id": rm_id,
        }
    )
    customers["birth_date"] = pd.to_datetime(customers["birth_date"]).astype("datetime64[s]")
    customers["open_date"] = pd.to_datetime(customers["open_date"]).astype("datetime64[s]")
    return customers


def draw_customers(
    rng: np.random.Generator,
    chunk_index: int,
    n: int,
    params: DemoBankParams,
    rm_table: pd.DataFrame,
) -> tuple[pd.DataFrame, HiddenTraits]:
    """Customers of one chunk in the raw ``customers`` contract, and their hidden traits.

    Every draw comes from ``rng`` in a fixed order (the helpers are called in it), so
    the same seed gives the same bank bit for bit.
    """
    last = pd.Timestamp(params.month_ends[-1])
    persona = rng.choice(len(cat.PERSONAS), size=n, p=cat.PERSONA_SHARE)
    customer_id = CUSTOMER_ID_OFFSET + chunk_index * params.chunk_size + np.arange(n, dtype=np.int64)

    age_spec = cat.PERSONA_AGE[persona]
    age_years = np.clip(rng.normal(age_spec[:, 0], age_spec[:, 1]), age_spec[:, 2], age_spec[:, 3])
    birth = last - pd.to_timedelta(np.round(age_years * 365.25), unit="D")
    city, tier = _draw_cities(rng, persona)

    log_income = rng.normal(cat.PERSONA_LOG_INCOME[persona, 0], cat.PERSONA_LOG_INCOME[persona, 1])
    income = np.exp(log_income) * cat.CITY_TIER_INCOME_FACTOR[tier - 1]
    z_income = (np.log(income) - _REFERENCE_LOG_INCOME) / 0.6
    wealth_multiple = np.exp(rng.normal(*cat.PERSONA_LOG_WEALTH_MULTIPLE[persona].T))
    open_month, open_date = _draw_open_dates(rng, persona, birth, params)

    activity = np.exp(rng.normal(0, 0.45, n))
    non_digital = rng.random(n) < np.where(persona == cat.PERSONAS.index("retiree"), 0.55, 0.10)
    digital = np.where(non_digital, 0.0, np.exp(rng.normal(0, 0.6, n)))
    wealth_interest = rng.normal(0, 1, n)
    spend_propensity = rng.normal(0, 1, n)
    prime_age = ((age_years >= 28) & (age_years <= 55)).astype(float)

    upgrade_hazard = _upgrade_hazard(
        rng, persona, z_income=z_income, digital=digital, wealth_interest=wealth_interest, prime_age=prime_age
    )
    expected_utilization = _expected_utilization(
        rng, persona, spend_propensity=spend_propensity, wealth_multiple=wealth_multiple, age_years=age_years
    )
    has_rm, rm_index, rm_specialism = _assign_rms(rng, persona, city, rm_table)
    category_hazard = _category_hazards(
        rng,
        persona,
        wealth_interest=wealth_interest,
        spend_propensity=spend_propensity,
        z_income=z_income,
        prime_age=prime_age,
        rm_specialism=rm_specialism,
    )
    product_choice = _product_choice(rng, persona, z_income)

    customers = _customer_table(
        rng,
        customer_id=customer_id,
        persona=persona,
        birth=birth,
        city=city,
        tier=tier,
        income=income,
        open_date=open_date,
        rm_id=pd.Series(rm_table["rm_id"].to_numpy()[rm_index], dtype="Int64").where(has_rm, pd.NA),
    )
    traits = HiddenTraits(
        persona=persona,
        income=income,
        wealth=income * wealth_multiple,
        open_month=open_month,
        activity=activity,
        digital=digital,
        spend_propensity=spend_propensity,
        upgrade_hazard=upgrade_hazard,
        expected_utilization=expected_utilization,
        category_hazard=category_hazard,
        product_choice=product_choice,
        rm_specialism=rm_specialism,
    )
    return customers, traits


def truth_table(customers: pd.DataFrame, traits: HiddenTraits, params: DemoBankParams) -> pd.DataFrame:
    """``demo_truth`` rows: what an evaluation compares the models with."""
    window = params.outcome_window_months
    truth = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "persona": np.array(cat.PERSONAS)[traits.persona],
            "monthly_upgrade_hazard": traits.upgrade_hazard,
            "upgrade_probability": 1.0 - (1.0 - traits.upgrade_hazard) ** window,
            "expected_utilization": traits.expected_utilization,
        }
    )
    for k, category in enumerate(taxonomy.PRODUCT_CATEGORIES):
        if category != "current_account":
            truth[f"acquisition_hazard_{category}"] = traits.category_hazard[:, k]
    return truth
