"""Checks of the tag configuration against the feature table, run before any tag is fitted."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from customer_classification.pipelines.tag_system.params import TagSpec


class TagConfigError(ValueError):
    """A tag's configuration does not fit the data it is applied to."""


def _missing_feature(tag: TagSpec, feature: str, columns: Iterable[str], table: str) -> str:
    close = difflib.get_close_matches(feature, list(columns), n=3, cutoff=0.6)
    hint = f" (closest: {', '.join(close)})" if close else ""
    return f"tag '{tag.name}': feature '{feature}' is not a column of {table}{hint}"


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
            problems += tag.kind_problems(kinds)
    if problems:
        raise TagConfigError(f"{len(problems)} problem(s) in the tag configuration:\n  " + "\n  ".join(problems))
