"""Typed parameters of ``tag_system`` (``parameters_tag_system.yml``).

A tag turns one source feature into a few labelled, ordered levels. Tags are
declared under ``tag_system.tags`` as a mapping from tag name to definition; the
``method`` key selects the tag's kind (:mod:`.kinds`), which validates the rest;
:data:`TagSpec` is the union of the kinds.

Every problem of a tag is reported with the tag's name before any data is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, get_args

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator, model_validator

from customer_classification.pipelines.tag_system.kinds.base import FrozenModel, TagKind
from customer_classification.pipelines.tag_system.kinds.binned import FixedBinsTag, QuantileTag, SupervisedTag
from customer_classification.pipelines.tag_system.kinds.mapped import CategoryMapTag, RuleTag
from customer_classification.pipelines.tag_system.targets import KEY_COLUMNS

DEFAULT_GROUPS = ("basic", "financial", "non_financial")

# the union Kedro validates each tag against; its order is the order methods are listed in messages
TagSpec = Annotated[
    FixedBinsTag | QuantileTag | CategoryMapTag | RuleTag | SupervisedTag, Field(discriminator="method")
]
TAG_KINDS: tuple[type[TagKind], ...] = get_args(get_args(TagSpec)[0])
METHODS = tuple(get_args(kind.model_fields["method"].annotation)[0] for kind in TAG_KINDS)

_TAG_ADAPTER: TypeAdapter[TagSpec] = TypeAdapter(TagSpec)


def _explain(error: Any) -> str:
    # the union's discriminator (the method) leads the location; a field may share a method's name (quantiles)
    location = [str(part) for part in error["loc"]]
    if location and location[0] in METHODS:
        location = location[1:]
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


class GroupSpec(FrozenModel):
    """A tag group, e.g. the customer portrait's financial side."""

    title: str = Field(min_length=1)
    description: str = Field(min_length=1)


class TagWeightParams(FrozenModel):
    """The decision trees whose importances weigh the tags (M4)."""

    max_depth: int = Field(5, ge=1, le=20)
    min_samples_leaf: int = Field(100, ge=1)
    random_state: int = 0


class TagSystemParams(FrozenModel):
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
