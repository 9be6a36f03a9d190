from kedro.pipeline import Node, Pipeline

from customer_classification.node_tags import SCORING
from customer_classification.pipelines.rm_classification import nodes

PARAMS = "params:rm_classification"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.build_client_categories,
                inputs=["int_customers", "customer_features", "product_recommendations", PARAMS],
                outputs="rm_client_categories",
                name="build_client_categories",
            ),
            Node(
                nodes.compute_category_mix,
                inputs=["rm_client_categories", "int_relationship_managers", PARAMS],
                outputs="rm_category_mix",
                name="compute_category_mix",
            ),
            Node(
                nodes.derive_rm_thresholds,
                inputs=["rm_category_mix", PARAMS],
                outputs="rm_thresholds",
                name="derive_rm_thresholds",
            ),
            Node(
                nodes.derive_alternative_thresholds,
                inputs=["rm_category_mix", PARAMS],
                outputs="rm_alternative_thresholds",
                name="derive_alternative_thresholds",
            ),
            Node(
                nodes.classify_relationship_managers,
                inputs=["rm_category_mix", "rm_thresholds", "rm_alternative_thresholds", "int_relationship_managers"],
                outputs="rm_classification",
                name="classify_relationship_managers",
            ),
            Node(
                nodes.summarise_rm_classification,
                inputs=["rm_classification", "rm_thresholds", "rm_alternative_thresholds", PARAMS],
                outputs="rm_classification_summary",
                name="summarise_rm_classification",
            ),
        ],
        tags=["rm_classification", SCORING],
        namespace="rm_classification",
        prefix_datasets_with_namespace=False,
    )
