"""``drift_monitoring``: each challenger's training distribution (stored with its version by
``model_registry``) and the PSI of the scoring snapshot against the champion's (``drift_monitoring``).

Run by ``score`` (the monitor, against the registry's champions) and ``retrain`` (all three,
against the champions after the decision); see :mod:`customer_classification.operations`.
"""

from kedro.pipeline import Node, Pipeline

from customer_classification.node_tags import SCORING
from customer_classification.pipelines.drift_monitoring import nodes

PARAMS = "params:drift_monitoring"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.profile_training_distribution,
                inputs=["potential_model_table", "potential_model", PARAMS],
                outputs="potential_model_drift_reference",
                name="profile_potential_model_training",
            ),
            Node(
                nodes.profile_training_distribution,
                inputs=["loan_demand_table", "loan_demand_model", PARAMS],
                outputs="loan_demand_model_drift_reference",
                name="profile_loan_demand_model_training",
            ),
            Node(
                nodes.monitor_drift,
                inputs=[
                    "potential_model_scoring_table",
                    "champion.potential_model_drift_reference",
                    "potential_scores",
                    "loan_demand_scoring_table",
                    "champion.loan_demand_model_drift_reference",
                    "loan_demand_scores",
                    PARAMS,
                ],
                outputs="drift_monitoring",
                name="monitor_drift",
                tags=SCORING,
            ),
        ],
        tags="drift_monitoring",
        namespace="drift_monitoring",
        prefix_datasets_with_namespace=False,
    )
