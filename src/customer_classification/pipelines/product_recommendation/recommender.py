"""The fitted recommender, the blend of its scorers' standardised scores, and the reasons
given with a recommendation."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.modelling.fitted import FittedModel
from customer_classification.pipelines.product_recommendation.scoring import CategoryResponseModels, ItemSimilarity

SOURCES = ("collaborative_filtering", "campaign_response", "propensity")


@dataclass
class Recommender:
    """The fitted scorers, the acquisition frequencies of the training customers, and the
    next-product model twice: refitted on train + validation (test and scoring) and fitted on
    the training customers only (the blend is chosen on validation with it, out of sample)."""

    categories: list[str]
    similarity: ItemSimilarity
    response: CategoryResponseModels
    popularity: np.ndarray
    propensity: FittedModel
    propensity_before_validation: Any

    def _propensity(self, frame: pd.DataFrame, out_of_sample: bool) -> np.ndarray:
        if out_of_sample:
            probabilities = self.propensity_before_validation.predict(self.propensity.encoder.transform(frame))
        else:
            probabilities = self.propensity.predict(frame)
        classes = list(self.propensity.classes)
        columns = [
            probabilities[:, classes.index(c)] if c in classes else np.zeros(len(frame)) for c in self.categories
        ]
        return np.column_stack(columns)

    def source_scores(self, frame: pd.DataFrame, out_of_sample: bool = False) -> dict[str, np.ndarray]:
        return {
            "collaborative_filtering": self.similarity.score(frame),
            "campaign_response": self.response.score(frame),
            "propensity": self._propensity(frame, out_of_sample),
        }

    def held(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[[f"holds_{c}" for c in self.categories]].fillna(0).to_numpy() > 0


def standardise(scores: np.ndarray, held: np.ndarray) -> tuple[float, float]:
    """Mean and spread of a source's scores over the categories customers could still take."""
    values = scores[~held]
    spread = float(values.std())
    return float(values.mean()), spread if spread > 0 else 1.0


def combine(sources: dict[str, np.ndarray], blend: dict[str, Any], rows: int, columns: int) -> np.ndarray:
    total = np.zeros((rows, columns))
    for name, weight in blend["weights"].items():
        centre, spread = blend["scale"][name]
        total += weight * (sources[name] - centre) / spread
    return total


def blended_scores(recommender: Recommender, blend: dict[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """Customers x categories: the weighted sum of the sources' standardised scores."""
    return combine(recommender.source_scores(frame), blend, len(frame), len(recommender.categories))


def weight_grid(step: float, min_response_weight: float) -> list[tuple[float, ...]]:
    """Weights on a grid of ``step`` that sum to 1, the campaign-response models' at least
    ``min_response_weight``."""
    ticks = np.round(np.arange(0, 1 + step / 2, step), 10)
    response = SOURCES.index("campaign_response")
    return [
        w
        for w in itertools.product(ticks, repeat=len(SOURCES))
        if abs(sum(w) - 1) < 1e-9 and w[response] >= min_response_weight - 1e-9
    ]


REASONS = {
    "collaborative_filtering": "customers who hold {link} often also hold {category}",
    "campaign_response": "likely to answer a {category} offer ({value:.0%} response propensity)",
    "propensity": "customers with this profile often take {category} next ({chance:.0%} chance in 6 months); "
    "strongest signal: {driver}",
}


def _shown(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "missing" if np.isnan(value) else f"{value:,.4g}"
    return str(value)


def propensity_drivers(
    recommender: Recommender, frame: pd.DataFrame, rows: np.ndarray, attribution: str = "treeshap"
) -> np.ndarray:
    """For each (row, category) in ``rows`` (pairs of indices into ``frame`` and the
    categories), the feature with the largest LightGBM contribution towards that category in
    the next-product model, with its value ("logins 6m = 14"); None where the model has no
    class for the category. ``attribution`` as in :meth:`FittedModel.reasons`. Contributions
    are the costly part, so only the customers that need one get them, and each from the
    trees of the category it explains only."""
    model = recommender.propensity
    drivers = np.full(len(rows), None, dtype=object)
    if model.explainer is None or len(rows) == 0:
        return drivers
    customers, position = np.unique(rows[:, 0], return_inverse=True)
    encoded = model.encoder.transform(frame.iloc[customers])
    names = np.array([name.replace("_", " ") for name in encoded.columns], dtype=object)
    classes = list(model.classes)
    for column in np.unique(rows[:, 1]):
        category = recommender.categories[column]
        if category not in classes:
            continue
        pairs = np.flatnonzero(rows[:, 1] == column)
        at = position[pairs]
        # one class's trees for the customers recommended that category: 1/k of the cost of all
        contributions = model.explainer.contributions(
            encoded.iloc[at], class_index=classes.index(category), attribution=attribution
        )
        strongest = contributions[:, : len(names)].argmax(axis=1)
        chosen = np.empty(len(at), dtype=object)
        for feature in np.unique(strongest):
            picked = strongest == feature
            chosen[picked] = encoded.iloc[at[picked], feature].to_numpy(dtype=object)
        drivers[pairs] = [f"{name} = {_shown(value)}" for name, value in zip(names[strongest], chosen, strict=True)]
    return drivers
