"""Typed parameters of ``tag_system`` (``parameters_tag_system.yml``).

A tag turns one source feature into a few labelled, ordered levels. Tags are
declared under ``tag_system.tags`` as a mapping from tag name to definition; the
``method`` key selects how values become levels:

* ``fixed_bins``: cut points written in the configuration;
* ``quantiles``: cut points at quantiles of the training snapshots;
* ``category_map``: each level lists the source values it covers;
* ``rule``: structured conditions (feature, operator, value), first match wins;
* ``supervised``: cut points a decision tree learns against a model target.

Every problem of a tag is reported with the tag's name before any data is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

DEFAULT_GROUPS = ("basic", "financial", "non_financial")
KEY_COLUMNS = ("customer_id", "snapshot_date")
METHODS = ("fixed_bins", "quantiles", "category_map", "rule", "supervised")
# Model targets a supervised tag may learn its cut points against (columns of model_labels).
SUPERVISED_TARGETS = ("upgrade_within_window", "utilization_at_window_end", "campaign_response")
_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

Value = float | str


def number(value: Value) -> str:
    """A value as people write it: 200,000 or 0.05 or the text itself."""
    if isinstance(value, str):
        return value
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


class _Frozen(BaseModel):
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


class _TagBase(_Frozen):
    name: str = Field(pattern=_NAME_PATTERN, description="Column name of the tag in customer_tags.")
    group: str = Field(description="Tag group: basic, financial, non_financial or a group declared in `groups`.")
    title: str = Field(min_length=1, description="Short name for business users.")
    description: str = Field(min_length=1, description="What the tag says about a customer, in words.")
    source: str = Field(min_length=1, description="Feature of customer_features the tag is read from.")

    @property
    def features(self) -> list[str]:
        """Every feature the tag reads, the source first."""
        return [self.source]


class FixedBinsTag(_TagBase):
    """Levels between cut points given in the configuration: ``[lower, upper)``."""

    method: Literal["fixed_bins"]
    cut_points: list[float] = Field(min_length=1)
    labels: list[str] = Field(min_length=1)

    @field_validator("cut_points")
    @classmethod
    def _sorted(cls, value: list[float]) -> list[float]:
        return _strictly_increasing(value)

    @field_validator("labels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _check_labels(value)

    @model_validator(mode="after")
    def _one_label_per_bin(self) -> FixedBinsTag:
        if len(self.labels) != len(self.cut_points) + 1:
            raise ValueError(
                f"{len(self.cut_points)} cut points make {len(self.cut_points) + 1} bins, "
                f"but {len(self.labels)} labels are given: {self.labels}"
            )
        return self


class QuantileTag(_TagBase):
    """Levels between quantiles of the source on the training snapshots (equal-sized by default)."""

    method: Literal["quantiles"]
    labels: list[str] = Field(min_length=2)
    quantiles: list[float] | None = Field(None, description="Quantile of each cut point; default equal shares.")

    @field_validator("labels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _check_labels(value)

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
    def _one_label_per_bin(self) -> QuantileTag:
        if self.quantiles is not None and len(self.labels) != len(self.quantiles) + 1:
            raise ValueError(
                f"{len(self.quantiles)} quantiles make {len(self.quantiles) + 1} bins, "
                f"but {len(self.labels)} labels are given: {self.labels}"
            )
        return self

    @property
    def probabilities(self) -> list[float]:
        """Quantile of each cut point."""
        if self.quantiles is not None:
            return list(self.quantiles)
        n_bins = len(self.labels)
        return [i / n_bins for i in range(1, n_bins)]


class CategoryMapTag(_TagBase):
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


Operator = Literal["<", "<=", ">", ">=", "==", "!=", "in", "not_in"]
ORDERING_OPERATORS = ("<", "<=", ">", ">=")


class Condition(_Frozen):
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


class Rule(_Frozen):
    """A level given to customers that meet every condition."""

    label: str
    when: list[Condition] = Field(min_length=1)


class RuleTag(_TagBase):
    """Rules tried in order, the first that holds gives the level; a missing source gives a missing tag.

    Several rules may give the same level (an *or*); ``otherwise`` is the level of
    customers with a known source whom no rule matches (missing if not set).
    """

    method: Literal["rule"]
    labels: list[str] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    otherwise: str | None = None

    @field_validator("labels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _check_labels(value)

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


class SupervisedTag(_TagBase):
    """Cut points a decision tree learns on the training snapshots against a model target.

    The tree has one leaf per label; ``monotonic`` forces the target to rise
    (``increasing``) or fall (``decreasing``) from level to level.
    """

    method: Literal["supervised"]
    target: Literal[SUPERVISED_TARGETS]  # type: ignore[valid-type]
    labels: list[str] = Field(min_length=2)
    monotonic: Literal["increasing", "decreasing"] | None = None
    min_bin_share: float = Field(0.05, gt=0, lt=0.5, description="Smallest share of training rows in a level.")

    @field_validator("labels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _check_labels(value)

    @model_validator(mode="after")
    def _bins_fit(self) -> SupervisedTag:
        if len(self.labels) * self.min_bin_share > 1:
            raise ValueError(
                f"{len(self.labels)} levels of at least {self.min_bin_share:.0%} of the rows cannot exist; "
                "lower min_bin_share or give fewer labels"
            )
        return self


TagSpec = Annotated[
    FixedBinsTag | QuantileTag | CategoryMapTag | RuleTag | SupervisedTag, Field(discriminator="method")
]
_TAG_ADAPTER: TypeAdapter[TagSpec] = TypeAdapter(TagSpec)


def _explain(error: Any) -> str:
    location = [str(part) for part in error["loc"] if part not in METHODS]
    message = error["msg"].removeprefix("Value error, ")
    return f"{'.'.join(location)}: {message}" if location else message


def parse_tag(name: str, definition: Mapping[str, Any]) -> TagSpec:
    """One tag from its configuration, or a ``ValueError`` naming the tag and every problem."""
    if not isinstance(definition, Mapping):
        raise ValueError(f"tag '{name}': the definition must be a mapping of keys; got {definition!r}")
    if "name" in definition and definition["name"] != name:
        raise ValueError(f"tag '{name}': name {definition['name']!r} differs from its key; drop the name key")
    method = definition.get("method")
    if method not in METHODS:
        raise ValueError(f"tag '{name}': unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if name in KEY_COLUMNS:
        raise ValueError(f"tag '{name}': the name is a key column of customer_tags; choose another")
    try:
        return _TAG_ADAPTER.validate_python({**definition, "name": name})
    except ValidationError as exc:
        problems = "; ".join(_explain(error) for error in exc.errors())
        raise ValueError(f"tag '{name}': {problems}") from None


class GroupSpec(_Frozen):
    """A tag group, e.g. the customer portrait's financial side."""

    title: str = Field(min_length=1)
    description: str = Field(min_length=1)


class TagWeightParams(_Frozen):
    """The decision trees whose importances weigh the tags (M4)."""

    max_depth: int = Field(5, ge=1, le=20)
    min_samples_leaf: int = Field(100, ge=1)
    random_state: int = 0


class TagSystemParams(_Frozen):
    """The tag groups, the tags and the snapshots cut points and weights are learned on."""

    training_snapshots: list[dt.date] = Field(min_length=1, description="Cut points and weights are fitted here.")
    validation_snapshot: dt.date = Field(description="Out-of-time check of the weight trees.")
    scoring_snapshot: dt.date = Field(description="Its tag distribution is reported beside the training one.")
    groups: dict[str, GroupSpec]
    tags: dict[str, TagSpec] = Field(min_length=1)
    weights: TagWeightParams = TagWeightParams()

    @field_validator("tags", mode="before")
    @classmethod
    def _parse_each_tag(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError("tags must be a mapping from tag name to its definition")
        parsed, problems = {}, []
        for name, definition in value.items():
            if isinstance(definition, BaseModel):
                parsed[name] = definition
                continue
            try:
                parsed[name] = parse_tag(str(name), definition)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("\n".join(problems))
        return parsed

    @field_validator("groups")
    @classmethod
    def _default_groups_declared(cls, value: dict[str, GroupSpec]) -> dict[str, GroupSpec]:
        missing = [group for group in DEFAULT_GROUPS if group not in value]
        if missing:
            raise ValueError(f"groups must declare {list(DEFAULT_GROUPS)}; missing {missing}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TagSystemParams:
        unknown = [
            f"tag '{t.name}': unknown group '{t.group}'" for t in self.tags.values() if t.group not in self.groups
        ]
        if unknown:
            raise ValueError("; ".join(unknown) + f" (declared groups: {', '.join(self.groups)})")
        mismatched = [f"key '{key}' holds tag '{tag.name}'" for key, tag in self.tags.items() if key != tag.name]
        if mismatched:
            raise ValueError("; ".join(mismatched))
        empty = [group for group in self.groups if not self.tags_in_group(group)]
        if empty:
            raise ValueError(f"groups {empty} have no tags; add tags or remove the groups")
        if sorted(set(self.training_snapshots)) != self.training_snapshots:
            raise ValueError("training_snapshots must be listed once each, oldest first")
        if not self.training_snapshots[-1] < self.validation_snapshot < self.scoring_snapshot:
            raise ValueError(
                "snapshots must be in time order: training snapshots, then validation_snapshot, then scoring_snapshot"
            )
        return self

    def tags_in_group(self, group: str) -> list[TagSpec]:
        """The tags of one group, in the order declared."""
        if group not in self.groups:
            raise ValueError(f"unknown tag group {group!r}; declared groups: {', '.join(self.groups)}")
        return [tag for tag in self.tags.values() if tag.group == group]

    def features_in_group(self, group: str) -> list[str]:
        """Every feature the group's tags read, each once, in the order declared."""
        return list(dict.fromkeys(feature for tag in self.tags_in_group(group) for feature in tag.features))
