"""The scheduled entries of the registry, composed from the pipelines' nodes (docs/operations.md).

* ``retrain`` (monthly): features -> tags -> segments -> challengers of the models ->
  champion/challenger decisions -> scores by the champions after the decision -> drift ->
  registry update -> report.
* ``score`` (daily/weekly): features -> tags, segments, potential, loan demand and
  recommendations with the registry's champion versions (``champion.<artefact>``), fitting
  nothing -> RM types -> drift.
"""

from __future__ import annotations

from kedro.pipeline import Pipeline

from customer_classification.pipelines.clustering.pipeline import configured_groups
from customer_classification.pipelines.model_registry.pipeline import companion_artefacts

# Pipelines that retrain runs whole; the model pipelines are split at their scoring nodes.
RETRAIN_WHOLE = (
    "data_engineering",
    "tag_system",
    "clustering",
    "product_recommendation",
    "rm_classification",
    "reporting",
    "model_registry",
)
# The nodes of each model pipeline that fit nothing: the model table and the scores.
SCORING_NODES = {
    "potential_model": ("build_potential_model_table", "score_potential_customers"),
    "loan_demand": ("build_loan_demand_table", "score_loan_demand"),
}
SCORERS = {"potential_model": "score_potential_customers", "loan_demand": "score_loan_demand"}
MODELS = {"potential_model": "potential_model", "loan_demand": "loan_demand_model"}
DRIFT_REFERENCES = ("potential_model_drift_reference", "loan_demand_model_drift_reference")
# Every pipeline that retrain or score composes (and so not added again to __default__).
COMPOSED = (*RETRAIN_WHOLE, *SCORING_NODES, "drift_monitoring")


def retrain_pipeline(pipelines: dict[str, Pipeline]) -> Pipeline:
    """Fit everything on the latest data; the models' scores come from the champions after the decision."""
    whole = sum((pipelines[name] for name in RETRAIN_WHOLE), Pipeline([]))
    for name, scorer in SCORERS.items():
        fitted = pipelines[name] - pipelines[name].only_nodes(scorer)
        scored = Pipeline(pipelines[name].only_nodes(scorer), inputs={MODELS[name]: f"decided.{MODELS[name]}"})
        whole += fitted + scored
    drift = Pipeline(
        pipelines["drift_monitoring"],
        inputs={f"champion.{r}": f"decided.{r}" for r in DRIFT_REFERENCES},
    )
    return whole + drift


def score_pipeline(pipelines: dict[str, Pipeline], groups: list[str] | None = None) -> Pipeline:
    """Score the scoring snapshot with the registry's champions; no node of it fits anything."""
    groups = configured_groups() if groups is None else groups
    champion = {name: f"champion.{name}" for name in companion_artefacts(groups)}
    parts = [
        pipelines["data_engineering"],
        Pipeline(pipelines["tag_system"].only_nodes("assign_tags"), inputs={"tag_binner": champion["tag_binner"]}),
        *(
            Pipeline(
                pipelines["clustering"].only_nodes(f"{g}.assign_clusters"),
                inputs={f"{g}.segment_model": champion[f"{g}.segment_model"]},
            )
            for g in groups
        ),
        *(
            Pipeline(pipelines[name].only_nodes(*nodes), inputs={MODELS[name]: f"champion.{MODELS[name]}"})
            for name, nodes in SCORING_NODES.items()
        ),
        Pipeline(
            pipelines["product_recommendation"].only_nodes("recommend_products", "assign_scenarios"),
            inputs={"recommender": champion["recommender"], "recommendation_blend": champion["recommendation_blend"]},
        ),
        pipelines["rm_classification"],
        pipelines["drift_monitoring"].only_nodes("monitor_drift"),
    ]
    return sum(parts, Pipeline([]))
