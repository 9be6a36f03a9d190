"""``loan_demand`` (M2): the model-pipeline template with a utilization target and a threshold."""

from kedro.pipeline import Pipeline

from customer_classification.modelling.pipeline import model_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    return model_pipeline(
        "loan_demand",
        {
            "model_table": "loan_demand_table",
            "scoring_table": "loan_demand_scoring_table",
            "study": "loan_demand_study",
            "tuning": "loan_demand_tuning",
            "model": "loan_demand_model",
            "metrics": "loan_demand_metrics",
            "comparison": "loan_demand_comparison",
            "decision_report": "loan_demand_thresholds",
            "test_predictions": "loan_demand_test_predictions",
            "scores": "loan_demand_scores",
        },
    )
