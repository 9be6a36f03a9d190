"""The features a segment group clusters, read from the tag system's definition of its target.

The method segments "the user data under a target tag", the target being a tag group
or any single tag of the tag system. Each tag declares the source features of
``customer_features`` it reads; a group clusters exactly those of its target's tags,
so the tag system stays the one list of which features make up a group.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from customer_classification.pipelines.clustering.params import SegmentGroupParams
from customer_classification.pipelines.tag_system.params import TagSystemParams


def target_tags(group: str, segment_group: SegmentGroupParams, tag_system: TagSystemParams) -> list[str]:
    """The names of the tags under the group's target, in the tag system's order."""
    if segment_group.target_tag_group is not None:
        if segment_group.target_tag_group not in tag_system.groups:
            raise ValueError(
                f"Segment group '{group}': target_tag_group '{segment_group.target_tag_group}' is not a tag group; "
                f"the tag system's groups are {list(tag_system.groups)}"
            )
        return [tag.name for tag in tag_system.tags_in_group(segment_group.target_tag_group)]
    unknown = [name for name in segment_group.target_tags if name not in tag_system.tags]
    if unknown:
        raise ValueError(
            f"Segment group '{group}': target_tags {unknown} are not tags of the tag system "
            f"(tag_system.tags in parameters_tag_system.yml)"
        )
    return list(segment_group.target_tags)


def target_features(
    group: str, segment_group: SegmentGroupParams, tag_system: TagSystemParams, customer_features: Any
) -> tuple[list[str], list[str]]:
    """The numeric and the categorical source features of the group's target tags, each once.

    A feature is categorical when ``customer_features`` stores it as text or as a
    category, numeric otherwise (numbers and booleans); each list keeps the order in
    which the tags declare the features.
    """
    features = list(
        dict.fromkeys(
            f for name in target_tags(group, segment_group, tag_system) for f in tag_system.tags[name].features
        )
    )
    schema = nw.from_native(customer_features).collect_schema()
    missing = [f for f in features if f not in schema]
    if missing:
        raise ValueError(
            f"Segment group '{group}': the target's tags read {missing}, which are not columns of customer_features"
        )
    categorical = [f for f in features if schema[f] in (nw.String, nw.Categorical, nw.Enum) or schema[f] == nw.Object]
    return [f for f in features if f not in categorical], categorical
