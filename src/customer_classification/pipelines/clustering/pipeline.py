"""``clustering``: one namespaced segmentation pipeline per group of ``clustering.groups``.

kedro-viz shows each group as its own block inside ``clustering`` (``clustering.basic``, ...),
whose datasets are ``<group>.cluster_assignments``, ``<group>.k_selection`` and so on.
"""

from __future__ import annotations

import functools
import inspect

from kedro.pipeline import Node, Pipeline

from customer_classification.configuration import configured_groups
from customer_classification.node_tags import SCORING
from customer_classification.pipelines.clustering import nodes

PARAMS = "params:clustering"
TAG_SYSTEM = "params:tag_system"  # the target tags' definitions: which features each group clusters
SHARED_INPUTS = {"customer_features", "customer_tags", "tag_dictionary"}


def _bound(function, group: str):
    """``function`` with its ``group`` argument fixed, keeping its name, docstring and
    type hints (so Kedro still validates ``params:clustering`` into its model)."""

    @functools.wraps(function)
    def bound(*args, **kwargs):
        return function(*args, group=group, **kwargs)

    signature = inspect.signature(function)
    bound.__signature__ = signature.replace(parameters=[p for p in signature.parameters.values() if p.name != "group"])
    return bound


def group_pipeline(group: str) -> Pipeline:
    """The segmentation of one group, namespaced by the group's name."""
    template = Pipeline(
        [
            Node(
                _bound(nodes.fit_segments, group),
                inputs=["customer_features", TAG_SYSTEM, PARAMS],
                outputs=["segment_model", "k_selection"],
                name="fit_segments",
            ),
            Node(
                nodes.assign_clusters,
                inputs=["customer_features", "segment_model"],
                outputs="cluster_assignments",
                name="assign_clusters",
                tags=SCORING,
            ),
            Node(
                _bound(nodes.profile_clusters, group),
                inputs=["customer_features", "customer_tags", "tag_dictionary", "cluster_assignments", PARAMS],
                outputs="cluster_profiles",
                name="profile_clusters",
            ),
            Node(
                nodes.match_cluster_products,
                inputs=["customer_features", "cluster_assignments", "cluster_profiles", PARAMS],
                outputs="product_matches",
                name="match_cluster_products",
            ),
            Node(
                _bound(nodes.build_segment_payload, group),
                inputs=["cluster_profiles", "product_matches", PARAMS],
                outputs="segment_payload",
                name="build_segment_payload",
            ),
        ]
    )
    return Pipeline(
        template, namespace=group, inputs=SHARED_INPUTS, parameters={PARAMS, TAG_SYSTEM}, tags=["clustering", group]
    )


def create_pipeline(**kwargs) -> Pipeline:
    groups = [group_pipeline(group) for group in configured_groups()]
    return Pipeline(groups, namespace="clustering", prefix_datasets_with_namespace=False)
