"""Checks of the tag configuration against the feature table, run before any tag is fitted."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from customer_classification.pipelines.tag_system.params import (
    ORDERING_OPERATORS,
    CategoryMapTag,
    RuleTag,
    TagSpec,
)

NUMERIC_METHODS = ("fixed_bins", "quantiles", "supervised")


class TagConfigError(ValueError):
    """A tag's configuration does not fit the data it is applied to."""


def _value_kind(value: object) -> str:
    return "text" if isinstance(value, str) else "numeric"


def _missing_feature(tag: TagSpec, feature: str, columns: Iterable[str], table: str) -> str:
    close = difflib.get_close_matches(feature, list(columns), n=3, cutoff=0.6)
    hint = f" (closest: {', '.join(close)})" if close else ""
    return f"tag '{tag.name}': feature '{feature}' is not a column of {table}{hint}"


def _kind_problems(tag: TagSpec, kinds: Mapping[str, str]) -> list[str]:
    problems = []
    source_kind = kinds[tag.source]
    if tag.method in NUMERIC_METHODS and source_kind != "numeric":
        problems.append(
            f"tag '{tag.name}': method {tag.method} needs a numeric source; '{tag.source}' is {source_kind}"
        )
    if isinstance(tag, CategoryMapTag):
        wrong = [v for values in tag.mapping.values() for v in values if _value_kind(v) != source_kind]
        if wrong:
            problems.append(f"tag '{tag.name}': '{tag.source}' is {source_kind} but the mapping lists {wrong[:5]}")
    if isinstance(tag, RuleTag):
        for rule in tag.rules:
            for condition in rule.when:
                kind = kinds[condition.feature]
                values = condition.value if isinstance(condition.value, list) else [condition.value]
                if condition.operator in ORDERING_OPERATORS and kind != "numeric":
                    problems.append(
                        f"tag '{tag.name}': condition '{condition.describe()}' orders '{condition.feature}', "
                        f"which is {kind}"
                    )
                elif any(_value_kind(v) != kind for v in values):
                    problems.append(
                        f"tag '{tag.name}': condition '{condition.describe()}' compares {kind} "
                        f"'{condition.feature}' with {values}"
                    )
    return problems


def check_tags_against_features(tags: Iterable[TagSpec], kinds: Mapping[str, str], table: str) -> None:
    """Stop with every problem at once if a tag reads a feature that is missing or of the wrong kind.

    ``kinds`` maps each column of the feature table to ``numeric`` (booleans
    included), ``text`` or another word for other types (dates).
    """
    tags = list(tags)
    problems = []
    for tag in tags:
        missing = [f for f in tag.features if f not in kinds]
        problems += [_missing_feature(tag, f, kinds, table) for f in missing]
        if not missing:
            problems += _kind_problems(tag, kinds)
    if problems:
        raise TagConfigError(f"{len(problems)} problem(s) in the tag configuration:\n  " + "\n  ".join(problems))
