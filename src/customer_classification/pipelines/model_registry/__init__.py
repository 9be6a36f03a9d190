"""``model_registry``: versioned models, champion/challenger decisions of each retrain."""

from customer_classification.pipelines.model_registry.pipeline import create_pipeline

__all__ = ["create_pipeline"]
