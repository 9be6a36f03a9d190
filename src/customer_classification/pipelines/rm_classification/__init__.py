"""``rm_classification``: relationship-manager types from their clients' product mix (method M5)."""

from customer_classification.pipelines.rm_classification.pipeline import create_pipeline

__all__ = ["create_pipeline"]
