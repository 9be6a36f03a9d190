from kedro.pipeline import Node, Pipeline

from customer_classification.pipelines.loan_demand import nodes

PARAMS = "params:loan_demand"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.build_model_table,
                inputs=["customer_features", "model_labels", PARAMS],
                outputs="loan_demand_table",
                name="build_loan_demand_table",
            ),
            Node(
                nodes.tune_models,
                inputs=["loan_demand_table", PARAMS],
                outputs=["loan_demand_study", "loan_demand_tuning"],
                name="tune_loan_demand_model",
            ),
            Node(
                nodes.fit_champion,
                inputs=["loan_demand_table", "loan_demand_tuning", PARAMS],
                outputs="loan_demand_model",
                name="fit_loan_demand_model",
            ),
            Node(
                nodes.evaluate_model,
                inputs=["loan_demand_table", "loan_demand_model", "loan_demand_tuning", PARAMS],
                outputs=["loan_demand_metrics", "loan_demand_comparison", "loan_demand_test_predictions"],
                name="evaluate_loan_demand_model",
            ),
            Node(
                nodes.score_customers,
                inputs=["loan_demand_table", "loan_demand_model", PARAMS],
                outputs="loan_demand_scores",
                name="score_loan_demand",
            ),
        ],
        tags="loan_demand",
    )
