"""``potential_model`` (M1): the model-pipeline template with a binary target and service tiers."""

from kedro.pipeline import Pipeline

from customer_classification.modelling.pipeline import model_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    return model_pipeline(
        "potential_model",
        {
            "model_table": "potential_model_table",
            "scoring_table": "potential_model_scoring_table",
            "study": "potential_model_study",
            "tuning": "potential_model_tuning",
            "model": "potential_model",
            "metrics": "potential_model_metrics",
            "comparison": "potential_model_comparison",
            "decision_report": "potential_model_tiers",
            "test_predictions": "potential_model_test_predictions",
            "scores": "potential_scores",
        },
    )
