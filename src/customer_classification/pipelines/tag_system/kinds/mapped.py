"""The kinds whose levels are written out: category_map (values per level) and rule (conditions per level)."""

from __future__ import annotations

import logging
import operator
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from customer_classification.pipelines.tag_system.kinds.base import (
    MISSING,
    FrozenModel,
    Level,
    TagKind,
    Value,
    check_labels,
    number,
)

logger = logging.getLogger(__name__)

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


def _value_kind(value: object) -> str:
    return "text" if isinstance(value, str) else "numeric"


class CategoryMapTag(TagKind):
    """Each level lists the source values it covers; levels in the order written."""

    method: Literal["category_map"]
    mapping: dict[str, list[Value]] = Field(min_length=1, description="Level label -> source values.")

    @field_validator("mapping")
    @classmethod
    def _values_once(cls, value: dict[str, list[Value]]) -> dict[str, list[Value]]:
        check_labels(list(value))
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
