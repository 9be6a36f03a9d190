"""M1: the probability that a long-tail customer reaches the high-value line, and service tiers."""

from customer_classification.pipelines.potential_model.pipeline import create_pipeline

__all__ = ["create_pipeline"]
