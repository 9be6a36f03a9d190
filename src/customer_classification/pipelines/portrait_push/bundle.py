"""The fitted portrait push model: every step's fitted part, applied in the claim's order to any
snapshot's rows (the fitting rows, the test snapshot, the scoring snapshot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from customer_classification.pipelines.portrait_push.evaluation_data import (
    SERVICE_TERMS,
    ServiceEvaluation,
    match_profiles,
    service_terms,
)
from customer_classification.pipelines.portrait_push.frames import monthly_sequences
from customer_classification.pipelines.portrait_push.params import PortraitPushParams
from customer_classification.pipelines.portrait_push.portrait import PortraitWeigher, qualitative_portrait
from customer_classification.pipelines.portrait_push.push_model import PushModel
from customer_classification.pipelines.portrait_push.scenarios import ScenarioDivider

# the warehouse features the evaluation data keeps besides the steps' outputs (log-scaled when skewed)
CUSTOMER_FEATURES = [
    "age_years",
    "tenure_months",
    "annual_income",
    "aum_latest",
    "n_categories_held",
    "credit_limit_latest",
    "utilization_latest",
    "logins_6m",
    "response_rate_12m",
    "monthly_income_inflow_3m",
    "debit_amount_12m",
]


def _signed_log(values: pd.Series) -> np.ndarray:
    x = values.astype(float).fillna(0).to_numpy()
    return np.sign(x) * np.log1p(np.abs(x))


@dataclass
class PortraitPush:
    """What S1-S57 learned; :meth:`evaluation_data` and :meth:`predict` apply it. The parameters are
    kept as plain data (a pydantic model pickles its set of given fields in an order that changes
    from process to process, and the registry compares a rerun's artefacts byte for byte)."""

    settings: dict[str, Any]
    tags: list[str]
    products: list[str]
    product_categories: list[str]
    credit_groups: pd.DataFrame
    weigher: PortraitWeigher
    divider: ScenarioDivider
    service: ServiceEvaluation | None = None
    scaler: StandardScaler | None = None
    columns: list[str] | None = None
    feedback_weights: np.ndarray | None = None
    model: PushModel | None = None

    @property
    def params(self) -> PortraitPushParams:
        return PortraitPushParams.model_validate(self.settings)

    def evaluation_data(self, rows: pd.DataFrame, customers: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
        """Per row, before standardisation: the portrait's credit score (S21), scenario features and
        neighbouring-scenario propensities (S23-S24), the target flag (S25), the platform match (S3),
        S51's terms and the service evaluation, the warehouse features and the products held."""
        portrait = qualitative_portrait(rows, self.tags, self.credit_groups)
        weighted = self.weigher.weighted(portrait)
        placed = self.divider.place(weighted)
        latest = history.sort_values("ym").drop_duplicates("customer_id", keep="last")
        matched = match_profiles(customers, latest, self.params.matching).set_index("customer_id")
        matched = matched.reindex(rows["customer_id"]).reset_index(drop=True)
        terms = service_terms(rows, history)
        table = pd.DataFrame({"portrait_credit_score": self.weigher.credit_score(portrait)})
        numeric = placed.drop(columns=["scenario", "neighbouring_scenario"]).astype(float)
        table = pd.concat([table, numeric], axis=1)
        table["platform_found"] = matched["found_on_platform"].fillna(False).astype(float).to_numpy()
        for agreement in ("same", "typo", "different"):
            table[f"city_{agreement}"] = (matched["city_agreement"] == agreement).astype(float).to_numpy()
        for flag in ("occupation_agrees", "income_agrees", "income_stale"):
            table[flag] = matched[flag].fillna(False).astype(float).to_numpy()
        table["log_platform_income"] = _signed_log(matched["annual_income_platform"])
        for column in [*SERVICE_TERMS, "latest_delay", "total_delay", "business_months"]:
            table[column] = terms[column].to_numpy()
        if self.service is not None:
            table["service_evaluation"] = self.service.score(terms)
        for column in CUSTOMER_FEATURES:
            table[column] = _signed_log(rows[column])
        for product in self.products:
            table[f"holds_{product}"] = rows[f"holds_{product}"].astype(float).to_numpy()
        table.attrs["scenario"] = placed["scenario"].to_numpy()
        table.attrs["neighbouring_scenario"] = placed["neighbouring_scenario"].to_numpy()
        return table

    def standardised(self, table: pd.DataFrame) -> np.ndarray:
        """S3's standardisation, then S52/S54's feedback weights per column."""
        return self.scaler.transform(table[self.columns]) * self.feedback_weights[None, :]

    def predict(self, rows: pd.DataFrame, customers: pd.DataFrame, history: pd.DataFrame, sources: dict[str, Any]):
        """S57: rows x products, in batches of customers (a big bank's sequences never sit in memory at once)."""
        size = self.params.model.prediction_batch
        # each batch matches and summarises only its own customers' profiles and history: the
        # positions of every customer among the rows' are looked up once, not once per batch
        ids = pd.Index(pd.unique(rows["customer_id"]))
        row_codes = ids.get_indexer(rows["customer_id"])
        customer_codes, history_codes = (ids.get_indexer(f["customer_id"]) for f in (customers, history))
        parts, tables = [], []
        for start in range(0, len(rows), size):
            batch = rows.iloc[start : start + size].reset_index(drop=True)
            wanted = np.zeros(len(ids) + 1, dtype=bool)  # the last slot: a customer not among the rows (-1)
            wanted[row_codes[start : start + size]] = True
            table = self.evaluation_data(batch, customers[wanted[customer_codes]], history[wanted[history_codes]])
            sequence = monthly_sequences(batch, sources, self.params.model.months)
            parts.append(self.model.predict(self.standardised(table), sequence))
            tables.append(table)
        return np.concatenate(parts), tables

    def category_scores(self, product_scores: np.ndarray, categories: list[str]) -> np.ndarray:
        """Rows x categories: the sum of the probabilities of each category's products."""
        owner = np.array(self.product_categories)
        return np.column_stack([product_scores[:, owner == c].sum(axis=1) for c in categories])
