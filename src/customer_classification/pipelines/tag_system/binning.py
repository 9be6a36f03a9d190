"""The tag binner: learns each tag's cut points once, then tags any snapshot with them."""

from __future__ import annotations

import logging
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from customer_classification.pipelines.tag_system.checks import TagConfigError, check_tags_against_features
from customer_classification.pipelines.tag_system.params import (
    KEY_COLUMNS,
    CategoryMapTag,
    Condition,
    FixedBinsTag,
    QuantileTag,
    RuleTag,
    SupervisedTag,
    TagSpec,
    number,
)
from customer_classification.pipelines.tag_system.targets import TARGETS

logger = logging.getLogger(__name__)

MISSING = -1  # the code of a missing tag in a pandas Categorical
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


class TagFitError(ValueError):
    """A tag's cut points cannot be learned from the training data as configured."""


@dataclass(frozen=True)
class Level:
    """One level of a tag. Numeric levels hold ``lower <= value < upper`` (None: unbounded)."""

    order: int
    label: str
    definition: str
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class FittedTag:
    """A tag with its learned cut points (empty for mappings and rules) and its levels."""

    spec: TagSpec
    cut_points: tuple[float, ...]
    levels: tuple[Level, ...]

    @property
    def labels(self) -> list[str]:
        return [level.label for level in self.levels]


def kind_of(dtype: object) -> str:
    """``numeric`` (booleans included: true is 1), ``text`` or the dtype's name, for the configuration checks."""
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "text"
    return str(dtype)


def _numeric_levels(tag: TagSpec, cuts: tuple[float, ...]) -> tuple[Level, ...]:
    bounds = [None, *cuts, None]
    levels = []
    for i, label in enumerate(tag.labels):
        lower, upper = bounds[i], bounds[i + 1]
        if upper is None:
            definition = f"{tag.source} >= {number(lower)}"
        elif lower is None:
            definition = f"{tag.source} < {number(upper)}"
        else:
            definition = f"{number(lower)} <= {tag.source} < {number(upper)}"
        levels.append(Level(i + 1, label, definition, lower, upper))
    return tuple(levels)


def _bin_codes(values: pd.Series, cuts: tuple[float, ...]) -> np.ndarray:
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    codes = np.searchsorted(np.asarray(cuts), x, side="right")
    return np.where(np.isnan(x), MISSING, codes)


def _learn_quantile_cuts(tag: QuantileTag, values: pd.Series) -> tuple[float, ...]:
    known = values.dropna().to_numpy(dtype="float64")
    if known.size == 0:
        raise TagFitError(f"tag '{tag.name}': '{tag.source}' has no values on the training snapshots")
    cuts = np.quantile(known, tag.probabilities)
    for (q_low, low), (q_high, high) in zip(
        zip(tag.probabilities, cuts, strict=True), zip(tag.probabilities[1:], cuts[1:], strict=True), strict=False
    ):
        if not low < high:
            raise TagFitError(
                f"tag '{tag.name}': the {q_low:g} and {q_high:g} quantiles of '{tag.source}' on the training "
                f"snapshots are both {number(low)}, so a level would be empty; give fewer labels, other quantiles "
                "or use fixed_bins"
            )
    return tuple(float(c) for c in cuts)


def _learn_supervised_cuts(tag: SupervisedTag, values: pd.Series, target: pd.Series) -> tuple[float, ...]:
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    y = target.to_numpy(dtype="float64", na_value=np.nan)
    usable = ~np.isnan(x) & ~np.isnan(y)
    n_rows, n_bins = int(usable.sum()), len(tag.labels)
    min_rows = math.ceil(tag.min_bin_share * n_rows)
    if n_rows < 2 * n_bins or min_rows * n_bins > n_rows:
        raise TagFitError(
            f"tag '{tag.name}': only {n_rows} training rows have both '{tag.source}' and '{tag.target}'; "
            f"too few for {n_bins} levels"
        )
    task = TARGETS[tag.target][0]
    sign = {"increasing": 1, "decreasing": -1, None: 0}[tag.monotonic]
    tree_class = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    tree = tree_class(
        max_leaf_nodes=n_bins,
        min_samples_leaf=max(1, min_rows),
        monotonic_cst=[sign] if sign else None,
        random_state=0,
    )
    y_fit = y[usable].astype(int) if task == "classification" else y[usable]
    tree.fit(x[usable].reshape(-1, 1), y_fit)
    is_split = tree.tree_.feature >= 0
    cuts = tuple(sorted(float(t) for t in tree.tree_.threshold[is_split]))
    if len(cuts) != n_bins - 1:
        shape = f", {tag.monotonic}" if tag.monotonic else ""
        raise TagFitError(
            f"tag '{tag.name}': a tree on '{tag.source}' against '{tag.target}'{shape} finds {len(cuts) + 1} "
            f"level(s), not the {n_bins} labelled ({tag.labels}); give fewer labels, lower min_bin_share "
            "or drop the monotonic constraint"
        )
    return cuts


def _mapped_codes(tag: CategoryMapTag, values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    lookup = {value: code for code, values_ in enumerate(tag.mapping.values()) for value in values_}
    codes = values.map(lookup).to_numpy(dtype="float64", na_value=np.nan)
    unmapped = values[np.isnan(codes) & values.notna().to_numpy()]
    return np.where(np.isnan(codes), MISSING, codes).astype(int), unmapped


def _holds(condition: Condition, frame: pd.DataFrame) -> np.ndarray:
    column = frame[condition.feature]
    if condition.operator in ("in", "not_in"):
        result = column.isin(condition.value)
        result = ~result if condition.operator == "not_in" else result
    elif condition.operator == "!=":
        result = ~operator.eq(column, condition.value)
    else:
        result = _COMPARE[condition.operator](column, condition.value)
    return result.fillna(False).to_numpy(dtype=bool) & column.notna().to_numpy()


def _rule_codes(tag: RuleTag, frame: pd.DataFrame) -> np.ndarray:
    known = frame[tag.source].notna().to_numpy()
    codes = np.full(len(frame), MISSING)
    undecided = known.copy()
    for rule in tag.rules:
        matches = undecided.copy()
        for condition in rule.when:
            matches &= _holds(condition, frame)
        codes[matches] = tag.labels.index(rule.label)
        undecided &= ~matches
    if tag.otherwise is not None:
        codes[undecided] = tag.labels.index(tag.otherwise)
    return codes


def _rule_levels(tag: RuleTag) -> tuple[Level, ...]:
    levels = []
    for order, label in enumerate(tag.labels, start=1):
        cases = [
            f"rule {position}: " + " and ".join(c.describe() for c in rule.when)
            for position, rule in enumerate(tag.rules, start=1)
            if rule.label == label
        ]
        if tag.otherwise == label:
            cases.append("otherwise (no rule holds)")
        levels.append(Level(order, label, "; or ".join(cases)))
    return tuple(levels)


class TagBinner:
    """Turns customer features into ordered, labelled tags, with cut points learned once.

    ``fit`` learns what depends on data (quantile and supervised cut points) from
    the training rows and keeps it; ``transform`` applies the kept cut points to
    any rows, so a customer's tag changes only when the customer's own value does,
    never because the rest of the population moved.

    Args:
        tags: The tag definitions (:class:`~.params.TagSystemParams` ``.tags.values()``).

    Attributes:
        fitted_: tag name -> :class:`FittedTag`, in declaration order.
        feature_names_in_: every feature the tags read.
        n_rows_fit_: rows the binner was fitted on.
    """

    def __init__(self, tags: Iterable[TagSpec]):
        self.tags = list(tags)

    def check_features(self, kinds: dict[str, str], table: str = "customer_features") -> None:
        """Raise :class:`~.checks.TagConfigError` naming each tag whose features are missing or of the wrong kind."""
        check_tags_against_features(self.tags, kinds, table)

    def fit(self, features: pd.DataFrame, targets: pd.DataFrame | None = None) -> TagBinner:
        """Learn every tag's levels from the training rows.

        Args:
            features: n training rows (customer-snapshots) holding every source feature.
            targets: n rows aligned with ``features``, one float column per target a
                supervised tag names (missing outside the target's population).

        Returns:
            The fitted binner.
        """
        self.check_features({c: kind_of(t) for c, t in features.dtypes.items()})
        self._check_categories(features)
        needed = {t.target for t in self.tags if isinstance(t, SupervisedTag)}
        absent = sorted(needed - set(targets.columns if targets is not None else ()))
        if absent:
            raise TagConfigError(f"supervised tags need the targets {absent}, which were not given")
        fitted = {}
        for tag in self.tags:
            if isinstance(tag, FixedBinsTag):
                cuts = tuple(tag.cut_points)
            elif isinstance(tag, QuantileTag):
                cuts = _learn_quantile_cuts(tag, features[tag.source])
            elif isinstance(tag, SupervisedTag):
                cuts = _learn_supervised_cuts(tag, features[tag.source], targets[tag.target])
            else:
                cuts = ()
            fitted[tag.name] = FittedTag(tag, cuts, self._levels(tag, cuts))
        self.fitted_ = fitted
        self.feature_names_in_ = list(dict.fromkeys(f for tag in self.tags for f in tag.features))
        self.n_rows_fit_ = len(features)
        return self

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """Tag every row with the fitted levels.

        Args:
            features: n rows holding every source feature (and the key columns, if any).

        Returns:
            n rows: ``customer_id`` and ``snapshot_date`` (where given), then one
            ordered ``pandas.Categorical`` per tag; a missing source gives a missing tag.
        """
        if not hasattr(self, "fitted_"):
            raise RuntimeError("TagBinner is not fitted yet; call fit first")
        absent = [f for f in self.feature_names_in_ if f not in features.columns]
        if absent:
            users = [t.name for t in self.tags if set(t.features) & set(absent)]
            raise TagConfigError(f"features {absent} read by tags {users} are not columns of the table to tag")
        columns = {key: features[key].to_numpy() for key in KEY_COLUMNS if key in features.columns}
        for name, fitted in self.fitted_.items():
            codes = self._codes(fitted, features)
            columns[name] = pd.Categorical.from_codes(codes, categories=fitted.labels, ordered=True)
        return pd.DataFrame(columns)

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    def _check_categories(self, features: pd.DataFrame) -> None:
        problems = []
        for tag in self.tags:
            if isinstance(tag, CategoryMapTag):
                _, unmapped = _mapped_codes(tag, features[tag.source])
                if len(unmapped):
                    examples = sorted(map(str, unmapped.unique()))[:5]
                    problems.append(
                        f"tag '{tag.name}': {len(unmapped):,} training rows have values of '{tag.source}' "
                        f"that no level lists, e.g. {examples}; add them to a level of the mapping"
                    )
        if problems:
            raise TagConfigError("\n".join(problems))

    @staticmethod
    def _levels(tag: TagSpec, cuts: tuple[float, ...]) -> tuple[Level, ...]:
        if isinstance(tag, CategoryMapTag):
            return tuple(
                Level(order, label, f"{tag.source} in {{{', '.join(map(number, values))}}}")
                for order, (label, values) in enumerate(tag.mapping.items(), start=1)
            )
        if isinstance(tag, RuleTag):
            return _rule_levels(tag)
        return _numeric_levels(tag, cuts)

    @staticmethod
    def _codes(fitted: FittedTag, features: pd.DataFrame) -> np.ndarray:
        tag = fitted.spec
        if isinstance(tag, CategoryMapTag):
            codes, unmapped = _mapped_codes(tag, features[tag.source])
            if len(unmapped):
                logger.warning(
                    "Tag %s: %s rows have values of %s no level lists (e.g. %s); their tag is missing",
                    tag.name,
                    f"{len(unmapped):,}",
                    tag.source,
                    sorted(map(str, unmapped.unique()))[:5],
                )
            return codes
        if isinstance(tag, RuleTag):
            return _rule_codes(tag, features)
        return _bin_codes(features[tag.source], fitted.cut_points)
