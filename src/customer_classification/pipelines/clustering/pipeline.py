"""``clustering``: one namespaced segmentation pipeline per group of ``clustering.groups``.

kedro-viz shows each group as its own block (``basic``, ``financial``, ...), whose
datasets are ``<group>.cluster_assignments``, ``<group>.k_selection`` and so on.
"""

from __future__ import annotations

import functools
import inspect
import logging
import warnings
from pathlib import Path

from kedro.config import OmegaConfigLoader
from kedro.framework.project import settings
from kedro.pipeline import Node, Pipeline

from customer_classification.pipelines.clustering import nodes

logger = logging.getLogger(__name__)
PARAMS = "params:clustering"
SHARED_INPUTS = {"customer_features", "customer_tags", "tag_dictionary"}
DEFAULT_GROUPS = ("basic", "financial", "non_financial", "lifestyle")


def configured_groups(conf_source: Path | None = None) -> list[str]:
    """The group names of ``clustering.groups`` in the project's parameters (base, then local).

    The registry needs them before a session exists, so they are read here; the
    groups' settings themselves reach the nodes through ``params:clustering``.
    """
    source = conf_source or Path.cwd() / settings.CONF_SOURCE
    if not source.is_dir():
        return list(DEFAULT_GROUPS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # OmegaConf's resolver deprecation, raised by Kedro itself
        loader = OmegaConfigLoader(conf_source=str(source), base_env="base", default_run_env="local")
        groups = loader["parameters"].get("clustering", {}).get("groups", {})
    return list(groups) or list(DEFAULT_GROUPS)


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
                inputs=["customer_features", PARAMS],
                outputs=["segment_model", "k_selection"],
                name="fit_segments",
            ),
            Node(
                nodes.assign_clusters,
                inputs=["customer_features", "segment_model"],
                outputs="cluster_assignments",
                name="assign_clusters",
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
    return Pipeline(template, namespace=group, inputs=SHARED_INPUTS, parameters={PARAMS}, tags=["clustering", group])


def create_pipeline(**kwargs) -> Pipeline:
    return sum((group_pipeline(group) for group in configured_groups()), Pipeline([]))
