"""Method M5: the cumulative-percentage thresholds T1/T2 and the RM type rule.

For one product category and one measure (the count of an RM's clients in the
category, or their share of the RM's clients):

1. the candidates are the RMs whose value is above the floor (T3 for counts,
   T4 for shares), either fixed or a quantile of the RM population's values
   (:func:`population_floor`);
2. they are sorted by value ascending, ties by ``rm_id`` ascending;
3. along that order each RM's cumulative percentage is the running sum of the
   values divided by the candidates' total;
4. the target set is the RMs whose cumulative percentage is within ``band`` of
   ``target`` (edges included);
5. the threshold is the mean value over the target set.

An RM is of the category's type if its count is above T1 or its share above T2.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# cumulative percentages are sums of floats: the band's edges are compared with this slack
_EDGE_TOLERANCE = 1e-9

NO_FALLBACK = "none"
NEAREST_TO_TARGET = "nearest_to_target"
NO_CANDIDATES = "no_candidates"

THRESHOLD_COLUMNS = (
    "category",
    "count_floor_t3",
    "share_floor_t4",
    "cumulative_target",
    "cumulative_band",
    "t1_count_threshold",
    "t1_candidates",
    "t1_target_set",
    "t1_fallback",
    "t2_share_threshold",
    "t2_candidates",
    "t2_target_set",
    "t2_fallback",
)


@dataclass(frozen=True)
class CumulativeThreshold:
    """One threshold (T1 or T2) of one category and how it was reached.

    ``value`` is NaN when no RM is above the floor: then nobody passes the
    threshold. ``target_set`` lists the ``rm_id`` of the target set in sort order.
    ``fallback`` is ``"none"`` when the band held RMs, ``"nearest_to_target"``
    when it held none and the RMs nearest the target were taken instead, and
    ``"no_candidates"`` when no RM was above the floor.
    """

    value: float
    n_candidates: int
    target_set: tuple
    fallback: str


def cumulative_threshold(
    values: pd.Series, *, floor: float, target: float, band: float, what: str = "threshold"
) -> CumulativeThreshold:
    """The M5 threshold of one measure of one category.

    Args:
        values: one value per RM (counts, or shares in 0..1), indexed by ``rm_id``;
            NaN (an RM without clients has no share) is never a candidate.
        floor: T3 or T4; only values strictly above it are candidates (>= 0).
        target: the cumulative percentage the target set sits around, as a fraction (0.2 = 20%).
        band: half-width of the band around ``target``, as a fraction.
        what: how warnings name this threshold, e.g. ``"T1 (count) of mortgage"``.
    """
    above = (values > floor).to_numpy()  # NaN is never above
    if not above.any():
        logger.warning(
            "%s: no RM is above the floor %s, so the threshold is undefined and no RM is typed by it", what, floor
        )
        return CumulativeThreshold(math.nan, 0, (), NO_CANDIDATES)

    candidate_values = values.to_numpy(dtype=float)[above]
    candidate_ids = values.index.to_numpy()[above]
    id_rank, _ = pd.factorize(candidate_ids, sort=True)
    order = np.lexsort((id_rank, candidate_values))  # by value, ties by rm_id
    ordered_values, ordered_ids = candidate_values[order], candidate_ids[order]
    cumulative = np.cumsum(ordered_values) / ordered_values.sum()
    distance = np.abs(cumulative - target)

    in_band = distance <= band + _EDGE_TOLERANCE
    fallback = NO_FALLBACK
    if not in_band.any():
        in_band = distance <= distance.min() + _EDGE_TOLERANCE
        fallback = NEAREST_TO_TARGET
        logger.warning(
            "%s: no RM's cumulative percentage is within %.4g of the target %.4g (band too narrow for %d candidates); "
            "falling back to the RM(s) nearest the target: %s at %.4g",
            what,
            band,
            target,
            len(ordered_values),
            ordered_ids[in_band].tolist(),
            cumulative[in_band][0],
        )
    return CumulativeThreshold(
        value=float(ordered_values[in_band].mean()),
        n_candidates=len(ordered_values),
        target_set=tuple(ordered_ids[in_band].tolist()),
        fallback=fallback,
    )


def population_floor(values: pd.Series, quantile: float) -> float:
    """A floor (T3 or T4) read off the RM population: the ``quantile`` of ``values``.

    The method leaves the floors preset; taking them from the population keeps the
    rule free of bank-specific units, so that ``quantile=0.85`` means "only the top
    15% of RMs enter the ranking" whatever the book sizes. RMs without clients (a
    NaN share, or a count of a book of none) are not part of the population, so
    adding them moves no floor. No RM with clients: NaN, which nobody is above.
    """
    population = values.dropna().to_numpy(dtype=float)
    return float(np.quantile(population, quantile)) if len(population) else math.nan


def apply_type_rule(mix: pd.DataFrame, thresholds: pd.DataFrame) -> pd.DataFrame:
    """Flag each RM and category: ``count > T1`` or ``share > T2``.

    Args:
        mix: one row per RM and category with ``rm_id``, ``category``, ``count``, ``share``.
        thresholds: one row per category with ``category``, ``t1_count_threshold``,
            ``t2_share_threshold`` (NaN: nobody passes).

    Returns:
        ``mix`` with boolean ``type_by_count``, ``type_by_share`` and ``is_type``.
    """
    missing = sorted(set(mix["category"]) - set(thresholds["category"]))
    if missing:
        raise ValueError(f"rm_thresholds has no row for the categories {missing[:5]} of the category mix")
    limits = thresholds.set_index("category")
    t1 = mix["category"].map(limits["t1_count_threshold"]).to_numpy(dtype=float)
    t2 = mix["category"].map(limits["t2_share_threshold"]).to_numpy(dtype=float)
    # comparisons with NaN are False: an undefined threshold types nobody, a missing share passes nothing
    with np.errstate(invalid="ignore"):
        by_count = mix["count"].to_numpy(dtype=float) > t1
        by_share = mix["share"].to_numpy(dtype=float) > t2
    return mix.assign(type_by_count=by_count, type_by_share=by_share, is_type=by_count | by_share)


class RMTypeClassifier:
    """Estimator-like M5 classifier: ``fit`` derives T1/T2 per category, ``predict`` applies them.

    Each floor is either fixed (``count_floor_t3`` clients, ``share_floor_t4`` a
    fraction) or, when its quantile is given instead, read off each category's RM
    population by :func:`population_floor`.

    Args:
        count_floor_t3: T3, in clients; ``None`` when ``count_floor_quantile`` is given.
        share_floor_t4: T4, a fraction of the RM's clients (0..1); ``None`` when
            ``share_floor_quantile`` is given.
        cumulative_target: the target cumulative percentage, a fraction (0.2 = 20%).
        cumulative_band: half-width of the band around the target, a fraction.
        count_floor_quantile: T3 as this quantile of the RMs' counts in the category.
        share_floor_quantile: T4 as this quantile of the RMs' shares in the category.

    Attributes:
        thresholds_: after ``fit``, one row per category (see ``THRESHOLD_COLUMNS``);
            ``count_floor_t3`` and ``share_floor_t4`` hold the floors used there.
    """

    def __init__(
        self,
        *,
        count_floor_t3: float | None = None,
        share_floor_t4: float | None = None,
        cumulative_target: float,
        cumulative_band: float,
        count_floor_quantile: float | None = None,
        share_floor_quantile: float | None = None,
    ):
        if (count_floor_t3 is None) == (count_floor_quantile is None):
            raise ValueError("give exactly one of count_floor_t3 and count_floor_quantile")
        if (share_floor_t4 is None) == (share_floor_quantile is None):
            raise ValueError("give exactly one of share_floor_t4 and share_floor_quantile")
        self.count_floor_t3 = count_floor_t3
        self.share_floor_t4 = share_floor_t4
        self.cumulative_target = cumulative_target
        self.cumulative_band = cumulative_band
        self.count_floor_quantile = count_floor_quantile
        self.share_floor_quantile = share_floor_quantile

    def _floors(self, by_rm: pd.DataFrame) -> tuple[float, float]:
        """T3 and T4 of one category: the fixed values, or the quantiles of the RMs with clients."""
        with_clients = by_rm[by_rm["n_clients"] > 0] if "n_clients" in by_rm else by_rm
        t3 = self.count_floor_t3
        if t3 is None:
            t3 = population_floor(with_clients["count"], self.count_floor_quantile)
        t4 = self.share_floor_t4
        if t4 is None:
            t4 = population_floor(with_clients["share"], self.share_floor_quantile)
        return t3, t4

    def fit(self, mix: pd.DataFrame) -> RMTypeClassifier:
        """Derive T1 and T2 of every category of ``mix`` (one row per RM and category)."""
        rows = []
        for category, group in mix.groupby("category", sort=False):
            by_rm = group.set_index("rm_id")
            t3, t4 = self._floors(by_rm)
            settings = {"target": self.cumulative_target, "band": self.cumulative_band}
            t1 = cumulative_threshold(by_rm["count"], floor=t3, what=f"T1 (count) of {category}", **settings)
            t2 = cumulative_threshold(by_rm["share"], floor=t4, what=f"T2 (share) of {category}", **settings)
            rows.append(
                {
                    "category": category,
                    "count_floor_t3": t3,
                    "share_floor_t4": t4,
                    "cumulative_target": self.cumulative_target,
                    "cumulative_band": self.cumulative_band,
                    "t1_count_threshold": t1.value,
                    "t1_candidates": t1.n_candidates,
                    "t1_target_set": " ".join(str(r) for r in t1.target_set),
                    "t1_fallback": t1.fallback,
                    "t2_share_threshold": t2.value,
                    "t2_candidates": t2.n_candidates,
                    "t2_target_set": " ".join(str(r) for r in t2.target_set),
                    "t2_fallback": t2.fallback,
                }
            )
        self.thresholds_ = pd.DataFrame(rows, columns=list(THRESHOLD_COLUMNS))
        return self

    def predict(self, mix: pd.DataFrame) -> pd.DataFrame:
        """``mix`` with the type flags under the fitted thresholds (see :func:`apply_type_rule`)."""
        if not hasattr(self, "thresholds_"):
            raise RuntimeError("RMTypeClassifier is not fitted yet: call fit(mix) first")
        return apply_type_rule(mix, self.thresholds_)

    def fit_predict(self, mix: pd.DataFrame) -> pd.DataFrame:
        return self.fit(mix).predict(mix)
