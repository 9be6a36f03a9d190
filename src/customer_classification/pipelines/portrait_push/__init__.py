"""``portrait_push``: the group-portrait credit push model (M4), step by step."""

from customer_classification.pipelines.portrait_push.pipeline import create_pipeline

__all__ = ["create_pipeline"]
