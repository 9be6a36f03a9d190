"""Kept apart from the model pipelines so that a bank without demo truth runs them alone."""

from kedro.pipeline import Node, Pipeline

from customer_classification.pipelines.model_demo_check.nodes import evaluate_against_truth


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                evaluate_against_truth,
                inputs=[
                    "customer_features",
                    "model_labels",
                    "potential_model",
                    "loan_demand_model",
                    "demo_truth",
                    "params:potential_model",
                    "params:loan_demand",
                ],
                outputs="model_demo_evaluation",
                name="evaluate_models_against_truth",
            )
        ],
        tags="model_demo_check",
        namespace="model_demo_check",
        prefix_datasets_with_namespace=False,
    )
