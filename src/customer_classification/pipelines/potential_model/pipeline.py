from kedro.pipeline import Node, Pipeline

from customer_classification.pipelines.potential_model import nodes

PARAMS = "params:potential_model"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.build_model_table,
                inputs=["customer_features", "model_labels", PARAMS],
                outputs="potential_model_table",
                name="build_potential_model_table",
            ),
            Node(
                nodes.tune_models,
                inputs=["potential_model_table", PARAMS],
                outputs=["potential_model_study", "potential_model_tuning"],
                name="tune_potential_model",
            ),
            Node(
                nodes.fit_champion,
                inputs=["potential_model_table", "potential_model_tuning", PARAMS],
                outputs="potential_model",
                name="fit_potential_model",
            ),
            Node(
                nodes.evaluate_model,
                inputs=["potential_model_table", "potential_model", "potential_model_tuning", PARAMS],
                outputs=[
                    "potential_model_metrics",
                    "potential_model_comparison",
                    "potential_model_tiers",
                    "potential_model_test_predictions",
                ],
                name="evaluate_potential_model",
            ),
            Node(
                nodes.score_customers,
                inputs=["potential_model_table", "potential_model", PARAMS],
                outputs="potential_scores",
                name="score_potential_customers",
            ),
        ],
        tags="potential_model",
    )
