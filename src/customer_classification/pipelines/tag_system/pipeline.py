from kedro.pipeline import Node, Pipeline

from customer_classification.node_tags import SCORING
from customer_classification.pipelines.tag_system import nodes

PARAMS = "params:tag_system"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.fit_tag_binner,
                inputs=["customer_features", "model_labels", PARAMS],
                outputs="tag_binner",
                name="fit_tag_binner",
            ),
            # kept apart from the fit: the score pipeline reuses it with the persisted binner
            Node(
                nodes.assign_tags,
                inputs=["customer_features", "tag_binner"],
                outputs="customer_tags",
                name="assign_tags",
                tags=SCORING,
            ),
            Node(
                nodes.describe_tags,
                inputs=["customer_tags", "tag_binner", PARAMS],
                outputs="tag_dictionary",
                name="describe_tags",
            ),
            Node(
                nodes.weigh_tags,
                inputs=["customer_tags", "model_labels", PARAMS],
                outputs="tag_weights",
                name="weigh_tags",
            ),
        ],
        tags="tag_system",
        namespace="tag_system",
        prefix_datasets_with_namespace=False,
    )
