"""Static reference data of the demo bank: personas, its products, rates and name lists.

Everything a persona drives is a row of one table here, so the shape of the demo
bank can be read (and changed) in one place. The vocabularies these tables are
laid out by (product categories, channels, merchant categories) belong to the
bank, not to the demo: they live in :mod:`customer_classification.taxonomy`.
Amounts are in the bank's currency units; rates are per customer per month.
"""

from __future__ import annotations

import numpy as np

# product_id, name, category, risk_level (1 lowest .. 5 highest), launch_date
PRODUCTS: tuple[tuple[str, str, str, int, str], ...] = (
    ("P01", "Everyday Current Account", "current_account", 1, "2005-01-01"),
    ("P02", "Premier Current Account", "current_account", 1, "2012-06-01"),
    ("P03", "12-Month Term Deposit", "time_deposit", 1, "2005-01-01"),
    ("P04", "36-Month Term Deposit", "time_deposit", 1, "2010-03-01"),
    ("P05", "Stable Income Wealth Plan", "wealth_management", 2, "2015-09-01"),
    ("P06", "Balanced Growth Wealth Plan", "wealth_management", 3, "2018-04-01"),
    ("P07", "Bond Fund", "mutual_fund", 2, "2011-02-01"),
    ("P08", "Equity Index Fund", "mutual_fund", 4, "2016-05-01"),
    ("P09", "Technology Equity Fund", "mutual_fund", 5, "2020-07-01"),
    ("P10", "Term Life Insurance", "insurance", 1, "2008-01-01"),
    ("P11", "Annuity Insurance", "insurance", 2, "2013-11-01"),
    ("P12", "Classic Credit Card", "credit_card", 3, "2006-01-01"),
    ("P13", "Platinum Credit Card", "credit_card", 3, "2014-01-01"),
    ("P14", "Consumer Loan", "personal_loan", 4, "2009-01-01"),
    ("P15", "Small Business Loan", "personal_loan", 4, "2012-01-01"),
    ("P16", "Home Mortgage", "mortgage", 3, "2005-01-01"),
)

PERSONAS: tuple[str, ...] = (
    "young_digital_professional",
    "salaried_mass_market",
    "affluent_saver",
    "retiree",
    "small_business_owner",
    "student",
)
PERSONA_SHARE = np.array([0.17, 0.33, 0.09, 0.16, 0.10, 0.15])

# age: mean, sd, min, max (years)
PERSONA_AGE = np.array(
    [[29, 4, 22, 40], [41, 9, 24, 62], [52, 8, 35, 75], [70, 6, 60, 92], [45, 8, 28, 70], [21, 2, 18, 26]],
    dtype=float,
)
# log annual income: mean, sd
PERSONA_LOG_INCOME = np.array(
    [
        [np.log(180_000), 0.35],
        [np.log(90_000), 0.35],
        [np.log(320_000), 0.45],
        [np.log(55_000), 0.30],
        [np.log(260_000), 0.70],
        [np.log(15_000), 0.60],
    ]
)
# assets under management as a multiple of annual income: log-mean, log-sd
PERSONA_LOG_WEALTH_MULTIPLE = np.array(
    [
        [np.log(0.20), 0.8],
        [np.log(0.24), 0.9],
        [np.log(0.85), 0.7],
        [np.log(0.95), 0.9],
        [np.log(0.32), 1.0],
        [np.log(0.32), 0.9],
    ]
)
# customer tenure at the start of the history, log-mean and log-sd of months
PERSONA_LOG_TENURE = np.array(
    [
        [np.log(40), 0.7],
        [np.log(90), 0.7],
        [np.log(150), 0.5],
        [np.log(220), 0.5],
        [np.log(100), 0.6],
        [np.log(18), 0.7],
    ]
)
# logit of the monthly hazard of a large asset inflow (the M1 upgrade event)
PERSONA_UPGRADE_LOGIT = np.array([-5.2, -6.7, -4.9, -6.4, -5.1, -7.5])
# logit of the expected credit-line utilization (M2)
PERSONA_UTILIZATION_LOGIT = np.array([0.2, -0.2, -1.6, -1.9, 0.5, 0.8])
# share of customers with an assigned relationship manager
PERSONA_RM_SHARE = np.array([0.45, 0.50, 0.95, 0.60, 0.90, 0.20])
# base response logit to a campaign offer
PERSONA_RESPONSE_LOGIT = np.array([-2.2, -2.6, -2.4, -2.9, -2.3, -2.0])
# transactions and digital events per month (before the customer's own multiplier)
PERSONA_TRANSACTION_RATE = np.array([1.5, 1.0, 0.9, 0.6, 2.0, 0.9])
PERSONA_LOGIN_RATE = np.array([1.4, 0.55, 0.5, 0.1, 0.55, 1.2])

# affinity of each persona to each product category (log scale), columns follow
# taxonomy.PRODUCT_CATEGORIES; drives initial holdings, acquisition hazards and browsing
PERSONA_CATEGORY_AFFINITY = np.array(
    [
        # cur   td    wm    mf    ins   cc    pl    mort
        [0.0, -1.2, -0.3, 0.8, -0.6, 1.0, 0.2, -0.2],
        [0.0, -0.2, -0.6, -0.8, 0.0, 0.5, 0.6, 0.4],
        [0.0, 1.0, 1.2, 0.7, 0.6, 0.0, -1.5, -0.5],
        [0.0, 1.1, 0.1, -1.2, 1.0, -1.2, -2.0, -2.5],
        [0.0, -0.4, 0.0, -0.1, -0.1, 0.7, 1.3, 0.2],
        [0.0, -2.0, -2.0, -0.6, -1.8, 0.9, -0.5, -3.5],
    ]
)
# monthly hazard of acquiring a category not yet held, before affinities (per product category)
CATEGORY_BASE_HAZARD = np.array([0.0, 0.010, 0.006, 0.007, 0.005, 0.010, 0.006, 0.002])
# probability of holding a category at the start of the history, before affinities
CATEGORY_BASE_HOLDING = np.array([1.0, 0.25, 0.12, 0.12, 0.15, 0.35, 0.12, 0.08])

# columns follow taxonomy.TRANSACTION_CHANNELS
PERSONA_CHANNEL_MIX = np.array(
    [
        [0.02, 0.05, 0.55, 0.15, 0.23],
        [0.12, 0.18, 0.30, 0.10, 0.30],
        [0.25, 0.08, 0.22, 0.25, 0.20],
        [0.50, 0.25, 0.05, 0.02, 0.18],
        [0.15, 0.07, 0.28, 0.25, 0.25],
        [0.01, 0.09, 0.65, 0.05, 0.20],
    ]
)

# columns follow taxonomy.DEBIT_CATEGORIES, as does DEBIT_AMOUNT_SCALE
PERSONA_DEBIT_MIX = np.array(
    [
        [0.16, 0.18, 0.17, 0.10, 0.07, 0.02, 0.02, 0.10, 0.02, 0.08, 0.08, 0.00],
        [0.30, 0.10, 0.14, 0.04, 0.13, 0.04, 0.05, 0.05, 0.07, 0.06, 0.02, 0.00],
        [0.18, 0.10, 0.12, 0.10, 0.08, 0.05, 0.03, 0.04, 0.03, 0.10, 0.17, 0.00],
        [0.33, 0.05, 0.07, 0.05, 0.15, 0.18, 0.00, 0.03, 0.10, 0.03, 0.01, 0.00],
        [0.12, 0.10, 0.08, 0.06, 0.07, 0.02, 0.02, 0.03, 0.05, 0.12, 0.03, 0.30],
        [0.22, 0.20, 0.20, 0.04, 0.05, 0.01, 0.12, 0.12, 0.03, 0.01, 0.00, 0.00],
    ]
)
DEBIT_AMOUNT_SCALE = np.array([0.8, 1.2, 1.6, 6.0, 1.5, 2.0, 5.0, 1.0, 2.5, 4.0, 10.0, 8.0])

# month-of-year multiplier on spending (January .. December)
SPENDING_SEASONALITY = np.array([1.05, 1.25, 0.92, 0.95, 1.00, 1.02, 1.08, 1.06, 0.97, 1.03, 1.10, 1.30])

OCCUPATIONS = (
    "professional",
    "clerical",
    "manual",
    "management",
    "self_employed",
    "retired",
    "student",
    "unemployed",
)
PERSONA_OCCUPATION_MIX = np.array(
    [
        [0.62, 0.18, 0.04, 0.14, 0.02, 0.00, 0.00, 0.00],
        [0.18, 0.38, 0.32, 0.06, 0.02, 0.00, 0.00, 0.04],
        [0.35, 0.10, 0.02, 0.38, 0.10, 0.05, 0.00, 0.00],
        [0.00, 0.00, 0.00, 0.00, 0.02, 0.97, 0.00, 0.01],
        [0.02, 0.00, 0.02, 0.06, 0.90, 0.00, 0.00, 0.00],
        [0.00, 0.04, 0.06, 0.00, 0.00, 0.00, 0.88, 0.02],
    ]
)
EDUCATION_LEVELS = ("secondary", "vocational", "bachelor", "master", "doctorate")
PERSONA_EDUCATION_MIX = np.array(
    [
        [0.02, 0.08, 0.55, 0.30, 0.05],
        [0.35, 0.35, 0.25, 0.05, 0.00],
        [0.08, 0.12, 0.45, 0.28, 0.07],
        [0.55, 0.25, 0.15, 0.04, 0.01],
        [0.30, 0.30, 0.30, 0.09, 0.01],
        [0.40, 0.15, 0.43, 0.02, 0.00],
    ]
)
MARITAL_STATUSES = ("single", "married", "divorced", "widowed")
PERSONA_MARITAL_MIX = np.array(
    [
        [0.62, 0.35, 0.03, 0.00],
        [0.25, 0.62, 0.11, 0.02],
        [0.10, 0.75, 0.10, 0.05],
        [0.05, 0.55, 0.10, 0.30],
        [0.15, 0.72, 0.12, 0.01],
        [0.98, 0.02, 0.00, 0.00],
    ]
)
# city, tier (1 = largest), administrative region code for the national ID
CITIES: tuple[tuple[str, int, str], ...] = (
    ("Shanghai", 1, "310101"),
    ("Beijing", 1, "110101"),
    ("Shenzhen", 1, "440301"),
    ("Guangzhou", 1, "440103"),
    ("Hangzhou", 2, "330102"),
    ("Chengdu", 2, "510104"),
    ("Nanjing", 2, "320102"),
    ("Wuhan", 2, "420102"),
    ("Suzhou", 2, "320505"),
    ("Xiamen", 3, "350203"),
    ("Kunming", 3, "530102"),
    ("Lanzhou", 3, "620102"),
    ("Ganzhou", 4, "360702"),
    ("Yulin", 4, "450902"),
    ("Baoding", 4, "130602"),
)
# probability of living in a city of tier 1..4, per persona
PERSONA_CITY_TIER_MIX = np.array(
    [
        [0.62, 0.30, 0.06, 0.02],
        [0.25, 0.35, 0.25, 0.15],
        [0.50, 0.32, 0.12, 0.06],
        [0.20, 0.30, 0.25, 0.25],
        [0.30, 0.35, 0.20, 0.15],
        [0.40, 0.35, 0.15, 0.10],
    ]
)
CITY_TIER_INCOME_FACTOR = np.array([1.35, 1.05, 0.85, 0.70])

SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
)
GIVEN_NAMES = (
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Jun",
    "Hui",
    "Qiang",
    "Ling",
    "Tao",
    "Xin",
    "Hao",
    "Yu",
    "Ning",
    "Bo",
    "Lan",
    "Kai",
    "Mei",
    "Rui",
    "Jie",
    "Ping",
    "Chao",
    "Dan",
    "Gang",
    "Hong",
    "Li",
    "Na",
    "Peng",
    "Ying",
)

RM_GRADES = ("associate", "senior", "private_banker")
# share of relationship managers specialised in each category; the rest are generalists
RM_SPECIALISM_SHARE = {
    "wealth_management": 0.14,
    "mutual_fund": 0.12,
    "insurance": 0.12,
    "credit_card": 0.08,
    "personal_loan": 0.12,
    "mortgage": 0.08,
}
