"""``product_recommendation``: top-k product categories per customer (M4)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from customer_classification.node_tags import SCORING
from customer_classification.pipelines.product_recommendation import nodes

PARAMS = "params:product_recommendation"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.build_propensity_table,
                inputs=["customer_features", "model_labels", PARAMS],
                outputs="propensity_table",
                name="build_propensity_table",
            ),
            Node(
                nodes.tune_propensity,
                inputs=["propensity_table", PARAMS],
                outputs=["next_product_propensity_study", "propensity_tuning"],
                name="tune_propensity",
            ),
            Node(
                nodes.fit_recommenders,
                inputs=["customer_features", "model_labels", "propensity_table", "propensity_tuning", PARAMS],
                outputs="recommender",
                name="fit_recommenders",
            ),
            Node(
                nodes.choose_blend,
                inputs=["customer_features", "model_labels", "recommender", PARAMS],
                outputs=["recommendation_blend", "recommendation_blend_search"],
                name="choose_blend",
            ),
            Node(
                nodes.evaluate_recommendations,
                inputs=["customer_features", "model_labels", "recommender", "recommendation_blend", PARAMS],
                outputs="recommendation_evaluation",
                name="evaluate_recommendations",
            ),
            Node(
                nodes.recommend_products,
                inputs=["customer_features", "recommender", "recommendation_blend", PARAMS],
                outputs="product_recommendations",
                name="recommend_products",
                tags=SCORING,
            ),
            Node(
                nodes.assign_scenarios,
                inputs=[
                    "customer_tags",
                    "tag_weights",
                    "potential_scores",
                    "loan_demand_scores",
                    "product_recommendations",
                    PARAMS,
                ],
                outputs=["customer_scenarios", "scenario_summary"],
                name="assign_scenarios",
                tags=SCORING,
            ),
        ],
        tags="product_recommendation",
        namespace="product_recommendation",
        prefix_datasets_with_namespace=False,
    )
