"""Project pipelines."""

from __future__ import annotations

import importlib
import importlib.resources

from kedro.pipeline import Pipeline

from customer_classification.operations import COMPOSED, retrain_pipeline, score_pipeline


def _every_pipeline() -> dict[str, Pipeline]:
    """Each package under ``pipelines/`` by its name. Kedro's ``find_pipelines`` imports only the
    pipelines named by ``kedro run --pipelines``; ``retrain``, ``score`` and ``__default__`` are
    made of the others, so they are all created here whatever the run asked for."""
    package = importlib.resources.files("customer_classification.pipelines")
    found = {}
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            module = importlib.import_module(f"customer_classification.pipelines.{entry.name}")
            found[entry.name] = module.create_pipeline()
    return found


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines, ``retrain`` and ``score`` (docs/operations.md).

    ``__default__`` is the demo end to end: the demo bank, a retrain on it, and every other
    pipeline (the demo checks).

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = _every_pipeline()
    others = [pipeline for name, pipeline in pipelines.items() if name not in COMPOSED]
    pipelines["retrain"] = retrain_pipeline(pipelines)
    pipelines["score"] = score_pipeline(pipelines)
    pipelines["__default__"] = pipelines["retrain"] + sum(others, Pipeline([]))
    return pipelines
