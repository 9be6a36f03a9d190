"""The scorers a recommendation blends: item-based collaborative filtering on the
customer x product-category holdings matrix, and one campaign-response model per
offered category; and the ranking metrics they are judged by."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from customer_classification.modelling.preprocessing import SegmentPreprocessor


def holdings_matrix(frame: pd.DataFrame, categories: list[str]) -> sparse.csr_matrix:
    """Customers x categories, 1 where the customer holds the category (``holds_<category>``)."""
    held = frame[[f"holds_{c}" for c in categories]].fillna(0).to_numpy() > 0
    return sparse.csr_matrix(held.astype(np.float64))


class ItemSimilarity:
    """Item-based collaborative filtering between product categories.

    Similarity is the cosine between two categories' columns of the binary holdings
    matrix: the number of customers holding both over the geometric mean of the
    numbers holding each. Unlike raw co-occurrence it does not favour a category
    only because it is common, and unlike Jaccard it stays comparable between
    categories of very different sizes. A customer's score for a category is the
    similarity-weighted share of the categories they hold that "go with" it.
    """

    def __init__(self, categories: list[str]):
        self.categories = list(categories)

    def fit(self, frame: pd.DataFrame) -> ItemSimilarity:
        held = holdings_matrix(frame, self.categories)
        together = (held.T @ held).toarray()
        counts = np.diag(together).copy()
        scale = np.sqrt(np.outer(counts, counts))
        self.similarity_ = np.divide(together, scale, out=np.zeros_like(together), where=scale > 0)
        np.fill_diagonal(self.similarity_, 0.0)
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Customers x categories: sum of similarities to the held categories over the
        category's total similarity (0..1)."""
        held = holdings_matrix(frame, self.categories)
        totals = self.similarity_.sum(axis=0)
        raw = np.asarray(held @ self.similarity_)
        return np.divide(raw, totals, out=np.zeros_like(raw), where=totals > 0)

    def strongest_link(self, frame: pd.DataFrame) -> np.ndarray:
        """Customers x categories: the held category most similar to each category (its reason)."""
        held = holdings_matrix(frame, self.categories).toarray() > 0
        rows, columns = np.indices(held.shape)
        return self.strongest_link_of(held, rows.ravel(), columns.ravel()).reshape(held.shape)

    def strongest_link_of(self, held: np.ndarray, customers: np.ndarray, categories: np.ndarray) -> np.ndarray:
        """For each pair (``customers[j]``, ``categories[j]``): the category the customer holds
        that is most similar to it, or None when they hold none similar to it. Pair by pair, so
        the memory follows the pairs asked for, not customers x categories x categories."""
        links = np.where(held[customers], self.similarity_[:, categories].T, -1.0)
        names = np.array(self.categories, dtype=object)[links.argmax(axis=1)]
        return np.where(links.max(axis=1) > 0, names, None)


class CategoryResponseModels:
    """One regularised logistic regression per offered category: the probability that a
    customer answers an offer of it, from the features at the snapshot (campaign
    history included, so new responses move the responders and their look-alikes)."""

    def __init__(self, categories: list[str], numeric: list[str], *, min_positives: int = 20, seed: int = 0):
        self.categories = list(categories)
        self.numeric = list(numeric)
        self.min_positives = min_positives
        self.seed = seed

    def fit(self, frame: pd.DataFrame, outcomes: pd.DataFrame) -> CategoryResponseModels:
        """``outcomes`` has ``responded_<category>`` aligned with ``frame`` (missing: not offered)."""
        self.preprocessor_ = SegmentPreprocessor(self.numeric).fit(frame)
        matrix = self.preprocessor_.transform(frame)
        self.models_: dict[str, LogisticRegression | float] = {}
        for category in self.categories:
            answered = outcomes[f"responded_{category}"]
            offered = answered.notna().to_numpy()
            target = answered[offered].astype(bool).to_numpy()
            if target.sum() < self.min_positives or (~target).sum() < self.min_positives:
                # too few offers to learn from: the observed response rate for everyone
                self.models_[category] = float(target.mean()) if offered.any() else 0.0
                continue
            model = LogisticRegression(C=0.1, max_iter=500, random_state=self.seed)
            self.models_[category] = model.fit(matrix[offered], target)
        return self

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Customers x categories: probability of answering an offer of each category."""
        matrix = self.preprocessor_.transform(frame)
        columns = []
        for category in self.categories:
            model = self.models_[category]
            columns.append(
                np.full(len(frame), model) if isinstance(model, float) else model.predict_proba(matrix)[:, 1]
            )
        return np.column_stack(columns)


def rank_candidates(scores: np.ndarray, held: np.ndarray, k: int) -> np.ndarray:
    """Customers x k: indices of the k best categories the customer does not hold
    (ties broken by category order); -1 where fewer than k are left."""
    masked = np.where(held, -np.inf, scores)
    order = np.argsort(-masked, axis=1, kind="stable")[:, :k]
    available = np.take_along_axis(masked, order, axis=1) > -np.inf
    return np.where(available, order, -1)


def hit_rate_and_map(top: np.ndarray, realised: np.ndarray) -> tuple[float, float]:
    """Share of customers whose realised next category is in their top k, and the mean
    average precision at k (one relevant category: 1 / its rank, 0 if not in the top k)."""
    if len(realised) == 0:
        return float("nan"), float("nan")
    matches = top == realised[:, None]
    ranks = np.where(matches.any(axis=1), matches.argmax(axis=1) + 1, 0)
    precision = np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)
    return float((ranks > 0).mean()), float(precision.mean())
