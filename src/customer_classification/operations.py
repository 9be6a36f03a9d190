"""The scheduled entries of the registry, composed from the pipelines (docs/operations.md).

* ``retrain`` (monthly): features -> tags -> segments -> challengers of the models ->
  champion/challenger decisions -> scores by the champions after the decision -> drift ->
  registry update -> report.
* ``score`` (daily/weekly): features -> tags, segments, potential, loan demand and
  recommendations with the registry's champion versions (``champion.<artefact>``), fitting
  nothing -> RM types -> drift.

Neither names a node or a model: each pipeline tags the nodes that fit nothing
(:data:`~customer_classification.node_tags.SCORING`); the fitted artefacts such a node reads
are the datasets it takes from the rest of its pipeline, and ``model_registry`` says which of
them are contested (it writes ``decided.<artefact>``).
"""

from __future__ import annotations

from kedro.pipeline import Pipeline

from customer_classification.node_tags import SCORING

# The pipelines of each cycle, in the order of the method's flow.
RETRAIN = (
    "data_engineering",
    "tag_system",
    "clustering",
    "potential_model",
    "loan_demand",
    "product_recommendation",
    "portrait_push",
    "rm_classification",
    "model_registry",
    "drift_monitoring",
    "reporting",
)
# score reruns retrain's pipelines (their scoring nodes) but for the decision and the report
SCORE = tuple(name for name in RETRAIN if name not in ("model_registry", "reporting"))
# Every pipeline that retrain or score composes (and so not added again to __default__).
COMPOSED = tuple(dict.fromkeys((*RETRAIN, *SCORE)))
CHAMPION, DECIDED = "champion.", "decided."
AFTER_DECISION = "after_decision"


def scoring_part(pipeline: Pipeline) -> Pipeline:
    """The nodes of ``pipeline`` that fit nothing."""
    return pipeline.only_nodes_with_tags(SCORING)


def fitted_artefacts(pipeline: Pipeline) -> set[str]:
    """The datasets that the scoring part of ``pipeline`` reads from the part that fits."""
    scoring = scoring_part(pipeline)
    return scoring.inputs() & (pipeline - scoring).all_outputs()


def _reading(part: Pipeline, renames: dict[str, str]) -> Pipeline:
    """``part`` reading each dataset of ``renames`` under its new name."""
    renames = {name: new for name, new in renames.items() if name in part.inputs()}
    return Pipeline(part, inputs=renames) if renames else part


def retrain_pipeline(pipelines: dict[str, Pipeline]) -> Pipeline:
    """Fit everything on the latest data; what scores reads the champions after the decision.

    The nodes that read a decided champion run after ``model_registry``'s decision, so they
    form a namespace of their own (``after_decision``): in their pipeline's namespace they
    would interrupt it (kedro-viz would draw the model's block both before and after the decision).
    """
    registry_outputs = pipelines["model_registry"].all_outputs()
    decided = {name.removeprefix(DECIDED) for name in registry_outputs if name.startswith(DECIDED)}
    renames = {**{a: DECIDED + a for a in decided}, **{CHAMPION + a: DECIDED + a for a in decided}}
    whole = Pipeline([])
    for name in RETRAIN:
        pipeline = pipelines[name]
        scoring = scoring_part(pipeline)
        read = sorted(set(renames) & scoring.inputs())
        after = scoring.from_inputs(*read) if read else Pipeline([])
        whole += pipeline - after
        if after.nodes:
            whole += Pipeline(
                after,
                inputs={dataset: renames[dataset] for dataset in read},
                namespace=AFTER_DECISION,
                prefix_datasets_with_namespace=False,
            )
    return whole


def score_pipeline(pipelines: dict[str, Pipeline]) -> Pipeline:
    """Score the scoring snapshot with the registry's champions; no node of it fits anything."""
    parts = []
    for name in SCORE:
        pipeline = pipelines[name]
        champions = {a: CHAMPION + a for a in fitted_artefacts(pipeline)}
        parts.append(_reading(scoring_part(pipeline), champions))
    return sum(parts, Pipeline([]))
