"""``clustering``: one namespaced segmentation pipeline per group of ``clustering.groups``.

kedro-viz shows each group as its own block (``basic``, ``financial``, ...), whose
datasets are ``<group>.cluster_assignments``, ``<group>.k_selection`` and so on.
"""

from __future__ import annotations

import functools
import inspect
import logging
from pathlib import Path

import yaml
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
    The files are read as plain YAML (only the keys matter): a Kedro config loader
    would re-register OmegaConf's ``globals`` resolver, process-wide, so that the
    running session's parameters resolve ``${globals:...}`` from base and local
    instead of its own environment (``--env next_month`` would run on base's dates).
    """
    source = conf_source or Path.cwd() / settings.CONF_SOURCE
    groups: dict = {}
    for env in ("base", "local"):
        for path in sorted((source / env).glob("parameters*.yml")):
            block = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("clustering")
            if isinstance(block, dict):  # an environment's top-level block replaces base's
                groups = block.get("groups") or {}
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
