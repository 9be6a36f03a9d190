"""S22-S25: application scenarios by collaborative filtering over the weighted portraits, the
scenarios' features, a regression for the neighbouring scenarios, and the target screening."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import Ridge
from sklearn.preprocessing import normalize

from customer_classification.pipelines.portrait_push.params import ScenarioParams


def scenario_takers(next_category: pd.Series, scenarios: dict[str, list[str]]) -> np.ndarray:
    """Rows x scenarios: whether the row's next category belongs to the scenario."""
    return np.column_stack([next_category.isin(members).to_numpy() for members in scenarios.values()])


@dataclass
class ScenarioDivider:
    """User-based collaborative filtering: a customer's affinity to a scenario is the mean cosine
    similarity of their weighted portrait to the portraits of the customers who took up one of the
    scenario's products (the normalised portraits' mean is the takers' profile, so the mean
    similarity to every taker is one sparse product). Each customer is placed in the scenario of
    highest standardised affinity (S22); the affinities, standardised, are the scenario features
    (S23); a ridge regression from them to the take-up of each scenario gives each customer's
    neighbouring-scenario propensities (S24); customers whose best credit-scenario propensity is in
    the top ``target_share`` are the targets (S25)."""

    names: list[str]
    credit: np.ndarray
    profiles: np.ndarray
    centre: np.ndarray
    spread: np.ndarray
    regression: Ridge
    threshold: float

    @classmethod
    def fit(
        cls, weighted: sparse.csr_matrix, takers: np.ndarray, params: ScenarioParams, credit_categories: list[str]
    ) -> ScenarioDivider:
        unit = normalize(weighted)
        counts = takers.sum(axis=0)
        if not counts.any():
            raise ValueError("no customer of the fitting rows took up a product of any scenario; none can be divided")
        # a scenario nobody took up has no takers to be similar to: its profile is empty (affinity 0)
        profiles = np.asarray(unit.T @ takers.astype(np.float32)).T / np.maximum(counts, 1)[:, None]
        raw = np.asarray(unit @ profiles.T)
        centre, spread = raw.mean(axis=0), raw.std(axis=0) + 1e-9
        features = (raw - centre) / spread
        regression = Ridge(alpha=params.ridge_alpha).fit(features, takers.astype(float))
        credit = np.array([bool(set(m) & set(credit_categories)) for m in params.scenarios.values()])
        best_credit = regression.predict(features)[:, credit].max(axis=1)
        threshold = float(np.quantile(best_credit, 1 - params.target_share))
        return cls(list(params.scenarios), credit, profiles, centre, spread, regression, threshold)

    def features(self, weighted: sparse.csr_matrix) -> np.ndarray:
        """Rows x scenarios: the standardised affinities (S23)."""
        return (np.asarray(normalize(weighted) @ self.profiles.T) - self.centre) / self.spread

    def place(self, weighted: sparse.csr_matrix) -> pd.DataFrame:
        """Each row's scenario, its scenario features, neighbouring-scenario propensities and target flag."""
        features = self.features(weighted)
        neighbouring = self.regression.predict(features)
        names = np.array(self.names, dtype=object)
        own = features.argmax(axis=1)
        others = np.where(np.arange(len(names))[None, :] == own[:, None], -np.inf, neighbouring)
        table = pd.DataFrame(
            {
                "scenario": names[own],
                "neighbouring_scenario": names[others.argmax(axis=1)],
                "is_target": neighbouring[:, self.credit].max(axis=1) >= self.threshold,
            }
        )
        for i, name in enumerate(self.names):
            table[f"affinity_{name}"] = features[:, i]
            table[f"propensity_{name}"] = neighbouring[:, i]
        return table
