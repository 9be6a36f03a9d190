"""``portrait_push``: the group-portrait credit push model (M4), its nodes in the claim's order.

S1 concentration, K-means groups and the qualitative portrait -> S21 node weights -> S22-S25
scenarios and target screening -> S3 matching with the platform and standardisation -> S4
feedback regression, S51-S52 service evaluation -> S53-S56 the recurrent push model -> S57 the
push (scoring) -> the out-of-time evaluation. docs/portrait_push.md maps each step to its node.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from customer_classification.node_tags import SCORING
from customer_classification.pipelines.portrait_push import nodes

PARAMS = "params:portrait_push"
# the K-means sample groups (S1): the clustering group that recovers the personas
SEGMENTS = "lifestyle.cluster_assignments"
SEQUENCE_INPUTS = [
    "customer_month_balances",
    "customer_month_digital",
    "customer_month_campaigns",
    "customer_month_credit",
]
PORTRAIT_INPUTS = ["customer_features", "customer_tags", SEGMENTS]


def _fitting_nodes() -> list[Node]:
    return [
        Node(
            nodes.assemble_fitting_rows,
            inputs=[*PORTRAIT_INPUTS, "model_labels", "holdings", "products", PARAMS],
            outputs="portrait_fitting_rows",
            name="assemble_fitting_rows",
        ),
        Node(
            nodes.find_credit_groups,
            inputs=["portrait_fitting_rows", PARAMS],
            outputs="portrait_credit_groups",
            name="find_credit_groups",
        ),  # fmt: skip
        Node(
            nodes.weigh_portrait_nodes,
            inputs=["portrait_fitting_rows", "customer_tags", "portrait_credit_groups", PARAMS],
            outputs=["portrait_weigher", "portrait_node_weights"],
            name="weigh_portrait_nodes",
        ),
        Node(
            nodes.divide_scenarios,
            inputs=["portrait_fitting_rows", "customer_tags", "portrait_credit_groups", "portrait_weigher", PARAMS],
            outputs=["scenario_divider", "portrait_scenarios"],
            name="divide_scenarios",
        ),
        Node(
            nodes.fit_feedback,
            inputs=[
                "portrait_fitting_rows",
                "int_customers",
                "validated_platform_profiles",
                "products",
                "portrait_credit_groups",
                "portrait_weigher",
                "scenario_divider",
                "customer_tags",
                PARAMS,
            ],  # fmt: skip
            outputs=["portrait_feedback", "feedback_regression"],
            name="fit_feedback",
        ),
        Node(
            nodes.fit_push_model,
            inputs=[
                "portrait_fitting_rows",
                "portrait_feedback",
                "int_customers",
                "validated_platform_profiles",
                *SEQUENCE_INPUTS,
                PARAMS,
            ],  # fmt: skip
            outputs="portrait_push_model",
            name="fit_push_model",
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    sources = ["int_customers", "validated_platform_profiles", *SEQUENCE_INPUTS]
    return Pipeline(
        [
            *_fitting_nodes(),
            Node(
                nodes.verify_second_source,
                inputs=["int_customers", "validated_platform_profiles", PARAMS],
                outputs="platform_matching",
                name="verify_second_source",
                tags=SCORING,
            ),
            Node(
                nodes.push_credit_products,
                inputs=["portrait_push_model", *PORTRAIT_INPUTS, "holdings", "products", *sources],
                outputs="credit_push",
                name="push_credit_products",
                tags=SCORING,
            ),
            Node(
                nodes.evaluate_push,
                inputs=[
                    "portrait_push_model",
                    "portrait_fitting_rows",
                    "recommender",
                    "recommendation_blend",
                    *PORTRAIT_INPUTS,
                    "model_labels",
                    "holdings",
                    "products",
                    *sources,
                ],  # fmt: skip
                outputs=["portrait_push_evaluation", "portrait_push_summary"],
                name="evaluate_push",
            ),
        ],
        tags="portrait_push",
        namespace="portrait_push",
        prefix_datasets_with_namespace=False,
    )
