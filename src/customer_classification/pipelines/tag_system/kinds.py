"""The tag kinds: each kind's parameters and how it turns a source feature into levels.

A tag's ``method`` key selects its kind:

* ``fixed_bins``: cut points written in the configuration;
* ``quantiles``: cut points at quantiles of the training snapshots;
* ``category_map``: each level lists the source values it covers;
* ``rule``: structured conditions (feature, operator, value), first match wins;
* ``supervised``: cut points a decision tree learns against a model target.

Each kind is one pydantic class that validates its parameters and owns its
behaviour, which the tag binner calls without knowing the kind:
``learn_cut_points`` (on the training rows), ``levels`` (from the cut points),
``assign`` (level codes of any rows), ``training_problems`` and ``kind_problems``
(the checks against the data) and ``method_detail`` (the dictionary's words).
Adding a kind means adding one class and naming it in :data:`TagSpec`.
"""

from __future__ import annotations

import logging
import math
import operator
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from customer_classification.pipelines.tag_system.targets import TARGETS

logger = logging.getLogger(__name__)

MISSING = -1  # the code of a missing tag in a pandas Categorical
# Model targets a supervised tag may learn its cut points against (columns of model_labels).
SUPERVISED_TARGETS = ("upgrade_within_window", "utilization_at_window_end", "campaign_response")
_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}

Value = float | str


class TagFitError(ValueError):
    """A tag's cut points cannot be learned from the training data as configured."""


def number(value: Value) -> str:
    """A value as people write it: 200,000 or 0.05 or the text itself."""
    if isinstance(value, str):
        return value
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


def _value_kind(value: object) -> str:
    return "text" if isinstance(value, str) else "numeric"


@dataclass(frozen=True)
class Level:
    """One level of a tag. Numeric levels hold ``lower <= value < upper`` (None: unbounded)."""

    order: int
    label: str
    definition: str
    lower: float | None = None
    upper: float | None = None


class FrozenModel(BaseModel):
    """Parameters as written: unknown keys refused, never changed after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_labels(labels: list[str]) -> list[str]:
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"must differ from each other; repeated: {repeated}")
    if any(not label.strip() for label in labels):
        raise ValueError("must not be empty")
    return labels


def _strictly_increasing(values: list[float]) -> list[float]:
    for before, after in zip(values, values[1:], strict=False):
        if not before < after:
            raise ValueError(f"must be strictly increasing; got {values} ({before} is followed by {after})")
    return values


def _one_label_per_bin(labels: list[str], n_cuts: int, cuts_are: str) -> None:
    if len(labels) != n_cuts + 1:
        raise ValueError(f"{n_cuts} {cuts_are} make {n_cuts + 1} bins, but {len(labels)} labels are given: {labels}")


class TagKind(FrozenModel, ABC):
    """What every kind declares and does; a kind learns no cut points unless it says otherwise."""

    name: str = Field(pattern=_NAME_PATTERN, description="Column name of the tag in customer_tags.")
    group: str = Field(description="Tag group: basic, financial, non_financial or a group declared in `groups`.")
    title: str = Field(min_length=1, description="Short name for business users.")
    description: str = Field(min_length=1, description="What the tag says about a customer, in words.")
    source: str = Field(min_length=1, description="Feature of customer_features the tag is read from.")

    # every kind that declares `labels` as a field checks them alike; check_fields=False lets kinds
    # whose labels are derived (category_map) skip it
    @field_validator("labels", check_fields=False)
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _check_labels(value)

    @property
    def features(self) -> list[str]:
        """Every feature the tag reads, the source first."""
        return [self.source]

    @property
    def learned_against(self) -> str | None:
        """The model target the cut points are learned against, if any."""
        return None

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        """The cut points from the training rows' ``values`` (and ``target``); none by default."""
        return ()

    def training_problems(self, features: pd.DataFrame) -> list[str]:
        """What in the training rows makes the tag unusable, in words; nothing by default."""
        return []

    def kind_problems(self, kinds: Mapping[str, str]) -> list[str]:
        """Features of the wrong kind (``numeric``, ``text`` ...) for this tag, in words."""
        return []

    @abstractmethod
    def levels(self, cut_points: tuple[float, ...]) -> tuple[Level, ...]:
        """The tag's levels, lowest first, given the learned cut points."""

    @abstractmethod
    def assign(self, features: pd.DataFrame, cut_points: tuple[float, ...]) -> np.ndarray:
        """Each row's level code (0 = lowest level, :data:`MISSING` for none)."""

    @abstractmethod
    def method_detail(self, training: str) -> str:
        """How values become levels, in words; ``training`` names the training snapshots."""


class BinnedTagKind(TagKind):
    """A numeric source cut into ``[lower, upper)`` levels between cut points."""

    def kind_problems(self, kinds: Mapping[str, str]) -> list[str]:
        source_kind = kinds[self.source]
        if source_kind == "numeric":
            return []
        return [f"tag '{self.name}': method {self.method} needs a numeric source; '{self.source}' is {source_kind}"]

    def levels(self, cut_points: tuple[float, ...]) -> tuple[Level, ...]:
        bounds = [None, *cut_points, None]
        levels = []
        for i, label in enumerate(self.labels):
            lower, upper = bounds[i], bounds[i + 1]
            if upper is None:
                definition = f"{self.source} >= {number(lower)}"
            elif lower is None:
                definition = f"{self.source} < {number(upper)}"
            else:
                definition = f"{number(lower)} <= {self.source} < {number(upper)}"
            levels.append(Level(i + 1, label, definition, lower, upper))
        return tuple(levels)

    def assign(self, features: pd.DataFrame, cut_points: tuple[float, ...]) -> np.ndarray:
        x = features[self.source].to_numpy(dtype="float64", na_value=np.nan)
        codes = np.searchsorted(np.asarray(cut_points), x, side="right")
        return np.where(np.isnan(x), MISSING, codes)


class FixedBinsTag(BinnedTagKind):
    """Levels between cut points given in the configuration: ``[lower, upper)``."""

    method: Literal["fixed_bins"]
    cut_points: list[float] = Field(min_length=1)
    labels: list[str] = Field(min_length=1)

    @field_validator("cut_points")
    @classmethod
    def _sorted(cls, value: list[float]) -> list[float]:
        return _strictly_increasing(value)

    @model_validator(mode="after")
    def _bins_labelled(self) -> FixedBinsTag:
        _one_label_per_bin(self.labels, len(self.cut_points), "cut points")
        return self

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        return tuple(self.cut_points)

    def method_detail(self, training: str) -> str:
        return "fixed cut points; lower bound included, upper bound excluded"


class QuantileTag(BinnedTagKind):
    """Levels between quantiles of the source on the training snapshots (equal-sized by default)."""

    method: Literal["quantiles"]
    labels: list[str] = Field(min_length=2)
    quantiles: list[float] | None = Field(None, description="Quantile of each cut point; default equal shares.")

    @field_validator("quantiles")
    @classmethod
    def _within_zero_one(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return value
        outside = [q for q in value if not 0 < q < 1]
        if outside:
            raise ValueError(f"must lie strictly between 0 and 1; got {outside}")
        return _strictly_increasing(value)

    @model_validator(mode="after")
    def _bins_labelled(self) -> QuantileTag:
        if self.quantiles is not None:
            _one_label_per_bin(self.labels, len(self.quantiles), "quantiles")
        return self

    @property
    def probabilities(self) -> list[float]:
        """Quantile of each cut point."""
        if self.quantiles is not None:
            return list(self.quantiles)
        n_bins = len(self.labels)
        return [i / n_bins for i in range(1, n_bins)]

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        known = values.dropna().to_numpy(dtype="float64")
        if known.size == 0:
            raise TagFitError(f"tag '{self.name}': '{self.source}' has no values on the training snapshots")
        cuts = np.quantile(known, self.probabilities)
        for q_low, q_high, low, high in zip(self.probabilities, self.probabilities[1:], cuts, cuts[1:], strict=False):
            if not low < high:
                raise TagFitError(
                    f"tag '{self.name}': the {q_low:g} and {q_high:g} quantiles of '{self.source}' on the training "
                    f"snapshots are both {number(low)}, so a level would be empty; give fewer labels, other "
                    "quantiles or use fixed_bins"
                )
        return tuple(float(c) for c in cuts)

    def method_detail(self, training: str) -> str:
        quantiles = ", ".join(f"{q:g}" for q in self.probabilities)
        return f"cut points at the {quantiles} quantiles of the training snapshots ({training})"


class SupervisedTag(BinnedTagKind):
    """Cut points a decision tree learns on the training snapshots against a model target.

    The tree has one leaf per label; ``monotonic`` forces the target to rise
    (``increasing``) or fall (``decreasing``) from level to level.
    """

    method: Literal["supervised"]
    target: Literal[SUPERVISED_TARGETS]  # type: ignore[valid-type]
    labels: list[str] = Field(min_length=2)
    monotonic: Literal["increasing", "decreasing"] | None = None
    min_bin_share: float = Field(0.05, gt=0, lt=0.5, description="Smallest share of training rows in a level.")

    @model_validator(mode="after")
    def _bins_fit(self) -> SupervisedTag:
        if len(self.labels) * self.min_bin_share > 1:
            raise ValueError(
                f"{len(self.labels)} levels of at least {self.min_bin_share:.0%} of the rows cannot exist; "
                "lower min_bin_share or give fewer labels"
            )
        return self

    @property
    def learned_against(self) -> str | None:
        return self.target

    def learn_cut_points(self, values: pd.Series, target: pd.Series | None) -> tuple[float, ...]:
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        y = target.to_numpy(dtype="float64", na_value=np.nan)
        usable = ~np.isnan(x) & ~np.isnan(y)
        n_rows, n_bins = int(usable.sum()), len(self.labels)
        min_rows = math.ceil(self.min_bin_share * n_rows)
        if n_rows < 2 * n_bins or min_rows * n_bins > n_rows:
            raise TagFitError(
                f"tag '{self.name}': only {n_rows} training rows have both '{self.source}' and '{self.target}'; "
                f"too few for {n_bins} levels"
            )
        is_classification = TARGETS[self.target][0] == "classification"
        sign = {"increasing": 1, "decreasing": -1, None: 0}[self.monotonic]
        tree = (DecisionTreeClassifier if is_classification else DecisionTreeRegressor)(
            max_leaf_nodes=n_bins,
            min_samples_leaf=max(1, min_rows),
            monotonic_cst=[sign] if sign else None,
            random_state=0,
        )
        tree.fit(x[usable].reshape(-1, 1), y[usable].astype(int) if is_classification else y[usable])
        is_split = tree.tree_.feature >= 0
        cuts = tuple(sorted(float(t) for t in tree.tree_.threshold[is_split]))
        if len(cuts) != n_bins - 1:
            shape = f", {self.monotonic}" if self.monotonic else ""
            raise TagFitError(
                f"tag '{self.name}': a tree on '{self.source}' against '{self.target}'{shape} finds {len(cuts) + 1} "
                f"level(s), not the {n_bins} labelled ({self.labels}); give fewer labels, lower min_bin_share "
                "or drop the monotonic constraint"
            )
        return cuts

    def method_detail(self, training: str) -> str:
        shape = f", {self.monotonic} from level to level" if self.monotonic else ""
        return (
            f"cut points learned by a decision tree against {self.target} ({TARGETS[self.target][1]}) "
            f"on the training snapshots ({training}){shape}"
        )


class CategoryMapTag(TagKind):
    """Each level lists the source values it covers; levels in the order written."""

    method: Literal["category_map"]
    mapping: dict[str, list[Value]] = Field(min_length=1, description="Level label -> source values.")

    @field_validator("mapping")
    @classmethod
    def _values_once(cls, value: dict[str, list[Value]]) -> dict[str, list[Value]]:
        _check_labels(list(value))
        empty = [label for label, values in value.items() if not values]
        if empty:
            raise ValueError(f"levels {empty} list no source values")
        owner: dict[Value, str] = {}
        for label, values in value.items():
            for item in values:
                if item in owner and owner[item] != label:
                    raise ValueError(f"source value {item!r} is mapped to both {owner[item]!r} and {label!r}")
                owner[item] = label
        return value

    @property
    def labels(self) -> list[str]:
        return list(self.mapping)

    def _mapped_codes(self, values: pd.Series) -> tuple[np.ndarray, pd.Series]:
        """Each value's level code, and the known values no level lists."""
        lookup = {value: code for code, values_ in enumerate(self.mapping.values()) for value in values_}
        codes = values.map(lookup).to_numpy(dtype="float64", na_value=np.nan)
        unmapped = values[np.isnan(codes) & values.notna().to_numpy()]
        return np.where(np.isnan(codes), MISSING, codes).astype(int), unmapped

    def training_problems(self, features: pd.DataFrame) -> list[str]:
        _, unmapped = self._mapped_codes(features[self.source])
        if not len(unmapped):
            return []
        examples = sorted(map(str, unmapped.unique()))[:5]
        return [
            f"tag '{self.name}': {len(unmapped):,} training rows have values of '{self.source}' "
            f"that no level lists, e.g. {examples}; add them to a level of the mapping"
        ]

    def kind_problems(self, kinds: Mapping[str, str]) -> list[str]:
        source_kind = kinds[self.source]
        wrong = [v for values in self.mapping.values() for v in values if _value_kind(v) != source_kind]
        if not wrong:
            return []
        return [f"tag '{self.name}': '{self.source}' is {source_kind} but the mapping lists {wrong[:5]}"]

    def levels(self, cut_points: tuple[float, ...]) -> tuple[Level, ...]:
        return tuple(
            Level(order, label, f"{self.source} in {{{', '.join(map(number, values))}}}")
            for order, (label, values) in enumerate(self.mapping.items(), start=1)
        )

    def assign(self, features: pd.DataFrame, cut_points: tuple[float, ...]) -> np.ndarray:
        # at scoring time a new value is no reason to stop: its tag is missing, and the log says so
        codes, unmapped = self._mapped_codes(features[self.source])
        if len(unmapped):
            logger.warning(
                "Tag %s: %s rows have values of %s no level lists (e.g. %s); their tag is missing",
                self.name,
                f"{len(unmapped):,}",
                self.source,
                sorted(map(str, unmapped.unique()))[:5],
            )
        return codes

    def method_detail(self, training: str) -> str:
        return "source values mapped to levels"


Operator = Literal["<", "<=", ">", ">=", "==", "!=", "in", "not_in"]
ORDERING_OPERATORS = ("<", "<=", ">", ">=")


class Condition(FrozenModel):
    """``feature operator value``; a missing feature value never satisfies a condition."""

    feature: str = Field(min_length=1)
    operator: Operator
    value: Value | list[Value]

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        is_list = isinstance(self.value, list)
        if self.operator in ("in", "not_in") and not (is_list and self.value):
            raise ValueError(f"operator {self.operator!r} needs a non-empty list of values; got {self.value!r}")
        if self.operator not in ("in", "not_in") and is_list:
            raise ValueError(f"operator {self.operator!r} needs a single value; got the list {self.value!r}")
        if self.operator in ORDERING_OPERATORS and isinstance(self.value, str):
            raise ValueError(f"operator {self.operator!r} compares numbers; got the text {self.value!r}")
        return self

    def describe(self) -> str:
        if isinstance(self.value, list):
            shown = "{" + ", ".join(map(number, self.value)) + "}"
        else:
            shown = number(self.value)
        return f"{self.feature} {self.operator.replace('_', ' ')} {shown}"

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        """Whether each row meets the condition; never where the feature is missing."""
        column = frame[self.feature]
        if self.operator in ("in", "not_in"):
            result = column.isin(self.value)
            result = ~result if self.operator == "not_in" else result
        elif self.operator == "!=":
            result = ~operator.eq(column, self.value)
        else:
            result = _COMPARE[self.operator](column, self.value)
        return result.fillna(False).to_numpy(dtype=bool) & column.notna().to_numpy()

    def kind_problem(self, tag: str, kind: str) -> str | None:
        """Why the condition cannot be evaluated on a feature of this kind, or None."""
        values = self.value if isinstance(self.value, list) else [self.value]
        if self.operator in ORDERING_OPERATORS and kind != "numeric":
            return f"tag '{tag}': condition '{self.describe()}' orders '{self.feature}', which is {kind}"
        if any(_value_kind(v) != kind for v in values):
            return f"tag '{tag}': condition '{self.describe()}' compares {kind} '{self.feature}' with {values}"
        return None


class Rule(FrozenModel):
    """A level given to customers that meet every condition."""

    label: str
    when: list[Condition] = Field(min_length=1)


class RuleTag(TagKind):
    """Rules tried in order, the first that holds gives the level; a missing source gives a missing tag.

    Several rules may give the same level (an *or*); ``otherwise`` is the level of
    customers with a known source whom no rule matches (missing if not set).
    """

    method: Literal["rule"]
    labels: list[str] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    otherwise: str | None = None

    @model_validator(mode="after")
    def _labels_used(self) -> RuleTag:
        given = [rule.label for rule in self.rules] + ([self.otherwise] if self.otherwise else [])
        unknown = sorted(set(given) - set(self.labels))
        if unknown:
            raise ValueError(f"rules give labels {unknown} that are not in labels {self.labels}")
        unreachable = [label for label in self.labels if label not in given]
        if unreachable:
            raise ValueError(f"no rule gives the labels {unreachable}; add a rule or remove them")
        return self

    @property
    def features(self) -> list[str]:
        used = [self.source] + [c.feature for rule in self.rules for c in rule.when]
        return list(dict.fromkeys(used))

    def kind_problems(self, kinds: Mapping[str, str]) -> list[str]:
        problems = (c.kind_problem(self.name, kinds[c.feature]) for rule in self.rules for c in rule.when)
        return [problem for problem in problems if problem is not None]

    def levels(self, cut_points: tuple[float, ...]) -> tuple[Level, ...]:
        levels = []
        for order, label in enumerate(self.labels, start=1):
            cases = [
                f"rule {position}: " + " and ".join(c.describe() for c in rule.when)
                for position, rule in enumerate(self.rules, start=1)
                if rule.label == label
            ]
            if self.otherwise == label:
                cases.append("otherwise (no rule holds)")
            levels.append(Level(order, label, "; or ".join(cases)))
        return tuple(levels)

    def assign(self, features: pd.DataFrame, cut_points: tuple[float, ...]) -> np.ndarray:
        known = features[self.source].notna().to_numpy()
        codes = np.full(len(features), MISSING)
        undecided = known.copy()
        for rule in self.rules:
            matches = undecided.copy()
            for condition in rule.when:
                matches &= condition.holds(features)
            codes[matches] = self.labels.index(rule.label)
            undecided &= ~matches
        if self.otherwise is not None:
            codes[undecided] = self.labels.index(self.otherwise)
        return codes

    def method_detail(self, training: str) -> str:
        return "rules tried in order; the first that holds gives the level"


# the union Kedro validates each tag against; its order is the order methods are listed in messages
TagSpec = Annotated[
    FixedBinsTag | QuantileTag | CategoryMapTag | RuleTag | SupervisedTag, Field(discriminator="method")
]
TAG_KINDS: tuple[type[TagKind], ...] = get_args(get_args(TagSpec)[0])
METHODS = tuple(get_args(kind.model_fields["method"].annotation)[0] for kind in TAG_KINDS)
