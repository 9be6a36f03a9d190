"""``model_registry``: champion/challenger decisions and the versioned registry of a retrain.

Part of ``retrain`` (see :mod:`customer_classification.operations`): it needs the model tables
and challengers that the model pipelines hand over in memory.
"""

from kedro.pipeline import Node, Pipeline

from customer_classification.configuration import configured_groups
from customer_classification.pipelines.model_registry import nodes

PARAMS = "params:model_registry"
CHALLENGERS = [
    "potential_model",
    "potential_model_drift_reference",
    "loan_demand_model",
    "loan_demand_model_drift_reference",
]


def companion_artefacts(groups: list[str]) -> list[str]:
    """Fitted artefacts without a test of their own: registered with every completed retrain."""
    return [
        "tag_binner",
        *(f"{g}.segment_model" for g in groups),
        "recommender",
        "recommendation_blend",
        "portrait_push_model",
    ]


def create_pipeline(**kwargs) -> Pipeline:
    companions = companion_artefacts(configured_groups())
    return Pipeline(
        [
            Node(
                nodes.decide_champions,
                inputs=[
                    "potential_model_table",
                    "potential_model",
                    "potential_model_drift_reference",
                    "loan_demand_table",
                    "loan_demand_model",
                    "loan_demand_model_drift_reference",
                    "model_registry",
                    PARAMS,
                ],
                outputs=[
                    "champion_decisions",
                    "decided.potential_model",
                    "decided.potential_model_drift_reference",
                    "decided.loan_demand_model",
                    "decided.loan_demand_model_drift_reference",
                ],
                name="decide_champions",
            ),
            Node(
                nodes.registrar(companions),
                inputs=["champion_decisions", "model_registry", PARAMS, *CHALLENGERS, *companions],
                outputs="model_registry_update",
                name="register_models",
            ),
        ],
        tags="model_registry",
        namespace="model_registry",
        prefix_datasets_with_namespace=False,
    )
