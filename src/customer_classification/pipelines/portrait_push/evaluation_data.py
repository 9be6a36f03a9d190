"""S3 and S51-S52: the platform's profile matched with the warehouse's, the service-evaluation
formula, and the standardised evaluation data the push model reads."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from customer_classification.pipelines.portrait_push.frames import month_index
from customer_classification.pipelines.portrait_push.params import MatchingParams

# S51's user features (the formula's n terms); docs/portrait_push.md gives the symbols
SERVICE_TERMS = [
    "credit_rating_change",
    "credit_rating_change_difference",
    "service_minutes_per_month",
    "customer_yield",
    "feedback_rating",
    "service_efficiency",
    "log_credit_limit",
    "log_user_value",
]
PROFILE_COLUMNS = ["city", "occupation", "annual_income"]


def platform_history(platform_profiles: Any, snapshot_months: list[int], months: int = 12) -> pd.DataFrame:
    """The platform's rows of the ``months`` months before the earliest to the latest snapshot."""
    frame = nw.from_native(platform_profiles)
    day = nw.col("month_end").cast(nw.Datetime("us"))
    frame = frame.with_columns((day.dt.year() * 12 + day.dt.month() - 1).cast(nw.Int64).alias("ym"))
    frame = frame.filter((nw.col("ym") >= min(snapshot_months) - months) & (nw.col("ym") < max(snapshot_months)))
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def _city_agreement(warehouse: pd.Series, platform: pd.Series, params: MatchingParams) -> pd.Series:
    """``same``, ``typo`` (a near spelling of the warehouse's city) or ``different`` per row."""
    rows = pd.DataFrame({"w": warehouse.fillna("").astype(str), "p": platform.fillna("").astype(str)})
    # a bank has few distinct (city, typed city) pairs: each is compared once
    pairs = rows.drop_duplicates(ignore_index=True)
    similar = np.array(
        [
            difflib.SequenceMatcher(None, w.lower(), p.lower()).ratio()
            for w, p in zip(pairs["w"], pairs["p"], strict=True)
        ]
    )
    pairs["agreement"] = np.where(
        pairs["w"] == pairs["p"], "same", np.where(similar >= params.city_similarity, "typo", "different")
    )
    agreement = rows.merge(pairs, on=["w", "p"], how="left", validate="many_to_one")["agreement"]
    return pd.Series(agreement.to_numpy(), index=warehouse.index)


def match_profiles(customers: pd.DataFrame, latest: pd.DataFrame, params: MatchingParams) -> pd.DataFrame:
    """S3: one row per warehouse customer: whether the platform knows them and how each field agrees."""
    joined = customers[["customer_id", *PROFILE_COLUMNS]].merge(
        latest[["customer_id", *PROFILE_COLUMNS]], on="customer_id", how="left", suffixes=("", "_platform")
    )
    found = joined["city_platform"].notna()
    joined["found_on_platform"] = found
    joined["city_agreement"] = np.where(
        found, _city_agreement(joined["city"], joined["city_platform"], params), "missing"
    )
    joined["occupation_agrees"] = found & (joined["occupation"] == joined["occupation_platform"])
    ours, theirs = joined["annual_income"].astype(float), joined["annual_income_platform"].astype(float)
    gap = (theirs - ours) / ours.where(ours > 0)
    joined["income_agrees"] = found & (gap.abs() <= params.income_tolerance)
    joined["income_stale"] = found & (gap < -params.income_tolerance)
    return joined


def matching_report(matched: pd.DataFrame, params: MatchingParams) -> dict[str, Any]:
    """Match rates per field and a few mismatches of each kind."""
    found = matched[matched["found_on_platform"]]
    rate = lambda mask: round(float(mask.mean()), 4) if len(mask) else None  # noqa: E731
    mismatches = found[
        (found["city_agreement"] != "same") | ~found["occupation_agrees"] | ~found["income_agrees"]
    ].head(params.examples)
    return {
        "customers": len(matched),
        "found_on_platform": rate(matched["found_on_platform"]),
        "city_same": rate(found["city_agreement"] == "same"),
        "city_typo": rate(found["city_agreement"] == "typo"),
        "city_different": rate(found["city_agreement"] == "different"),
        "occupation_agrees": rate(found["occupation_agrees"]),
        "income_agrees": rate(found["income_agrees"]),
        "income_stale": rate(found["income_stale"]),
        "all_fields_agree": rate(
            (found["city_agreement"] == "same") & found["occupation_agrees"] & found["income_agrees"]
        ),
        "examples": mismatches[
            ["customer_id", "city", "city_platform", "occupation", "occupation_platform", "annual_income",
             "annual_income_platform"]
        ].astype(str).to_dict("records"),
    }  # fmt: skip


def service_terms(rows: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Per row, S51's user features from the platform's 12 months before the snapshot and the features,
    and the delays: ``latest_delay`` (last served month) and ``total_delay``."""
    t = rows["snapshot_date"].map(month_index).to_numpy()
    keyed = rows[["customer_id"]].assign(t=t, row=np.arange(len(rows)))
    window = keyed.merge(history, on="customer_id")
    window = window[(window["ym"] < window["t"]) & (window["ym"] >= window["t"] - 12)].sort_values(["row", "ym"])
    by_row = window.groupby("row")
    rating = by_row["credit_rating"]
    recent = window[window["ym"] >= window["t"] - 6].groupby("row")["credit_rating"].first()
    served = window[window["service_minutes"] > 0]
    out = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    out["credit_rating_change"] = rating.last() - rating.first()
    out["credit_rating_change_difference"] = (rating.last() - recent) - (recent - rating.first())
    out["service_minutes_total"] = by_row["service_minutes"].sum()
    out["service_minutes_per_month"] = out["service_minutes_total"] / by_row.size()
    out["feedback_rating"] = by_row["feedback_rating"].mean()
    out["latest_delay"] = served.groupby("row")["service_delay_minutes"].last()
    out["total_delay"] = by_row["service_delay_minutes"].sum()
    drawn = rows["drawn_amount_latest"].fillna(0).to_numpy()
    wealth = rows[["balance_wealth_management_latest", "balance_mutual_fund_latest"]].fillna(0).sum(axis=1).to_numpy()
    aum = rows["aum_latest"].fillna(0).clip(lower=0).to_numpy()
    out["customer_yield"] = (0.05 * drawn + 0.01 * wealth) / (aum + drawn + 1.0)
    out["service_efficiency"] = rows["n_categories_held"].fillna(0).to_numpy() / (1 + out["service_minutes_total"] / 60)
    out["log_credit_limit"] = np.log1p(rows["credit_limit_latest"].fillna(0).clip(lower=0).to_numpy())
    out["log_user_value"] = np.log1p(aum + drawn)
    out["business_months"] = rows["tenure_months"].fillna(0).to_numpy()
    defaults = {"feedback_rating": 3.0}
    return out.fillna(defaults).fillna(0.0)


@dataclass
class ServiceEvaluation:
    """S51: ``O = (1/n) * sum_j z_j * exp(-d / (D + 1))`` where the ``z_j`` are the n user features
    standardised on the fitting rows, ``d`` the latest service delay and ``D`` the total delay."""

    scaler: StandardScaler

    @classmethod
    def fit(cls, terms: pd.DataFrame) -> ServiceEvaluation:
        return cls(StandardScaler().fit(terms[SERVICE_TERMS]))

    def score(self, terms: pd.DataFrame) -> np.ndarray:
        z = self.scaler.transform(terms[SERVICE_TERMS])
        return z.mean(axis=1) * np.exp(-terms["latest_delay"].to_numpy() / (terms["total_delay"].to_numpy() + 1))


def feedback_regression(evaluation: np.ndarray, columns: list[str], responded: np.ndarray, seed: int) -> pd.DataFrame:
    """S4's regression analysis: a logistic regression of answering an offer in the window on the
    standardised evaluation data (rows that were offered something); one coefficient per column."""
    model = LogisticRegression(C=0.5, max_iter=1000, random_state=seed).fit(evaluation, responded)
    table = pd.DataFrame({"feature": columns, "coefficient": model.coef_[0]})
    table["odds_ratio"] = np.exp(table["coefficient"])
    # S52 and S54: every column keeps weight 1 and gains up to 1 more as it explains the feedback
    spread = np.abs(table["coefficient"]).max()
    table["feedback_weight"] = 1 + np.abs(table["coefficient"]) / (spread if spread > 0 else 1.0)
    table.attrs["intercept"] = float(model.intercept_[0])
    return table.sort_values("coefficient", key=np.abs, ascending=False, ignore_index=True)
