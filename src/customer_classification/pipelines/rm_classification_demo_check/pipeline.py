"""Kept apart from ``rm_classification`` so that a bank without demo truth runs that pipeline alone."""

from kedro.pipeline import Node, Pipeline

from customer_classification.pipelines.rm_classification.evaluation import evaluate_planted_specialists


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                evaluate_planted_specialists,
                inputs=["rm_classification", "demo_rm_truth"],
                outputs="rm_demo_evaluation",
                name="evaluate_planted_specialists",
            )
        ],
        tags="rm_classification_demo_check",
        namespace="rm_classification_demo_check",
        prefix_datasets_with_namespace=False,
    )
