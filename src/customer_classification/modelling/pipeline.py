"""The model-pipeline template: one namespaced pipeline per model, as ``clustering`` builds one per group.

Every model pipeline has the same six nodes (:mod:`.nodes`); its parameters choose the task
and the decision. The template names its datasets generically (``model_table``, ``model``,
``scores``, ...); a model pipeline maps each to its public catalog name.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from customer_classification.modelling import nodes
from customer_classification.node_tags import SCORING

# The template's datasets; each model pipeline gives every one of them a public name.
TEMPLATE_DATASETS = (
    "model_table",
    "scoring_table",
    "study",
    "tuning",
    "model",
    "metrics",
    "comparison",
    "decision_report",
    "test_predictions",
    "scores",
)
PARAMS = "params:model_pipeline"


def _template() -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.build_model_table,
                inputs=["customer_features", "model_labels", PARAMS],
                outputs="model_table",
                name="build_model_table",
            ),
            Node(
                nodes.build_scoring_table,
                inputs=["customer_features", "model_labels", PARAMS],
                outputs="scoring_table",
                name="build_scoring_table",
                tags=SCORING,
            ),
            Node(nodes.tune_models, inputs=["model_table", PARAMS], outputs=["study", "tuning"], name="tune_models"),
            Node(nodes.fit_champion, inputs=["model_table", "tuning", PARAMS], outputs="model", name="fit_champion"),
            Node(
                nodes.evaluate_model,
                inputs=["model_table", "model", "tuning", PARAMS],
                outputs=["metrics", "comparison", "decision_report", "test_predictions"],
                name="evaluate_model",
            ),
            Node(
                nodes.score_customers,
                inputs=["scoring_table", "model", PARAMS],
                outputs="scores",
                name="score_customers",
                tags=SCORING,
            ),
        ]
    )


def model_pipeline(name: str, datasets: dict[str, str]) -> Pipeline:
    """The template namespaced as ``name``, reading ``params:<name>``, its datasets renamed by ``datasets``
    (template name -> public catalog name; every name of ``TEMPLATE_DATASETS``)."""
    missing = sorted(set(TEMPLATE_DATASETS) - set(datasets))
    if missing:
        raise ValueError(f"model pipeline '{name}': no public name for the template's datasets {missing}")
    return Pipeline(
        _template(),
        namespace=name,
        inputs={"customer_features", "model_labels"},
        outputs=datasets,
        parameters={PARAMS: f"params:{name}"},
        tags=name,
    )
