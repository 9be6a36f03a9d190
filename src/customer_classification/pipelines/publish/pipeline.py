"""``publish``: the front end's publications from the outputs of the last run (docs/frontend.md).

With ``--env frontend`` each publication is POSTed to the front-end server; in ``base`` they
are files, so the default ``kedro run`` needs no server. The segment payloads are the
clustering groups' own ``build_segment_payload`` nodes (the same nodes, so a run of both
pipelines runs them once), re-reading each group's profiles and matches.
"""

from __future__ import annotations

import pandas as pd
import polars as pl
from kedro.pipeline import Node, Pipeline

from customer_classification.configuration import configured_groups
from customer_classification.pipelines import clustering
from customer_classification.pipelines.publish import nodes

CARD_INPUTS = [
    "int_customers",
    "int_relationship_managers",
    "potential_scores",
    "loan_demand_scores",
    "product_recommendations",
    "customer_scenarios",
]


def _membership_in(group: str):
    def segment_membership(cluster_assignments: pd.DataFrame, cluster_profiles: pd.DataFrame) -> pl.DataFrame:
        return nodes.segment_membership(cluster_assignments, cluster_profiles, group)

    return segment_membership


def _segment_payloads() -> Pipeline:
    built = clustering.create_pipeline()
    return built.only_nodes(*[node.name for node in built.nodes if node.name.endswith(".build_segment_payload")])


def create_pipeline(**kwargs) -> Pipeline:
    groups = configured_groups()
    memberships = Pipeline(
        [
            Node(
                _membership_in(group),
                inputs=[f"{group}.cluster_assignments", f"{group}.cluster_profiles"],
                outputs=f"{group}.segment_membership",
                name=f"{group}_segment_membership",
            )
            for group in groups
        ]
    )
    cards = Pipeline(
        [
            Node(
                nodes.customer_cards,
                inputs=[*CARD_INPUTS, *(f"{group}.segment_membership" for group in groups)],
                outputs="frontend_customer_cards",
                name="build_customer_cards",
            ),
            Node(
                nodes.rm_types_payload,
                inputs=["rm_classification", "rm_thresholds", "rm_classification_summary"],
                outputs="frontend_rm_types",
                name="build_rm_types_payload",
            ),
        ]
    )
    publish = Pipeline(memberships + cards, namespace="publish", prefix_datasets_with_namespace=False, tags="publish")
    return publish + _segment_payloads()
